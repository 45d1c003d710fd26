import type { ChannelNodeParameters } from '../types';
import { DEFAULT_MAX_SEGMENTS } from './builder';

/** SMS Send's own parameters (the text fields come from copy.ts), placed by sendNodeProperties among the shared ones. */
export function smsNodeParameters(): Omit<ChannelNodeParameters, 'copy'> {
	return {
		discount: { codeDescription: 'Empty = no discount sentence. Usually the Discount Code node’s output.', validUntil: false },
		properties: [
			{
				displayName:
					'Each SMS is billed per segment. With plain characters (GSM-7: letters without accents, é ö ü, digits, most punctuation) a segment holds 160 characters, or 153 each when the SMS is longer. A single á, í, ó, ú, ő, ű or emoji makes the whole SMS UCS-2: 70 characters, or 67 each — two to three times the price. The shipped text takes one or two segments for a typical cart; Preview shows what yours takes, and each sent SMS shows it in the output.',
				name: 'segmentsNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Avoid Costly Characters',
				name: 'transliterate',
				type: 'boolean',
				default: true,
				description: 'Whether to write á í ó ú ő ű as a i o u ö ü and leave out emoji, so the SMS stays in the cheaper GSM-7 alphabet (160 characters per segment instead of 70). Names and product names are rewritten too.',
			},
			{
				displayName: 'Max Segments per SMS',
				name: 'maxSegments',
				type: 'number',
				default: DEFAULT_MAX_SEGMENTS,
				typeOptions: { minValue: 1, maxValue: 10 },
				description: 'A longer SMS is not sent: the item fails, or goes to the error output when On Error is set to continue with it (the shipped workflow then sends the email instead). Twilio’s own limit is 1,600 characters.',
			},
			{
				displayName: 'Add Opt-Out Line',
				name: 'optOut',
				type: 'boolean',
				default: true,
				description: 'Whether to end the SMS with how to stop these messages (default “Leiratkozhatsz egy STOP üzenettel.” / “Reply STOP to opt out”)',
			},
			{
				displayName: 'Opt-Out Text',
				name: 'optOutText',
				type: 'string',
				default: '',
				placeholder: 'Leiratkozhatsz egy STOP üzenettel.',
				description: 'Empty = the language’s default line',
				displayOptions: { show: { optOut: [true] } },
			},
			{
				displayName: 'Default Country',
				name: 'region',
				type: 'string',
				default: 'HU',
				placeholder: 'HU',
				description: 'Two-letter country code (HU, AT, DE…) for numbers written without a country code: "06 30 123 4567" becomes +36301234567. Numbers that are not valid go to Skipped.',
			},
		],
		options: [
			{
				displayName: 'Link URL',
				name: 'restoreUrl',
				type: 'string',
				default: '',
				description: 'The link in the SMS (e.g. a short link); empty = the cart’s restore URL',
			},
			{ displayName: 'Shop Name', name: 'shopName', type: 'string', default: '', description: 'Signs the SMS on its own line; empty = no signature' },
			{
				displayName: 'Status Callback URL',
				name: 'statusCallback',
				type: 'string',
				default: '',
				description:
					'Paste the Channel Events Trigger’s Twilio URL here so delivery reports reach the store. Twilio posts each message’s status (sent, delivered, failed) to it; the node adds the message’s ID to the URL so the report finds its message.',
			},
		],
	};
}

import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { CountryCode } from 'libphonenumber-js';

import { DEFAULT_MAX_SEGMENTS, prepareSmsTemplates, smsChannel, smsCostHints } from '../../lib/delivery/channels/sms';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, type SendSetup } from '../../lib/delivery/node';
import { isoRegion, regionOrFail } from '../../lib/n8n/isoCodes';
import { optionalStr as str } from '../../lib/n8n/parameters';
import { twilioCartRecoveryTest } from '../../lib/n8n/providers';
import { cartRecoveryStoreTest } from '../../lib/n8n/store';
import { TwilioSmsClient, type TwilioCredentials } from '../../lib/providers/twilio';

export class SmsSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMS Send',
		name: 'smsSend',
		icon: { light: 'file:smsSend.svg', dark: 'file:smsSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{"stage " + $parameter["stage"] + ($parameter["transliterate"] ? " · GSM-7" : "")}}',
		description: 'Sends the cart reminder SMS through Twilio: consent, quiet hours, frequency cap, exactly once, segment count',
		defaults: { name: 'SMS Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: DELIVERY_OUTPUT_NAMES,
		usableAsTool: undefined, // not an AI tool: it texts customers (n8n-workflow's type has no `false`)
		credentials: [
			// Labelled for what each is for: without displayName n8n labels both fields just "Credential".
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'twilioCartRecoveryApi', displayName: 'Twilio Account (Sends the SMS)', required: true, testedBy: 'twilioCartRecoveryTest' },
		],
		properties: sendNodeProperties({
			channel: 'sms',
			noun: 'SMS',
			templates: {
				builtIn: 'The shipped Hungarian / English reminder',
				custom: { name: 'Custom', description: 'Your own Handlebars text' },
			},
			customTemplate: [
				{
					displayName: 'Message Template',
					name: 'smsTemplate',
					type: 'string',
					typeOptions: { rows: 4 },
					default: '',
					required: true,
					placeholder: 'Szia, {{customer.first_name}}! Még megvan a kosarad ({{total_text}}): {{restore_url}}',
					description: 'Handlebars: customer.first_name, total_text, items, discount.code, discount.text, restore_url, shop.name, intro',
					displayOptions: { show: { template: ['custom'] } },
				},
			],
			discount: { codeDescription: 'Empty = no discount sentence. Usually the Discount Code node’s output.', validUntil: false },
			properties: [
				{
					displayName:
						'Each SMS is billed per segment. With plain characters (GSM-7: letters without accents, é ö ü, digits, most punctuation) a segment holds 160 characters, or 153 each when the SMS is longer. A single á, í, ó, ú, ő, ű or emoji makes the whole SMS UCS-2: 70 characters, or 67 each — two to three times the price. The shipped text takes one or two segments for a typical cart; each sent SMS shows its encoding and segments in the output.',
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
					description: 'ISO 3166 two-letter country for numbers without a country code: "06 30 123 4567" becomes +36301234567. Invalid numbers go to Skipped.',
				},
			],
			options: [
				{
					displayName: 'Intro Text',
					name: 'intro',
					type: 'string',
					typeOptions: { rows: 2 },
					default: '',
					description: 'Your own words instead of the first sentence after the greeting; empty = the shipped sentence for the stage',
				},
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
					description: 'Twilio posts delivery status here (e.g. the Channel Events trigger’s URL)',
				},
			],
		}),
	};

	methods = { credentialTest: { cartRecoveryStoreTest, twilioCartRecoveryTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Before anything is claimed or sent: an unknown region ("XX") would read every national number as
		// invalid and skip every SMS as "not a valid phone number". Empty keeps meaning HU. With Continue On Fail
		// the item fails alone: smsChannel refuses the region, so the item goes to Skipped / the error output.
		const regions = this.getInputData().map((_, i) => {
			const value = String(this.getNodeParameter('region', i, 'HU') ?? '').trim() || 'HU';
			const region = isoRegion(value);
			if (region) return region as CountryCode;
			if (this.continueOnFail()) return value as CountryCode;
			return regionOrFail(this.getNode(), 'Default Country', value, i) as CountryCode;
		});
		const outputs = await executeSendNode(this, {
			credential: 'twilioCartRecoveryApi',
			prepare: async ({ credentials, language, customTemplate }: SendSetup<TwilioCredentials>) => ({
				templateFor: prepareSmsTemplates(language, customTemplate ? String(this.getNodeParameter('smsTemplate', 0, '')) : undefined),
				client: new TwilioSmsClient(credentials),
			}),
			adapter: (shared, { index: i, request, language, options, discount, intro, restoreUrl }) => {
				const optOut = this.getNodeParameter('optOut', i, true) as boolean;
				return smsChannel(
					{
						client: shared.client,
						language,
						stage: request.stage,
						shop: { name: str(options.shopName) },
						discount,
						intro,
						restoreUrl,
						region: regions[i],
						transliterate: this.getNodeParameter('transliterate', i, true) as boolean,
						maxSegments: Number(this.getNodeParameter('maxSegments', i, DEFAULT_MAX_SEGMENTS)) || DEFAULT_MAX_SEGMENTS,
						optOutLine: optOut ? String(this.getNodeParameter('optOutText', i, '') ?? '') : null,
						statusCallback: str(options.statusCallback),
					},
					shared.templateFor,
				);
			},
		});
		const hints = smsCostHints(outputs[0].map((item) => (item.json.delivery ?? {}) as Record<string, unknown>));
		if (hints.length) this.addExecutionHints(...hints);
		return outputs;
	}
}

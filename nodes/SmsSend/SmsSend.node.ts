import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { CountryCode } from 'libphonenumber-js';

import { SMS_COPY_FIELDS, smsCopyProperties } from '../../lib/delivery/channels/copy';
import { previewEachItem, smsCost } from '../../lib/delivery/channels/preview';
import { DEFAULT_MAX_SEGMENTS, renderSmsFor, smsChannel, smsCostHints, smsPreviewOptions, smsTemplatesFromFields } from '../../lib/delivery/channels/sms';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, sendNodeSubtitle, type SendSetup } from '../../lib/delivery/node';
import { isoRegion, regionOrFail } from '../../lib/n8n/isoCodes';
import { toNodeError } from '../../lib/n8n/errors';
import { optionalStr as str } from '../../lib/n8n/parameters';
import { twilioCartRecoveryTest } from '../../lib/n8n/providers';
import { cartRecoveryStoreTest } from '../../lib/n8n/store';
import { TwilioSmsClient, type TwilioCredentials } from '../../lib/providers/twilio';
import { buildTemplateContext, LANGUAGES, TemplateError, type Language } from '../../lib/templates';

export class SmsSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMS Send',
		name: 'smsSend',
		icon: { light: 'file:smsSend.svg', dark: 'file:smsSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: sendNodeSubtitle(),
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
			copy: smsCopyProperties(),
			preview: {
				method: 'smsPreview',
				dependsOn: ['stage', 'language', 'transliterate', 'maxSegments', 'optOut', 'optOutText', ...SMS_COPY_FIELDS],
				description: 'Open the list to read this SMS as Anna, a sample customer with two items in her cart, would get it, with what it costs',
			},
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
					description: 'Twilio posts delivery status here (e.g. the Channel Events trigger’s URL)',
				},
			],
		}),
	};

	methods = {
		credentialTest: { cartRecoveryStoreTest, twilioCartRecoveryTest },
		loadOptions: { smsPreview: smsPreviewOptions },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// null, not an error, for a field the node does not have for this item (another language's, hidden).
		const templates = smsTemplatesFromFields((name, i) => this.getNodeParameter(name, i, null));
		const settingsOf = (i: number) => {
			const optOut = this.getNodeParameter('optOut', i, true) as boolean;
			return {
				optOutLine: optOut ? String(this.getNodeParameter('optOutText', i, '') ?? '') : null,
				transliterate: this.getNodeParameter('transliterate', i, true) as boolean,
				maxSegments: Number(this.getNodeParameter('maxSegments', i, DEFAULT_MAX_SEGMENTS)) || DEFAULT_MAX_SEGMENTS,
			};
		};
		if (this.getNodeParameter('mode', 0, 'send') === 'preview') return [await previewSms(this, templates, settingsOf), [], []];
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
			prepare: async ({ credentials, language }: SendSetup<TwilioCredentials>) => {
				// Every item's SMS Text, in every language it may be sent in, compiles now: a broken field fails the
				// node, naming the field, before anything is claimed or sent.
				const languages: Language[] = language === 'auto' ? [...LANGUAGES] : [language];
				this.getInputData().forEach((_, i) => languages.forEach((lang) => templates(i, lang)));
				return { client: new TwilioSmsClient(credentials) };
			},
			adapter: (shared, { index: i, request, language, options, discount, intro, restoreUrl }) => {
				const settings = settingsOf(i);
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
						transliterate: settings.transliterate,
						maxSegments: settings.maxSegments,
						optOutLine: settings.optOutLine,
						statusCallback: str(options.statusCallback),
					},
					(lang) => templates(i, lang),
				);
			},
			preview: async () => previewSms(this, templates, settingsOf),
		});
		const hints = smsCostHints(outputs[0].map((item) => (item.json.delivery ?? {}) as Record<string, unknown>));
		if (hints.length) this.addExecutionHints(...hints);
		return outputs;
	}
}

/** Mode Preview Only: the SMS each input item would get (or the sample cart's), with its cost; nothing is sent. */
async function previewSms(
	ctx: IExecuteFunctions,
	templates: ReturnType<typeof smsTemplatesFromFields>,
	settingsOf: (i: number) => { optOutLine: string | null; transliterate: boolean; maxSegments: number },
): Promise<INodeExecutionData[]> {
	return previewEachItem(ctx, ({ index: i, cart, sample, lang, stage, discount }) => {
		const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
		const settings = settingsOf(i);
		let sms;
		try {
			const offer = ctx.getInputData()[i]?.json?.offer as IDataObject | undefined;
			const context = buildTemplateContext({
				cart,
				stage,
				language: lang,
				shop: { name: str(options.shopName) },
				discount,
				intro: typeof offer?.intro === 'string' ? offer.intro : null,
				restoreUrl: str(options.restoreUrl),
			});
			sms = renderSmsFor(templates(i, lang), context, settings);
		} catch (error) {
			if (error instanceof TemplateError) throw new NodeOperationError(ctx.getNode(), error.message, { itemIndex: i, description: 'Fix the text; nothing was sent' });
			throw toNodeError(ctx.getNode(), error, i);
		}
		const { cost, warning } = smsCost(sms, settings.maxSegments);
		return {
			json: {
				cart_id: sample ? null : cart.cart_id,
				sample_cart: sample,
				preview: {
					channel: 'sms',
					language: lang,
					stage,
					text: sms.body,
					characters: sms.characters,
					encoding: sms.encoding,
					...(sms.nonGsmCharacters.length ? { non_gsm_characters: sms.nonGsmCharacters.join('') } : {}),
					segments: sms.segments,
					per_segment: sms.perSegment,
					transliterated: sms.transliterated,
					cost,
					...(warning ? { warning } : {}),
				},
			},
			pairedItem: { item: i },
		};
	});
}

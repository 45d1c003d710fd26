/**
 * The SMS channel: Twilio through the twilio SDK, E.164 numbers, GSM-7 / UCS-2 segment facts, STOP (21610) as a
 * withdrawal. Everything SMS Send knows beyond the shared send-node code is here.
 */
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { toNodeError } from '../../n8n/errors';
import { isoRegion, regionOrFail } from '../../n8n/isoCodes';
import { optionalStr as str } from '../../n8n/parameters';
import { buildTemplateContext, LANGUAGES, TemplateError, type Language } from '../../templates';
import type { CountryCode } from '../phone';
import type { ChannelDefinition, ChannelSender } from '../types';
import { smsAddress } from './address';
import {
	DEFAULT_MAX_SEGMENTS,
	renderSmsFor,
	SMS_ERROR_RULES,
	smsAdapter,
	smsCost,
	smsCostHints,
	smsPreviewOptions,
	smsRecipient,
	smsTemplatesFromFields,
	type SmsMessage,
} from './builder';
import { SMS_COPY_FIELDS, smsCopyProperties } from './copy';
import { smsNodeParameters } from './parameters';
import { TWILIO_MAX_BODY_CHARACTERS, TwilioSmsClient, type TwilioCredentials } from './transport';

export { smsAddress } from './address';
export * from './builder';
export * from './copy';
import { twilioWebhook } from './events';

export { twilioSigningToken, twilioWebhook } from './events';
export * from './transport';

interface SmsShared {
	client: TwilioSmsClient;
	/** Each item's Default Country (an unknown one kept under Continue On Fail: that item fails alone). */
	regions: CountryCode[];
}

/** SMS Send's execution: per-item settings from its parameters. */
function smsSender(ctx: IExecuteFunctions): ChannelSender<TwilioCredentials, TwilioSmsClient, SmsShared, SmsMessage> {
	// null, not an error, for a field the node does not have for this item (another language's, hidden).
	const templates = smsTemplatesFromFields((name, i) => ctx.getNodeParameter(name, i, null));
	const settingsOf = (i: number) => {
		const optOut = ctx.getNodeParameter('optOut', i, true) as boolean;
		return {
			optOutLine: optOut ? String(ctx.getNodeParameter('optOutText', i, '') ?? '') : null,
			transliterate: ctx.getNodeParameter('transliterate', i, true) as boolean,
			maxSegments: Number(ctx.getNodeParameter('maxSegments', i, DEFAULT_MAX_SEGMENTS)) || DEFAULT_MAX_SEGMENTS,
		};
	};
	return {
		prepare: async ({ client, language }) => {
			// Before anything is claimed or sent: an unknown region ("XX") would read every national number as
			// invalid and skip every SMS as "not a valid phone number". Empty keeps meaning HU. With Continue On Fail
			// the item fails alone: smsAdapter refuses the region, so the item goes to Skipped / the error output.
			const regions = ctx.getInputData().map((_, i) => {
				const value = String(ctx.getNodeParameter('region', i, 'HU') ?? '').trim() || 'HU';
				const region = isoRegion(value);
				if (region) return region as CountryCode;
				if (ctx.continueOnFail()) return value as CountryCode;
				return regionOrFail(ctx.getNode(), 'Default Country', value, i) as CountryCode;
			});
			// Every item's SMS Text, in every language it may be sent in, compiles now: a broken field fails the
			// node, naming the field, before anything is claimed or sent.
			const languages: Language[] = language === 'auto' ? [...LANGUAGES] : [language];
			ctx.getInputData().forEach((_, i) => languages.forEach((lang) => templates(i, lang)));
			return { client, regions };
		},
		adapter: (shared, { index: i, request, language, options, discount, intro, aiCopy, restoreUrl }) => {
			const settings = settingsOf(i);
			return smsAdapter(
				{
					client: shared.client,
					language,
					stage: request.stage,
					shop: { name: str(options.shopName) },
					discount,
					intro,
					written: aiCopy,
					restoreUrl,
					region: shared.regions[i],
					transliterate: settings.transliterate,
					maxSegments: settings.maxSegments,
					optOutLine: settings.optOutLine,
					statusCallback: str(options.statusCallback),
				},
				(lang) => templates(i, lang),
			);
		},
		preview: ({ index: i, cart, sample, lang, stage, discount }) => {
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
		},
		hints: (sent) => smsCostHints(sent.map((item) => (item.json.delivery ?? {}) as Record<string, unknown>)),
	};
}

export const smsChannel: ChannelDefinition<TwilioCredentials, TwilioSmsClient, SmsShared, SmsMessage> = {
	name: 'sms',
	noun: 'SMS',
	provider: 'Twilio',
	address: smsAddress,
	recipient: smsRecipient,
	credential: {
		name: 'twilioCartRecoveryApi',
		testedBy: 'twilioCartRecoveryTest',
		async test(credential) {
			try {
				const result = await new TwilioSmsClient(credential.data as unknown as TwilioCredentials).test();
				return { status: result.ok ? 'OK' : 'Error', message: result.message };
			} catch (error) {
				return { status: 'Error', message: (error as Error).message };
			}
		},
	},
	client: (credentials) => new TwilioSmsClient(credentials),
	limits: { bodyCharacters: TWILIO_MAX_BODY_CHARACTERS, maxSegments: DEFAULT_MAX_SEGMENTS },
	// A text at night wakes people: quiet hours on, one SMS per customer a day, unless the node says otherwise.
	policy: { quietHours: true, frequencyCap: 1, capLabel: 'Max SMS per Customer' },
	parameters: { ...smsNodeParameters(), copy: smsCopyProperties() },
	preview: {
		method: 'smsPreview',
		options: smsPreviewOptions,
		dependsOn: ['stage', 'language', 'transliterate', 'maxSegments', 'optOut', 'optOutText', ...SMS_COPY_FIELDS],
		description: 'Open the list to read this SMS as Anna, a sample customer with two items in her cart, would get it, with what it costs',
	},
	sender: smsSender,
	errors: SMS_ERROR_RULES,
	events: twilioWebhook,
};

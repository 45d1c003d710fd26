import type { ILoadOptionsFunctions, INodePropertyOptions, NodeExecutionHint } from 'n8n-workflow';

import type { CopySource, WrittenCopy } from '../../ai/types';
import { describeCopy, withWritten, writtenText } from '../../ai/written';
import { DeliveryError } from '../../delivery/errors';
import type { ChannelAdapter, RecipientResult } from '../../delivery/types';
import type { Cart } from '../../store';
import {
	buildTemplateContext,
	sendContext,
	renderSms,
	smsTemplate,
	TemplateError,
	type CompiledTemplate,
	type MessageTemplateContext,
	type DiscountInfo,
	type Language,
	type RenderedSms,
	type ShopInfo,
} from '../../templates';
import { templateLanguage } from '../../templates/helpers';
import { copyFieldName, copyValue } from '../copy';
import { isPhoneCountry, phoneRecipient, type CountryCode } from '../phone';
import { panelParameter, panelSetup, previewLine, sampleCart, sampleLine } from '../preview';
import { permanentFailureHook } from '../rules';
import type { ProviderErrorRule } from '../types';
import { MESSAGE_ID_PARAM } from './events';
import { TWILIO_ERRORS, TWILIO_MAX_BODY_CHARACTERS, type TwilioSmsClient } from './transport';

export { phoneRecipient } from '../phone';

// Only GSM-7 characters (no á í ó ú ő ű), like the shipped texts: the line alone must not make an SMS UCS-2.
export const DEFAULT_OPT_OUT: Record<Language, string> = { hu: 'Leiratkozhatsz egy STOP üzenettel.', en: 'Reply STOP to opt out' };

/** Default of SMS Send's Max Segments: the shipped copy takes 1–2 segments, so 4 only stops a runaway text. */
export const DEFAULT_MAX_SEGMENTS = 4;
/** Above this many segments a sent SMS gets a cost hint in the node's output (the shipped copy stays within it). */
export const SEGMENT_HINT_ABOVE = 2;

/** Twilio error codes with a meaning beyond "failed": 21610, the recipient replied STOP to this sender. */
export const SMS_ERROR_RULES: ProviderErrorRule[] = [{ code: TWILIO_ERRORS.UNSUBSCRIBED, action: 'withdraw', skip: 'opted_out', source: 'twilio_21610' }];

/** The cart's phone number as E.164 (numbers without a country code read in `region`); the consent subject it is asked about. */
export function smsRecipient(cart: Cart, region: CountryCode = 'HU'): RecipientResult {
	const phone = phoneRecipient(cart.phone, region);
	if (!phone.ok) return phone;
	return { ok: true, address: phone.e164, subject: { customerId: cart.customer_id, phone: phone.e164 } };
}

export interface SmsChannelOptions {
	client: TwilioSmsClient;
	language: Language | 'auto';
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	/** The AI Offer Writer's copy: its SMS text replaces the template in its language while it fits the limits. */
	written?: WrittenCopy;
	restoreUrl?: string | null;
	stage: number;
	region?: CountryCode;
	transliterate?: boolean;
	/** An SMS needing more segments is not sent (an error before the provider call); default DEFAULT_MAX_SEGMENTS. */
	maxSegments?: number;
	/** null: no opt-out line; '' : the language's default line. */
	optOutLine?: string | null;
	statusCallback?: string;
	timezone?: string;
}

export interface SmsMessage extends RenderedSms {
	to: string;
	/** The AI Offer Writer's text or the template's, and why the written text was set aside. */
	copy: CopySource;
	copyNote?: string;
	/** The Status Callback URL for this message, our message id on it (see statusCallbackFor). */
	statusCallback?: string;
}

/**
 * The Status Callback URL with `cr_message_id=<our message id>` added to its query, so the Channel Events Trigger
 * knows which of our messages a delivery report is about (Twilio signs the URL, query included, so the id cannot be
 * forged). The query is kept byte for byte (re-encoding it would change the URL the user pasted); a
 * `cr_message_id` already on it is replaced. A string that is not a URL is passed on as given (Twilio refuses it).
 */
export function statusCallbackFor(url: string | undefined, messageId: string): string | undefined {
	const value = url?.trim();
	if (!value) return undefined;
	try {
		new URL(value);
	} catch {
		return value;
	}
	const hash = value.indexOf('#');
	const fragment = hash === -1 ? '' : value.slice(hash);
	const beforeFragment = hash === -1 ? value : value.slice(0, hash);
	const mark = beforeFragment.indexOf('?');
	const base = mark === -1 ? beforeFragment : beforeFragment.slice(0, mark);
	const kept = (mark === -1 ? '' : beforeFragment.slice(mark + 1)).split('&').filter((part) => part !== '' && part.split('=')[0] !== MESSAGE_ID_PARAM);
	return `${base}?${[...kept, `${MESSAGE_ID_PARAM}=${encodeURIComponent(messageId)}`].join('&')}${fragment}`;
}

/**
 * The SMS template of one input item in one language: its SMS Text field, or the shipped text of the stage.
 * A text that is the same for every item compiles once.
 */
export function smsTemplatesFromFields(read: (name: string, itemIndex: number) => unknown): (itemIndex: number, lang: Language) => CompiledTemplate<MessageTemplateContext> {
	const compiled = new Map<string, CompiledTemplate<MessageTemplateContext>>();
	return (i, lang) => {
		const text = copyValue(read(copyFieldName('smsText', lang), i));
		const key = JSON.stringify([lang, text]);
		let template = compiled.get(key);
		if (!template) {
			template = smsTemplate(lang, text);
			compiled.set(key, template);
		}
		return template;
	};
}

/** How SMS Send renders a text: the opt-out line added, costly characters replaced (as the node's fields say). */
export interface SmsRenderSettings {
	/** null: no opt-out line; '' : the language's default line. */
	optOutLine: string | null;
	transliterate: boolean;
	maxSegments: number;
	shopName?: string;
	restoreUrl?: string;
}

export function renderSmsFor(template: CompiledTemplate<MessageTemplateContext>, context: MessageTemplateContext, settings: Pick<SmsRenderSettings, 'optOutLine' | 'transliterate'>): RenderedSms {
	const optOutLine = settings.optOutLine === null ? undefined : settings.optOutLine.trim() || DEFAULT_OPT_OUT[context.lang];
	return renderSms(template, context, { optOutLine, transliterate: settings.transliterate });
}

/** Preview list of SMS Send: per language the whole SMS, what it costs, and a warning when it would not be sent. */
export async function smsPreviewOptions(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const get = panelParameter(this);
	const { stage, languages, discount } = panelSetup(get);
	const both = languages.length > 1;
	const options = get('options') as { shopName?: unknown; restoreUrl?: unknown } | undefined;
	const settings: SmsRenderSettings = {
		optOutLine: get('optOut') === false ? null : String(get('optOutText') ?? ''),
		transliterate: get('transliterate') !== false,
		maxSegments: Number(get('maxSegments')) || DEFAULT_MAX_SEGMENTS,
	};
	const lines = [sampleLine(discount)];
	for (const lang of languages) {
		let sms: RenderedSms;
		try {
			const template = smsTemplate(lang, copyValue(get(copyFieldName('smsText', lang))));
			const context = buildTemplateContext({
				cart: sampleCart(),
				stage,
				language: lang,
				discount,
				shop: { name: typeof options?.shopName === 'string' && !options.shopName.startsWith('=') ? options.shopName : undefined },
				restoreUrl: typeof options?.restoreUrl === 'string' && !options.restoreUrl.startsWith('=') ? options.restoreUrl : undefined,
			});
			sms = renderSmsFor(template, context, settings);
		} catch (error) {
			if (!(error instanceof TemplateError)) throw error;
			lines.push(previewLine(lang, both, 'error', '⚠ Cannot show this text', `${error.templateName}${error.line ? `, line ${error.line}` : ''}: ${error.reason}`));
			continue;
		}
		const { cost, warning } = smsCost(sms, settings.maxSegments);
		lines.push(previewLine(lang, both, 'text', 'SMS', sms.body));
		lines.push(previewLine(lang, both, 'cost', 'Cost', cost));
		if (warning) lines.push(previewLine(lang, both, 'warning', '⚠ Warning', warning));
	}
	return lines;
}

/** The SMS channel for the delivery pipeline: Twilio, E.164 numbers, GSM-7 / UCS-2 segment facts. */
export function smsAdapter(options: SmsChannelOptions, templateFor: (lang: Language) => CompiledTemplate<MessageTemplateContext>): ChannelAdapter<SmsMessage> {
	// An unknown region would make every national number "invalid" and skip every SMS: refuse it outright.
	if (options.region !== undefined && !isPhoneCountry(options.region)) {
		throw new Error(`Default Country: '${options.region}' is not an ISO 3166 country code, e.g. HU`);
	}
	return {
		channel: 'sms',
		provider: 'Twilio',
		recipient: (cart) => smsRecipient(cart, options.region ?? 'HU'),
		render({ cart, address, messageId }) {
			const lang = options.language === 'auto' ? templateLanguage(cart.locale) : options.language;
			const context = sendContext(options, cart, lang);
			const settings = { optOutLine: options.optOutLine === undefined ? '' : options.optOutLine, transliterate: !!options.transliterate };
			const maxSegments = options.maxSegments ?? DEFAULT_MAX_SEGMENTS;
			// The AI Offer Writer's text goes out as written (plain text, checked by its guardrails), with the same opt-out
			// line and character replacement; if it does not fit here after all, the template does — the model never
			// stops a send. The limits apply to the body as it goes out (opt-out line added, characters replaced).
			const written = writtenText(options.written, 'sms', lang);
			const sms = withWritten(written, (text) => {
				const rendered = renderSmsFor(text === undefined ? templateFor(lang) : { name: 'AI Offer Writer', render: () => text }, context, settings);
				checkSmsLimits(rendered, maxSegments);
				return rendered;
			});
			return { to: address, ...sms.value, copy: sms.copy, copyNote: sms.copyNote, statusCallback: statusCallbackFor(options.statusCallback, messageId) };
		},
		async send(message) {
			const accepted = await options.client.send({ to: message.to, body: message.body, statusCallback: message.statusCallback });
			return { providerId: accepted.providerId, details: { twilio_status: accepted.status } };
		},
		describe(message) {
			return {
				body: message.body,
				encoding: message.encoding,
				segments: message.segments,
				characters: message.characters,
				per_segment: message.perSegment,
				transliterated: message.transliterated,
				...(message.nonGsmCharacters.length ? { non_gsm_characters: message.nonGsmCharacters.join('') } : {}),
				...describeCopy(message),
			};
		},
		copyOf: (message) => message.copy,
		// 21610: the recipient replied STOP to this sender; Twilio blocks it. The withdrawal is recorded (GDPR:
		// objection is absolute) so no channel of ours texts this number again.
		onPermanentFailure: permanentFailureHook('sms', SMS_ERROR_RULES),
	};
}

/** "181 characters · GSM-7 · 2 segments — billed as 2 SMS", and a warning when the node would not send it. */
export function smsCost(sms: RenderedSms, maxSegments: number): { cost: string; warning?: string } {
	const encoding = sms.encoding === 'UCS-2' ? `UCS-2 because of ${sms.nonGsmCharacters.map((c) => `‘${c}’`).join(', ')}` : 'GSM-7';
	const cost = `${sms.characters} characters · ${encoding} · ${sms.segments} ${sms.segments === 1 ? 'segment' : 'segments'} — billed as ${sms.segments} SMS`;
	if (sms.characters > TWILIO_MAX_BODY_CHARACTERS) {
		return { cost, warning: `Longer than Twilio’s ${TWILIO_MAX_BODY_CHARACTERS} characters: this SMS would not be sent` };
	}
	if (sms.segments > maxSegments) {
		return { cost, warning: `More than Max Segments per SMS (${maxSegments}): this SMS would not be sent` };
	}
	return { cost };
}

/** Twilio's body limit and the node's Max Segments, checked on the rendered SMS before anything is sent. */
export function checkSmsLimits(sms: RenderedSms, maxSegments: number): void {
	const facts = `${sms.characters} characters, ${sms.encoding}, ${sms.segments} segments`;
	if (sms.characters > TWILIO_MAX_BODY_CHARACTERS) {
		throw new DeliveryError(
			`The SMS is too long for Twilio (${facts}; at most ${TWILIO_MAX_BODY_CHARACTERS} characters): not sent`,
			'Shorten the template or the intro text; nothing was sent, and the SMS can go out once it fits',
		);
	}
	if (sms.segments > maxSegments) {
		throw new DeliveryError(
			`The SMS needs ${sms.segments} segments, more than Max Segments per SMS (${maxSegments}): not sent (${facts}${
				sms.nonGsmCharacters.length ? `; UCS-2 because of ${sms.nonGsmCharacters.join(' ')}` : ''
			})`,
			sms.nonGsmCharacters.length
				? 'Switch on Avoid Costly Characters, shorten the text, or raise Max Segments per SMS; nothing was sent'
				: 'Shorten the text or raise Max Segments per SMS; nothing was sent',
		);
	}
}

/** What a sent SMS cost, as n8n shows it above the node's output: a hint when any took more than SEGMENT_HINT_ABOVE segments. */
export function smsCostHints(sent: Array<{ segments?: unknown; encoding?: unknown; non_gsm_characters?: unknown }>): NodeExecutionHint[] {
	const long = sent.filter((d) => Number(d.segments) > SEGMENT_HINT_ABOVE);
	if (long.length === 0) return [];
	const most = Math.max(...long.map((d) => Number(d.segments)));
	const ucs2 = [...new Set(long.flatMap((d) => (d.encoding === 'UCS-2' ? Array.from(String(d.non_gsm_characters ?? '')) : [])))];
	const count = long.length === 1 ? 'An SMS' : `${long.length} SMS`;
	const why = ucs2.length
		? ` ${ucs2.join(' ')} made ${long.length === 1 ? 'it' : 'them'} UCS-2 (70 characters per segment instead of 160): switch on Avoid Costly Characters, or shorten the text.`
		: ' Shorten the text to pay for fewer segments.';
	return [
		{
			type: 'warning',
			location: 'outputPane',
			message: `${count} took more than ${SEGMENT_HINT_ABOVE} segments (up to ${most}); each segment is billed as one SMS.${why}`,
		},
	];
}

import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

import { TWILIO_ERRORS, TwilioSmsClient } from '../../providers/twilio';
import {
	buildTemplateContext,
	renderSms,
	smsTemplate,
	type DiscountInfo,
	type Language,
	type RenderedSms,
	type ShopInfo,
} from '../../templates';
import { templateLanguage } from '../../templates/helpers';
import type { ChannelAdapter, RecipientResult } from '../types';

export const DEFAULT_OPT_OUT: Record<Language, string> = { hu: 'Leiratkozás: STOP', en: 'Reply STOP to opt out' };

/** A phone number as E.164 (+36301234567): numbers without a country code are read in `region` (HU). */
export function phoneRecipient(phone: string | null | undefined, region: CountryCode = 'HU'): { ok: true; e164: string } | { ok: false; reason: 'no_address' | 'invalid_address'; detail: string } {
	const raw = phone?.trim();
	if (!raw) return { ok: false, reason: 'no_address', detail: 'The cart has no phone number' };
	const parsed = parsePhoneNumberFromString(raw, region);
	if (!parsed || !parsed.isValid()) {
		return { ok: false, reason: 'invalid_address', detail: `"${raw}" is not a valid phone number (read with default region ${region})` };
	}
	return { ok: true, e164: parsed.number };
}

export interface SmsChannelOptions {
	client: TwilioSmsClient;
	language: Language | 'auto';
	customTemplate?: string;
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	restoreUrl?: string | null;
	stage: number;
	region?: CountryCode;
	transliterate?: boolean;
	/** null: no opt-out line; '' : the language's default line. */
	optOutLine?: string | null;
	statusCallback?: string;
	timezone?: string;
}

export interface SmsMessage extends RenderedSms {
	to: string;
}

/** Compiles the SMS templates now, so a broken template fails before anything is claimed or sent. */
export function prepareSmsTemplates(language: Language | 'auto', custom?: string) {
	const languages: Language[] = language === 'auto' ? ['hu', 'en'] : [language];
	const compiled = new Map(languages.map((l) => [l, smsTemplate(l, custom)]));
	return (lang: Language) => compiled.get(lang) ?? compiled.values().next().value!;
}

/** The SMS channel for the delivery pipeline: Twilio, E.164 numbers, GSM-7 / UCS-2 segment facts. */
export function smsChannel(options: SmsChannelOptions, templateFor: ReturnType<typeof prepareSmsTemplates>): ChannelAdapter<SmsMessage> {
	// An unknown region would make every national number "invalid" and skip every SMS: refuse it outright.
	if (options.region !== undefined && !isSupportedCountry(options.region)) {
		throw new Error(`Default Country: '${options.region}' is not an ISO 3166 country code, e.g. HU`);
	}
	return {
		channel: 'sms',
		provider: 'Twilio',
		recipient(cart): RecipientResult {
			const phone = phoneRecipient(cart.phone, options.region ?? 'HU');
			if (!phone.ok) return phone;
			return { ok: true, address: phone.e164, subject: { customerId: cart.customer_id, phone: phone.e164 } };
		},
		render({ cart, address }) {
			const lang = options.language === 'auto' ? templateLanguage(cart.locale) : options.language;
			const context = buildTemplateContext({
				cart,
				stage: options.stage,
				language: lang,
				shop: options.shop,
				discount: options.discount,
				intro: options.intro,
				restoreUrl: options.restoreUrl,
				timezone: options.timezone,
			});
			const optOutLine = options.optOutLine === null ? undefined : options.optOutLine?.trim() || DEFAULT_OPT_OUT[lang];
			return { to: address, ...renderSms(templateFor(lang), context, { optOutLine, transliterate: options.transliterate }) };
		},
		async send(message) {
			const accepted = await options.client.send({ to: message.to, body: message.body, statusCallback: options.statusCallback });
			return { providerId: accepted.providerId, details: { twilio_status: accepted.status } };
		},
		describe(message) {
			return {
				body: message.body,
				encoding: message.encoding,
				segments: message.segments,
				characters: message.characters,
				transliterated: message.transliterated,
				...(message.nonGsmCharacters.length ? { non_gsm_characters: message.nonGsmCharacters.join('') } : {}),
			};
		},
		async onPermanentFailure(error, { store, address }) {
			// 21610: the recipient replied STOP to this sender; Twilio blocks it. Record the withdrawal (GDPR:
			// objection is absolute) so no channel of ours texts this number again.
			if (Number(error.code) === TWILIO_ERRORS.UNSUBSCRIBED) {
				await store.withdrawConsent({ channel: 'sms', address, source: 'twilio_21610', detail: error.summary() });
				return { skipReason: 'opted_out' };
			}
			return undefined;
		},
	};
}

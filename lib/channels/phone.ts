/**
 * Phone numbers, once for every channel that sends to one (SMS now, WhatsApp next) and for consent addressing:
 * E.164 with libphonenumber-js, numbers without a country code read in a default country (Hungarian shops
 * first: 06 30 … → +36 30 …). The store's SQL normalises again on its side (cart_recovery.normalise_address).
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export type { CountryCode } from 'libphonenumber-js';

export const DEFAULT_PHONE_COUNTRY: CountryCode = 'HU';

/** A phone number in E.164 (+36301234567), or the input tidied when it cannot be parsed (consent keys, lookups). */
export function toE164(phone: string, country: CountryCode = DEFAULT_PHONE_COUNTRY): string {
	const trimmed = phone.trim();
	const parsed = parsePhoneNumberFromString(trimmed, country);
	if (parsed && parsed.isPossible()) return parsed.number;
	return trimmed.replace(/[\s().\-/]/g, '');
}

export type PhoneRecipient = { ok: true; e164: string } | { ok: false; reason: 'no_address' | 'invalid_address'; detail: string };

/** A number a message can go to, as E.164 (+36301234567): numbers without a country code are read in `region` (HU). */
export function phoneRecipient(phone: string | null | undefined, region: CountryCode = DEFAULT_PHONE_COUNTRY): PhoneRecipient {
	const raw = phone?.trim();
	if (!raw) return { ok: false, reason: 'no_address', detail: 'The cart has no phone number' };
	const parsed = parsePhoneNumberFromString(raw, region);
	if (!parsed || !parsed.isValid()) {
		return { ok: false, reason: 'invalid_address', detail: `"${raw}" is not a valid phone number (read with default region ${region})` };
	}
	return { ok: true, e164: parsed.number };
}

/** Whether a default country is one libphonenumber knows (an unknown one would make every national number invalid). */
export function isPhoneCountry(region: string): region is CountryCode {
	return isSupportedCountry(region);
}

/** "+36 30 *** **67": the country and area codes stay, then every digit but the last two becomes *. Null when it is not a phone number. */
export function maskPhone(value: string): string | null {
	const phone = parsePhoneNumberFromString(value);
	if (!phone) return null;
	const [country, area, ...rest] = phone.formatInternational().split(' ');
	let keep = 2;
	const masked = rest
		.join(' ')
		.split('')
		.reverse()
		.map((c) => (/\d/.test(c) ? (keep-- > 0 ? c : '*') : c))
		.reverse()
		.join('');
	return [country, area, masked].filter(Boolean).join(' ');
}

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

import type { Channel, ConsentSubject } from '../store/types';

/** Hungarian shops first: a phone without a country code is read as Hungarian (06 30 … → +36 30 …). */
export const DEFAULT_PHONE_COUNTRY: CountryCode = 'HU';

/** A phone number in E.164 (+36301234567), or the input tidied when it cannot be parsed. */
export function toE164(phone: string, country: CountryCode = DEFAULT_PHONE_COUNTRY): string {
	const trimmed = phone.trim();
	const parsed = parsePhoneNumberFromString(trimmed, country);
	if (parsed && parsed.isPossible()) return parsed.number;
	return trimmed.replace(/[\s().\-/]/g, '');
}

/**
 * The address consent is keyed on for a channel: email → lower-cased email; sms and whatsapp → E.164 phone;
 * messenger → the page-scoped id as given. Null for an empty address. The SQL side normalises again
 * (cart_recovery.normalise_address), so both agree whoever calls the store.
 */
export function normaliseAddress(channel: Channel, address: string | null | undefined, country?: CountryCode): string | null {
	const value = (address ?? '').trim();
	if (!value) return null;
	switch (channel) {
		case 'email':
			return value.toLowerCase();
		case 'sms':
		case 'whatsapp':
			return toE164(value, country);
		default:
			return value;
	}
}

/** The address a subject has on a channel (whatsapp: whatsappPhone, else phone). */
export function subjectAddress(subject: ConsentSubject, channel: Channel): string | null {
	switch (channel) {
		case 'email':
			return normaliseAddress('email', subject.email);
		case 'sms':
			return normaliseAddress('sms', subject.phone);
		case 'whatsapp':
			return normaliseAddress('whatsapp', subject.whatsappPhone || subject.phone);
		case 'messenger':
			return normaliseAddress('messenger', subject.messengerPsid);
	}
}

/** The subject as the SQL functions take it (snake case, phones in E.164). */
export function subjectToSql(subject: ConsentSubject): Record<string, string | null> {
	const phone = subject.phone ? normaliseAddress('sms', subject.phone) : null;
	const whatsapp = subject.whatsappPhone ? normaliseAddress('whatsapp', subject.whatsappPhone) : null;
	return {
		customer_id: subject.customerId?.toString().trim() || null,
		email: normaliseAddress('email', subject.email),
		phone,
		whatsapp_phone: whatsapp,
		messenger_psid: normaliseAddress('messenger', subject.messengerPsid),
	};
}

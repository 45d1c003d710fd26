import type { CountryCode } from 'libphonenumber-js';

import { CHANNEL_ADDRESSES } from '../channels/address';
import type { Channel, ConsentSubject } from '../store/types';

// Phone numbers are normalised in one place, lib/channels/phone.ts; re-exported for the consent API.
export { DEFAULT_PHONE_COUNTRY, toE164 } from '../channels/phone';

/**
 * The address consent is keyed on for a channel, as the channel's addressing says (lib/channels/address.ts):
 * email → lower-cased email; sms and whatsapp → E.164 phone; messenger → the page-scoped id as given. Null for an
 * empty address. The SQL side normalises again (cart_recovery.normalise_address), so both agree whoever calls the store.
 */
export function normaliseAddress(channel: Channel, address: string | null | undefined, country?: CountryCode): string | null {
	const value = (address ?? '').trim();
	if (!value) return null;
	// A channel the package does not know goes to the store as given: the store refuses it (22023), naming the channel.
	const addressing = CHANNEL_ADDRESSES[channel] as (typeof CHANNEL_ADDRESSES)[Channel] | undefined;
	return addressing ? addressing.normalise(value, country) : value;
}

/** The subject as the SQL functions take it (snake case, phones in E.164). */
export function subjectToSql(subject: ConsentSubject): Record<string, string | null> {
	const sql: Record<string, string | null> = { customer_id: subject.customerId?.toString().trim() || null };
	for (const [channel, address] of Object.entries(CHANNEL_ADDRESSES) as Array<[Channel, (typeof CHANNEL_ADDRESSES)[Channel]]>) {
		sql[address.subject.sql] = normaliseAddress(channel, subject[address.subject.field]);
	}
	return sql;
}

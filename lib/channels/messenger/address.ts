import type { ChannelAddress } from '../types';

/**
 * Messenger addressing: the page-scoped id (PSID) Meta gives a customer who wrote to the shop's Facebook page.
 * Consent is keyed on it as given (digits, trimmed); masked to its last four digits, `***2468`.
 */
export const messengerAddress: ChannelAddress = {
	label: 'Messenger',
	noun: 'Messenger address',
	subject: { field: 'messengerPsid', sql: 'messenger_psid' },
	normalise: (value) => value.trim(),
	mask: (value) => {
		const id = value.trim();
		return id.length > 6 ? `***${id.slice(-4)}` : null;
	},
};

/** A PSID as Meta gives it: digits only (sent as a string; a JSON number would lose digits). */
export const isPsid = (value: string) => /^\d{5,64}$/.test(value);

import { maskPhone, toE164 } from '../phone';
import type { ChannelAddress } from '../types';

/** SMS addressing: consent is keyed on the E.164 number; masked `+36 30 *** **67`. */
export const smsAddress: ChannelAddress = {
	label: 'SMS',
	noun: 'phone number',
	subject: { field: 'phone', sql: 'phone' },
	normalise: (value, country) => toE164(value, country),
	mask: maskPhone,
};

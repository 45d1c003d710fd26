import { maskPhone, toE164 } from '../phone';
import type { ChannelAddress } from '../types';

/** WhatsApp addressing: consent is keyed on the WhatsApp number (else the cart's phone) in E.164; masked like a phone. */
export const whatsappAddress: ChannelAddress = {
	label: 'WhatsApp',
	noun: 'WhatsApp address',
	subject: { field: 'whatsappPhone', fallback: 'phone', sql: 'whatsapp_phone' },
	normalise: (value, country) => toE164(value, country),
	mask: maskPhone,
};

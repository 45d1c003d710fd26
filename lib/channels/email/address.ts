import type { ChannelAddress } from '../types';

const EMAIL = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/;

/** Whether a text is an email address the providers take. */
export const isEmailAddress = (value: string): boolean => EMAIL.test(value);

/** Email addressing: consent is keyed on the lower-cased address; masked `a***@example.hu`. */
export const emailAddress: ChannelAddress = {
	label: 'email',
	noun: 'email address',
	subject: { field: 'email', sql: 'email' },
	normalise: (value) => value.trim().toLowerCase(),
	mask(value) {
		const at = value.lastIndexOf('@');
		return at > 0 ? `${value[0]}***${value.slice(at)}` : null;
	},
};

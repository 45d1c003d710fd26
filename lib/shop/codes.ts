import { randomInt } from 'node:crypto';

/**
 * Discount code alphabet: digits and capitals without the look-alikes 0/O, 1/I/L — 31 symbols, about
 * 4.95 bits each, so the default 10 characters carry ~49.5 bits. Codes are drawn with crypto.randomInt (a CSPRNG,
 * without modulo bias) and are compared case-insensitively everywhere (WooCommerce lower-cases them).
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const MIN_RANDOM_LENGTH = 8;
export const DEFAULT_RANDOM_LENGTH = 10;

/** The prefix as it goes into a code: upper case, letters, digits, - and _ only, at most 20 characters. */
export function cleanPrefix(prefix: string | null | undefined): string {
	const cleaned = (prefix ?? '')
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toUpperCase()
		.replace(/[^A-Z0-9_-]/g, '');
	if (cleaned.length > 20) throw new Error(`The code prefix "${prefix}" is longer than 20 characters`);
	return cleaned;
}

/** prefix + `length` random characters from CODE_ALPHABET. */
export function generateDiscountCode(prefix = '', length = DEFAULT_RANDOM_LENGTH): string {
	if (!Number.isInteger(length) || length < MIN_RANDOM_LENGTH || length > 32) {
		throw new Error(`The random part of a code must be ${MIN_RANDOM_LENGTH}–32 characters, not ${length}`);
	}
	let random = '';
	for (let i = 0; i < length; i++) random += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
	return cleanPrefix(prefix) + random;
}

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Sender verification shared by every inbound webhook of the package (webshop events now, channel events
 * later): HMAC of the raw body and shared-secret headers, always compared in constant time.
 */

export type HmacAlgorithm = 'sha256' | 'sha1';
export type DigestEncoding = 'hex' | 'base64';

/** HMAC of the exact bytes received (never of re-serialised JSON: key order and spacing would differ). */
export function hmacDigest(algorithm: HmacAlgorithm, secret: string, payload: Buffer | string, encoding: DigestEncoding): string {
	return createHmac(algorithm, secret).update(payload).digest(encoding);
}

/**
 * Constant-time equality of two strings. Both sides are hashed to equal-length buffers first, so neither the
 * content nor the length of the expected value leaks through timing, and `timingSafeEqual` never throws.
 */
export function safeEqual(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b) && given.length === expected.length;
}

export interface HmacCheck {
	/** The signature header as received (may be missing). */
	given: string | string[] | undefined;
	secret: string;
	payload: Buffer | string;
	algorithm?: HmacAlgorithm;
	encoding: DigestEncoding;
	/** Scheme prefix the sender puts before the digest, e.g. `sha256=` (generic, Meta). */
	prefix?: string;
}

/** Verifies an HMAC signature header. Returns false for a missing, malformed or wrong signature. */
export function verifyHmac(check: HmacCheck): boolean {
	const given = headerValue(check.given);
	if (!given || !check.secret) return false;
	let digest = given.trim();
	if (check.prefix) {
		if (!digest.toLowerCase().startsWith(check.prefix.toLowerCase())) return false;
		digest = digest.slice(check.prefix.length);
	}
	const expected = hmacDigest(check.algorithm ?? 'sha256', check.secret, check.payload, check.encoding);
	// hex is case-insensitive; base64 is not.
	return check.encoding === 'hex' ? safeEqual(digest.toLowerCase(), expected) : safeEqual(digest, expected);
}

/** A shared secret sent in a header (Supabase Database Webhooks). */
export function verifySharedSecret(given: string | string[] | undefined, secret: string): boolean {
	const value = headerValue(given);
	if (!value || !secret) return false;
	return safeEqual(value, secret);
}

/** First value of a Node/Express header (repeated headers arrive as arrays). */
export function headerValue(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** Stable id for a delivery that carries none: the SHA-256 of its raw body (an identical retry maps to it). */
export function bodyFingerprint(payload: Buffer | string): string {
	return createHash('sha256').update(payload).digest('hex');
}

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
	/** Scheme prefix the sender puts before the digest, e.g. `sha256=` (Meta). */
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

/**
 * The signature our own (generic) webshop puts on every request it sends: cart events to the Abandoned Cart
 * Trigger and the consent / validate / redeem webhooks (README, "Signed webshop requests").
 *
 *     X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<path>.<raw body>" with the Webhook Secret>
 *
 * The timestamp makes a captured request useless after the tolerance window; `<path>` (the path of the webhook
 * URL the request is sent to, e.g. /webhook/cart-recovery/discount/redeem, no host, no query) makes a request
 * signed for one endpoint useless at another. Every endpoint takes only POST, so the method is not signed.
 * Shopify and WooCommerce keep their own schemes (body-only HMACs; they define them, not we).
 */
export const WEBSHOP_SIGNATURE_HEADER = 'X-Signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The exact bytes signed: `<t>.<path>.<raw body>`. */
export function webshopSigningInput(timestamp: number | string, path: string, body: Buffer | string): Buffer {
	return Buffer.concat([Buffer.from(`${timestamp}.${path}.`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
}

/** The X-Signature value for a request (what a shop computes; the demo, tests and benchmarks sign with it). */
export function signWebshopRequest(request: { secret: string; path: string; body: Buffer | string; timestamp?: number }): string {
	const t = request.timestamp ?? Math.floor(Date.now() / 1000);
	return `t=${t},v1=${hmacDigest('sha256', request.secret, webshopSigningInput(t, request.path, request.body), 'hex')}`;
}

/** The tolerance from the Webshop credential's field, or the default when it is empty or not a positive number. */
/** The credential's time window, at most an hour whatever was stored (the UI caps it; an imported credential may not). */
export function signatureTolerance(value: unknown): number {
	const n = Number(value);
	return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_SIGNATURE_TOLERANCE_SECONDS) : DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
}
export const MAX_SIGNATURE_TOLERANCE_SECONDS = 3600;

export interface WebshopSignatureCheck {
	/** The X-Signature header as received (may be missing). */
	given: string | string[] | undefined;
	secret: string;
	/** The path of the webhook URL the request arrived on. */
	path: string;
	body: Buffer | string;
	toleranceSeconds: number;
	/** Unix milliseconds; tests pass a fixed clock. */
	now?: number;
}

export type WebshopSignatureResult = { ok: true; timestamp: number; /** The v1 digest that matched (lower case). */ signature: string } | { ok: false; problem: 'missing' | 'malformed' | 'mismatch' | 'stale' | 'future'; message: string };

const SCHEME = `${WEBSHOP_SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<path>.<raw body>">`;

/**
 * Checks a webshop request's X-Signature in constant time, then its age. The message says what is wrong in
 * words a shop developer can act on (and never reveals the expected signature).
 */
export function checkWebshopSignature(check: WebshopSignatureCheck): WebshopSignatureResult {
	const given = headerValue(check.given)?.trim();
	if (!given) return { ok: false, problem: 'missing', message: `the ${WEBSHOP_SIGNATURE_HEADER} header is missing; sign the request with ${SCHEME}` };
	const parts = new Map<string, string>();
	for (const part of given.split(',')) {
		const at = part.indexOf('=');
		if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
	}
	const t = parts.get('t') ?? '';
	const v1 = parts.get('v1') ?? '';
	if (!/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/i.test(v1)) {
		const legacy = /^sha256=/i.test(given) ? ' (the older "sha256=<hex of the body>" form is no longer accepted: it could be replayed)' : '';
		return { ok: false, problem: 'malformed', message: `the ${WEBSHOP_SIGNATURE_HEADER} header is not in the form t=<unix seconds>,v1=<64 hex digits>${legacy}` };
	}
	const expected = hmacDigest('sha256', check.secret, webshopSigningInput(t, check.path, check.body), 'hex');
	if (!safeEqual(v1.toLowerCase(), expected)) {
		return {
			ok: false,
			problem: 'mismatch',
			message: `the ${WEBSHOP_SIGNATURE_HEADER} header does not match this request: sign "<t>.${check.path}.<the exact body bytes>" with the Webhook Secret`,
		};
	}
	const timestamp = Number(t);
	const age = Math.round((check.now ?? Date.now()) / 1000 - timestamp);
	if (age > check.toleranceSeconds) {
		return { ok: false, problem: 'stale', message: `the ${WEBSHOP_SIGNATURE_HEADER} timestamp is ${age} s old; requests signed more than ${check.toleranceSeconds} s ago are refused as replays` };
	}
	if (-age > check.toleranceSeconds) {
		return { ok: false, problem: 'future', message: `the ${WEBSHOP_SIGNATURE_HEADER} timestamp is ${-age} s in the future (more than ${check.toleranceSeconds} s): check the shop's clock` };
	}
	return { ok: true, timestamp, signature: v1.toLowerCase() };
}

/**
 * The path a request to this webhook is signed with: the path of the URL n8n shows for the webhook (its
 * Production URL, or the Test URL while the editor listens), so it is the path the shop posts to even behind a
 * proxy, as long as n8n's WEBHOOK_URL names the public address.
 */
export function webhookSigningPath(webhookUrl: string): string {
	try {
		return new URL(webhookUrl).pathname;
	} catch {
		return ''; // no URL: nothing verifies, the request gets 401
	}
}

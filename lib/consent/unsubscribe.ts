import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';

import type { CartRecoveryStore } from '../store/CartRecoveryStore';
import type { Channel } from '../store/types';
import { CHANNEL_ADDRESSES, genericMask } from '../channels/address';
import { normaliseAddress } from './address';

/**
 * Unsubscribe tokens: never expire, unguessable, carry channel + address — but not readable.
 *
 * Construction (deterministic authenticated encryption, the SIV pattern with HMAC-SHA256 as the PRF):
 *   macKey = HMAC-SHA256(secret, "cart-recovery/unsubscribe/mac"), encKey = HMAC-SHA256(secret, "…/enc")
 *   tag    = HMAC-SHA256(macKey, version ‖ channel ‖ address)[0..16)      (128-bit tag)
 *   ct     = AES-256-CTR(encKey, iv = tag, address)
 *   token  = base64url(version ‖ channel ‖ tag ‖ ct)
 * Verifying decrypts and recomputes the tag, compared timing-safely. Why not a consent row id: the send nodes
 * build the URL synchronously, without a store round trip, and a link must work for an address that has no
 * consent row (a transactional-looking message, an import) — and it keeps working after the row changes.
 * Why not the address in clear: unsubscribe URLs end up in mail-server, proxy and browser logs. A token is
 * ~45 characters for a typical email address, and the same address always gets the same token.
 */

const VERSION = 1;
const CHANNEL_CODE: Record<Channel, number> = { email: 0x65, sms: 0x73, messenger: 0x6d, whatsapp: 0x77 };
const CODE_CHANNEL = new Map<number, Channel>(Object.entries(CHANNEL_CODE).map(([c, n]) => [n, c as Channel]));
const TAG_BYTES = 16;

function keys(secret: string): { mac: Buffer; enc: Buffer } {
	if (!secret || secret.length < 16) throw new Error('The unsubscribe secret is missing or too short');
	return {
		mac: createHmac('sha256', secret).update('cart-recovery/unsubscribe/mac').digest(),
		enc: createHmac('sha256', secret).update('cart-recovery/unsubscribe/enc').digest(),
	};
}

function tagFor(macKey: Buffer, channelCode: number, address: Buffer): Buffer {
	return createHmac('sha256', macKey)
		.update(Buffer.from([VERSION, channelCode]))
		.update(address)
		.digest()
		.subarray(0, TAG_BYTES);
}

/** The token for one channel and address (addresses are normalised first: the same person, the same token). */
export function createUnsubscribeToken(input: { secret: string; channel: Channel; address: string }): string {
	const code = CHANNEL_CODE[input.channel];
	if (!code) throw new Error(`Unknown channel "${input.channel}"`);
	const address = normaliseAddress(input.channel, input.address);
	if (!address) throw new Error(`An unsubscribe link needs the ${input.channel} address`);
	const k = keys(input.secret);
	const plain = Buffer.from(address, 'utf8');
	const tag = tagFor(k.mac, code, plain);
	const cipher = createCipheriv('aes-256-ctr', k.enc, tag);
	const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
	return Buffer.concat([Buffer.from([VERSION, code]), tag, ct]).toString('base64url');
}

/** { channel, address } for a genuine token; null for anything else (tampered, truncated, another store's). */
export function verifyUnsubscribeToken(token: string, secret: string): { channel: Channel; address: string } | null {
	if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{24,2048}$/.test(token)) return null;
	const raw = Buffer.from(token, 'base64url');
	if (raw.length < 2 + TAG_BYTES + 1 || raw[0] !== VERSION) return null;
	const channel = CODE_CHANNEL.get(raw[1]);
	if (!channel) return null;
	const tag = raw.subarray(2, 2 + TAG_BYTES);
	const ct = raw.subarray(2 + TAG_BYTES);
	const k = keys(secret);
	const decipher = createDecipheriv('aes-256-ctr', k.enc, tag);
	const plain = Buffer.concat([decipher.update(ct), decipher.final()]);
	const expected = tagFor(k.mac, raw[1], plain);
	if (!timingSafeEqual(expected, tag)) return null;
	return { channel, address: plain.toString('utf8') };
}

/**
 * The address as the unsubscribe page shows it: enough for the customer to recognise, too little to read someone
 * else's address off the page (anyone holding the link — a forwarded email, a scanner, a log — can open it):
 * email `a***@example.hu`, phone `+36 30 *** **67`, a Messenger ID `***4321`.
 */
export function maskAddress(channel: Channel, address: string): string {
	const value = (address ?? '').trim();
	if (!value) return '';
	return CHANNEL_ADDRESSES[channel]?.mask(value) ?? genericMask(value);
}

/**
 * The path of the webhook of the shipped unsubscribe workflow (workflows/unsubscribe.json). Email Send links to
 * it on this n8n's production webhook URL when its Unsubscribe URL is left empty.
 */
export const UNSUBSCRIBE_WEBHOOK_PATH = 'cart-recovery/unsubscribe';

/**
 * The unsubscribe URL for a message: `baseUrl` (e.g. the production URL of the unsubscribe workflow's webhook)
 * with `?token=…` added (existing query parameters are kept). Use it for the visible link and for the
 * `List-Unsubscribe` header; the one-click POST (RFC 8058) goes to the same URL.
 */
export function buildUnsubscribeUrl(input: { baseUrl: string; secret: string; channel: Channel; address: string }): string {
	let url: URL;
	try {
		url = new URL(input.baseUrl);
	} catch {
		throw new Error(`The unsubscribe base URL "${input.baseUrl}" is not a valid URL`);
	}
	url.searchParams.set('token', createUnsubscribeToken(input));
	return url.toString();
}

/** The token of an unsubscribe URL (or the token itself when given one). */
export function tokenFromUrl(urlOrToken: string): string {
	const value = urlOrToken.trim();
	if (!/^https?:\/\//i.test(value)) return value;
	try {
		return new URL(value).searchParams.get('token') ?? '';
	} catch {
		return '';
	}
}

const secrets = new WeakMap<CartRecoveryStore, Promise<string>>();

/**
 * The store's unsubscribe secret (created by migration 2 with random bytes, one per store), read once per
 * process and store: every n8n process on the same store signs and verifies alike, with no configuration.
 */
export function unsubscribeSecret(store: CartRecoveryStore): Promise<string> {
	let secret = secrets.get(store);
	if (!secret) {
		secret = store.consentSecret().then((r) => {
			if (!r?.unsubscribe_secret) throw new Error('The store has no unsubscribe secret: apply migration 2 (consent_discount)');
			return r.unsubscribe_secret;
		});
		secret.catch(() => secrets.delete(store));
		secrets.set(store, secret);
	}
	return secret;
}

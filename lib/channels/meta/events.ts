import type { ReplyAction } from '../../events/types';
import { invalid } from '../../intake/errors';

/**
 * What the WhatsApp and Messenger webhook mappers share: readers that refuse a field of the wrong shape with a
 * 400 naming its JSON path (so a malformed body never turns into a TypeError), Meta's two time formats, and the
 * actions our send nodes put on buttons, quick replies and postbacks.
 */

export type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

/** An object, or 400 naming `path`. */
export function object(value: unknown, path: string): Json {
	if (!isObject(value)) throw invalid(path, `must be an object, got ${value === undefined ? 'nothing' : kind(value)}`);
	return value;
}

/** An object or nothing (undefined / null). */
export function optionalObject(value: unknown, path: string): Json | undefined {
	return value === undefined || value === null ? undefined : object(value, path);
}

/** An array, or 400 naming `path`. */
export function array(value: unknown, path: string): unknown[] {
	if (!Array.isArray(value)) throw invalid(path, `must be an array, got ${value === undefined ? 'nothing' : kind(value)}`);
	return value;
}

/** An array, or an empty one when the field is absent (Meta leaves out empty lists). */
export function optionalArray(value: unknown, path: string): unknown[] {
	return value === undefined || value === null ? [] : array(value, path);
}

/** Ids and payloads are short; a longer one is not something Meta sends (the store's columns need no more). */
const MAX_ID = 1000;
/** Message texts: WhatsApp allows 4096 characters, Messenger 2000; room for either. */
const MAX_TEXT = 8000;

/** A non-empty string (numbers accepted as their digits: Meta's ids are strings, some proxies turn them into numbers). */
export function string(value: unknown, path: string, max = MAX_ID): string {
	const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
	if (typeof text !== 'string') throw invalid(path, `must be a string, got ${value === undefined ? 'nothing' : kind(value)}`);
	if (!text.trim()) throw invalid(path, 'must not be empty');
	if (text.length > max) throw invalid(path, `is ${text.length} characters long; at most ${max} are accepted`);
	return text;
}

/** A string or nothing (undefined, null and '' give null). */
export function optionalString(value: unknown, path: string, max = MAX_ID): string | null {
	if (value === undefined || value === null || value === '') return null;
	return string(value, path, max);
}

/** Free text the customer wrote (may be any length up to MAX_TEXT; empty or absent gives null). */
export function optionalText(value: unknown, path: string): string | null {
	return optionalString(value, path, MAX_TEXT);
}

/** Unix seconds (WhatsApp sends them as a string of digits) to ISO 8601. */
export function unixSeconds(value: unknown, path: string): string {
	const raw = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
	if (typeof raw !== 'string' || !/^\d{1,12}$/.test(raw)) throw invalid(path, 'must be a Unix time in seconds (digits)');
	return new Date(Number(raw) * 1000).toISOString();
}

/** Unix milliseconds (Messenger's timestamp and watermark, a number) to ISO 8601, with the digits as given. */
export function unixMillis(value: unknown, path: string): { iso: string; digits: string } {
	const raw = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
	if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw invalid(path, 'must be a Unix time in milliseconds (a whole number)');
	return { iso: new Date(Number(raw)).toISOString(), digits: raw };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our message id when a callback field carries one (WhatsApp `biz_opaque_callback_data`); anything else is not ours. */
export const ourMessageId = (value: string | null) => (value && UUID.test(value.trim()) ? value.trim().toLowerCase() : null);

export interface PayloadAction {
	action: ReplyAction | null;
	cartId: string | null;
}

const PREFIXED = /^(code|later|stop|cart):(.+)$/s;
/**
 * WhatsApp product-list rows: `item:<cart id>:<n>:<tag>`, `rec:<cart id>:<n>:<tag>` (a recommended product; the tag
 * names the product, lists sent before it end at the place) and `more:<cart id>` name the cart, ask for nothing.
 */
const LIST_ROW = /^(?:(?:item|rec):(.+):\d+(?::[0-9a-f]{8})?|more:(.+))$/s;
/** Messenger payloads are JSON (lib/channels/messenger/builder.ts): `{ kind, cart_id?, code? }`. */
const JSON_KINDS: Record<string, ReplyAction> = { discount_code: 'code', code: 'code', later: 'later', marketing_stop: 'stop', stop: 'stop', cart: 'cart', open_cart: 'cart' };

const cart = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);

/**
 * The action and cart a button id, quick-reply payload or postback payload names: `code:<cart>`, `later:<cart>`,
 * `stop:<cart>`, `cart:<cart>` (WhatsApp reply buttons), Messenger's JSON payloads (`{"kind":"later","cart_id":…}`,
 * `{"kind":"marketing_stop"}`), and list rows (cart only). Anything else — a template quick reply's own text, a
 * payload another tool set — is neither (null, null): it is still recorded as a reply.
 */
export function payloadAction(payload: string | null): PayloadAction {
	if (!payload) return { action: null, cartId: null };
	const value = payload.trim();
	const prefixed = PREFIXED.exec(value);
	if (prefixed) return { action: prefixed[1] as ReplyAction, cartId: cart(prefixed[2]) };
	const row = LIST_ROW.exec(value);
	if (row) return { action: null, cartId: cart(row[1] ?? row[2]) };
	if (value.startsWith('{')) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(value);
		} catch {
			return { action: null, cartId: null };
		}
		if (isObject(parsed)) {
			const action = typeof parsed.kind === 'string' && Object.hasOwn(JSON_KINDS, parsed.kind) ? JSON_KINDS[parsed.kind] : null;
			return { action, cartId: cart(parsed.cart_id) };
		}
	}
	return { action: null, cartId: null };
}

import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

import type { CartItem } from '../store/types';
import { invalid } from './errors';

/** Field checks that turn a webhook body into trusted values or throw a 400 naming the field. */

export const MAX_ID_LENGTH = 200;
export const MAX_ITEMS = 500;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/;

let currencies: Set<string> | undefined;
/** ISO 4217 codes Node's ICU knows (HUF, EUR, USD, …). */
export function isKnownCurrency(code: string): boolean {
	currencies ??= new Set(Intl.supportedValuesOf('currency'));
	return currencies.has(code);
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** A required identifier: non-empty string or integer, at most 200 characters. */
export function requireId(value: unknown, field: string): string {
	if (!present(value)) throw invalid(field, 'is required');
	return optionalId(value, field) as string;
}

export function optionalId(value: unknown, field: string): string | null {
	if (!present(value)) return null;
	// Platform ids are often integers beyond 2^53 (Shopify): JSON.parse rounds them, but deterministically.
	if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(BigInt(value));
	if (typeof value !== 'string') throw invalid(field, `must be a string, not ${typeName(value)}`);
	const id = value.trim();
	if (!id) throw invalid(field, 'must not be blank');
	if (id.length > MAX_ID_LENGTH) throw invalid(field, `must be at most ${MAX_ID_LENGTH} characters`);
	return id;
}

export function optionalText(value: unknown, field: string, max = 200): string | null {
	if (!present(value)) return null;
	if (typeof value !== 'string' && typeof value !== 'number') throw invalid(field, `must be a string, not ${typeName(value)}`);
	const text = String(value).trim();
	if (text.length > max) throw invalid(field, `must be at most ${max} characters`);
	return text || null;
}

/**
 * A money amount: a number or a decimal string ("12990", "12990.00" — Shopify and WooCommerce send strings),
 * finite, not negative, at most 2 decimals of precision kept.
 */
export function money(value: unknown, field: string): number {
	let n: number;
	if (typeof value === 'number') n = value;
	else if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
	else throw invalid(field, `must be a number, not ${typeName(value)}${typeof value === 'string' ? ` "${value.slice(0, 40)}"` : ''}`);
	if (!Number.isFinite(n)) throw invalid(field, 'must be a finite number');
	if (n < 0) throw invalid(field, 'must not be negative');
	if (n > 1e12) throw invalid(field, 'is too large');
	return Math.round(n * 100) / 100;
}

/** Absent only when missing or null: an empty string is a non-numeric amount, not a missing one. */
export function optionalMoney(value: unknown, field: string): number | undefined {
	return value === undefined || value === null ? undefined : money(value, field);
}

export function quantity(value: unknown, field: string): number {
	const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(field, `must be a whole number, not ${typeName(value)}`);
	if (n < 1) throw invalid(field, 'must be at least 1');
	if (n > 100_000) throw invalid(field, 'is too large');
	return n;
}

export function currency(value: unknown, field: string, fallback?: string): string {
	if (!present(value)) {
		if (fallback) return currency(fallback, field);
		throw invalid(field, 'is required');
	}
	if (typeof value !== 'string') throw invalid(field, `must be a 3-letter ISO 4217 code, not ${typeName(value)}`);
	const code = value.trim().toUpperCase();
	if (!/^[A-Z]{3}$/.test(code) || !isKnownCurrency(code)) throw invalid(field, `unknown currency "${value.slice(0, 20)}" (use an ISO 4217 code such as HUF)`);
	return code;
}

export function timestamp(value: unknown, field: string): string | undefined {
	if (!present(value)) return undefined;
	const date = typeof value === 'number' ? new Date(value > 1e11 ? value : value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
	if (!date || Number.isNaN(date.getTime())) throw invalid(field, 'must be an ISO 8601 date-time such as 2026-11-25T10:00:00Z');
	// Clocks drift; an event from the future would hold a cart "active" for that long.
	if (date.getTime() > Date.now() + 5 * 60_000) throw invalid(field, 'is in the future');
	return date.toISOString();
}

export function locale(value: unknown, field: string, strict: boolean): string | null {
	if (!present(value)) return null;
	try {
		if (typeof value !== 'string') throw new Error();
		return Intl.getCanonicalLocales(value.trim().replace('_', '-'))[0] ?? null;
	} catch {
		if (strict) throw invalid(field, `must be a language tag such as hu or hu-HU`);
		return null;
	}
}

/** Email, lower-cased. Platforms' own data is trusted less strictly: an unusable address is dropped, not refused. */
export function email(value: unknown, field: string, strict: boolean): string | null {
	if (!present(value)) return null;
	const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
	if (text.length <= 254 && EMAIL.test(text)) return text;
	if (strict) throw invalid(field, 'must be an email address');
	return null;
}

/** Phone in E.164 (+36301234567); numbers without a country code are read as `defaultCountry`'s. */
export function phone(value: unknown, field: string, strict: boolean, defaultCountry: CountryCode = 'HU'): string | null {
	if (!present(value)) return null;
	const parsed = typeof value === 'string' || typeof value === 'number' ? parsePhoneNumberFromString(String(value), defaultCountry) : undefined;
	if (parsed?.isValid()) return parsed.number;
	if (strict) throw invalid(field, 'must be a phone number, e.g. +36301234567');
	return null;
}

/**
 * Messenger's page-scoped id (PSID): the digits Messenger gives the customer on the shop's page, kept as a string.
 * A JSON number above 2^53 has already lost digits, so it is refused whatever `strict` says.
 */
export function messengerPsid(value: unknown, field: string, strict: boolean): string | null {
	if (!present(value)) return null;
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value) || value <= 0) throw invalid(field, 'must be a string: this number is too long for JSON to keep every digit of a Messenger PSID');
		return String(value);
	}
	if (typeof value !== 'string') throw invalid(field, `must be a string, not ${typeName(value)}`);
	const id = value.trim();
	if (/^\d{1,64}$/.test(id)) return id;
	if (strict) throw invalid(field, 'must be a Messenger page-scoped ID (PSID): digits only, e.g. 24680135792468013');
	return null;
}

/** WhatsApp's business-scoped user id: a country code, a period and letters and digits, kept exactly as Meta sends it. */
export const BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

export function whatsappBsuid(value: unknown, field: string, strict: boolean): string | null {
	if (!present(value)) return null;
	if (typeof value !== 'string') throw invalid(field, `must be a string, not ${typeName(value)}`);
	const id = value.trim();
	if (BSUID.test(id)) return id;
	if (strict) throw invalid(field, 'must be a WhatsApp business-scoped user ID, e.g. US.13491208655302741918');
	return null;
}

export function url(value: unknown, field: string, strict: boolean): string | null {
	if (!present(value)) return null;
	if (typeof value === 'string') {
		try {
			const parsed = new URL(value.trim());
			if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed.toString();
		} catch {
			// fall through
		}
	}
	if (strict) throw invalid(field, 'must be an http(s) URL');
	return null;
}

export interface ItemShape {
	name: unknown;
	quantity: unknown;
	price: unknown;
	sku?: unknown;
	image_url?: unknown;
	url?: unknown;
	product_id?: unknown;
	category?: unknown;
}

/** Cart lines: name, whole quantity ≥ 1, unit price ≥ 0. */
export function items(list: unknown, field: string, pick: (raw: Record<string, unknown>) => ItemShape, strict: boolean): CartItem[] {
	if (!present(list)) return [];
	if (!Array.isArray(list)) throw invalid(field, `must be an array, not ${typeName(list)}`);
	if (list.length > MAX_ITEMS) throw invalid(field, `must have at most ${MAX_ITEMS} lines`);
	return list.map((raw, i) => {
		const at = `${field}[${i}]`;
		if (!isObject(raw)) throw invalid(at, `must be an object, not ${typeName(raw)}`);
		const shape = pick(raw);
		const name = optionalText(shape.name, `${at}.name`);
		if (!name) throw invalid(`${at}.name`, 'is required');
		const item: CartItem = { name, quantity: quantity(shape.quantity, `${at}.quantity`), price: money(shape.price, `${at}.price`) };
		const sku = optionalText(shape.sku, `${at}.sku`, 100);
		if (sku) item.sku = sku;
		const productId = optionalId(shape.product_id, `${at}.product_id`);
		if (productId) item.product_id = productId.slice(0, 200);
		const category = optionalText(shape.category, `${at}.category`, 100);
		if (category) item.category = category;
		const image = url(shape.image_url, `${at}.image_url`, strict);
		if (image) item.image_url = image;
		const link = url(shape.url, `${at}.url`, strict);
		if (link) item.url = link;
		return item;
	});
}

export function itemsTotal(list: CartItem[]): number {
	return Math.round(list.reduce((sum, item) => sum + item.price * item.quantity, 0) * 100) / 100;
}

export function typeName(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	if (typeof value === 'object') return 'an object';
	return typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : typeof value;
}

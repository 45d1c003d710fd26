/** The HTTP call the shop clients make; the nodes pass n8n's `this.helpers.httpRequest`, tests anything alike. */
export interface ShopHttpRequest {
	method: 'GET' | 'POST' | 'PUT' | 'DELETE';
	url: string;
	headers: Record<string, string>;
	body?: unknown;
	qs?: Record<string, string>;
}

export interface ShopHttpResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: unknown;
}

export type ShopHttp = (request: ShopHttpRequest) => Promise<ShopHttpResponse>;

/** A discount the shop should know: the same rules as in our store. */
export interface ShopDiscount {
	code: string;
	kind: 'percent' | 'fixed';
	amount: number;
	currency: string | null;
	minimumOrder: number | null;
	usageLimit: number;
	validFrom: string;
	validUntil: string;
	/** Restrict to this customer in the shop when the shop can (WooCommerce: email; Shopify: numeric customer id). */
	customerEmail?: string | null;
	shopCustomerId?: string | null;
	description?: string;
}

export interface ShopSyncResult {
	platform: 'woocommerce' | 'shopify';
	/** The shop's id of the code (WooCommerce coupon id; Shopify "<price rule id>/<discount code id>"). */
	shopRef: string;
	/** True when the shop already had exactly this code from an earlier attempt of ours. */
	existing: boolean;
}

/** A code taken out of the shop (deactivation, erasure). */
export interface ShopRemoveResult {
	platform: 'woocommerce' | 'shopify';
	shopRef: string;
	/** True once the shop no longer has it (deleted now, or gone before). */
	removed: boolean;
	/** The shop did not know it any more (404): someone deleted it there, or an earlier attempt did. */
	alreadyGone: boolean;
}

/** The shop refused the code or the request: `status` is the HTTP status (0: no answer), `code` the shop's error code. */
export class ShopSyncError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly code: string | null,
		/** The code exists in the shop already (and is not provably ours). */
		readonly duplicate = false,
		/** The shop's Retry-After (429, 503), in milliseconds; null when it sent none. */
		readonly retryAfterMs: number | null = null,
	) {
		super(message);
		this.name = 'ShopSyncError';
	}

	/**
	 * A failure that says nothing about the code: no answer (network), rate limited (429) or a server error (5xx).
	 * Worth retrying; never a reason to reject the code. Everything else (400, 401, 403, 404, 422, a bad
	 * credential or shop URL) is the shop's or the configuration's real refusal.
	 */
	get transient(): boolean {
		return (this.status === 0 && this.code === 'network') || this.status === 429 || this.status >= 500;
	}
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(headers: Record<string, unknown> | undefined, now = Date.now()): number | null {
	const raw = headers ? (headers['retry-after'] ?? headers['Retry-After']) : undefined;
	const value = Array.isArray(raw) ? raw[0] : raw;
	if (value === undefined || value === null || value === '') return null;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	const date = Date.parse(text);
	return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

export function trimBaseUrl(url: string): string {
	const value = (url ?? '').trim().replace(/\/+$/, '');
	if (!/^https?:\/\/[^/]+/i.test(value)) throw new ShopSyncError(`The shop URL "${url}" is not an http(s) URL`, 0, 'invalid_shop_url');
	return value;
}

/** `2026-12-02T10:00:00` (no zone) from an ISO instant, as WooCommerce's *_gmt fields take it. */
export function toGmtWithoutZone(iso: string): string {
	return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '');
}

export function money(value: number): string {
	return (Math.round(value * 100) / 100).toFixed(2);
}

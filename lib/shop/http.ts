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

/** The shop refused the code or the request: `status` is the HTTP status (0: no answer), `code` the shop's error code. */
export class ShopSyncError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly code: string | null,
		/** The code exists in the shop already (and is not provably ours). */
		readonly duplicate = false,
	) {
		super(message);
		this.name = 'ShopSyncError';
	}
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

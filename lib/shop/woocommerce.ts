import {
	money,
	retryAfterMs,
	ShopSyncError,
	toGmtWithoutZone,
	trimBaseUrl,
	type ShopDiscount,
	type ShopHttp,
	type ShopHttpResponse,
	type ShopRemoveResult,
	type ShopSyncResult,
} from './http';

/**
 * WooCommerce REST API v3 coupons (https://woocommerce.github.io/woocommerce-rest-api-docs/#coupons):
 * `POST /wp-json/wc/v3/coupons` with HTTP Basic auth (consumer key : consumer secret, over HTTPS).
 * Errors come as `{ code, message, data: { status } }`, e.g. 400 `woocommerce_rest_coupon_code_already_exists`,
 * 401 `woocommerce_rest_cannot_create` / `woocommerce_rest_authentication_error`.
 * `DELETE /wp-json/wc/v3/coupons/<id>?force=true` deletes a coupon for good (200 with the coupon); an id that is
 * gone answers 404 `woocommerce_rest_shop_coupon_invalid_id`.
 */
export interface WooConfig {
	shopUrl: string;
	consumerKey: string;
	consumerSecret: string;
}

interface WooError {
	code?: string;
	message?: string;
	data?: { status?: number };
}

interface WooCoupon {
	id: number;
	code: string;
	amount: string;
	discount_type: string;
	date_expires_gmt: string | null;
	usage_limit: number | null;
	email_restrictions?: string[];
	description?: string;
}

function headers(config: WooConfig): Record<string, string> {
	if (!config.consumerKey || !config.consumerSecret) {
		throw new ShopSyncError('The Webshop credential has no WooCommerce consumer key and secret', 0, 'missing_credentials');
	}
	const basic = Buffer.from(`${config.consumerKey}:${config.consumerSecret}`).toString('base64');
	return { Authorization: `Basic ${basic}`, Accept: 'application/json', 'Content-Type': 'application/json' };
}

function wooError(response: ShopHttpResponse, what: string): ShopSyncError {
	const { statusCode: status, body } = response;
	const e = (body && typeof body === 'object' ? body : {}) as WooError;
	const code = typeof e.code === 'string' ? e.code : null;
	const message = typeof e.message === 'string' ? e.message : `HTTP ${status}`;
	const verb = status === 429 || status >= 500 ? 'could not handle' : 'refused';
	return new ShopSyncError(
		`WooCommerce ${verb} ${what}: ${message}${code ? ` (${code})` : ''}`,
		status,
		code,
		code === 'woocommerce_rest_coupon_code_already_exists',
		retryAfterMs(response.headers),
	);
}

async function send(http: ShopHttp, request: Parameters<ShopHttp>[0]): Promise<ShopHttpResponse> {
	try {
		return await http(request);
	} catch (error) {
		throw new ShopSyncError(`WooCommerce did not answer: ${(error as Error).message}`, 0, 'network');
	}
}

/** The coupon body for WooCommerce: codes are case-insensitive there (it stores them lower-cased). */
export function wooCouponBody(d: ShopDiscount): Record<string, unknown> {
	return {
		code: d.code,
		discount_type: d.kind === 'percent' ? 'percent' : 'fixed_cart',
		amount: d.kind === 'percent' ? String(d.amount) : money(d.amount),
		description: d.description ?? 'Cart recovery',
		date_expires_gmt: toGmtWithoutZone(d.validUntil),
		individual_use: true,
		usage_limit: d.usageLimit,
		usage_limit_per_user: d.usageLimit,
		...(d.minimumOrder ? { minimum_amount: money(d.minimumOrder) } : {}),
		...(d.customerEmail ? { email_restrictions: [d.customerEmail.toLowerCase()] } : {}),
	};
}

async function findCoupon(http: ShopHttp, base: string, config: WooConfig, code: string): Promise<WooCoupon | null> {
	const response = await send(http, { method: 'GET', url: `${base}/wp-json/wc/v3/coupons`, headers: headers(config), qs: { code } });
	if (response.statusCode === 429 || response.statusCode >= 500) throw wooError(response, `the lookup of coupon ${code}`);
	if (response.statusCode !== 200 || !Array.isArray(response.body)) return null;
	return (response.body as WooCoupon[]).find((c) => c.code.toLowerCase() === code.toLowerCase()) ?? null;
}

/**
 * Creates the coupon. When WooCommerce says the code exists and `mayExist` (an earlier attempt of ours may have
 * created it), the existing coupon is accepted if it is the same discount; otherwise it is a duplicate.
 */
export async function syncWooCoupon(http: ShopHttp, config: WooConfig, d: ShopDiscount, mayExist = false): Promise<ShopSyncResult> {
	const base = trimBaseUrl(config.shopUrl);
	const body = wooCouponBody(d);
	const response = await send(http, { method: 'POST', url: `${base}/wp-json/wc/v3/coupons`, headers: headers(config), body });
	if (response.statusCode === 201 || response.statusCode === 200) {
		const coupon = response.body as WooCoupon;
		return { platform: 'woocommerce', shopRef: String(coupon.id), existing: false };
	}
	const error = wooError(response, `coupon ${d.code}`);
	if (error.duplicate && mayExist) {
		const existing = await findCoupon(http, base, config, d.code);
		if (existing && existing.discount_type === body.discount_type && Number(existing.amount) === Number(body.amount)) {
			return { platform: 'woocommerce', shopRef: String(existing.id), existing: true };
		}
	}
	throw error;
}

/** Deletes the coupon for good (`force=true`: no trash, so it stops working at once). 404 = already gone = fine. */
export async function deleteWooCoupon(http: ShopHttp, config: WooConfig, shopRef: string): Promise<ShopRemoveResult> {
	const base = trimBaseUrl(config.shopUrl);
	if (!/^\d+$/.test(shopRef)) throw new ShopSyncError(`"${shopRef}" is not a WooCommerce coupon id`, 0, 'invalid_shop_ref');
	const response = await send(http, {
		method: 'DELETE',
		url: `${base}/wp-json/wc/v3/coupons/${shopRef}`,
		headers: headers(config),
		qs: { force: 'true' },
	});
	if (response.statusCode === 200 || response.statusCode === 204) return { platform: 'woocommerce', shopRef, removed: true, alreadyGone: false };
	if (response.statusCode === 404 || response.statusCode === 410) return { platform: 'woocommerce', shopRef, removed: true, alreadyGone: true };
	throw wooError(response, `the deletion of coupon ${shopRef}`);
}

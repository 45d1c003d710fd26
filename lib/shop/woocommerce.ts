import { money, ShopSyncError, toGmtWithoutZone, trimBaseUrl, type ShopDiscount, type ShopHttp, type ShopSyncResult } from './http';

/**
 * WooCommerce REST API v3 coupons (https://woocommerce.github.io/woocommerce-rest-api-docs/#coupons):
 * `POST /wp-json/wc/v3/coupons` with HTTP Basic auth (consumer key : consumer secret, over HTTPS).
 * Errors come as `{ code, message, data: { status } }`, e.g. 400 `woocommerce_rest_coupon_code_already_exists`,
 * 401 `woocommerce_rest_cannot_create` / `woocommerce_rest_authentication_error`.
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

function wooError(status: number, body: unknown, what: string): ShopSyncError {
	const e = (body ?? {}) as WooError;
	const code = typeof e.code === 'string' ? e.code : null;
	const message = typeof e.message === 'string' ? e.message : `HTTP ${status}`;
	return new ShopSyncError(
		`WooCommerce refused ${what}: ${message}${code ? ` (${code})` : ''}`,
		status,
		code,
		code === 'woocommerce_rest_coupon_code_already_exists',
	);
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
	const response = await http({ method: 'GET', url: `${base}/wp-json/wc/v3/coupons`, headers: headers(config), qs: { code } });
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
	let response;
	try {
		response = await http({ method: 'POST', url: `${base}/wp-json/wc/v3/coupons`, headers: headers(config), body });
	} catch (error) {
		throw new ShopSyncError(`WooCommerce did not answer: ${(error as Error).message}`, 0, 'network');
	}
	if (response.statusCode === 201 || response.statusCode === 200) {
		const coupon = response.body as WooCoupon;
		return { platform: 'woocommerce', shopRef: String(coupon.id), existing: false };
	}
	const error = wooError(response.statusCode, response.body, `coupon ${d.code}`);
	if (error.duplicate && mayExist) {
		const existing = await findCoupon(http, base, config, d.code);
		if (existing && existing.discount_type === body.discount_type && Number(existing.amount) === Number(body.amount)) {
			return { platform: 'woocommerce', shopRef: String(existing.id), existing: true };
		}
	}
	throw error;
}

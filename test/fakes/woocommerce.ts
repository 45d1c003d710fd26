// A loopback WooCommerce REST API v3, coupons only: `POST /wp-json/wc/v3/coupons`,
// `GET /wp-json/wc/v3/coupons?code=…` and `DELETE /wp-json/wc/v3/coupons/<id>` (force=true: deleted for good,
// 200 with the coupon; without: moved to the trash; 404 woocommerce_rest_shop_coupon_invalid_id, 410
// woocommerce_rest_already_trashed, as WC_REST_Posts_Controller::delete_item answers), HTTP Basic auth with consumer key + secret, WooCommerce's error body
// `{ code, message, data: { status } }` — 401 woocommerce_rest_authentication_error / woocommerce_rest_cannot_create,
// 400 woocommerce_rest_coupon_code_already_exists, rest_missing_callback_param, rest_invalid_param.
// Codes are stored lower-cased, as WooCommerce does (wc_format_coupon_code + wc_strtolower).
import { listen, recordJsonRequest, scriptedReplies, type RecordedRequest, type ScriptedResponse } from './http';

export interface WooCoupon {
	id: number;
	code: string;
	amount: string;
	discount_type: string;
	description: string;
	date_expires: string | null;
	date_expires_gmt: string | null;
	usage_count: number;
	individual_use: boolean;
	usage_limit: number | null;
	usage_limit_per_user: number | null;
	minimum_amount: string;
	maximum_amount: string;
	email_restrictions: string[];
	[key: string]: unknown;
}

export interface WooFake {
	url: string;
	consumerKey: string;
	consumerSecret: string;
	coupons: WooCoupon[];
	/** Ids deleted through DELETE …?force=true. */
	deletedCoupons: number[];
	requests: Array<RecordedRequest & { body: unknown }>;
	/** Answer the next request(s) with these instead of the normal behaviour. */
	script: ScriptedResponse[];
	/** A coupon someone created in the shop by hand. */
	seed(code: string, fields?: Partial<WooCoupon>): WooCoupon;
	close(): Promise<void>;
}

const DISCOUNT_TYPES = ['percent', 'fixed_cart', 'fixed_product'];
const decimal = (v: unknown) => (v === undefined || v === null || v === '' ? '0.00' : Number(v).toFixed(2));

export async function startWooFake(options: { consumerKey?: string; consumerSecret?: string } = {}): Promise<WooFake> {
	const consumerKey = options.consumerKey ?? 'ck_test_0123456789';
	const consumerSecret = options.consumerSecret ?? 'cs_test_9876543210';
	const coupons: WooCoupon[] = [];
	const deletedCoupons: number[] = [];
	const requests: WooFake['requests'] = [];
	const script: ScriptedResponse[] = [];
	let nextId = 700;

	const make = (body: Record<string, unknown>): WooCoupon => {
		const now = new Date().toISOString().replace(/\.\d{3}Z$/, '');
		const expiresGmt = (body.date_expires_gmt as string | undefined) ?? null;
		return {
			id: nextId++,
			code: String(body.code).trim().toLowerCase(),
			status: 'publish',
			amount: decimal(body.amount),
			date_created: now,
			date_created_gmt: now,
			discount_type: (body.discount_type as string) ?? 'fixed_cart',
			description: (body.description as string) ?? '',
			date_expires: expiresGmt,
			date_expires_gmt: expiresGmt,
			usage_count: 0,
			individual_use: body.individual_use === true,
			product_ids: [],
			excluded_product_ids: [],
			usage_limit: (body.usage_limit as number) ?? null,
			usage_limit_per_user: (body.usage_limit_per_user as number) ?? null,
			limit_usage_to_x_items: null,
			free_shipping: false,
			minimum_amount: decimal(body.minimum_amount),
			maximum_amount: decimal(body.maximum_amount),
			email_restrictions: (body.email_restrictions as string[]) ?? [],
			used_by: [],
			meta_data: [],
		};
	};

	const loopback = await listen((req, res, raw) => {
		const { url, record } = recordJsonRequest(req, raw);
		const body = record.body;
		requests.push(record);
		const scripted = script.shift();
		const { reply, scriptedAnswered } = scriptedReplies(req, res, record, scripted);
		if (scriptedAnswered) return;
		const single = /^\/wp-json\/wc\/v3\/coupons\/(\d+)$/.exec(url.pathname);
		if (url.pathname !== '/wp-json/wc/v3/coupons' && !single) {
			return reply(404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
		}
		const auth = req.headers.authorization ?? '';
		if (!auth.startsWith('Basic ')) {
			return reply(401, {
				code: req.method === 'POST' ? 'woocommerce_rest_cannot_create' : 'woocommerce_rest_cannot_view',
				message: req.method === 'POST' ? 'Sorry, you are not allowed to create resources.' : 'Sorry, you cannot list resources.',
				data: { status: 401 },
			});
		}
		const [key, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
		if (key !== consumerKey) {
			return reply(401, { code: 'woocommerce_rest_authentication_error', message: 'Consumer key is invalid.', data: { status: 401 } });
		}
		if (secret !== consumerSecret) {
			return reply(401, { code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.', data: { status: 401 } });
		}
		if (single) {
			const id = Number(single[1]);
			const index = coupons.findIndex((c) => c.id === id);
			if (req.method === 'GET') {
				return index < 0 ? reply(404, { code: 'woocommerce_rest_shop_coupon_invalid_id', message: 'Invalid ID.', data: { status: 404 } }) : reply(200, coupons[index]);
			}
			if (req.method !== 'DELETE') {
				return reply(404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
			}
			if (index < 0) return reply(404, { code: 'woocommerce_rest_shop_coupon_invalid_id', message: 'Invalid ID.', data: { status: 404 } });
			const coupon = coupons[index];
			if (url.searchParams.get('force') === 'true') {
				coupons.splice(index, 1);
				deletedCoupons.push(id);
				return reply(200, coupon);
			}
			if (coupon.status === 'trash') {
				return reply(410, { code: 'woocommerce_rest_already_trashed', message: 'The coupon has already been deleted.', data: { status: 410 } });
			}
			coupon.status = 'trash';
			return reply(200, coupon);
		}
		if (req.method === 'GET') {
			const code = url.searchParams.get('code');
			return reply(200, code ? coupons.filter((c) => c.code === code.toLowerCase()) : coupons);
		}
		if (req.method !== 'POST') {
			return reply(404, { code: 'rest_no_route', message: 'No route was found matching the URL and request method.', data: { status: 404 } });
		}
		const input = (body ?? {}) as Record<string, unknown>;
		if (!input.code) {
			return reply(400, { code: 'rest_missing_callback_param', message: 'Missing parameter(s): code', data: { status: 400, params: ['code'] } });
		}
		if (input.discount_type !== undefined && !DISCOUNT_TYPES.includes(String(input.discount_type))) {
			return reply(400, {
				code: 'rest_invalid_param',
				message: 'Invalid parameter(s): discount_type',
				data: { status: 400, params: { discount_type: 'discount_type is not one of percent, fixed_cart, and fixed_product.' } },
			});
		}
		if (coupons.some((c) => c.code === String(input.code).trim().toLowerCase())) {
			return reply(400, { code: 'woocommerce_rest_coupon_code_already_exists', message: 'The coupon code already exists', data: { status: 400 } });
		}
		const coupon = make(input);
		coupons.push(coupon);
		return reply(201, coupon);
	});

	return {
		url: loopback.url,
		consumerKey,
		consumerSecret,
		coupons,
		deletedCoupons,
		requests,
		script,
		seed(code, fields = {}) {
			const coupon = { ...make({ code, discount_type: 'percent', amount: '5' }), ...fields };
			coupons.push(coupon);
			return coupon;
		},
		close: loopback.close,
	};
}

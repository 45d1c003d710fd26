// A loopback Shopify Admin REST API, the Shop resource only (what the Webshop credential's Test calls):
//   GET /admin/api/<v>/shop.json   200 { shop: { id, name, email, domain, myshopify_domain, currency, … } }
// Auth `X-Shopify-Access-Token`; a wrong or missing token gets 401 `{ errors: "[API] Invalid API key or access
// token (unrecognized login or wrong password)" }`; an unknown API version or path 404 `{ errors: "Not Found" }`.
// (Kept apart from shopify.ts, the discount-code fake, which its owner extends separately.)
import { listen, sendJson, type RecordedRequest } from './http';

export interface ShopifyShopFake {
	url: string;
	accessToken: string;
	shop: Record<string, unknown>;
	requests: RecordedRequest[];
	close(): Promise<void>;
}

/** Shopify's stable versions are YYYY-01/04/07/10; others 404 like an unsupported version does. */
const VERSION = /^\/admin\/api\/(\d{4}-(?:01|04|07|10)|unstable)\/shop\.json$/;

export async function startShopifyShopFake(options: { accessToken?: string; name?: string } = {}): Promise<ShopifyShopFake> {
	const accessToken = options.accessToken ?? 'shpat_test_shop_0123456789abcdef';
	const shop = {
		id: 690933842,
		name: options.name ?? 'Chatbuddy Bolt',
		email: 'bolt@shop.example.hu',
		domain: 'bolt.example.hu',
		myshopify_domain: 'chatbuddy-bolt.myshopify.com',
		currency: 'HUF',
		country_code: 'HU',
		iana_timezone: 'Europe/Budapest',
		primary_locale: 'hu',
	};
	const requests: RecordedRequest[] = [];
	const loopback = await listen((req, res, raw) => {
		const url = new URL(req.url ?? '/', 'http://fake');
		const record: RecordedRequest = { method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, raw, at: Date.now() };
		requests.push(record);
		const reply = (status: number, body: unknown) => {
			record.answer = status;
			sendJson(res, status, body);
		};
		if (req.headers['x-shopify-access-token'] !== accessToken) {
			return reply(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
		}
		if (req.method !== 'GET' || !VERSION.test(url.pathname)) return reply(404, { errors: 'Not Found' });
		return reply(200, { shop });
	});
	return { url: loopback.url, accessToken, shop, requests, close: loopback.close };
}

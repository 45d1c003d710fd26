import { trimBaseUrl } from './http';

/**
 * The Webshop credential's Test against the shop's own API: one authenticated, read-only, documented call.
 *   Shopify:     GET /admin/api/<version>/shop.json            (X-Shopify-Access-Token) → 200 { shop: { name, myshopify_domain } }
 *   WooCommerce: GET /wp-json/wc/v3/coupons?per_page=1         (HTTP Basic key:secret)   → 200 [ … ]
 * WooCommerce's coupons list needs the same key the coupon sync uses (read access at least) and answers 401
 * `woocommerce_rest_authentication_error` / `woocommerce_rest_cannot_view` for a wrong or unauthorised key.
 */
export interface ShopConnectionResult {
	ok: boolean;
	message: string;
}

const TIMEOUT_MS = 10_000;

async function getJson(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
	const response = await fetch(url, { headers: { Accept: 'application/json', ...headers }, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
	const text = await response.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : undefined;
	} catch {
		/* not JSON: keep the text */
	}
	return { status: response.status, body };
}

function baseOf(shopUrl: string): string | ShopConnectionResult {
	if (!String(shopUrl ?? '').trim()) return { ok: false, message: 'Shop URL is empty: enter the shop’s address, e.g. https://my-shop.myshopify.com' };
	try {
		return trimBaseUrl(shopUrl);
	} catch (error) {
		return { ok: false, message: (error as Error).message };
	}
}

export async function testShopifyConnection(config: { shopUrl: string; accessToken: string; apiVersion: string }): Promise<ShopConnectionResult> {
	const base = baseOf(config.shopUrl);
	if (typeof base !== 'string') return base;
	const token = String(config.accessToken ?? '').trim();
	if (!token) return { ok: false, message: 'Shopify Access Token is empty: the Admin API access token of your custom app (shpat_…)' };
	const version = String(config.apiVersion ?? '').trim() || '2026-10';
	const url = `${base}/admin/api/${encodeURIComponent(version)}/shop.json`;
	let answer;
	try {
		answer = await getJson(url, { 'X-Shopify-Access-Token': token });
	} catch (error) {
		return { ok: false, message: `Could not reach Shopify at ${base}: ${(error as Error).message}` };
	}
	const errors = (answer.body as { errors?: unknown } | undefined)?.errors;
	const detail = typeof errors === 'string' ? errors : errors ? JSON.stringify(errors) : `HTTP ${answer.status}`;
	if (answer.status === 401) return { ok: false, message: `Shopify rejected the access token: ${detail}` };
	if (answer.status === 403) return { ok: false, message: `Shopify refused the access token: ${detail}` };
	if (answer.status === 404) {
		return { ok: false, message: `No Shopify Admin API at ${url} (404): check the Shop URL (https://<name>.myshopify.com) and the API version "${version}"` };
	}
	const shop = (answer.body as { shop?: { name?: string; myshopify_domain?: string } } | undefined)?.shop;
	if (answer.status !== 200 || !shop) return { ok: false, message: `Shopify answered ${answer.status} for ${url}: ${detail}` };
	return { ok: true, message: `Connected to Shopify shop "${shop.name ?? ''}"${shop.myshopify_domain ? ` (${shop.myshopify_domain})` : ''}, Admin API ${version}` };
}

export async function testWooConnection(config: { shopUrl: string; consumerKey: string; consumerSecret: string }): Promise<ShopConnectionResult> {
	const base = baseOf(config.shopUrl);
	if (typeof base !== 'string') return base;
	const key = String(config.consumerKey ?? '').trim();
	const secret = String(config.consumerSecret ?? '').trim();
	if (!key || !secret) return { ok: false, message: 'WooCommerce Consumer Key and Consumer Secret are both needed (WooCommerce → Settings → Advanced → REST API)' };
	const url = `${base}/wp-json/wc/v3/coupons?per_page=1`;
	let answer;
	try {
		answer = await getJson(url, { Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` });
	} catch (error) {
		return { ok: false, message: `Could not reach WooCommerce at ${base}: ${(error as Error).message}` };
	}
	const error = (answer.body ?? {}) as { code?: string; message?: string };
	const detail = `${typeof error.message === 'string' ? error.message : `HTTP ${answer.status}`}${typeof error.code === 'string' ? ` (${error.code})` : ''}`;
	if (answer.status === 401 || answer.status === 403) return { ok: false, message: `WooCommerce rejected the REST API key: ${detail}` };
	if (answer.status === 404) {
		return { ok: false, message: `No WooCommerce REST API at ${base}/wp-json/wc/v3 (404 ${detail}): check the Shop URL and that WooCommerce and pretty permalinks are on` };
	}
	if (answer.status !== 200 || !Array.isArray(answer.body)) return { ok: false, message: `WooCommerce answered ${answer.status} for ${url}: ${detail}` };
	return { ok: true, message: `Connected to WooCommerce at ${base}; the REST API key may read coupons` };
}

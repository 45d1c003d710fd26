// The Webshop credential in a real n8n server (the packed package installed as a community package): its Test
// through n8n's own endpoint (the editor's Test button, POST /rest/credentials/test), per platform —
// Shopify GET /admin/api/<v>/shop.json and WooCommerce GET /wp-json/wc/v3/coupons?per_page=1 against loopback
// fakes; Generic (our JSON events, Supabase Database Webhooks) has no API, so its secrets are checked. The Shop
// URL is asked for only where a shop API is called.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startShopifyShopFake, type ShopifyShopFake } from '../fakes/shopifyShop';
import { startWooFake, type WooFake } from '../fakes/woocommerce';
import { startN8n, type N8nServer } from '../harness/server';

const LONG = 'whsec_4f7d2c9a1b8e6f3d5a0c7b2e9f1d4a6c'; // 38 characters

describe('Webshop credential in a real n8n server', () => {
	let n8n: N8nServer;
	let shopify: ShopifyShopFake;
	let woo: WooFake;

	before(async () => {
		shopify = await startShopifyShopFake();
		woo = await startWooFake();
		n8n = await startN8n({ label: 'webshop-credential' });
	});
	after(async () => {
		await n8n?.stop();
		await shopify?.close();
		await woo?.close();
	});

	test('Shop URL is shown and required only for Shopify and WooCommerce', async () => {
		const response = await n8n.request('/types/credentials.json', { headers: n8n.authHeaders() });
		assert.equal(response.status, 200);
		const types = (await response.json()) as Array<{ name: string; test?: unknown; properties: Array<{ name: string; required?: boolean; displayOptions?: unknown }> }>;
		const webshop = types.find((t) => t.name === 'webshopApi');
		assert.ok(webshop, 'n8n lists the Webshop credential');
		const shopUrl = webshop.properties.find((p) => p.name === 'shopUrl')!;
		assert.equal(shopUrl.required, true);
		assert.deepEqual(shopUrl.displayOptions, { show: { platform: ['shopify', 'woocommerce'] } });
		assert.equal(webshop.test, undefined, 'no declarative test: the nodes’ webshopApiTest runs instead');
		// A trigger-only / Supabase credential without a Shop URL saves.
		const id = await n8n.createCredential({ name: 'Generic shop', type: 'webshopApi', data: { platform: 'generic', webhookSecret: LONG } });
		assert.ok(id);
	});

	test('Generic: no request; OK when a secret is set and long enough, a clear error otherwise', async () => {
		const ok = await n8n.testCredential('webshopApi', { platform: 'generic', webhookSecret: LONG });
		assert.deepEqual(ok, { status: 'OK', message: 'No shop API to call for the Generic platform; the secrets can verify signed generic deliveries (X-Signature)' });
		const supabase = await n8n.testCredential('webshopApi', { platform: 'generic', supabaseHeaderName: 'x-webhook-secret', supabaseHeaderSecret: `supa-${LONG}` });
		assert.equal(supabase.status, 'OK');
		assert.match(supabase.message, /Supabase Database Webhooks \(header x-webhook-secret\)/);

		const none = await n8n.testCredential('webshopApi', { platform: 'generic' });
		assert.equal(none.status, 'Error');
		assert.match(none.message, /^Neither a Webhook Secret nor a Supabase Secret Header Value is set/);
		const short = await n8n.testCredential('webshopApi', { platform: 'generic', webhookSecret: 'secret123' });
		assert.deepEqual(short, { status: 'Error', message: 'Webhook Secret is 9 characters long; use at least 24 random characters (e.g. openssl rand -hex 32)' });
		const shortSupabase = await n8n.testCredential('webshopApi', { platform: 'generic', webhookSecret: LONG, supabaseHeaderSecret: 'abc' });
		assert.equal(shortSupabase.status, 'Error');
		assert.match(shortSupabase.message, /^Supabase Secret Header Value is 3 characters long/);
		const badHeader = await n8n.testCredential('webshopApi', { platform: 'generic', supabaseHeaderName: 'x webhook secret', supabaseHeaderSecret: LONG });
		assert.equal(badHeader.status, 'Error');
		assert.match(badHeader.message, /"x webhook secret" is not a valid HTTP header name/);
	});

	test('Shopify: GET /admin/api/<version>/shop.json with the access token', async () => {
		const data = { platform: 'shopify', shopUrl: `${shopify.url}/`, shopifyAccessToken: shopify.accessToken, shopifyApiVersion: '2026-10', webhookSecret: LONG };
		const ok = await n8n.testCredential('webshopApi', data);
		assert.deepEqual(ok, { status: 'OK', message: 'Connected to Shopify shop "Chatbuddy Bolt" (chatbuddy-bolt.myshopify.com), Admin API 2026-10' });
		const call = shopify.requests.at(-1)!;
		assert.deepEqual([call.method, call.path, call.headers['x-shopify-access-token']], ['GET', '/admin/api/2026-10/shop.json', shopify.accessToken]);

		const wrong = await n8n.testCredential('webshopApi', { ...data, shopifyAccessToken: 'shpat_revoked' });
		assert.deepEqual(wrong, { status: 'Error', message: 'Shopify rejected the access token: [API] Invalid API key or access token (unrecognized login or wrong password)' });
		const version = await n8n.testCredential('webshopApi', { ...data, shopifyApiVersion: '2026-13' });
		assert.equal(version.status, 'Error');
		assert.match(version.message, /No Shopify Admin API at .*\/admin\/api\/2026-13\/shop\.json \(404\): check the Shop URL .* and the API version "2026-13"/);
		const noUrl = await n8n.testCredential('webshopApi', { ...data, shopUrl: '' });
		assert.equal(noUrl.status, 'Error');
		assert.match(noUrl.message, /^Shop URL is empty/);
		const noToken = await n8n.testCredential('webshopApi', { ...data, shopifyAccessToken: '' });
		assert.equal(noToken.status, 'Error');
		assert.match(noToken.message, /^Shopify Access Token is empty/);
	});

	test('WooCommerce: GET /wp-json/wc/v3/coupons?per_page=1 with the REST API key (HTTP Basic)', async () => {
		const data = { platform: 'woocommerce', shopUrl: woo.url, wooConsumerKey: woo.consumerKey, wooConsumerSecret: woo.consumerSecret };
		const ok = await n8n.testCredential('webshopApi', data);
		assert.deepEqual(ok, { status: 'OK', message: `Connected to WooCommerce at ${woo.url}; the REST API key may read coupons` });
		const call = woo.requests.at(-1)!;
		assert.deepEqual([call.method, call.path], ['GET', '/wp-json/wc/v3/coupons?per_page=1']);
		assert.equal(call.headers.authorization, `Basic ${Buffer.from(`${woo.consumerKey}:${woo.consumerSecret}`).toString('base64')}`);

		const wrong = await n8n.testCredential('webshopApi', { ...data, wooConsumerSecret: 'cs_wrong' });
		assert.deepEqual(wrong, { status: 'Error', message: 'WooCommerce rejected the REST API key: Consumer secret is invalid. (woocommerce_rest_authentication_error)' });
		const notWoo = await n8n.testCredential('webshopApi', { ...data, shopUrl: `${woo.url}/blog` });
		assert.equal(notWoo.status, 'Error');
		assert.match(notWoo.message, /^No WooCommerce REST API at .*\/blog\/wp-json\/wc\/v3 \(404 .*rest_no_route\)/);
		const down = await n8n.testCredential('webshopApi', { ...data, shopUrl: 'http://127.0.0.1:9' });
		assert.equal(down.status, 'Error');
		assert.match(down.message, /^Could not reach WooCommerce at http:\/\/127\.0\.0\.1:9: /);
		const missing = await n8n.testCredential('webshopApi', { ...data, wooConsumerSecret: '' });
		assert.equal(missing.status, 'Error');
		assert.match(missing.message, /Consumer Key and Consumer Secret are both needed/);
	});
});

// Welcome back in the shop's chat (issue 18), end to end on an n8n server with the shipped workflow
// (workflows/chat-welcome-back.json) and the store on the Postgres server: the Welcome Back Trigger greets a visitor
// whose cart is in recovery — in the cart's language, with the cart, the live code and what other customers bought
// with its items — and marks the cart returned; it says nothing for a purchased cart, an unknown visitor, ids that do
// not belong together or an erased customer, and refuses forged, unsigned, replayed and malformed requests without
// touching the store. Then the sample shop page (scripts/demo/shop.ts) in Chromium, on another origin, with the real
// chat-bubble.js: the greeting shows, a hostile product title stays text, and a screenshot is kept.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { signWebshopRequest } from '../../lib/intake';
import { CartRecoveryStore, closeAllStores, PostgresTransport, type CartItem } from '../../lib/store';
import { shopPage } from '../../scripts/demo/shop';
import { ROOT, startN8n, TEST_TMP, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

const SECRET = 'whsec_welcome_back_4b1d9e7c2a6f3e80';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const workflow = JSON.parse(readFileSync(path.join(ROOT, 'workflows', 'chat-welcome-back.json'), 'utf8'));
const trigger = workflow.nodes.find((n: { type: string }) => n.type === 'n8n-nodes-cart-recovery.welcomeBackTrigger');
const POST_PATH = `/webhook/${trigger.webhookId}/welcome-back`;
const SCRIPT_PATH = `/webhook/${trigger.webhookId}/chat-bubble.js`;
const HOSTILE = 'Bögre <img src=x onerror="window.__xss=1">';
const plain = (text: unknown) => String(text).replace(/\u00a0/g, ' ');

let db: TestDatabase;
let store: CartRecoveryStore;
let n8n: N8nServer;

const product = (id: string, name: string, price: number): CartItem => ({ product_id: id, name, quantity: 1, price, image_url: `https://kave.example/${id}.jpg`, url: `https://kave.example/termek/${id}` });
const MUG = product('p-bogre', 'Kézműves kerámia bögre', 6495);
const COFFEE = product('p-kave', 'Etióp Yirgacheffe, 250 g', 4990);
const GRINDER = product('p-daralo', 'Kézi kávédaráló', 18990);
const XSS = product('p-xss', HOSTILE, 3990);

async function cartInRecovery(cartId: string, extra: Record<string, unknown>, items: CartItem[]) {
	const r = await store.recordCartEvent(
		{ source: 'generic', event_id: `${cartId}-c`, type: 'cart', cart_id: cartId, occurred_at: new Date(Date.now() - 3_600_000).toISOString(), currency: 'HUF', items, restore_url: `https://kave.example/kosar/${cartId}`, ...extra },
		{ cooldownSeconds: 0 },
	);
	assert.equal(r.outcome, 'enrolled', JSON.stringify(r));
}

/** The cart's first reminder, sent (the store stamps now). */
async function remind(cartId: string) {
	const claim = await store.claimMessage({ cartId, stage: 1, channel: 'email' });
	assert.ok(claim.claimed);
	await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `sg-${cartId}` });
}

async function order(cartId: string, customer: string, items: CartItem[]) {
	await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-c`, type: 'cart', cart_id: cartId, customer_id: customer, currency: 'HUF', items }, { cooldownSeconds: 0 });
	await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-o`, type: 'order', cart_id: cartId, order_id: `O-${cartId}` });
}

/** POSTs exactly these bytes to the welcome-back URL; signature undefined = signed correctly, null = none. */
async function ask(body: object | string, signature?: string | null, headers: Record<string, string> = {}) {
	const raw = typeof body === 'string' ? body : JSON.stringify(body);
	const h: Record<string, string> = { 'content-type': 'application/json', ...headers };
	if (signature !== null) h['x-signature'] = signature ?? signWebshopRequest({ secret: SECRET, path: POST_PATH, body: raw });
	const response = await n8n.request(POST_PATH, { method: 'POST', headers: h, body: raw });
	return { status: response.status, text: await response.text(), headers: response.headers };
}

const returnedAt = async (cartId: string) => (await db.pool.query('select returned_at from cart_recovery.carts where cart_id = $1', [cartId])).rows[0]?.returned_at ?? null;

before(async () => {
	db = await freshDatabase('welcome_back');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await order('o-1', 'buyer-1', [MUG, GRINDER]);
	await order('o-2', 'buyer-2', [MUG, GRINDER]);
	await order('o-3', 'buyer-3', [MUG, XSS]);
	await order('o-4', 'buyer-4', [COFFEE]);
	await cartInRecovery('wb-anna', { customer_id: 'c-anna', email: 'anna@example.hu', phone: '+36301112233', first_name: 'Anna', locale: 'hu' }, [MUG, COFFEE]);
	await remind('wb-anna');
	await store.issueDiscountCode({ code: 'KOSAR-ANNA2345', kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 2.5 * 86_400_000), cartId: 'wb-anna', stage: 2, customerRef: 'c-anna' });
	await cartInRecovery('wb-bela', { customer_id: 'c-bela', email: 'bela@example.hu', first_name: 'Béla' }, [COFFEE]);
	await store.recordCartEvent({ source: 'generic', event_id: 'wb-bela-o', type: 'order', cart_id: 'wb-bela', order_id: 'O-bela' });
	await cartInRecovery('wb-cili', { customer_id: 'c-cili', email: 'cili@example.hu', first_name: 'Cili' }, [MUG]);
	await store.eraseCustomer({ customerId: 'c-cili', email: 'cili@example.hu' });
	await cartInRecovery('wb-dora', { customer_id: 'c-dora', email: 'dora@example.hu', first_name: 'Dóra' }, [GRINDER]);
	await remind('wb-dora');
	await cartInRecovery('wb-emma', { email: 'emma@example.co.uk', first_name: 'Emma', locale: 'en-GB' }, [COFFEE, MUG, GRINDER, XSS]);
	await remind('wb-emma');
	// Still filling her cart: in recovery, no reminder yet.
	await cartInRecovery('wb-fanni', { customer_id: 'c-fanni', email: 'fanni@example.hu', first_name: 'Fanni' }, [MUG]);
	n8n = await startN8n({
		label: 'welcome-back',
		credentials: [
			{ id: 'cartRecStore0001', name: 'Cart Recovery Store', type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
			{ id: 'cartRecShop00001', name: 'Webshop', type: 'webshopApi', data: { platform: 'generic', webhookSecret: SECRET } },
		],
		workflows: [workflow],
	});
});

after(async () => {
	await n8n?.stop();
	await closeAllStores();
	await store?.close();
	await db?.drop();
});

describe('Welcome Back Trigger (workflows/chat-welcome-back.json)', () => {
	test('serves the chat bubble script', async () => {
		const response = await n8n.request(SCRIPT_PATH);
		assert.equal(response.status, 200);
		assert.match(String(response.headers.get('content-type')), /^application\/javascript/);
		assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
		assert.equal(await response.text(), readFileSync(path.join(ROOT, 'lib', 'welcome', 'chat-bubble.js'), 'utf8'));
	});

	test('a visitor whose cart is in recovery: greeted in Hungarian with the cart, the code and what others bought with it; the cart is returned', async () => {
		assert.equal(await returnedAt('wb-anna'), null);
		const r = await ask({ cart_id: 'wb-anna', customer_id: 'c-anna', nonce: 'a1' });
		assert.equal(r.status, 200, r.text);
		const answer = JSON.parse(r.text);
		assert.equal(answer.greet, true);
		assert.equal(plain(answer.greeting), 'Szia, Anna! A kosaradban még ott vár: Kézműves kerámia bögre és még 1 termék. Kedvezménykódod: KOSAR-ANNA2345, még 2 napig érvényes.');
		assert.deepEqual(
			answer.cart.items.map((i: { name: string; price_text: string }) => [i.name, plain(i.price_text)]),
			[['Kézműves kerámia bögre', '6 495 Ft'], ['Etióp Yirgacheffe, 250 g', '4 990 Ft']],
		);
		assert.deepEqual([plain(answer.cart.total_text), answer.cart.restore_url, answer.cart.more_items], ['11 485 Ft', 'https://kave.example/kosar/wb-anna', 0]);
		assert.deepEqual([answer.discount.code, answer.discount.text, answer.discount.valid_text], ['KOSAR-ANNA2345', '10%', 'Még 2 napig érvényes']);
		// Bought with the mug: the grinder twice, the hostile-titled product once (the coffee is in the cart).
		assert.deepEqual(answer.recommendations.map((p: { product_id: string; title: string; price_text: string }) => [p.product_id, p.title, plain(p.price_text)]), [
			['p-daralo', 'Kézi kávédaráló', '18 990 Ft'],
			['p-xss', HOSTILE, '3 990 Ft'],
		]);
		assert.equal(answer.labels.recommendations, 'Neked ajánljuk');
		assert.ok(!/anna@example\.hu|36301112233|c-anna/.test(r.text), 'no email, phone or customer id goes to the browser');
		assert.equal(r.headers.get('cache-control'), 'no-store');
		assert.ok(await returnedAt('wb-anna'), 'the cart counts as returned');
		// The dashboard's timeline of the cart shows its products and the return.
		const timeline = await store.cartTimeline('wb-anna');
		assert.ok(timeline.found);
		assert.deepEqual(timeline.cart.items, [{ name: 'Kézműves kerámia bögre', quantity: 1 }, { name: 'Etióp Yirgacheffe, 250 g', quantity: 1 }]);
		assert.deepEqual(timeline.entries.filter((e) => e.kind === 'returned').map((e) => e.detail), ['Came back to the shop after a reminder']);
	});

	test('the same signed request again is a replay (409); a new signature greets again', async () => {
		const body = JSON.stringify({ customer_id: 'c-anna', nonce: 'same' });
		const signature = signWebshopRequest({ secret: SECRET, path: POST_PATH, body });
		assert.equal((await ask(body, signature)).status, 200);
		const again = await ask(body, signature);
		assert.equal(again.status, 409);
		// The same signature behind a made-up v1= is the same request: the id is the digest that was verified.
		assert.equal((await ask(body, signature.replace('v1=', `v1=${'a'.repeat(64)},v1=`))).status, 409);
		assert.deepEqual(JSON.parse(again.text), { greet: false, error: 'signature: this signed request was already answered; sign each page view anew (add a nonce)' });
		assert.equal(JSON.parse((await ask({ customer_id: 'c-anna', nonce: 'other' })).text).greet, true);
	});

	test('an English cart is greeted in English, with “and 3 more items” and no code', async () => {
		const answer = JSON.parse((await ask({ email: 'EMMA@example.co.uk' })).text);
		assert.equal(answer.greet, true);
		assert.equal(answer.greeting, 'Hi Emma! Etióp Yirgacheffe, 250 g and 3 more items are still in your cart.');
		assert.deepEqual([answer.language, answer.discount, answer.cart.items.length, answer.cart.more_items, answer.labels.restore], ['en', null, 3, 1, 'Back to my cart']);
	});

	test('nothing to say, and nothing personal: a purchased cart, an unknown visitor, ids that do not match, an erased customer, no reminder yet', async () => {
		for (const visitor of [{ customer_id: 'c-fanni' }, { cart_id: 'wb-bela' }, { customer_id: 'c-bela' }, { email: 'nobody@example.hu' }, { cart_id: 'wb-anna', customer_id: 'c-dora' }, { cart_id: 'wb-anna', email: 'dora@example.hu' }, { customer_id: 'c-cili' }, { email: 'cili@example.hu' }, { cart_id: 'wb-cili' }]) {
			const r = await ask(visitor);
			assert.equal(r.status, 200, `${JSON.stringify(visitor)}: ${r.text}`);
			assert.deepEqual(JSON.parse(r.text), { greet: false }, JSON.stringify(visitor));
		}
		assert.equal(await returnedAt('wb-dora'), null, 'a mismatch marks nothing');
		assert.equal(await returnedAt('wb-fanni'), null, 'a cart with no reminder is not "back"');
	});

	test('forged, unsigned, stale, other-endpoint, non-JSON and malformed requests are refused before the store is touched', async () => {
		const visitor = { cart_id: 'wb-dora', nonce: 'forge' };
		const raw = JSON.stringify(visitor);
		const cases: Array<[string, Awaited<ReturnType<typeof ask>>, number, RegExp]> = [
			['wrong secret', await ask(raw, signWebshopRequest({ secret: 'whsec_not_the_shops_secret_000000', path: POST_PATH, body: raw })), 401, /does not match this request/],
			['no signature', await ask(raw, null), 401, /X-Signature header is missing/],
			['stale', await ask(raw, signWebshopRequest({ secret: SECRET, path: POST_PATH, body: raw, timestamp: Math.floor(Date.now() / 1000) - 3600 })), 401, /refused as replays/],
			['signed for another path', await ask(raw, signWebshopRequest({ secret: SECRET, path: '/webhook/other/welcome-back', body: raw })), 401, /does not match/],
			['other bytes', await ask(JSON.stringify({ cart_id: 'wb-anna', nonce: 'forge' }), signWebshopRequest({ secret: SECRET, path: POST_PATH, body: raw })), 401, /does not match/],
			['a form', await ask('cart_id=wb-dora', undefined, { 'content-type': 'application/x-www-form-urlencoded' }), 415, /not accepted/],
			['no ids', await ask({ nonce: 'x' }), 400, /name the visitor with cart_id/],
			['a number for an email', await ask({ email: 42 }), 400, /^email: must be a string/],
			['a NUL in a field', await ask({ cart_id: 'wb-dora\u0000' }), 400, /^body\.cart_id: contains a NUL character/],
			['an object for a cart id', await ask({ cart_id: { $ne: null } }), 400, /^cart_id: must be a string/],
		];
		for (const [name, r, status, message] of cases) {
			assert.equal(r.status, status, `${name}: ${r.text}`);
			const body = JSON.parse(r.text);
			assert.equal(body.greet, false, name);
			assert.match(body.error, message, name);
		}
		// Broken JSON sent as application/json never reaches the node: n8n's own body parser answers 422 (a client error).
		const broken = await ask('{"cart_id":');
		assert.equal(broken.status, 422, broken.text);
		assert.equal(await returnedAt('wb-dora'), null, 'nothing was marked');
		const [{ n }] = (await db.pool.query(`select count(*)::int as n from cart_recovery.inbound_events where source = 'welcome_back'`)).rows;
		assert.equal(n, 13, 'only the signed, well-formed requests of the tests above reached the store (a replay adds none)');
	});

	test('the sample shop page, on another origin, shows the greeting from the real chat-bubble.js; a hostile title stays text', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}` }, async () => {
		const scriptUrl = n8n.webhookUrl(`${trigger.webhookId}/chat-bubble.js`);
		const page = (visitor: object | null) => shopPage({ shopName: 'Kávémanufaktúra', scriptUrl, visitor, secret: SECRET });
		const shop: Server = createServer((req, res) => {
			res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
			res.end(req.url?.startsWith('/stranger') ? page(null) : page({ cart_id: 'wb-anna', customer_id: 'c-anna' }));
		});
		await new Promise<void>((resolve) => shop.listen(0, 'localhost', resolve));
		const shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
		const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
		try {
			const tab = await browser.newPage({ viewport: { width: 1100, height: 760 } });
			const errors: string[] = [];
			tab.on('pageerror', (e) => errors.push(e.message));
			await tab.goto(`${shopUrl}/`);
			const bubble = tab.locator('#cart-recovery-chat');
			await bubble.waitFor({ timeout: 15_000 });
			const text = plain(await tab.locator('#cart-recovery-chat').evaluate((host) => host.shadowRoot?.textContent ?? ''));
			assert.match(text, /Szia, Anna! A kosaradban még ott vár: Kézműves kerámia bögre és még 1 termék\./);
			assert.match(text, /KOSAR-ANNA2345/);
			assert.match(text, /Neked ajánljuk/);
			assert.ok(text.includes(HOSTILE), 'the hostile title is shown as text');
			assert.equal(await tab.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss), undefined);
			const links = await tab.locator('#cart-recovery-chat').evaluate((host) => [...(host.shadowRoot?.querySelectorAll('a') ?? [])].map((a) => a.getAttribute('href')));
			assert.ok(links.includes('https://kave.example/kosar/wb-anna'), JSON.stringify(links));
			const shots = path.join(TEST_TMP, 'welcome');
			mkdirSync(shots, { recursive: true });
			const file = path.join(shots, 'welcome-back-shop.png');
			await tab.screenshot({ path: file });
			assert.ok(statSync(file).size > 10_000, 'the screenshot was written');

			// A visitor the shop does not know: no attributes, no request, no bubble.
			await tab.goto(`${shopUrl}/stranger`);
			await tab.waitForTimeout(1500);
			assert.equal(await tab.locator('#cart-recovery-chat').count(), 0);
			assert.deepEqual(errors, []);
		} finally {
			await browser.close();
			shop.close();
		}
	});
});

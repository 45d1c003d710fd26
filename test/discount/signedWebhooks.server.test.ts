// The webshop's webhooks (workflows/discount-redeem.json, workflows/consent-intake.json) as shipped, in a real n8n
// server: every request must carry X-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<URL path>.<raw body>"
// with the Webshop credential's Webhook Secret>, checked timing-safely by "Verify Webshop Signature" (lib/n8n/webshopSignature.ts) on the raw
// body the Webhook nodes keep ("Raw Body" option). Signed → served; forged, missing or for other bytes → 401 and
// nothing changes in the store.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { signWebshopRequest } from '../../lib/intake';
import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { ROOT, startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

const SECRET = 'whsec_signed_webhooks_7c1e0b9a4f3d2e18';
const shipped = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'workflows', `${file}.json`), 'utf8'));

let db: TestDatabase;
let store: CartRecoveryStore;
let n8n: N8nServer;
let code: string;

before(async () => {
	db = await freshDatabase('signed_webhooks');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	const issued = await store.issueDiscountCode({
		code: 'KOSAR-SIGNED2345',
		kind: 'percent',
		amount: 10,
		validUntil: new Date(Date.now() + 86_400_000),
		cartId: 'cart-signed',
		stage: 2,
		customerRef: 'cust-signed',
	});
	code = issued.code!.code;
	const discount = shipped('discount-redeem');
	const consent = shipped('consent-intake');
	// The shipped files as they are: no Header Auth left, the ids their credential references use.
	for (const wf of [discount, consent]) {
		for (const n of wf.nodes) {
			assert.equal(n.parameters.authentication, undefined, `${n.name}: no Header Auth`);
			if (n.type === 'n8n-nodes-base.webhook') assert.equal(n.parameters.options.rawBody, true, `${n.name} keeps the raw body`);
		}
	}
	n8n = await startN8n({
		label: 'signed-webhooks',
		credentials: [
			{ id: 'cartRecStore0001', name: 'Cart Recovery Store', type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
			{ id: 'cartRecShop00001', name: 'Webshop', type: 'webshopApi', data: { platform: 'generic', shopUrl: 'http://127.0.0.1:9', webhookSecret: SECRET } },
		],
		workflows: [discount, consent],
	});
});

after(async () => {
	await n8n?.stop();
	await closeAllStores();
	await store?.close();
	await db?.drop();
});

const sign = (p: string, raw: Buffer | string, secret = SECRET) => signWebshopRequest({ secret, path: `/webhook/${p}`, body: raw });

/** POSTs exactly these bytes; `signature` undefined = signed correctly, null = no header. */
async function post(p: string, body: object, signature?: string | null, extra: Record<string, string> = {}) {
	const raw = Buffer.from(JSON.stringify(body));
	const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
	if (signature !== null) headers['x-signature'] = signature ?? sign(p, raw);
	const res = await n8n.request(`/webhook/${p}`, { method: 'POST', headers, body: raw });
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe('signed webshop webhooks (real n8n, shipped workflows)', () => {
	test('consent: signed is recorded; forged, missing, other-bytes or Header-Auth-only get 401 and record nothing', async () => {
		const good = { channel: 'email', address: 'signed@example.hu', customer_id: 'cust-signed', wording: 'Kérek emlékeztetőt a kosaramról.', ip: '203.0.113.9' };
		const ok = await post('cart-recovery/consent', good);
		assert.equal(ok.status, 200, JSON.stringify(ok.json));
		assert.deepEqual(ok.json, { recorded: true, changed: true, channel: 'email', status: 'granted', reason: 'granted' });

		const forgedBody = { ...good, address: 'forged@example.hu' };
		const attempts = [
			await post('cart-recovery/consent', forgedBody, sign('cart-recovery/consent', JSON.stringify(forgedBody), 'not-the-secret')),
			await post('cart-recovery/consent', forgedBody, null),
			await post('cart-recovery/consent', forgedBody, sign('cart-recovery/consent', JSON.stringify(good))), // a signature of other bytes
			await post('cart-recovery/consent', forgedBody, 'sha256=' + '0'.repeat(64)),
			await post('cart-recovery/consent', forgedBody, null, { 'X-Cart-Recovery-Key': 'the old Header Auth key' }),
		];
		for (const a of attempts) {
			assert.equal(a.status, 401, JSON.stringify(a.json));
			assert.equal(a.json.error, 'invalid signature');
			assert.match(a.json.hint, /X-Signature: t=<unix seconds>,v1=/);
		}
		assert.equal((await store.checkConsent({ email: 'forged@example.hu' }, ['email']))[0].reason, 'no_consent', 'nothing recorded');
		const events = (await store.exportCustomer({ email: 'forged@example.hu' })).tables.consent_events ?? [];
		assert.equal(events.length, 0);

		// A signed but malformed request is still a 400 with the field named.
		const bad = await post('cart-recovery/consent', { channel: 'fax', address: 'x@example.hu', wording: 'x' });
		assert.equal(bad.status, 400);
		assert.match(bad.json.error, /Channel/);
	});

	test('discount validate / redeem: signed are served; forged or missing get 401 and the code is not used', async () => {
		const order = { code: code.toLowerCase(), customer_id: 'cust-signed', total: 12990, currency: 'HUF' };
		assert.equal((await post('cart-recovery/discount/validate', order, null)).status, 401);
		const forged = await post('cart-recovery/discount/redeem', { ...order, order_id: 'ORD-FORGED' }, sign('cart-recovery/discount/redeem', JSON.stringify(order), 'guess'));
		assert.equal(forged.status, 401);
		assert.equal(forged.json.error, 'invalid signature');
		assert.equal((await store.getDiscountCode(code))!.used_count, 0, 'a forged redeem changes nothing');

		const valid = await post('cart-recovery/discount/validate', order);
		assert.equal(valid.status, 200, JSON.stringify(valid.json));
		assert.deepEqual([valid.json.valid, valid.json.code], [true, code]);
		const redeemed = await post('cart-recovery/discount/redeem', { ...order, order_id: 'ORD-SIGNED' });
		assert.equal(redeemed.status, 200, JSON.stringify(redeemed.json));
		assert.deepEqual([redeemed.json.redeemed, redeemed.json.duplicate], [true, false]);
		assert.equal((await store.getDiscountCode(code))!.used_count, 1);

		const missing = await post('cart-recovery/discount/validate', { total: 100 });
		assert.equal(missing.status, 400);
		assert.match(missing.json.error, /Code/);
	});
});

// Replays of validly signed requests (issue 10): the store refuses what a replay would change.
describe('replayed signed requests (real n8n, shipped workflows)', () => {
	test('consent: a grant replayed after the customer withdrew is not recorded (recorded: false, withdrawn_later); consent stays withdrawn', async () => {
		const address = 'replayed.grant@example.hu';
		const grant = { channel: 'email', address, customer_id: 'cust-replay', wording: 'Kérek emlékeztetőt a kosaramról.', given_at: new Date(Date.now() - 3600_000).toISOString() };
		const first = await post('cart-recovery/consent', grant);
		assert.deepEqual([first.status, first.json.recorded], [200, true], JSON.stringify(first.json));
		await store.withdrawConsent({ channel: 'email', address, source: 'one_click' });

		// The same signed bytes again: an attacker's replay, or the shop's delayed retry.
		const replay = await post('cart-recovery/consent', grant);
		assert.equal(replay.status, 200, JSON.stringify(replay.json));
		assert.deepEqual(replay.json, { recorded: false, changed: false, channel: 'email', status: 'withdrawn', reason: 'withdrawn_later' });
		assert.equal((await store.checkConsent({ email: address }, ['email']))[0].reason, 'withdrawn');
		const events = (await store.exportCustomer({ email: address })).tables.consent_events ?? [];
		assert.deepEqual(events.map((e) => e.action), ['granted', 'withdrawn'], 'nothing appended by the replay');

		// A grant the customer gives after withdrawing is recorded as before.
		const fresh = await post('cart-recovery/consent', { ...grant, given_at: new Date().toISOString() });
		assert.deepEqual([fresh.status, fresh.json.recorded, fresh.json.status], [200, true, 'granted']);
	});

	test('consent: a grant without given_at counts as given when the shop signed it, so its replay inside the time window after a withdrawal is refused', async () => {
		const address = 'replayed.unstamped@example.hu';
		const grant = { channel: 'email', address, customer_id: 'cust-replay-2', wording: 'Kérek emlékeztetőt a kosaramról.' };
		const p = 'cart-recovery/consent';
		const signature = sign(p, Buffer.from(JSON.stringify(grant)));
		const first = await post(p, grant, signature);
		assert.deepEqual([first.status, first.json.recorded], [200, true], JSON.stringify(first.json));
		await store.withdrawConsent({ channel: 'email', address, source: 'one_click' });
		// The very same bytes and X-Signature seconds later: well inside the signature's window.
		const replay = await post(p, grant, signature);
		assert.equal(replay.status, 200, JSON.stringify(replay.json));
		assert.deepEqual([replay.json.recorded, replay.json.reason], [false, 'withdrawn_later']);
		assert.equal((await store.checkConsent({ email: address }, ['email']))[0].reason, 'withdrawn');
	});

	test('redeem: without order_id (or a validate body sent to /redeem) → 400 naming Order ID, nothing used; one order three times → one use', async () => {
		const issued = await store.issueDiscountCode({ code: 'KOSAR-THREEUSE2', kind: 'percent', amount: 10, usageLimit: 3, validUntil: new Date(Date.now() + 86_400_000) });
		const three = issued.code!.code;
		const order = { code: three, total: 12990, currency: 'HUF' };
		for (let i = 0; i < 3; i++) {
			const noOrder = await post('cart-recovery/discount/redeem', order);
			assert.equal(noOrder.status, 400, JSON.stringify(noOrder.json));
			assert.match(noOrder.json.error, /"Order ID" is empty/);
		}
		const validated = await post('cart-recovery/discount/validate', order);
		assert.deepEqual([validated.status, validated.json.valid], [200, true]);
		assert.equal((await post('cart-recovery/discount/redeem', order)).status, 400, 'the validate body replayed to /redeem');
		assert.equal((await store.getDiscountCode(three))!.used_count, 0);

		const answers = [];
		for (let i = 0; i < 3; i++) answers.push(await post('cart-recovery/discount/redeem', { ...order, order_id: 'ORD-REPLAY-1' }));
		assert.deepEqual(answers.map((a) => [a.status, a.json.redeemed, a.json.duplicate]), [[200, true, false], [200, true, true], [200, true, true]]);
		const code = (await store.getDiscountCode(three))!;
		assert.deepEqual([code.used_count, code.remaining_uses], [1, 2]);
	});

	test('validate and redeem give the shop one answer for every refusal: unknown, another customer, expired, used up', async () => {
		const until = new Date(Date.now() + 86_400_000);
		await store.issueDiscountCode({ code: 'KOSAR-BOUNDTO234', kind: 'percent', amount: 10, validUntil: until, customerRef: 'cust-owner' });
		await store.issueDiscountCode({ code: 'KOSAR-EXPIRED234', kind: 'percent', amount: 10, validUntil: until });
		await db.pool.query(`update cart_recovery.discount_codes set valid_until = now() - interval '1 minute' where code = 'KOSAR-EXPIRED234'`);
		await store.issueDiscountCode({ code: 'KOSAR-USEDUP2345', kind: 'percent', amount: 10, validUntil: until });
		await store.redeemDiscountCode({ code: 'KOSAR-USEDUP2345', orderId: 'ORD-EARLIER' });
		const refusals = [
			{ code: 'KOSAR-NOSUCH2345', customer_id: 'cust-prober' },
			{ code: 'KOSAR-BOUNDTO234', customer_id: 'cust-prober' },
			{ code: 'KOSAR-EXPIRED234', customer_id: 'cust-prober' },
			{ code: 'KOSAR-USEDUP2345', customer_id: 'cust-prober' },
		];
		const validate = await Promise.all(refusals.map((body) => post('cart-recovery/discount/validate', body)));
		const redeem = await Promise.all(refusals.map((body) => post('cart-recovery/discount/redeem', { ...body, order_id: 'ORD-PROBE' })));
		const generic = { message_hu: 'Ez a kuponkód ehhez a rendeléshez nem használható.', message_en: 'This discount code cannot be used for this order.' };
		for (const answer of validate) assert.deepEqual([answer.status, answer.json], [200, { valid: false, ...generic }]);
		for (const answer of redeem) assert.deepEqual([answer.status, answer.json], [200, { redeemed: false, ...generic }]);
	});
});

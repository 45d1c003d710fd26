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

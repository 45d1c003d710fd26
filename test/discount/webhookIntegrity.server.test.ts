// Issue 10: a signed webshop request's bytes are what the node acts on, and a signature is good once, at one
// endpoint, for a few minutes. Issue 9 (5): text the store cannot hold is the shop's error (400 naming the field),
// never an outage. In a real n8n server with the shipped workflows (discount validate / redeem, consent,
// unsubscribe) and the store on Postgres.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { signWebshopRequest } from '../../lib/intake';
import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { ROOT, startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

const SECRET = 'whsec_integrity_5b7e1c0d9a8f3e2d4c6b';
const shipped = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'workflows', `${file}.json`), 'utf8'));
const VALIDATE = 'cart-recovery/discount/validate';
const REDEEM = 'cart-recovery/discount/redeem';
const CONSENT = 'cart-recovery/consent';

let db: TestDatabase;
let store: CartRecoveryStore;
let n8n: N8nServer;

async function issue(code: string, cartId: string, customerRef: string): Promise<string> {
	const issued = await store.issueDiscountCode({ code, kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 86_400_000), cartId, stage: 2, customerRef });
	return issued.code!.code;
}

before(async () => {
	db = await freshDatabase('webhook_integrity');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	n8n = await startN8n({
		label: 'webhook-integrity',
		credentials: [
			{ id: 'cartRecStore0001', name: 'Cart Recovery Store', type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
			{ id: 'cartRecShop00001', name: 'Webshop', type: 'webshopApi', data: { platform: 'generic', shopUrl: 'http://127.0.0.1:9', webhookSecret: SECRET } },
		],
		workflows: [shipped('discount-redeem'), shipped('consent-intake'), shipped('unsubscribe')],
	});
});

after(async () => {
	await n8n?.stop();
	await closeAllStores();
	await store?.close();
	await db?.drop();
});

const now = () => Math.floor(Date.now() / 1000);
/** X-Signature for `raw` sent to the webhook `endpoint` (its URL path is /webhook/<endpoint>) at `timestamp`. */
const sign = (endpoint: string, raw: string, timestamp = now()) => signWebshopRequest({ secret: SECRET, path: `/webhook/${endpoint}`, body: raw, timestamp });

async function answer(res: Response) {
	const text = await res.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = { text };
	}
	return { status: res.status, json };
}

/** POSTs exactly `raw` with these headers (JSON unless said otherwise). */
async function post(endpoint: string, raw: string, headers: Record<string, string>) {
	return answer(await n8n.request(`/webhook/${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw }));
}

/** The attack: form fields the attacker chose, a signed body as the uploaded file `data`, that body's signature. */
async function multipart(endpoint: string, fields: Record<string, string>, signedBody: string, signature: string) {
	const form = new FormData();
	for (const [name, value] of Object.entries(fields)) form.append(name, value);
	form.append('data', new Blob([signedBody], { type: 'application/json' }), 'data.json');
	return answer(await n8n.request(`/webhook/${endpoint}`, { method: 'POST', headers: { 'x-signature': signature }, body: form }));
}

const consentEvents = async (address: string) => ((await store.exportCustomer({ email: address })).tables.consent_events ?? []).length;

describe('signed webshop requests: the verified bytes, once, at one endpoint (real n8n, shipped workflows)', () => {
	test('a multipart request cannot borrow a signed body: 400 naming the content type, nothing changes', async () => {
		const victim = await issue('KOSAR-VICTIM2345', 'cart-victim', 'cust-victim');
		// A signed request the attacker saw (execution data, a backup, a proxy log), even one signed for that very endpoint.
		const seen = JSON.stringify({ code: 'KOSAR-NOSUCHCODE', customer_id: 'cust-attacker', total: 100 });
		const attacks = [
			[REDEEM, { code: victim, customer_id: 'cust-victim', order_id: 'ORD-ATTACK', total: '9000' }],
			[VALIDATE, { code: victim, customer_id: 'cust-victim', total: '9000' }],
			[CONSENT, { channel: 'email', address: 'stranger@example.org', wording: 'Kérek emlékeztetőt.', source: 'checkout_checkbox' }],
		] as const;
		for (const [endpoint, fields] of attacks) {
			const a = await multipart(endpoint, fields, seen, sign(endpoint, seen));
			assert.equal(a.status, 400, `${endpoint}: ${JSON.stringify(a.json)}`);
			assert.match(a.json.error, /^Webshop request refused: Content-Type "multipart\/form-data.*" is not accepted/);
			assert.notEqual(a.json.redeemed ?? a.json.valid ?? a.json.recorded, true);
		}
		assert.equal((await store.getDiscountCode(victim))!.used_count, 0, 'the victim’s code is not used up');
		assert.equal((await store.checkConsent({ email: 'stranger@example.org' }, ['email']))[0].reason, 'no_consent', 'no consent recorded');
		assert.equal(await consentEvents('stranger@example.org'), 0);

		// A form post of the fields, signed or not, and a signed body sent as text: refused the same way.
		const form = await answer(
			await n8n.request(`/webhook/${REDEEM}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signature': sign(REDEEM, seen) }, body: `code=${victim}&order_id=ORD-FORM` }),
		);
		assert.equal(form.status, 400);
		assert.match(form.json.error, /Content-Type "application\/x-www-form-urlencoded" is not accepted/);
		const text = await post(REDEEM, seen, { 'content-type': 'text/plain', 'x-signature': sign(REDEEM, seen) });
		assert.equal(text.status, 400);
		assert.equal((await store.getDiscountCode(victim))!.used_count, 0);
	});

	test('replays: another endpoint, too old, from the future or the old sha256= form → 401 with the reason; nothing changes', async () => {
		const code = await issue('KOSAR-REPLAY2345', 'cart-replay', 'cust-replay');
		const order = JSON.stringify({ code, customer_id: 'cust-replay', total: 9000, currency: 'HUF', order_id: 'ORD-REPLAY' });
		const validated = await post(VALIDATE, order, { 'x-signature': sign(VALIDATE, order) });
		assert.deepEqual([validated.status, validated.json.valid], [200, true], JSON.stringify(validated.json));

		const replays: Array<[string, RegExp]> = [
			[sign(VALIDATE, order), /does not match this request: sign "<t>\.\/webhook\/cart-recovery\/discount\/redeem\.<the exact body bytes>"/], // the validate call, replayed to /redeem
			[sign(REDEEM, order, now() - 6 * 60), /timestamp is \d+ s old; requests signed more than 300 s ago are refused as replays/],
			[sign(REDEEM, order, now() + 6 * 60), /timestamp is \d+ s in the future/],
			[`sha256=${createHmac('sha256', SECRET).update(order).digest('hex')}`, /older "sha256=<hex of the body>" form is no longer accepted/],
		];
		for (const [signature, reason] of replays) {
			const a = await post(REDEEM, order, { 'x-signature': signature });
			assert.equal(a.status, 401, JSON.stringify(a.json));
			assert.equal(a.json.error, 'invalid signature');
			assert.match(a.json.reason, reason);
		}
		assert.equal((await store.getDiscountCode(code))!.used_count, 0, 'no replay redeemed the code');

		// Consent: a grant replayed to another endpoint or later records nothing.
		const grant = JSON.stringify({ channel: 'email', address: 'replayed@example.hu', wording: 'Kérek emlékeztetőt a kosaramról.' });
		for (const signature of [sign(VALIDATE, grant), sign(CONSENT, grant, now() - 3600)]) {
			assert.equal((await post(CONSENT, grant, { 'x-signature': signature })).status, 401);
		}
		assert.equal(await consentEvents('replayed@example.hu'), 0);

		// Signed now, for /redeem: served.
		const redeemed = await post(REDEEM, order, { 'x-signature': sign(REDEEM, order) });
		assert.deepEqual([redeemed.status, redeemed.json.redeemed], [200, true], JSON.stringify(redeemed.json));
		assert.equal((await store.getDiscountCode(code))!.used_count, 1);
	});

	test('a NUL or an unpaired surrogate in any string → 400 naming the field, at consent, validate and redeem; nothing stored', async () => {
		const code = await issue('KOSAR-NULTEXT234', 'cart-nul', 'cust-nul');
		const cases: Array<[string, object, string]> = [
			[CONSENT, { channel: 'email', address: 'nul@example.hu', wording: 'Kérek\u0000 emlékeztetőt.' }, 'wording'],
			[CONSENT, { channel: 'email', address: 'nul@example.hu', wording: 'Kérek emlékeztetőt.', source: 'checkout\ud800' }, 'source'],
			[VALIDATE, { code: `${code}\u0000`, total: 9000 }, 'code'],
			[VALIDATE, { code, total: 9000, items: [{ title: 'ok' }, { title: 'ok' }, { title: 'Bögre \udc00' }] }, 'items[2].title'],
			[REDEEM, { code, customer_id: 'cust-nul\u0000', total: 9000, order_id: 'ORD-NUL' }, 'customer_id'],
			[REDEEM, { code, customer_id: 'cust-nul', total: 9000, order_id: 'ORD-\ud83d' }, 'order_id'],
		];
		for (const [endpoint, body, field] of cases) {
			const raw = JSON.stringify(body); // \u0000 and lone surrogates go out as JSON escapes, as a shop sends them
			const a = await post(endpoint, raw, { 'x-signature': sign(endpoint, raw) });
			assert.equal(a.status, 400, `${endpoint} ${field}: ${JSON.stringify(a.json)}`);
			assert.match(a.json.error, new RegExp(`^Webshop request refused: ${field.replace(/[[\].]/g, '\\$&')}: contains (a NUL character|an unpaired UTF-16 surrogate)`));
		}
		assert.equal(await consentEvents('nul@example.hu'), 0, 'no consent event');
		assert.equal((await store.getDiscountCode(code))!.used_count, 0);
	});

	test('unsubscribe: a NUL or a lone surrogate in the token or the body is an invalid link (400), never a 5xx', async () => {
		const cases: Array<[string, RequestInit]> = [
			['?token=abc%00def', { method: 'GET' }],
			['?token=abc%00def', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' }],
			['?token=abc%ED%A0%80def', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' }],
			['?token=abc', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click&via=page%00' }],
			['?token=abc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"List-Unsubscribe":"One-Click\\u0000","via":"\\ud800"}' }],
		];
		for (const [query, init] of cases) {
			const res = await n8n.request(`/webhook/cart-recovery/unsubscribe${query}`, init);
			await res.text();
			assert.ok(res.status < 500, `${init.method} ${query}: ${res.status}`);
			if (init.method === 'POST') assert.equal(res.status, 400, `${query}: the invalid-link page`);
		}
	});
});

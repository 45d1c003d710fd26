// The Abandoned Cart Trigger inside a real n8n server (our packed tarball installed as a community package),
// with the store on real Postgres: every source's fixtures, retries, a burst of 50 concurrent events for one
// new cart, forged and missing signatures, a few hundred malformed payloads and an oversized body. Asserts the
// HTTP answers, the executions n8n started and the store's rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IntakeSource } from '../../lib/intake';
import { closeAllStores, CartRecoveryStore, PostgresTransport } from '../../lib/store';
import { startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { fixture, malformedPayloads, signatureHeaders, signed, webshopCredentials, type Fixture } from './support';
import { STORE_CREDENTIAL_ID, triggerWorkflow, WEBSHOP_CREDENTIAL_ID } from './workflows';

const SOURCES: IntakeSource[] = ['generic', 'shopify', 'woocommerce', 'supabase'];
const flows = Object.fromEntries(SOURCES.map((s, i) => [s, triggerWorkflow(s, i + 1)])) as Record<IntakeSource, ReturnType<typeof triggerWorkflow>>;
const openFlow = triggerWorkflow('generic', 9, { verification: 'none' });
const smallFlow = triggerWorkflow('generic', 10, { options: { maxBodyKb: 8 } });
const typoFlow = triggerWorkflow('generic', 11, { options: { defaultCurrency: 'Ft' } });

let db: TestDatabase;
let n8n: N8nServer;
let store: CartRecoveryStore;

before(async () => {
	db = await freshDatabase('trigger_server');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	n8n = await startN8n({
		label: 'trigger',
		credentials: [
			{ id: STORE_CREDENTIAL_ID, name: 'Cart Recovery Store (tests)', type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
			{ id: WEBSHOP_CREDENTIAL_ID, name: 'Webshop (tests)', type: 'webshopApi', data: webshopCredentials },
		],
		workflows: [...SOURCES.map((s) => flows[s].json), openFlow.json, smallFlow.json, typoFlow.json],
	});
});

after(async () => {
	await n8n?.stop();
	await store?.close();
	await closeAllStores();
	await db?.drop();
});

interface Answer {
	status: number;
	body: { accepted: boolean; enrolled?: boolean; duplicate?: boolean; outcome?: string; error?: string; field?: string; reason?: string };
}

async function post(flow: { path: string }, headers: Record<string, string>, raw: Buffer | string): Promise<Answer> {
	const t0 = Date.now();
	let res: Response;
	try {
		res = await n8n.request(`/webhook/${flow.path}`, { method: 'POST', headers, body: raw });
	} catch (error) {
		throw new Error(`POST ${flow.path} (${raw.length} bytes) failed after ${Date.now() - t0} ms: ${(error as Error).message} ${(error as { cause?: Error }).cause?.message}`);
	}
	const text = await res.text();
	let body: Answer['body'];
	try {
		body = JSON.parse(text);
	} catch {
		body = { accepted: false, error: text };
	}
	return { status: res.status, body };
}

/** Signed as the platform signs; a generic signature covers the path of the flow's webhook URL. */
const signedFor = (flow: { path: string }, source: IntakeSource, f: Fixture, secret?: string) => signed(source, f, secret, `/webhook/${flow.path}`);

const deliver = (source: IntakeSource, f: Fixture, flow = flows[source]) => {
	const { headers, raw } = signedFor(flow, source, f);
	return post(flow, headers, raw);
};

async function counts(): Promise<{ carts: number; events: number }> {
	const { rows } = await db.pool.query(
		'select (select count(*) from cart_recovery.carts)::int as carts, (select count(*) from cart_recovery.inbound_events)::int as events',
	);
	return rows[0];
}

/** Executions of a workflow after giving n8n time to start any it would (to assert "exactly n"). */
async function settledExecutions(workflowId: string, expected: number) {
	if (expected > 0) await n8n.waitForExecutions(workflowId, expected, { timeoutMs: 60_000 });
	await new Promise((r) => setTimeout(r, 1500));
	return n8n.executions(workflowId);
}

const triggerOutput = (execution: any) => execution.data.resultData.runData['Abandoned Cart Trigger'][0].data.main[0].map((i: any) => i.json);

describe('Abandoned Cart Trigger in a real n8n server', () => {
	test('every source: fixtures enroll once, updates refresh, orders convert and start nothing', async () => {
		// generic
		assert.deepEqual((await deliver('generic', fixture('generic/cart'))).body, { accepted: true, enrolled: true, duplicate: false, outcome: 'enrolled' });
		assert.deepEqual((await deliver('generic', fixture('generic/order'))).body, { accepted: true, enrolled: false, duplicate: false, outcome: 'converted' });
		// shopify
		const shopify = ['shopify/checkouts-create', 'shopify/checkouts-update', 'shopify/orders-create'].map((n) => fixture(n));
		const s = [];
		for (const f of shopify) s.push(await deliver('shopify', f));
		assert.deepEqual(s.map((a) => [a.status, a.body.outcome]), [[202, 'enrolled'], [202, 'updated'], [202, 'converted']]);
		// woocommerce: the cart arrives in the generic format, the order from WooCommerce
		assert.equal((await deliver('generic', fixture('generic/woo-cart'))).body.outcome, 'enrolled');
		const woo = await deliver('woocommerce', fixture('woocommerce/order-created'));
		assert.deepEqual([woo.status, woo.body.outcome], [202, 'converted']);
		const ping = await post(flows.woocommerce, { 'content-type': 'application/x-www-form-urlencoded' }, 'webhook_id=12');
		assert.deepEqual([ping.status, ping.body.outcome], [200, 'ping']);
		// supabase
		const supa = [];
		for (const n of ['supabase/insert', 'supabase/update', 'supabase/update-ordered']) supa.push(await deliver('supabase', fixture(n)));
		assert.deepEqual(supa.map((a) => [a.status, a.body.outcome]), [[202, 'enrolled'], [202, 'updated'], [202, 'converted']]);

		// One execution per enrolled cart, carrying the normalised cart.
		const [gen] = [await settledExecutions(flows.generic.id, 2)];
		assert.equal(gen.length, 2, 'generic: the cart_8f14e45f cart and the WooCommerce shop’s cart');
		const genCarts = gen.map((e) => triggerOutput(e)[0]);
		assert.deepEqual(genCarts.map((c: any) => c.cart_id).sort(), ['cart_8f14e45f', 'woo-session-7f2c9a']);
		const cart = genCarts.find((c: any) => c.cart_id === 'cart_8f14e45f');
		assert.equal(cart.email, 'toth.peter@example.hu');
		assert.equal(cart.phone, '+36301112233');
		assert.equal(cart.value, 24980);
		assert.equal(cart.items.length, 2);
		assert.equal(cart.restore_url, 'https://cipobolt.hu/kosar/cart_8f14e45f');
		assert.ok(gen.every((e) => e.status === 'success' && e.data.resultData.runData.Enrolled));

		const shop = await settledExecutions(flows.shopify.id, 1);
		assert.equal(shop.length, 1, 'Shopify: checkout create only');
		assert.deepEqual(
			(({ cart_id, email, phone, currency, value, locale }) => ({ cart_id, email, phone, currency, value, locale }))(triggerOutput(shop[0])[0]),
			{ cart_id: 'eeafa272cebfd4b22385bc4b645e762c', email: 'kiss.anna@example.hu', phone: '+36301234567', currency: 'HUF', value: 12990, locale: 'hu' },
		);
		assert.equal((await settledExecutions(flows.woocommerce.id, 0)).length, 0, 'WooCommerce orders start nothing');
		const supaRuns = await settledExecutions(flows.supabase.id, 1);
		assert.equal(supaRuns.length, 1);
		assert.equal(triggerOutput(supaRuns[0])[0].cart_id, 'sess_9d1c6f2e');

		// The store: the updates moved the snapshot, the orders converted the carts.
		const shopCart = await store.getCart('eeafa272cebfd4b22385bc4b645e762c');
		assert.equal(shopCart?.status, 'converted');
		assert.equal(shopCart?.order_id, '820982911946154508');
		assert.equal(shopCart?.order_value, 19485);
		assert.equal(shopCart?.value, 19485, 'checkouts/update refreshed the value');
		assert.equal((await store.getCart('woo-session-7f2c9a'))?.status, 'converted');
		assert.equal((await store.getCart('cart_8f14e45f'))?.status, 'converted');
		const supaCart = await store.getCart('sess_9d1c6f2e');
		assert.equal(supaCart?.status, 'converted');
		assert.equal(supaCart?.value, 12990);
		assert.equal(supaCart?.order_id, 'ORD-2026-0042');
	});

	test('3 deliveries of one event → 1 enrollment, 1 execution (generic and Shopify retries)', async () => {
		const f = fixture('generic/cart');
		Object.assign(f.body, { event_id: 'evt-retry-1', cart_id: 'cart-retry-1', email: 'retry1@example.hu', customer_id: 'cust-retry-1' });
		const answers = [];
		for (let i = 0; i < 3; i++) answers.push((await deliver('generic', f)).body);
		assert.deepEqual(answers.map((a) => [a.enrolled, a.duplicate]), [[true, false], [false, true], [false, true]]);

		const s = fixture('shopify/checkouts-create');
		Object.assign(s.body, { cart_token: 'shopify-retry-cart', email: 'retry2@example.hu' });
		delete (s.body.customer as Record<string, unknown>).admin_graphql_api_id;
		(s.body.customer as Record<string, unknown>).id = 77001;
		s.headers['x-shopify-event-id'] = 'retry-event-2';
		const shopAnswers = [];
		for (let i = 0; i < 3; i++) {
			s.headers['x-shopify-webhook-id'] = `delivery-${i}`; // differs per attempt; the event id does not
			shopAnswers.push((await deliver('shopify', s)).body);
		}
		assert.deepEqual(shopAnswers.map((a) => [a.enrolled, a.duplicate]), [[true, false], [false, true], [false, true]]);

		const gen = (await settledExecutions(flows.generic.id, 3)).filter((e) => triggerOutput(e)[0].cart_id === 'cart-retry-1');
		assert.equal(gen.length, 1);
		const shop = (await settledExecutions(flows.shopify.id, 2)).filter((e) => triggerOutput(e)[0].cart_id === 'shopify-retry-cart');
		assert.equal(shop.length, 1);
		const { rows } = await db.pool.query("select count(*)::int as n from cart_recovery.inbound_events where event_id in ('evt-retry-1', 'retry-event-2')");
		assert.equal(rows[0].n, 2);
		// The store notes which run carries each cart's flow from the moment n8n created it (Restart Stopped Flow
		// finds the cart by it), while the shop got the trigger's own JSON answer.
		const { rows: flowRows } = await db.pool.query("select cart_id, execution_id from cart_recovery.flows where cart_id in ('cart-retry-1', 'shopify-retry-cart') order by cart_id");
		assert.deepEqual(flowRows.map((r) => [r.cart_id, r.execution_id]), [['cart-retry-1', String(gen[0].id)], ['shopify-retry-cart', String(shop[0].id)]]);
	});

	test('a captured Shopify delivery replayed with a new X-Shopify-Event-Id (unsigned) → duplicate, no second execution', async () => {
		const s = fixture('shopify/checkouts-create');
		Object.assign(s.body, { cart_token: 'shopify-replayed-cart', email: 'replayed@example.hu' });
		delete (s.body.customer as Record<string, unknown>).admin_graphql_api_id;
		(s.body.customer as Record<string, unknown>).id = 77002;
		Object.assign(s.headers, { 'x-shopify-event-id': 'replay-original-event', 'x-shopify-webhook-id': 'replay-original-webhook' });
		const original = signed('shopify', s);
		assert.deepEqual((await post(flows.shopify, original.headers, original.raw)).body.outcome, 'enrolled');

		// Shopify's HMAC covers the body only: the replayer keeps it and its signature and changes the ids.
		const newEvent = await post(flows.shopify, { ...original.headers, 'x-shopify-event-id': 'replay-forged-event-1' }, original.raw);
		const bothNew = await post(flows.shopify, { ...original.headers, 'x-shopify-event-id': 'replay-forged-event-2', 'x-shopify-webhook-id': 'replay-forged-webhook' }, original.raw);
		for (const a of [newEvent, bothNew]) assert.deepEqual([a.status, a.body.duplicate, a.body.enrolled], [202, true, false], JSON.stringify(a.body));

		const runs = (await settledExecutions(flows.shopify.id, 1)).filter((e) => triggerOutput(e)[0].cart_id === 'shopify-replayed-cart');
		assert.equal(runs.length, 1, 'one execution: the replays started nothing');
		const { rows } = await db.pool.query("select event_id from cart_recovery.inbound_events where source = 'shopify' and event_id like 'replay-%' order by 1");
		assert.deepEqual(rows.map((r) => r.event_id), ['replay-original-event'], 'the replays marked none of their ids as seen');
	});

	test('50 concurrent events for one new cart → exactly 1 enrollment and 1 execution', async () => {
		const before = (await n8n.executions(flows.generic.id)).length;
		const answers = await Promise.all(
			Array.from({ length: 50 }, (_, i) => {
				const f = fixture('generic/cart');
				Object.assign(f.body, { event_id: `burst-${i}`, cart_id: 'cart-burst', email: 'burst@example.hu', customer_id: 'cust-burst' });
				(f.body.items as Array<Record<string, unknown>>)[0].quantity = 1 + (i % 3);
				delete f.body.value;
				return deliver('generic', f);
			}),
		);
		assert.deepEqual([...new Set(answers.map((a) => a.status))], [202]);
		assert.equal(answers.filter((a) => a.body.enrolled).length, 1);
		assert.equal(answers.filter((a) => a.body.duplicate).length, 0);
		const runs = (await settledExecutions(flows.generic.id, before + 1)).filter((e) => triggerOutput(e)[0].cart_id === 'cart-burst');
		assert.equal(runs.length, 1);
		const { rows } = await db.pool.query("select count(*)::int as n from cart_recovery.inbound_events where event_id like 'burst-%'");
		assert.equal(rows[0].n, 50, 'every event recorded once');
	});

	test('forged or missing signatures → 401 and nothing stored, for every source', async () => {
		const before = await counts();
		const execsBefore = await Promise.all(SOURCES.map((s) => n8n.executions(flows[s].id)));
		const cases: Array<[IntakeSource, string]> = [
			['generic', 'generic/cart'],
			['shopify', 'shopify/checkouts-create'],
			['woocommerce', 'woocommerce/order-created'],
			['supabase', 'supabase/insert'],
		];
		for (const [source, name] of cases) {
			const f = fixture(name);
			// new ids, so a stored row would be visible
			if (source === 'generic') Object.assign(f.body, { cart_id: 'forged-cart', event_id: 'forged-evt' });
			if (source === 'shopify') Object.assign(f.body, { cart_token: 'forged-shopify' });
			if (source === 'supabase') (f.body.record as Record<string, unknown>).session_id = 'forged-session';
			const forged = signedFor(flows[source], source, f, 'an-attackers-guess');
			const a = await post(flows[source], forged.headers, forged.raw);
			assert.equal(a.status, 401, `${source} forged: ${JSON.stringify(a.body)}`);
			assert.equal(a.body.accepted, false);
			const good = signedFor(flows[source], source, f);
			const stripped = Object.fromEntries(Object.entries(good.headers).filter(([k]) => !/signature|hmac|x-webhook-secret/.test(k)));
			const b = await post(flows[source], stripped, good.raw);
			assert.equal(b.status, 401, `${source} missing`);
			assert.ok(b.body.field, 'names the header');
			// signed, then tampered with (Supabase sends a shared secret, not a body signature: nothing to detect there)
			if (source !== 'supabase') {
				const tampered = Buffer.from(good.raw.toString().replace('HUF', 'EUR'));
				assert.equal((await post(flows[source], good.headers, tampered)).status, 401, `${source} tampered`);
			}
		}
		assert.deepEqual(await counts(), before, '0 rows stored');
		const execsAfter = await Promise.all(SOURCES.map((s) => n8n.executions(flows[s].id)));
		assert.deepEqual(execsAfter.map((e) => e.length), execsBefore.map((e) => e.length), 'no executions');
	});

	test('generic replays: signed too long ago, for the future or for another webhook → 401, nothing stored', async () => {
		const before = await counts();
		const f = fixture('generic/cart');
		Object.assign(f.body, { cart_id: 'replayed-cart', event_id: 'replayed-evt', email: 'replay@example.hu', customer_id: 'cust-replay' });
		const raw = Buffer.from(JSON.stringify(f.body));
		const now = Math.floor(Date.now() / 1000);
		const at = (timestamp: number, flow = flows.generic) => ({ ...f.headers, ...signatureHeaders('generic', raw, undefined, `/webhook/${flow.path}`, timestamp) });
		const cases: Array<[Record<string, string>, RegExp]> = [
			[at(now - 6 * 60), /s old; requests signed more than 300 s ago are refused/],
			[at(now + 6 * 60), /in the future/],
			[at(now, smallFlow), /does not match this request/], // signed for another trigger's URL
		];
		for (const [headers, message] of cases) {
			const a = await post(flows.generic, headers, raw);
			assert.deepEqual([a.status, a.body.field], [401, 'x-signature'], JSON.stringify(a.body));
			assert.match(a.body.error ?? '', message);
		}
		assert.deepEqual(await counts(), before, '0 rows stored');
		const fresh = await post(flows.generic, at(now - 60), raw);
		assert.deepEqual([fresh.status, fresh.body.enrolled], [202, true], 'the same body signed a minute ago is served');
	});

	test('a NUL or an unpaired surrogate in a string → 400 naming the field, for every source; nothing stored', async () => {
		const before = await counts();
		type Edit = (body: Record<string, any>) => void;
		const cases: Array<[IntakeSource, string, Edit, string]> = [
			['generic', 'generic/cart', (b) => (Object.assign(b, { cart_id: 'nul-cart', event_id: 'nul-evt' }).items[1].name = 'Bögre\u0000'), 'items[1].name'],
			['generic', 'generic/cart', (b) => (Object.assign(b, { cart_id: 'sur-cart', event_id: 'sur-evt' }).first_name = 'P\ud800ter'), 'first_name'],
			['shopify', 'shopify/checkouts-create', (b) => (Object.assign(b, { cart_token: 'nul-shopify' }).line_items[0].title = 'Bögre\u0000'), 'line_items[0].title'],
			['woocommerce', 'woocommerce/order-created', (b) => (b.billing.first_name = 'B\udc00la'), 'billing.first_name'],
			['supabase', 'supabase/insert', (b) => ((b.record.session_id = 'nul-session'), (b.record.cart_items[0].name = 'Tea\u0000')), 'record.cart_items[0].name'],
		];
		for (const [source, name, edit, field] of cases) {
			const f = fixture(name);
			edit(f.body);
			const { headers, raw } = signedFor(flows[source], source, f);
			const a = await post(flows[source], headers, raw);
			assert.deepEqual([a.status, a.body.field], [400, field], `${source}: ${JSON.stringify(a.body)}`);
			assert.match(a.body.error ?? '', /NUL character|unpaired UTF-16 surrogate/);
		}
		assert.deepEqual(await counts(), before, '0 rows stored');
	});

	test('a form or multipart request → 415 naming the content type, never a 5xx; nothing stored', async () => {
		const before = await counts();
		const form = new FormData();
		form.append('cart_id', 'multipart-cart');
		form.append('data', new Blob([JSON.stringify(fixture('generic/cart').body)], { type: 'application/json' }), 'data.json');
		const multipart = await n8n.request(`/webhook/${flows.generic.path}`, { method: 'POST', body: form });
		const answer = (await multipart.json()) as Answer['body'];
		assert.deepEqual([multipart.status, answer.field], [415, 'content-type'], JSON.stringify(answer));
		const urlencoded = await post(flows.generic, { 'content-type': 'application/x-www-form-urlencoded' }, 'cart_id=form-cart');
		assert.deepEqual([urlencoded.status, urlencoded.body.field], [415, 'content-type']);
		assert.deepEqual(await counts(), before, '0 rows stored');
	});

	test('a few hundred generated malformed payloads → 400 naming the field, 0 rows', async () => {
		const cases = malformedPayloads();
		assert.ok(cases.length >= 250);
		const before = await counts();
		for (let i = 0; i < cases.length; i += 10) {
			await Promise.all(
				cases.slice(i, i + 10).map(async (c) => {
					const { headers, raw } = signedFor(flows[c.source], c.source, { headers: c.headers, body: c.body as Record<string, unknown> });
					const a = await post(flows[c.source], headers, raw);
					assert.equal(a.status, 400, `${c.label}: ${a.status} ${JSON.stringify(a.body)}`);
					assert.match(a.body.field ?? '', c.field, `${c.label}: ${JSON.stringify(a.body)}`);
					assert.equal(a.body.accepted, false);
				}),
			);
		}
		assert.deepEqual(await counts(), before, '0 rows stored');
		console.log(`[trigger] ${cases.length} malformed payloads → 400`);
	});

	test('bodies above the limit → 413; JSON that is not an object → 400; nothing stored', async () => {
		const before = await counts();
		const f = fixture('generic/cart');
		Object.assign(f.body, { cart_id: 'big-cart', padding: 'x'.repeat(10 * 1024) });
		const big = signedFor(smallFlow, 'generic', f);
		const a = await post(smallFlow, big.headers, big.raw);
		assert.equal(a.status, 413, JSON.stringify(a.body));
		const huge = JSON.stringify({ ...f.body, padding: 'x'.repeat(600 * 1024) });
		assert.equal((await post(flows.generic, { 'content-type': 'application/json' }, huge)).status, 413, 'default limit 512 KB');
		// JSON that is not an object: unsigned 401 (the signature is checked before parsing), else our 400.
		const notObject = Buffer.from('["cart_id", 5]');
		const { 'content-length': _length, ...otherSignature } = signedFor(flows.generic, 'generic', { headers: {}, body: {} }).headers;
		const nj = await post(flows.generic, { 'content-type': 'application/json', ...otherSignature }, notObject);
		assert.equal(nj.status, 401, 'signature is checked before parsing');
		const open = await post(openFlow, { 'content-type': 'application/json' }, notObject);
		assert.deepEqual([open.status, open.body.field], [400, 'body']);
		// Not JSON: 415, whatever the body (n8n's own parser answers 422 for broken JSON sent as JSON, below).
		const text = await post(openFlow, { 'content-type': 'text/plain' }, 'cart_id=5');
		assert.deepEqual([text.status, text.body.field], [415, 'content-type']);
		const brokenJson = await post(openFlow, { 'content-type': 'application/json' }, '{"cart_id": ');
		assert.ok([400, 422].includes(brokenJson.status), `broken JSON: ${brokenJson.status}`);
		assert.deepEqual(await counts(), before, '0 rows stored');
	});

	test('a mistyped Default Currency fails the trigger visibly, naming the option, and stores nothing', async () => {
		const before = await counts();
		const f = fixture('generic/cart');
		Object.assign(f.body, { cart_id: 'typo-cart', event_id: 'typo-evt' });
		const s = signedFor(typoFlow, 'generic', f);
		const a = await post(typoFlow, s.headers, s.raw);
		assert.ok(a.status >= 500, `status ${a.status}`);
		assert.match(JSON.stringify(a.body), /Default Currency: 'Ft' is not an ISO 4217 currency code/);
		assert.deepEqual(await counts(), before, '0 rows stored');
	});

	test('verification "None" accepts unsigned deliveries', async () => {
		const f = fixture('generic/cart');
		Object.assign(f.body, { cart_id: 'open-cart', event_id: 'open-evt', email: 'open@example.hu', customer_id: 'cust-open' });
		const a = await post(openFlow, { 'content-type': 'application/json' }, JSON.stringify(f.body));
		assert.deepEqual([a.status, a.body.enrolled], [202, true]);
		assert.equal((await settledExecutions(openFlow.id, 1)).length, 1);
	});
});

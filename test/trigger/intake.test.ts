// The trigger's pure intake (lib/intake): every source's fixtures map to the normalised cart event; signatures
// are checked per platform; a few hundred malformed payloads are refused with 400 naming the field. The same
// deliveries go through real n8n in trigger.server.test.ts; this file pins the mapping itself.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { DEFAULT_MAPPING, IntakeError, receiveDelivery, safeEqual, verifyHmac, type IntakeConfig, type IntakeSource } from '../../lib/intake';
import { fixture, malformedPayloads, signed, SUPABASE_HEADER, SUPABASE_SECRET, WEBHOOK_SECRET } from './support';

const config = (source: IntakeSource, extra: Partial<IntakeConfig> = {}): IntakeConfig => ({
	source,
	verification: 'signature',
	secrets: { webhookSecret: WEBHOOK_SECRET, supabaseHeaderName: SUPABASE_HEADER, supabaseHeaderSecret: SUPABASE_SECRET },
	maxBodyBytes: 512 * 1024,
	mapping: DEFAULT_MAPPING,
	...extra,
});

function receive(source: IntakeSource, name: string, extra?: Partial<IntakeConfig>) {
	const { raw, headers } = signed(source, fixture(name));
	return receiveDelivery({ headers, rawBody: raw }, config(source, extra));
}

function event(source: IntakeSource, name: string) {
	const result = receive(source, name);
	assert.equal(result.kind, 'event', JSON.stringify(result));
	return (result as { event: import('../../lib/store').CartEvent }).event;
}

function refusal(fn: () => unknown): IntakeError {
	try {
		fn();
	} catch (error) {
		assert.ok(error instanceof IntakeError, `expected an IntakeError, got ${error}`);
		return error;
	}
	assert.fail('the delivery was accepted');
}

test('generic cart and order events map one to one', () => {
	const cart = event('generic', 'generic/cart');
	assert.deepEqual(
		{ ...cart, items: cart.items?.length },
		{
			source: 'generic', event_id: 'evt_01JD7Q4Z8M3V', type: 'cart', cart_id: 'cart_8f14e45f', occurred_at: '2026-11-24T09:00:00.000Z',
			customer_id: 'cust_77', email: 'toth.peter@example.hu', phone: '+36301112233', first_name: 'Péter', last_name: 'Tóth', locale: 'hu',
			currency: 'HUF', value: 24980, items: 2, restore_url: 'https://cipobolt.hu/kosar/cart_8f14e45f',
		},
	);
	assert.deepEqual(cart.items?.[0], { name: 'Túracipő, 42', quantity: 1, price: 19990, sku: 'CIPO-42', image_url: 'https://cipobolt.hu/img/cipo-42.jpg', url: 'https://cipobolt.hu/turacipo' });
	const order = event('generic', 'generic/order');
	assert.equal(order.type, 'order');
	assert.equal(order.order_id, 'CB-10442');
	assert.equal(order.order_value, 24980);
	// value defaults to the sum of the lines
	assert.equal(event('generic', 'generic/woo-cart').value, 12990);
});

test('generic event without event_id is deduplicated on the SHA-256 of its body', () => {
	const f = fixture('generic/cart');
	delete f.body.event_id;
	const one = signed('generic', f);
	const a = receiveDelivery({ headers: one.headers, rawBody: one.raw }, config('generic'));
	const b = receiveDelivery({ headers: one.headers, rawBody: Buffer.from(one.raw) }, config('generic'));
	assert.equal(a.kind, 'event');
	assert.match((a as { event: { event_id: string } }).event.event_id, /^sha256:[0-9a-f]{64}$/);
	assert.deepEqual(a, b);
});

test('Shopify checkouts map to the cart (cart_token), orders find it and convert it', () => {
	const created = event('shopify', 'shopify/checkouts-create');
	assert.equal(created.type, 'cart');
	assert.equal(created.cart_id, 'eeafa272cebfd4b22385bc4b645e762c');
	assert.equal(created.event_id, '98880550-7158-44d4-b7cd-2c97c8a091b5', 'X-Shopify-Event-Id is the dedup key');
	// X-Shopify-Event-Id is not covered by the HMAC: the delivery is also known by its webhook id and signed body.
	const raw = signed('shopify', fixture('shopify/checkouts-create')).raw;
	assert.deepEqual(created.dedup_keys, ['webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043', `body:sha256:${createHash('sha256').update(raw).digest('hex')}`]);
	assert.equal(created.email, 'kiss.anna@example.hu');
	assert.equal(created.phone, '+36301234567');
	assert.equal(created.first_name, 'Anna');
	assert.equal(created.customer_id, '603851970716743426', 'exact id from admin_graphql_api_id');
	assert.equal(created.locale, 'hu');
	assert.equal(created.currency, 'HUF');
	assert.equal(created.value, 12990);
	assert.deepEqual(created.items, [{ name: 'Kézműves kerámia bögre', quantity: 2, price: 6495, sku: 'BOGRE-KEK' }]);
	assert.match(created.restore_url!, /\/recover\?key=/);
	assert.equal(created.occurred_at, '2026-11-24T09:10:11.000Z');

	const updated = event('shopify', 'shopify/checkouts-update');
	assert.equal(updated.cart_id, created.cart_id);
	assert.equal(updated.value, 19485);
	assert.notEqual(updated.event_id, created.event_id);

	const order = event('shopify', 'shopify/orders-create');
	assert.equal(order.type, 'order');
	assert.equal(order.cart_id, created.cart_id);
	assert.equal(order.order_id, '820982911946154508');
	assert.equal(order.order_value, 19485);
});

test('Shopify: a replay with new X-Shopify-Event-Id and X-Shopify-Webhook-Id keeps the signed body’s id', () => {
	const f = fixture('shopify/checkouts-create');
	const original = signed('shopify', f);
	const replay = { ...original.headers, 'x-shopify-event-id': 'forged-event', 'x-shopify-webhook-id': 'forged-webhook' };
	const a = receiveDelivery({ headers: original.headers, rawBody: original.raw }, config('shopify'));
	const b = receiveDelivery({ headers: replay, rawBody: original.raw }, config('shopify'));
	assert.ok(a.kind === 'event' && b.kind === 'event');
	assert.equal(b.event.event_id, 'forged-event');
	assert.equal(a.event.dedup_keys?.at(-1), b.event.dedup_keys?.at(-1), 'the same signed bytes, the same body id');
	const { 'x-shopify-webhook-id': _w, 'x-shopify-event-id': _e, ...noIds } = original.headers;
	const bare = receiveDelivery({ headers: noIds, rawBody: original.raw }, config('shopify'));
	assert.ok(bare.kind === 'event');
	assert.deepEqual(bare.event.dedup_keys, [a.event.dedup_keys?.at(-1)], 'without a webhook id: the body id alone');
});

test('Shopify: a completed checkout is a purchase, other topics and POS orders are ignored', () => {
	const f = fixture('shopify/checkouts-update');
	f.body.completed_at = '2026-11-24T10:20:00+01:00';
	const done = signed('shopify', f);
	const result = receiveDelivery({ headers: done.headers, rawBody: done.raw }, config('shopify'));
	assert.equal(result.kind === 'event' && result.event.type, 'order');

	const product = fixture('shopify/checkouts-create');
	product.headers['x-shopify-topic'] = 'products/update';
	const p = signed('shopify', product);
	assert.equal(receiveDelivery({ headers: p.headers, rawBody: p.raw }, config('shopify')).kind, 'ignored');

	const pos = fixture('shopify/orders-create');
	pos.body.cart_token = null;
	pos.body.checkout_token = null;
	const q = signed('shopify', pos);
	assert.equal(receiveDelivery({ headers: q.headers, rawBody: q.raw }, config('shopify')).kind, 'ignored');
});

test('WooCommerce paid orders convert the cart named in meta data; unpaid ones and pings are ignored', () => {
	const order = event('woocommerce', 'woocommerce/order-created');
	assert.deepEqual(
		{ type: order.type, cart_id: order.cart_id, order_id: order.order_id, order_value: order.order_value, currency: order.currency, email: order.email, phone: order.phone, customer_id: order.customer_id, occurred_at: order.occurred_at },
		{ type: 'order', cart_id: 'woo-session-7f2c9a', order_id: '727', order_value: 14480, currency: 'HUF', email: 'nagy.bela@example.hu', phone: '+36307654321', customer_id: '26', occurred_at: '2026-11-24T11:04:05.000Z' },
	);
	const pending = fixture('woocommerce/order-created');
	pending.body.status = 'pending';
	const p = signed('woocommerce', pending);
	assert.equal(receiveDelivery({ headers: p.headers, rawBody: p.raw }, config('woocommerce')).kind, 'ignored');

	const ping = receiveDelivery({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from('webhook_id=12') }, config('woocommerce'));
	assert.equal(ping.kind, 'ping');
});

test('Supabase Database Webhook rows map through the column names; an order column converts', () => {
	const inserted = event('supabase', 'supabase/insert');
	assert.equal(inserted.cart_id, 'sess_9d1c6f2e');
	assert.equal(inserted.type, 'cart');
	assert.equal(inserted.email, 'szabo.eva@example.hu');
	assert.equal(inserted.phone, '+36205551234');
	assert.equal(inserted.locale, 'hu-HU');
	assert.equal(inserted.value, 8990);
	assert.equal(inserted.items?.length, 2);
	assert.equal(inserted.occurred_at, '2026-11-24T09:30:00.000Z');
	const updated = event('supabase', 'supabase/update');
	assert.equal(updated.value, 12990);
	assert.notEqual(updated.event_id, inserted.event_id);
	const ordered = event('supabase', 'supabase/update-ordered');
	assert.equal(ordered.type, 'order');
	assert.equal(ordered.order_id, 'ORD-2026-0042');

	const renamed = fixture('supabase/insert');
	const record = renamed.body.record as Record<string, unknown>;
	record.cart_ref = record.session_id;
	delete record.session_id;
	const s = signed('supabase', renamed);
	const mapping = { ...DEFAULT_MAPPING, supabaseColumns: { ...DEFAULT_MAPPING.supabaseColumns, cartId: 'cart_ref' } };
	const result = receiveDelivery({ headers: s.headers, rawBody: s.raw }, config('supabase', { mapping }));
	assert.equal(result.kind === 'event' && result.event.cart_id, 'sess_9d1c6f2e');

	const del = fixture('supabase/insert');
	del.body.type = 'DELETE';
	const d = signed('supabase', del);
	assert.equal(receiveDelivery({ headers: d.headers, rawBody: d.raw }, config('supabase')).kind, 'ignored');
});

test('signatures: right secret passes; forged, missing, re-serialised or other-secret signatures are 401', () => {
	for (const source of ['generic', 'shopify', 'woocommerce', 'supabase'] as const) {
		const name = { generic: 'generic/cart', shopify: 'shopify/checkouts-create', woocommerce: 'woocommerce/order-created', supabase: 'supabase/insert' }[source];
		assert.equal(receive(source, name).kind, 'event', source);
		const forged = signed(source, fixture(name), 'not-the-secret');
		assert.equal(refusal(() => receiveDelivery({ headers: forged.headers, rawBody: forged.raw }, config(source))).status, 401, `${source} forged`);
		const good = signed(source, fixture(name));
		const headers = Object.fromEntries(Object.entries(good.headers).filter(([k]) => !/signature|hmac|x-webhook-secret/.test(k)));
		const missing = refusal(() => receiveDelivery({ headers, rawBody: good.raw }, config(source)));
		assert.equal(missing.status, 401, `${source} missing`);
		assert.ok(missing.field, 'the 401 names the header');
		// The signature covers the exact bytes: the same JSON with other whitespace does not verify.
		const respaced = Buffer.from(JSON.stringify(fixture(name).body, null, 1));
		if (source !== 'supabase') {
			assert.equal(refusal(() => receiveDelivery({ headers: good.headers, rawBody: respaced }, config(source))).status, 401, `${source} re-serialised`);
		}
		// With verification "None" anything goes.
		assert.equal(receiveDelivery({ headers, rawBody: good.raw }, config(source, { verification: 'none' })).kind === 'ignored' ? 'ignored' : 'event', 'event');
	}
	assert.equal(verifyHmac({ given: 'sha256=00', secret: 's', payload: 'x', encoding: 'hex', prefix: 'sha256=' }), false, 'short digest');
	assert.equal(verifyHmac({ given: 'md5=abc', secret: 's', payload: 'x', encoding: 'hex', prefix: 'sha256=' }), false, 'other scheme');
	assert.equal(safeEqual('abc', 'abc'), true);
	assert.equal(safeEqual('abc', 'abcd'), false);
	const empty = signed('generic', fixture('generic/cart'));
	assert.equal(refusal(() => receiveDelivery({ headers: empty.headers, rawBody: empty.raw }, config('generic', { secrets: {} }))).status, 401, 'no secret configured');
});

test('bodies above the limit are 413, before any verification or parsing', () => {
	const raw = Buffer.alloc(600 * 1024, 0x20);
	assert.equal(refusal(() => receiveDelivery({ headers: {}, rawBody: raw }, config('generic'))).status, 413);
	assert.equal(refusal(() => receiveDelivery({ headers: { 'content-length': String(10 * 1024 * 1024) }, rawBody: Buffer.from('{}') }, config('generic'))).status, 413);
	const small = signed('generic', fixture('generic/cart'));
	assert.equal(refusal(() => receiveDelivery({ headers: small.headers, rawBody: small.raw }, config('generic', { maxBodyBytes: 100 }))).status, 413);
});

test('not JSON, empty body: 400 naming the body', () => {
	for (const text of ['', '{"cart_id": ', 'cart_id=1', '\uFEFF']) {
		const raw = Buffer.from(text);
		const error = refusal(() => receiveDelivery({ headers: signed('generic', { headers: {}, body: {} }).headers, rawBody: raw }, config('generic', { verification: 'none' })));
		assert.equal(error.status, 400);
		assert.equal(error.field, 'body');
	}
});

test('a few hundred generated malformed payloads are each refused with 400 naming the field', () => {
	const cases = malformedPayloads();
	assert.ok(cases.length >= 250, `only ${cases.length} cases`);
	for (const c of cases) {
		const raw = Buffer.from(JSON.stringify(c.body));
		const error = refusal(() => receiveDelivery({ headers: { ...c.headers }, rawBody: raw }, config(c.source, { verification: 'none' })));
		assert.equal(error.status, 400, c.label);
		assert.match(error.field ?? '', c.field, `${c.label}: ${error.message}`);
		assert.ok(error.message.startsWith(`${error.field}:`), `${c.label}: the message starts with the field name`);
	}
});

test('the shipped JSON Schema’s examples are accepted by the generic intake, and its required fields are', async () => {
	const schema = JSON.parse((await import('node:fs')).readFileSync(require.resolve('../../lib/intake/cart-event.schema.json'), 'utf8'));
	assert.deepEqual(schema.required, ['cart_id']);
	for (const example of schema.examples) {
		const raw = Buffer.from(JSON.stringify(example));
		const result = receiveDelivery({ headers: {}, rawBody: raw }, config('generic', { verification: 'none' }));
		assert.equal(result.kind, 'event');
	}
	const error = refusal(() => receiveDelivery({ headers: {}, rawBody: Buffer.from('{"type":"cart"}') }, config('generic', { verification: 'none' })));
	assert.equal(error.field, 'cart_id');
});

// The trigger's pure intake (lib/intake): every source's fixtures map to the normalised cart event; signatures
// are checked per platform; a few hundred malformed payloads are refused with 400 naming the field. The same
// deliveries go through real n8n in trigger.server.test.ts; this file pins the mapping itself.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';

import { DEFAULT_MAPPING, IntakeError, receiveDelivery, safeEqual, verifyHmac, type IntakeConfig, type IntakeSource } from '../../lib/intake';
import { fixture, INTAKE_PATH, malformedPayloads, signatureHeaders, signed, SUPABASE_HEADER, SUPABASE_SECRET, WEBHOOK_SECRET, type Fixture } from './support';

const JSON_TYPE = { 'content-type': 'application/json' };

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
	return receiveDelivery({ path: INTAKE_PATH, headers, rawBody: raw }, config(source, extra));
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
	const a = receiveDelivery({ path: INTAKE_PATH, headers: one.headers, rawBody: one.raw }, config('generic'));
	const b = receiveDelivery({ path: INTAKE_PATH, headers: one.headers, rawBody: Buffer.from(one.raw) }, config('generic'));
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
	assert.deepEqual(created.items, [{ name: 'Kézműves kerámia bögre', quantity: 2, price: 6495, sku: 'BOGRE-KEK', product_id: '632910392' }]);
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
	const a = receiveDelivery({ headers: original.headers, rawBody: original.raw, path: INTAKE_PATH }, config('shopify'));
	const b = receiveDelivery({ headers: replay, rawBody: original.raw, path: INTAKE_PATH }, config('shopify'));
	assert.ok(a.kind === 'event' && b.kind === 'event');
	assert.equal(b.event.event_id, 'forged-event');
	assert.equal(a.event.dedup_keys?.at(-1), b.event.dedup_keys?.at(-1), 'the same signed bytes, the same body id');
	const { 'x-shopify-webhook-id': _w, 'x-shopify-event-id': _e, ...noIds } = original.headers;
	const bare = receiveDelivery({ headers: noIds, rawBody: original.raw, path: INTAKE_PATH }, config('shopify'));
	assert.ok(bare.kind === 'event');
	assert.deepEqual(bare.event.dedup_keys, [a.event.dedup_keys?.at(-1)], 'without a webhook id: the body id alone');
});

test('Shopify: a completed checkout is a purchase, other topics and POS orders are ignored', () => {
	const f = fixture('shopify/checkouts-update');
	f.body.completed_at = '2026-11-24T10:20:00+01:00';
	const done = signed('shopify', f);
	const result = receiveDelivery({ path: INTAKE_PATH, headers: done.headers, rawBody: done.raw }, config('shopify'));
	assert.equal(result.kind === 'event' && result.event.type, 'order');

	const product = fixture('shopify/checkouts-create');
	product.headers['x-shopify-topic'] = 'products/update';
	const p = signed('shopify', product);
	assert.equal(receiveDelivery({ path: INTAKE_PATH, headers: p.headers, rawBody: p.raw }, config('shopify')).kind, 'ignored');

	const pos = fixture('shopify/orders-create');
	pos.body.cart_token = null;
	pos.body.checkout_token = null;
	const q = signed('shopify', pos);
	assert.equal(receiveDelivery({ path: INTAKE_PATH, headers: q.headers, rawBody: q.raw }, config('shopify')).kind, 'ignored');
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
	assert.equal(receiveDelivery({ path: INTAKE_PATH, headers: p.headers, rawBody: p.raw }, config('woocommerce')).kind, 'ignored');

	const ping = receiveDelivery({ path: INTAKE_PATH, headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody: Buffer.from('webhook_id=12') }, config('woocommerce'));
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
	const result = receiveDelivery({ path: INTAKE_PATH, headers: s.headers, rawBody: s.raw }, config('supabase', { mapping }));
	assert.equal(result.kind === 'event' && result.event.cart_id, 'sess_9d1c6f2e');

	const del = fixture('supabase/insert');
	del.body.type = 'DELETE';
	const d = signed('supabase', del);
	assert.equal(receiveDelivery({ path: INTAKE_PATH, headers: d.headers, rawBody: d.raw }, config('supabase')).kind, 'ignored');
});

test('signatures: right secret passes; forged, missing, re-serialised or other-secret signatures are 401', () => {
	for (const source of ['generic', 'shopify', 'woocommerce', 'supabase'] as const) {
		const name = { generic: 'generic/cart', shopify: 'shopify/checkouts-create', woocommerce: 'woocommerce/order-created', supabase: 'supabase/insert' }[source];
		assert.equal(receive(source, name).kind, 'event', source);
		const forged = signed(source, fixture(name), 'not-the-secret');
		assert.equal(refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: forged.headers, rawBody: forged.raw }, config(source))).status, 401, `${source} forged`);
		const good = signed(source, fixture(name));
		const headers = Object.fromEntries(Object.entries(good.headers).filter(([k]) => !/signature|hmac|x-webhook-secret/.test(k)));
		const missing = refusal(() => receiveDelivery({ path: INTAKE_PATH, headers, rawBody: good.raw }, config(source)));
		assert.equal(missing.status, 401, `${source} missing`);
		assert.ok(missing.field, 'the 401 names the header');
		// The signature covers the exact bytes: the same JSON with other whitespace does not verify.
		const respaced = Buffer.from(JSON.stringify(fixture(name).body, null, 1));
		if (source !== 'supabase') {
			assert.equal(refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: good.headers, rawBody: respaced }, config(source))).status, 401, `${source} re-serialised`);
		}
		// With verification "None" anything goes.
		assert.equal(receiveDelivery({ path: INTAKE_PATH, headers, rawBody: good.raw }, config(source, { verification: 'none' })).kind === 'ignored' ? 'ignored' : 'event', 'event');
	}
	assert.equal(verifyHmac({ given: 'sha256=00', secret: 's', payload: 'x', encoding: 'hex', prefix: 'sha256=' }), false, 'short digest');
	assert.equal(verifyHmac({ given: 'md5=abc', secret: 's', payload: 'x', encoding: 'hex', prefix: 'sha256=' }), false, 'other scheme');
	assert.equal(safeEqual('abc', 'abc'), true);
	assert.equal(safeEqual('abc', 'abcd'), false);
	const empty = signed('generic', fixture('generic/cart'));
	assert.equal(refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: empty.headers, rawBody: empty.raw }, config('generic', { secrets: {} }))).status, 401, 'no secret configured');
});

test('bodies above the limit are 413, before any verification or parsing', () => {
	const raw = Buffer.alloc(600 * 1024, 0x20);
	assert.equal(refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: {}, rawBody: raw }, config('generic'))).status, 413);
	assert.equal(refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: { 'content-length': String(10 * 1024 * 1024) }, rawBody: Buffer.from('{}') }, config('generic'))).status, 413);
	const small = signed('generic', fixture('generic/cart'));
	assert.equal(refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: small.headers, rawBody: small.raw }, config('generic', { maxBodyBytes: 100 }))).status, 413);
});

test('not JSON, empty body: 400 naming the body', () => {
	for (const text of ['', '{"cart_id": ', 'cart_id=1', '\uFEFF']) {
		const raw = Buffer.from(text);
		const error = refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: signed('generic', { headers: JSON_TYPE, body: {} }).headers, rawBody: raw }, config('generic', { verification: 'none' })));
		assert.equal(error.status, 400);
		assert.equal(error.field, 'body');
	}
});

test('a few hundred generated malformed payloads are each refused with 400 naming the field', () => {
	const cases = malformedPayloads();
	assert.ok(cases.length >= 250, `only ${cases.length} cases`);
	for (const c of cases) {
		const raw = Buffer.from(JSON.stringify(c.body));
		const error = refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: { ...c.headers }, rawBody: raw }, config(c.source, { verification: 'none' })));
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
		const result = receiveDelivery({ path: INTAKE_PATH, headers: JSON_TYPE, rawBody: raw }, config('generic', { verification: 'none' }));
		assert.equal(result.kind, 'event');
	}
	const error = refusal(() => receiveDelivery({ path: INTAKE_PATH, headers: JSON_TYPE, rawBody: Buffer.from('{"type":"cart"}') }, config('generic', { verification: 'none' })));
	assert.equal(error.field, 'cart_id');
});

test('generic X-Signature covers the time and the endpoint: stale, future, another path, the old form → 401', () => {
	const f = fixture('generic/cart');
	const raw = Buffer.from(JSON.stringify(f.body));
	const now = Math.floor(Date.now() / 1000);
	const at = (timestamp: number, urlPath = INTAKE_PATH) => ({ path: INTAKE_PATH, headers: { ...f.headers, ...signatureHeaders('generic', raw, WEBHOOK_SECRET, urlPath, timestamp) }, rawBody: raw });
	assert.equal(receiveDelivery(at(now - 280), config('generic')).kind, 'event', 'signed 280 s ago: within the default 5 minutes');
	assert.equal(receiveDelivery(at(now + 280), config('generic')).kind, 'event', 'a shop clock a little ahead');
	const refused: Array<[ReturnType<typeof at>, RegExp, Partial<IntakeConfig>?]> = [
		[at(now - 400), /timestamp is \d+ s old; requests signed more than 300 s ago are refused/],
		[at(now + 400), /timestamp is \d+ s in the future/],
		[at(now, '/webhook/cart-recovery/discount/redeem'), /does not match this request/],
		[at(now - 60), /s old; requests signed more than 30 s ago/, { signatureToleranceSeconds: 30 }],
		[{ ...at(now), headers: { ...f.headers, 'x-signature': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}` } }, /older "sha256=<hex of the body>" form is no longer accepted/],
		[{ ...at(now), headers: { ...f.headers, 'x-signature': `t=${now}` } }, /not in the form t=<unix seconds>,v1=<64 hex digits>/],
		[{ ...at(now), headers: { ...f.headers, 'x-signature': `t=${now},v1=${'0'.repeat(64)}` } }, /does not match/],
	];
	for (const [delivery, message, extra] of refused) {
		const error = refusal(() => receiveDelivery(delivery, config('generic', extra)));
		assert.deepEqual([error.status, error.field], [401, 'x-signature'], error.message);
		assert.match(error.message, message);
	}
	assert.equal(receiveDelivery(at(now - 20), config('generic', { signatureToleranceSeconds: 30 })).kind, 'event');
});

test('only JSON is taken: a missing type, forms, multipart, text, another charset → 415 before the signature', () => {
	const good = signed('generic', fixture('generic/cart'));
	for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=iso-8859-1', 'application/jsonp']) {
		const headers: Record<string, string> = { ...good.headers };
		if (type) headers['content-type'] = type;
		else delete headers['content-type'];
		const error = refusal(() => receiveDelivery({ path: INTAKE_PATH, headers, rawBody: good.raw }, config('generic')));
		assert.deepEqual([error.status, error.field], [415, 'content-type'], `${type}: ${error.message}`);
		assert.match(error.message, /^content-type: .*application\/json/);
	}
	for (const type of ['application/json; charset=UTF-8', 'Application/JSON', 'application/json;charset="utf-8"']) {
		assert.equal(receiveDelivery({ path: INTAKE_PATH, headers: { ...good.headers, 'content-type': type }, rawBody: good.raw }, config('generic')).kind, 'event', type);
	}
});

test('a NUL or an unpaired surrogate in any string of any source → 400 naming the field, before mapping', () => {
	type Edit = (body: Record<string, any>) => void;
	const cases: Array<[IntakeSource, string, Edit, string]> = [
		['generic', 'generic/cart', (b) => (b.items[1].name = 'Bögre\u0000'), 'items[1].name'],
		['generic', 'generic/cart', (b) => (b.first_name = 'P\ud800ter'), 'first_name'],
		['generic', 'generic/cart', (b) => (b.last_name = '\udc00Tóth'), 'last_name'],
		['generic', 'generic/cart', (b) => (b.items[0].note = 'ignored field, still refused \u0000'), 'items[0].note'],
		['generic', 'generic/cart', (b) => (b.extra = { 'odd name\u0000': 1 }), 'extra'],
		['generic', 'generic/cart', (b) => (b.items[0]['gift wrap'] = '\ud83d'), 'items[0]["gift wrap"]'],
		['shopify', 'shopify/checkouts-create', (b) => (b.line_items[0].title = 'Bögre\u0000'), 'line_items[0].title'],
		['shopify', 'shopify/orders-create', (b) => (b.email = 'a\ud800@example.hu'), 'email'],
		['woocommerce', 'woocommerce/order-created', (b) => (b.billing.first_name = 'B\u0000la'), 'billing.first_name'],
		['supabase', 'supabase/insert', (b) => (b.record.customer_email = 'eva\udfff@example.hu'), 'record.customer_email'],
		// A JSON column sent as a string: its escapes become characters only when the column is read.
		['supabase', 'supabase/insert', (b) => (b.record.cart_items = JSON.stringify([{ name: 'Tea\u0000', quantity: 1, price: 1 }])), 'record.cart_items[0].name'],
	];
	for (const [source, name, edit, field] of cases) {
		const f: Fixture = fixture(name);
		edit(f.body);
		const { raw, headers } = signed(source, f);
		assert.ok(!raw.includes(0), 'sent as JSON escapes, as a shop would');
		const error = refusal(() => receiveDelivery({ path: INTAKE_PATH, headers, rawBody: raw }, config(source)));
		assert.deepEqual([error.status, error.field], [400, field], `${source} ${field}: ${error.message}`);
		assert.match(error.message, /NUL character|unpaired UTF-16 surrogate/);
	}
	// A paired surrogate (an emoji) is text like any other.
	const emoji = fixture('generic/cart');
	emoji.body.first_name = 'Péter 😀';
	const ok = signed('generic', emoji);
	assert.equal(receiveDelivery({ path: INTAKE_PATH, headers: ok.headers, rawBody: ok.raw }, config('generic')).kind, 'event');
});

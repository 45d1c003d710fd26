// Fixtures and signing for the Abandoned Cart Trigger tests: payloads shaped like each platform's documented
// examples (test/fixtures/webshop), signed the way each platform signs them (generic: our X-Signature scheme).
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { signWebshopRequest, type IntakeSource } from '../../lib/intake';

export const WEBHOOK_SECRET = 'whsec_test_5f0c1b9e8a7d4c3b2a19';
export const SUPABASE_HEADER = 'x-webhook-secret';
export const SUPABASE_SECRET = 'supabase-shared-secret-3e7a9c';

/** The Webshop credential the tests use. */
export const webshopCredentials = {
	platform: 'generic',
	shopUrl: 'http://127.0.0.1:9',
	webhookSecret: WEBHOOK_SECRET,
	supabaseHeaderName: SUPABASE_HEADER,
	supabaseHeaderSecret: SUPABASE_SECRET,
};

export interface Fixture {
	headers: Record<string, string>;
	body: Record<string, unknown>;
}

export function fixture(name: string): Fixture {
	const file = path.join(__dirname, '..', 'fixtures', 'webshop', `${name}.json`);
	const { headers, body } = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
	return { headers, body: structuredClone(body) };
}

/** The webhook path the pure intake tests sign generic deliveries for (server tests sign their webhook's path). */
export const INTAKE_PATH = '/webhook/7d1a2b3c-4d5e-4f60-8a9b-000000000000/cart-events';

/**
 * The signature header(s) a platform would send for these exact bytes. Generic: our X-Signature
 * (t=…,v1=… over time, path and body; `timestamp` in unix seconds, default now), Shopify / WooCommerce: theirs.
 */
export function signatureHeaders(source: IntakeSource, raw: Buffer | string, secret = WEBHOOK_SECRET, urlPath = INTAKE_PATH, timestamp?: number): Record<string, string> {
	switch (source) {
		case 'generic':
			return { 'x-signature': signWebshopRequest({ secret, path: urlPath, body: raw, timestamp }) };
		case 'shopify':
			return { 'x-shopify-hmac-sha256': createHmac('sha256', secret).update(raw).digest('base64') };
		case 'woocommerce':
			return { 'x-wc-webhook-signature': createHmac('sha256', secret).update(raw).digest('base64') };
		case 'supabase':
			return { [SUPABASE_HEADER]: secret === WEBHOOK_SECRET ? SUPABASE_SECRET : secret };
	}
}

/** A signed delivery: the body serialised once, the signature computed over those bytes (and `urlPath`, for generic). */
export function signed(source: IntakeSource, f: Fixture, secret?: string, urlPath?: string): { headers: Record<string, string>; raw: Buffer } {
	const raw = Buffer.from(JSON.stringify(f.body));
	return { raw, headers: { ...f.headers, ...signatureHeaders(source, raw, secret, urlPath), 'content-length': String(raw.length) } };
}

/** Which fixture files belong to which source. */
export const FIXTURES: Record<IntakeSource, string[]> = {
	generic: ['generic/cart', 'generic/order', 'generic/woo-cart'],
	shopify: ['shopify/checkouts-create', 'shopify/checkouts-update', 'shopify/orders-create'],
	woocommerce: ['woocommerce/order-created'],
	supabase: ['supabase/insert', 'supabase/update', 'supabase/update-ordered'],
};

/**
 * Generated malformed payloads for a source, each with the field the 400 must name. Valid JSON objects
 * that break one rule each (missing ids, negative / non-numeric amounts, unknown currency or event type,
 * wrong types), multiplied over many field values: a few hundred in all.
 */
export function malformedPayloads(): Array<{ source: IntakeSource; body: unknown; headers: Record<string, string>; field: RegExp; label: string }> {
	const out: Array<{ source: IntakeSource; body: unknown; headers: Record<string, string>; field: RegExp; label: string }> = [];
	const badAmounts: unknown[] = [-1, -0.01, '-5', 'abc', '12,990', '1e3x', {}, [], true, 'NaN', '', '  ', '12 990', 1e13];
	const badCurrencies: unknown[] = ['XXY', 'huf1', 'FT', 'forint', 12, {}, 'EURO', 'H', 'ABC', 'QQQ'];
	const badIds: unknown[] = [null, '', '   ', {}, [], true, -5, 1.5, 'x'.repeat(201)];
	const badTypes: unknown[] = ['carts', 'checkout', 'ORDER', 1, {}, [], 'refund', 'delete', ''];
	const badQuantities: unknown[] = [0, -1, 1.5, '2.5', 'two', null, {}];
	const badItems: unknown[] = ['not a list', 5, { name: 'x' }, [1], ['x'], [null]];

	// generic
	const g = fixture('generic/cart');
	const gen = (mutate: (b: Record<string, unknown>) => void, field: RegExp, label: string) => {
		const body = structuredClone(g.body);
		mutate(body);
		out.push({ source: 'generic', body, headers: g.headers, field, label });
	};
	for (const id of badIds) gen((b) => (id === null ? delete b.cart_id : (b.cart_id = id)), /^cart_id$/, `generic cart_id=${JSON.stringify(id)?.slice(0, 20)}`);
	for (const a of badAmounts) gen((b) => (b.value = a), /^value$/, `generic value=${JSON.stringify(a)}`);
	for (const a of badAmounts) gen((b) => ((b.items as Array<Record<string, unknown>>)[1].price = a), /^items\[1\]\.price$/, `generic items[1].price=${JSON.stringify(a)}`);
	for (const q of badQuantities) gen((b) => ((b.items as Array<Record<string, unknown>>)[0].quantity = q), /^items\[0\]\.quantity$/, `generic quantity=${JSON.stringify(q)}`);
	for (const c of badCurrencies) gen((b) => (b.currency = c), /^currency$/, `generic currency=${JSON.stringify(c)}`);
	for (const t of badTypes) gen((b) => (b.type = t), /^type$/, `generic type=${JSON.stringify(t)}`);
	for (const i of badItems) gen((b) => (b.items = i), /^items/, `generic items=${JSON.stringify(i)}`);
	for (const e of ['not-an-email', 'a@b', 42, 'x@@y.hu']) gen((b) => (b.email = e), /^email$/, `generic email=${e}`);
	for (const p of ['12', 'call me', '+36 1', true]) gen((b) => (b.phone = p), /^phone$/, `generic phone=${p}`);
	for (const d of ['yesterday', '2026-13-45', '2999-01-01T00:00:00Z', {}]) gen((b) => (b.occurred_at = d), /^occurred_at$/, `generic occurred_at=${JSON.stringify(d)}`);
	for (const u of ['javascript:alert(1)', 'not a url', 12]) gen((b) => (b.restore_url = u), /^restore_url$/, `generic restore_url=${u}`);
	gen((b) => (b.items = [{ quantity: 1, price: 10 }]), /^items\[0\]\.name$/, 'generic item without name');
	for (const body of [[], 'a string', 42, null]) out.push({ source: 'generic', body, headers: g.headers, field: /^body$/, label: `generic body=${JSON.stringify(body)}` });

	// shopify (checkout and order)
	for (const name of ['shopify/checkouts-create', 'shopify/orders-create']) {
		const s = fixture(name);
		const shop = (mutate: (b: Record<string, unknown>) => void, field: RegExp, label: string) => {
			const body = structuredClone(s.body);
			mutate(body);
			out.push({ source: 'shopify', body, headers: s.headers, field, label: `${name} ${label}` });
		};
		for (const a of badAmounts) shop((b) => { b.total_price = a; b.current_total_price = a; }, /total_price$/, `total_price=${JSON.stringify(a)}`);
		for (const a of badAmounts) shop((b) => ((b.line_items as Array<Record<string, unknown>>)[0].price = a), /^line_items\[0\]\.price$/, `line price=${JSON.stringify(a)}`);
		for (const q of badQuantities) shop((b) => ((b.line_items as Array<Record<string, unknown>>)[0].quantity = q), /^line_items\[0\]\.quantity$/, `quantity=${JSON.stringify(q)}`);
		for (const c of badCurrencies) shop((b) => { b.currency = c; b.presentment_currency = c; }, /currency$/, `currency=${JSON.stringify(c)}`);
		for (const i of badItems) shop((b) => (b.line_items = i), /^line_items/, `line_items=${JSON.stringify(i)}`);
	}
	const sc = fixture('shopify/checkouts-create');
	for (const id of [null, '', '  ']) {
		const body = structuredClone(sc.body);
		body.cart_token = id;
		body.token = id;
		out.push({ source: 'shopify', body, headers: sc.headers, field: /^(cart_)?token$/, label: `shopify checkout without token ${JSON.stringify(id)}` });
	}
	const { 'x-shopify-topic': _topic, ...noTopic } = sc.headers;
	out.push({ source: 'shopify', body: sc.body, headers: noTopic, field: /^X-Shopify-Topic$/, label: 'shopify without topic header' });

	// woocommerce
	const w = fixture('woocommerce/order-created');
	const woo = (mutate: (b: Record<string, unknown>) => void, field: RegExp, label: string) => {
		const body = structuredClone(w.body);
		mutate(body);
		out.push({ source: 'woocommerce', body, headers: w.headers, field, label: `woocommerce ${label}` });
	};
	for (const a of badAmounts) woo((b) => (b.total = a), /^total$/, `total=${JSON.stringify(a)}`);
	for (const c of badCurrencies) woo((b) => (b.currency = c), /^currency$/, `currency=${JSON.stringify(c)}`);
	for (const id of badIds) woo((b) => (id === null ? delete b.id : (b.id = id)), /^id$/, `id=${JSON.stringify(id)?.slice(0, 20)}`);

	// supabase
	const sb = fixture('supabase/insert');
	const supa = (mutate: (b: Record<string, unknown>, r: Record<string, unknown>) => void, field: RegExp, label: string) => {
		const body = structuredClone(sb.body);
		mutate(body, body.record as Record<string, unknown>);
		out.push({ source: 'supabase', body, headers: sb.headers, field, label: `supabase ${label}` });
	};
	for (const id of badIds) supa((_b, r) => (id === null ? delete r.session_id : (r.session_id = id)), /^record\.session_id$/, `session_id=${JSON.stringify(id)?.slice(0, 20)}`);
	for (const a of badAmounts) supa((_b, r) => (r.cart_value = a), /^record\.cart_value$/, `cart_value=${JSON.stringify(a)}`);
	for (const c of badCurrencies) supa((_b, r) => (r.currency = c), /^record\.currency$/, `currency=${JSON.stringify(c)}`);
	for (const t of ['insert', 'UPSERT', 'TRUNCATE', 3, null]) supa((b) => (b.type = t), /^type$/, `type=${JSON.stringify(t)}`);
	for (const r of [null, 'row', [], 7]) supa((b) => (b.record = r), /^record$/, `record=${JSON.stringify(r)}`);
	for (const q of badQuantities) supa((_b, r) => ((r.cart_items as Array<Record<string, unknown>>)[0].quantity = q), /^record\.cart_items\[0\]\.quantity$/, `quantity=${JSON.stringify(q)}`);
	supa((_b, r) => (r.cart_items = '[not json'), /^record\.cart_items$/, 'cart_items not JSON');
	return out;
}

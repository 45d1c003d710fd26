// Product recommendations (issue 18) inside n8n's engine, store on the Postgres server. A shop's history — 240 orders
// of 60 customers over a 24-product catalogue, from a seeded generator — goes in through the store's own calls (cart
// events, then orders); the right recommendations for each checked cart are worked out here from the same plan
// (bought-together counts summed over the cart's items, ties by orders then id, never in the cart or bought by the
// customer, then best sellers priced between half the cheapest and twice the dearest item), and compared with what
// Cart Check's Products to Recommend puts on the item.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { whatsappListPayload, whatsappTextsFromFields } from '../../lib/channels/whatsapp';
import { tappedProduct } from '../../lib/channels/whatsapp/tapped';
import { withPriceText } from '../../lib/recommendations';
import { CartRecoveryStore, closeAllStores, PostgresTransport, type CartItem } from '../../lib/store';
import { buildTemplateContext } from '../../lib/templates';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { seededRandom as random } from '../helpers/random';

let db: TestDatabase;
let store: CartRecoveryStore;
const STORE = { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' } };
const plain = (text: unknown) => String(text).replace(/\u00a0/g, ' ');

interface Product {
	id: string;
	name: string;
	price: number;
	currency: string;
}

// p01–p20 in forint, 1 990 – 39 990 Ft; p21–p24 in euro. One title is hostile on purpose: it must travel as text.
const CATALOGUE: Product[] = Array.from({ length: 24 }, (_, i) => {
	const n = i + 1;
	const id = `p${String(n).padStart(2, '0')}`;
	return n <= 20
		? { id, name: n === 7 ? 'Bögre <img src=x onerror=alert(1)>' : `Termék ${n}`, price: 1990 + (n - 1) * 2000, currency: 'HUF' }
		: { id, name: `Product ${n}`, price: 10 + n, currency: 'EUR' };
});
const byId = new Map(CATALOGUE.map((p) => [p.id, p]));
const line = (id: string): CartItem => {
	const p = byId.get(id)!;
	return { product_id: p.id, name: p.name, quantity: 1, price: p.price, image_url: `https://shop.example/${p.id}.jpg`, url: `https://shop.example/termek/${p.id}` };
};

/** The plan: every order's products and its customer. */
const orders: Array<{ customer: string; products: string[] }> = [];

async function recordOrder(cartId: string, customer: string, products: string[], currency = 'HUF') {
	await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-c`, type: 'cart', cart_id: cartId, customer_id: customer, currency, items: products.map(line) }, { cooldownSeconds: 0 });
	await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-o`, type: 'order', cart_id: cartId, order_id: `O-${cartId}` });
	orders.push({ customer, products });
}

/** What the store must answer, worked out from the plan. */
function expected(cart: string[], customer: string | null, limit: number, currency = 'HUF'): Array<[string, string]> {
	const excluded = new Set(cart);
	if (customer) for (const o of orders) if (o.customer === customer) o.products.forEach((p) => excluded.add(p));
	const ordersOf = new Map<string, number>();
	const pairs = new Map<string, number>();
	for (const o of orders) {
		const keys = [...new Set(o.products)].sort();
		keys.forEach((k) => ordersOf.set(k, (ordersOf.get(k) ?? 0) + 1));
		for (const a of keys) for (const b of keys) if (a !== b) pairs.set(`${a}|${b}`, (pairs.get(`${a}|${b}`) ?? 0) + 1);
	}
	const score = new Map<string, number>();
	for (const a of new Set(cart)) {
		for (const [key, n] of pairs) {
			const [from, to] = key.split('|');
			if (from === a && !excluded.has(to) && byId.get(to)!.currency === currency) score.set(to, (score.get(to) ?? 0) + n);
		}
	}
	const rank = (a: [string, number], b: [string, number]) => b[1] - a[1] || (ordersOf.get(b[0]) ?? 0) - (ordersOf.get(a[0]) ?? 0) || (a[0] < b[0] ? -1 : 1);
	const first = [...score].sort(rank).slice(0, limit).map(([id]) => id);
	const prices = cart.map((id) => byId.get(id)!.price);
	const [low, high] = [Math.min(...prices) / 2, Math.max(...prices) * 2];
	const rest = [...ordersOf]
		.filter(([id]) => !excluded.has(id) && !first.includes(id) && byId.get(id)!.currency === currency && byId.get(id)!.price >= low && byId.get(id)!.price <= high)
		.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
		.slice(0, limit - first.length)
		.map(([id]) => id);
	return [...first.map((id) => [id, 'bought_together'] as [string, string]), ...rest.map((id) => [id, 'best_seller'] as [string, string])];
}

async function checkCarts(cartIds: string[], recommendProducts: number | string, carried: Record<string, unknown> = {}) {
	const result = await runWorkflow({
		nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}', inactivityMinutes: 30, minimumValue: 0, recommendProducts }, { credentials: STORE })],
		connections: connect(['Start', 'Cart Check']),
		pinData: { Start: cartIds.map((cart_id) => ({ json: { cart_id, ...carried } as never })) },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	return result;
}

/** A cart in recovery, quiet for an hour, holding these products. */
async function abandoned(cartId: string, customer: string, products: string[], currency = 'HUF') {
	const occurred_at = new Date(Date.now() - 3_600_000).toISOString();
	const r = await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-c`, type: 'cart', cart_id: cartId, customer_id: customer, email: `${customer}@example.hu`, occurred_at, currency, items: products.map(line) }, { cooldownSeconds: 0 });
	assert.equal(r.outcome, 'enrolled', JSON.stringify(r));
}

before(async () => {
	db = await freshDatabase('recommendations');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	// 240 orders: a customer buys 1–4 products; products of neighbouring numbers sell together more often (p03 with
	// p04, …), so the pairs have a structure, and p20 is never bought with anything (only alone).
	const rnd = random(18);
	for (let i = 0; i < 240; i++) {
		const customer = `c${String(i % 60).padStart(2, '0')}`;
		const anchor = 1 + Math.floor(rnd() * 19);
		const size = 1 + Math.floor(rnd() * 4);
		const products = new Set([anchor]);
		for (let tries = 0; products.size < size && tries < 12; tries++) products.add(Math.max(1, Math.min(19, anchor + Math.floor(rnd() * 5) - 2)));
		await recordOrder(`order-${i}`, customer, [...products].map((n) => `p${String(n).padStart(2, '0')}`));
	}
	await recordOrder('order-alone', 'c-alone', ['p20']);
	for (let i = 0; i < 6; i++) await recordOrder(`order-eur-${i}`, `e${i}`, i % 2 ? ['p21', 'p22'] : ['p21', 'p23'], 'EUR');
});

after(async () => {
	await closeAllStores();
	await store.close();
	await db.drop();
});

describe('Products to Recommend (Cart Check)', () => {
	test('every cart gets what other customers bought with its items, minus what it holds and what its customer bought, then best sellers at similar prices', async () => {
		const carts: Array<[string, string, string[], string]> = [
			['r-new-one', 'new-visitor', ['p05'], 'HUF'],
			['r-new-two', 'another-new', ['p10', 'p11'], 'HUF'],
			['r-known', 'c07', ['p03'], 'HUF'],
			['r-known-2', 'c41', ['p12', 'p14', 'p13'], 'HUF'],
			['r-loner', 'loner', ['p20'], 'HUF'],
			['r-euro', 'eu-visitor', ['p21'], 'EUR'],
		];
		for (const [id, customer, products, currency] of carts) await abandoned(id, customer, products, currency);
		const result = await checkCarts(carts.map(([id]) => id), 4);
		assert.equal(result.status, 'success', result.error?.message);
		const out = result.output('Cart Check', 0);
		assert.equal(out.length, carts.length);
		let together = 0;
		let sellers = 0;
		for (const [id, customer, products, currency] of carts) {
			const item = out.find((i) => i.cart_id === id)!;
			const got = (item.recommendations as Array<{ product_id: string; reason: string }>).map((p) => [p.product_id, p.reason]);
			const want = expected(products, customer, 4, currency);
			assert.deepEqual(got, want, `${id}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
			together += want.filter(([, r]) => r === 'bought_together').length;
			sellers += want.filter(([, r]) => r === 'best_seller').length;
		}
		assert.ok(together >= 10 && sellers >= 3, `the fixture exercises both rules (${together} bought together, ${sellers} best sellers)`);

		// c07 bought things before: none of them comes back to them.
		const known = out.find((i) => i.cart_id === 'r-known')!;
		const boughtBefore = new Set(orders.filter((o) => o.customer === 'c07').flatMap((o) => o.products));
		assert.ok((known.recommendations as Array<{ product_id: string }>).every((p) => !boughtBefore.has(p.product_id)));
		// p20 was never bought with anything: its cart gets best sellers between 19 995 and 79 980 Ft only.
		const loner = out.find((i) => i.cart_id === 'r-loner')!.recommendations as Array<{ price: number; reason: string }>;
		assert.ok(loner.length > 0 && loner.every((p) => p.reason === 'best_seller' && p.price >= 39990 / 2 && p.price <= 39990 * 2), JSON.stringify(loner));
		// Each product as the customer reads it, the shop's text as it was sent (escaped where it is printed, not here).
		const first = (known.recommendations as Array<Record<string, unknown>>)[0];
		const p = byId.get(String(first.product_id))!;
		assert.deepEqual(
			[first.title, first.price, first.currency, plain(first.price_text), first.image_url, first.url],
			[p.name, p.price, 'HUF', `${p.price.toLocaleString('en').replace(',', ' ')} Ft`, `https://shop.example/${p.id}.jpg`, `https://shop.example/termek/${p.id}`],
		);
		const euro = out.find((i) => i.cart_id === 'r-euro')!.recommendations as Array<{ currency: string; price_text: string }>;
		assert.ok(euro.length > 0 && euro.every((r) => r.currency === 'EUR'), 'a euro cart gets euro products only');
		assert.match(String(out.find((i) => i.cart_id === 'r-new-one')!.result), /^Still abandoned: no activity for \d+ min · new customer · 4 products recommended/);
	});

	test('the hostile title travels as text; a product’s latest data wins', async () => {
		await abandoned('r-mug', 'mug-visitor', ['p06']);
		await store.recordCartEvent({ source: 'generic', event_id: 'p08-renamed', type: 'cart', cart_id: 'renamer', customer_id: 'renamer', currency: 'HUF', items: [{ ...line('p08'), name: 'Termék 8 (új)', price: 15500 }] }, { cooldownSeconds: 0 });
		const result = await checkCarts(['r-mug'], 10);
		const recs = result.output('Cart Check', 0)[0].recommendations as Array<{ product_id: string; title: string; price: number }>;
		assert.ok(recs.length <= 10);
		const p07 = recs.find((r) => r.product_id === 'p07');
		const p08 = recs.find((r) => r.product_id === 'p08');
		assert.equal(p07?.title, 'Bögre <img src=x onerror=alert(1)>');
		assert.deepEqual([p08?.title, p08?.price], ['Termék 8 (új)', 15500]);
	});

	test('none asked, none given; a cart not still abandoned gets none; a bad number fails naming the field', async () => {
		// An earlier check's products (on the item from the last stage) do not travel on when this check recommends none.
		const stale = { recommendations: [{ product_id: 'p01', title: 'Termék 1', price: 1990, currency: 'HUF', price_text: '1 990 Ft', reason: 'best_seller' }] };
		const none = await checkCarts(['r-new-one'], 0, stale);
		assert.equal('recommendations' in none.output('Cart Check', 0)[0], false);
		const bought = await checkCarts(['order-3'], 4);
		const purchased = bought.output('Cart Check', 2);
		assert.equal(purchased.length, 1);
		assert.equal('recommendations' in purchased[0], false);
		const bad = await checkCarts(['r-new-one'], '={{ 11 }}');
		assert.equal(bad.status, 'error');
		assert.match(bad.error!.message, /"Products to Recommend" must be a whole number from 0 to 10, not 11/);
	});
});

describe('A tap on a WhatsApp Product List row (Reply to Customer → The Product They Tapped)', () => {
	type Row = { id: string; title: string };
	const listRows = async (cartId: string): Promise<Array<{ section?: string; rows: Row[] }>> => {
		const cart = (await store.getCart(cartId))!;
		const recommendations = withPriceText((await store.recommendProducts(cartId, 4)).products, cart);
		const context = buildTemplateContext({ cart, stage: 2, language: 'hu', recommendations, discount: null });
		const interactive = whatsappListPayload('36301234567', whatsappTextsFromFields(() => null)(0, 'hu'), context).interactive as { action: { sections: Array<{ title?: string; rows: Row[] }> } };
		return interactive.action.sections.map((s) => ({ section: s.title, rows: s.rows }));
	};
	const tap = async (cartId: string, row: Row) => tappedProduct(store, (await store.getCart(cartId))!, row.id, row.title, 'hu-HU');

	test('every row of the list the customer got answers with the product it shows; after the cart changed, the product it named or none', async () => {
		const variant = (colour: string, id: string): CartItem => ({ product_id: id, name: `Gyapjú túrazokni, 3 pár, ${colour}`, quantity: 1, price: 4990, url: `https://shop.example/termek/${id}` });
		await store.recordCartEvent(
			{ source: 'generic', event_id: 'tap-c1', type: 'cart', cart_id: 'r-tap', customer_id: 'tapper', email: 'tapper@example.hu', occurred_at: new Date(Date.now() - 3_600_000).toISOString(), currency: 'HUF', restore_url: 'https://shop.example/kosar/r-tap', items: [line('p03'), variant('antracit', 'socks-a'), variant('fekete', 'socks-b')] },
			{ cooldownSeconds: 0 },
		);
		const sections = await listRows('r-tap');
		assert.equal(sections.length, 2, 'the cart and "Neked ajánljuk"');
		assert.equal(sections[0].rows[1].title, sections[0].rows[2].title, 'two variants look the same once cut to 24 characters');
		const cart = (await store.getCart('r-tap'))!;
		const recs = withPriceText((await store.recommendProducts('r-tap', 4)).products, cart);
		const shown = [...cart.items.map((i) => ({ title: i.name, url: i.url })), ...recs.map((r) => ({ title: r.title, url: r.url }))];
		const rows = sections.flatMap((s) => s.rows);
		assert.equal(rows.length, shown.length);
		for (const [i, row] of rows.entries()) {
			const product = await tap('r-tap', row);
			assert.deepEqual([product?.title, product?.url], [shown[i].title, shown[i].url], `row ${i + 1} (${row.id})`);
			assert.match(String(product?.price_text), /^\d{1,3}(\s\d{3})*\sFt$/);
		}
		// The customer took the first variant out: its row answers nothing, the other variant's row still answers it.
		await store.recordCartEvent({ source: 'generic', event_id: 'tap-c2', type: 'cart', cart_id: 'r-tap', currency: 'HUF', items: [line('p03'), variant('fekete', 'socks-b')] }, { cooldownSeconds: 0 });
		assert.equal(await tap('r-tap', rows[1]), null, 'gone from the cart: no product, never its neighbour');
		assert.equal((await tap('r-tap', rows[2]))?.url, 'https://shop.example/termek/socks-b', 'moved up a place: still the product tapped');
		// A list sent before row ids named the product: by place and title, and none when the title names two products.
		await store.recordCartEvent({ source: 'generic', event_id: 'tap-c3', type: 'cart', cart_id: 'r-tap', currency: 'HUF', items: [line('p03'), variant('antracit', 'socks-a'), variant('fekete', 'socks-b')] }, { cooldownSeconds: 0 });
		const legacy = (row: Row) => ({ ...row, id: row.id.replace(/:[0-9a-f]{8}$/, '') });
		assert.equal((await tap('r-tap', legacy(rows[0])))?.title, cart.items[0].name);
		assert.equal((await tap('r-tap', legacy(rows[2])))?.url, 'https://shop.example/termek/socks-b', 'at its place with the title tapped');
		assert.equal(await tap('r-tap', { id: 'item:r-tap:3', title: 'Bőr bakancs' }), null, 'a title nowhere in the cart');
		assert.equal(await tap('r-tap', { id: 'item:r-tap:9', title: rows[1].title }), null, 'past the cart, and the title names two variants');
		assert.equal(await tap('r-tap', { id: 'more:r-tap', title: '+2 további termék' }), null);
		assert.equal(await tap('r-tap', { id: rows[0].id.replace('r-tap', 'r-mug'), title: rows[0].title }), null, 'a row of another cart');
	});
});

// Customer history, segments and discounts by rules (issue 17) inside n8n's engine, store on the Postgres server.
// Histories are built through the store's own calls (cart and order events, reminders, codes, redemptions), the
// right answers worked out here from the same plan: the history's counts, each customer's segment at the thresholds'
// edges, and the code Discount Code's rules give each cart (tier edges, rounding, half for loyal customers, none for
// discount-seekers in the first reminder, the cap, the budget), read back from the output and the store.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, PostgresTransport, type CustomerSegment } from '../../lib/store';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { seededRandom as random } from '../helpers/random';

let db: TestDatabase;
let store: CartRecoveryStore;
const mainStore = () => store;
const mainDb = () => db;
const DAY = 86_400_000;
/** Amounts print with no-break spaces ("5 000 Ft"); compared here with plain ones. */
const plain = (text: unknown) => String(text).replace(/\u00a0/g, ' ');
const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

/** One past cart of a customer: when, worth what, and what happened after its reminder. */
interface PastCart {
	daysAgo: number;
	value: number;
	reminder: boolean;
	code: boolean;
	/** none | back (in the cart again, no order) | bought | boughtWithCode */
	outcome: 'none' | 'back' | 'bought' | 'boughtWithCode';
	/** Minutes from the reminder to the customer's comeback (back or bought). */
	backAfterMinutes: number;
}

interface Expected {
	orders: number;
	revenue: number;
	lastOrderDaysAgo: number | null;
	carts_abandoned: number;
	carts_recovered: number;
	comebacks: number;
	comebackMinutes: number;
	carts_with_code: number;
	codes_used: number;
}

/** Records the customer's past carts through the store and returns what their history must say. */
async function buildHistory(customer: string, carts: PastCart[], { store, db } = { store: mainStore(), db: mainDb() }): Promise<Expected> {
	const e: Expected = { orders: 0, revenue: 0, lastOrderDaysAgo: null, carts_abandoned: 0, carts_recovered: 0, comebacks: 0, comebackMinutes: 0, carts_with_code: 0, codes_used: 0 };
	for (const [j, past] of carts.entries()) {
		const cartId = `${customer}-past-${j}`;
		const start = past.daysAgo * DAY;
		const contact = { customer_id: customer, email: `${customer}@example.hu` };
		const enrolled = await store.recordCartEvent(
			{ source: 'generic', event_id: `${cartId}-c`, type: 'cart', cart_id: cartId, occurred_at: at(start), ...contact, currency: 'HUF', value: past.value, items: [{ name: 'Bögre', quantity: 1, price: past.value }] },
			{ cooldownSeconds: 0 },
		);
		assert.equal(enrolled.outcome, 'enrolled', JSON.stringify(enrolled));
		e.carts_abandoned++;
		const reminderAt = start - 30 * 60_000;
		const backAt = reminderAt - past.backAfterMinutes * 60_000;
		if (past.reminder) {
			const claim = await store.claimMessage({ cartId, stage: 1, channel: 'email' });
			assert.ok(claim.claimed);
			await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `sg-${cartId}` });
			// The reminder went 30 minutes after the cart (the store stamps now(); the plan's time is set here).
			await db.pool.query('update cart_recovery.messages set sent_at = $2 where cart_id = $1', [cartId, at(reminderAt)]);
		}
		let code: string | undefined;
		if (past.code) {
			const issued = await store.issueDiscountCode({ code: `PAST-${customer}-${j}`.toUpperCase().replace(/[^A-Z0-9-]/g, ''), kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 7 * DAY), cartId, stage: 2, customerRef: customer });
			code = issued.code!.code;
			e.carts_with_code++;
		}
		if (past.outcome === 'back') {
			await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-back`, type: 'cart', cart_id: cartId, occurred_at: at(backAt), ...contact, currency: 'HUF', value: past.value, items: [{ name: 'Bögre', quantity: 1, price: past.value }] });
		}
		if (past.outcome === 'bought' || past.outcome === 'boughtWithCode') {
			const order = await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-o`, type: 'order', cart_id: cartId, occurred_at: at(backAt), order_id: `o-${cartId}`, order_value: past.value - 100 });
			assert.equal(order.outcome, past.reminder ? 'recovered' : 'converted');
			e.orders++;
			e.revenue += past.value - 100;
			const daysAgo = backAt / DAY;
			e.lastOrderDaysAgo = e.lastOrderDaysAgo === null ? daysAgo : Math.min(e.lastOrderDaysAgo, daysAgo);
			if (past.reminder) e.carts_recovered++;
			if (past.outcome === 'boughtWithCode' && code) {
				const redeemed = await store.redeemDiscountCode({ code, orderId: `o-${cartId}`, customerId: customer });
				assert.ok(redeemed.redeemed, JSON.stringify(redeemed));
				e.codes_used++;
			}
		}
		if (past.reminder && past.outcome !== 'none') {
			e.comebacks++;
			e.comebackMinutes += past.backAfterMinutes;
		}
	}
	return e;
}

/** The segment the rules give, worked out from the plan (thresholds: the node's defaults unless given). */
function expectedSegment(e: Expected, t = { loyal: 3, lapsedDays: 90, seekerCodes: 2, seekerShare: 0.8 }): CustomerSegment {
	if (e.codes_used >= t.seekerCodes && e.codes_used >= t.seekerShare * e.carts_with_code) return 'discount-seeker';
	if (e.orders === 0) return 'new';
	if (e.lastOrderDaysAgo! > t.lapsedDays) return 'lapsed';
	if (e.orders >= t.loyal) return 'loyal';
	return 'returning';
}

const bought = (daysAgo: number, extra: Partial<PastCart> = {}): PastCart => ({ daysAgo, value: 12_990, reminder: true, code: false, outcome: 'bought', backAfterMinutes: 20, ...extra });

// The edges: each customer sits on one side of a threshold.
const EDGES: Record<string, PastCart[]> = {
	'c-new': [],
	'c-abandoner': [{ daysAgo: 5, value: 9_990, reminder: true, code: false, outcome: 'none', backAfterMinutes: 0 }],
	'c-two-orders': [bought(20), bought(10)],
	'c-three-orders': [bought(30), bought(20), bought(10)],
	'c-lapsed-91': [bought(120), bought(100), bought(91.2)],
	'c-recent-89': [bought(88.8)],
	'c-seeker-2of2': [bought(20, { code: true, outcome: 'boughtWithCode' }), bought(10, { code: true, outcome: 'boughtWithCode' })],
	'c-seeker-2of3': [bought(30, { code: true, outcome: 'boughtWithCode' }), bought(20, { code: true, outcome: 'boughtWithCode' }), bought(10, { code: true, outcome: 'none' })],
	'c-seeker-1of1': [bought(10, { code: true, outcome: 'boughtWithCode' })],
	'c-came-back': [bought(3, { outcome: 'back', backAfterMinutes: 45 }), bought(2, { outcome: 'bought', backAfterMinutes: 15 })],
};
const EDGE_SEGMENTS: Record<string, CustomerSegment> = {
	'c-new': 'new',
	'c-abandoner': 'new',
	'c-two-orders': 'returning',
	'c-three-orders': 'loyal',
	'c-lapsed-91': 'lapsed',
	'c-recent-89': 'returning',
	'c-seeker-2of2': 'discount-seeker',
	'c-seeker-2of3': 'returning',
	'c-seeker-1of1': 'returning',
	'c-came-back': 'returning',
};

const expected = new Map<string, Expected>();

before(async () => {
	db = await freshDatabase('segments');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	for (const [customer, carts] of Object.entries(EDGES)) expected.set(customer, await buildHistory(customer, carts));
	// 30 customers with random histories: up to 6 past carts each, any mix of reminders, codes and outcomes.
	const rnd = random(17);
	const outcomes = ['none', 'back', 'bought', 'boughtWithCode'] as const;
	for (let c = 0; c < 30; c++) {
		const carts: PastCart[] = Array.from({ length: Math.floor(rnd() * 7) }, (_, j) => {
			const code = rnd() < 0.5;
			const outcome = outcomes[Math.floor(rnd() * (code ? 4 : 3))];
			return { daysAgo: 200 - j * 30 - rnd() * 20, value: 3_000 + Math.round(rnd() * 60_000), reminder: outcome === 'back' || rnd() < 0.8, code, outcome, backAfterMinutes: 5 + Math.floor(rnd() * 300) };
		});
		expected.set(`c-random-${c}`, await buildHistory(`c-random-${c}`, carts));
	}
	// Each customer's cart today, quiet for 45 minutes: what Cart Check looks at.
	for (const customer of expected.keys()) {
		await store.recordCartEvent(
			{ source: 'generic', event_id: `${customer}-now`, type: 'cart', cart_id: `${customer}-now`, occurred_at: at(45 * 60_000), customer_id: customer, email: `${customer}@example.hu`, currency: 'HUF', value: 24_990, items: [{ name: 'Bögre', quantity: 1, price: 24_990 }] },
			{ cooldownSeconds: 0 },
		);
	}
});
after(async () => {
	await closeAllStores();
	await store.close();
	await db.drop();
});

const STORE = { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' } };

async function checkCarts(customers: string[], segments: Record<string, number> = {}) {
	const result = await runWorkflow({
		nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}', inactivityMinutes: 30, minimumValue: 5000, segments }, { credentials: STORE })],
		connections: connect(['Start', 'Cart Check']),
		pinData: { Start: customers.map((c) => ({ json: { cart_id: `${c}-now` } })) },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(result.status, 'success', result.error?.message);
	const out = result.output('Cart Check', 0);
	assert.equal(out.length, customers.length);
	return new Map(out.map((item) => [String(item.customer_id), item]));
}

describe('customer history and segments (Cart Check)', () => {
	test('every customer’s history is what their events say, and their segment follows the default thresholds', async () => {
		const checked = await checkCarts([...expected.keys()]);
		const wrong: string[] = [];
		for (const [customer, e] of expected) {
			const item = checked.get(customer)!;
			const h = item.customer as Record<string, unknown>;
			const want = {
				segment: EDGE_SEGMENTS[customer] ?? expectedSegment(e),
				orders: e.orders,
				revenue: e.orders ? { HUF: e.revenue } : {},
				carts_abandoned: e.carts_abandoned + 1,
				carts_recovered: e.carts_recovered,
				comebacks: e.comebacks,
				average_comeback_minutes: e.comebacks ? Math.round(e.comebackMinutes / e.comebacks) : null,
				carts_with_code: e.carts_with_code,
				codes_used: e.codes_used,
			};
			const got = Object.fromEntries(Object.keys(want).map((k) => [k, h[k]]));
			if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${customer}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
			if (EDGE_SEGMENTS[customer]) assert.equal(expectedSegment(e), EDGE_SEGMENTS[customer], `the plan of ${customer} sits where it should`);
			const lastOrder = h.last_order_at ? (Date.now() - new Date(String(h.last_order_at)).getTime()) / DAY : null;
			if ((lastOrder === null) !== (e.lastOrderDaysAgo === null) || (lastOrder !== null && Math.abs(lastOrder - e.lastOrderDaysAgo!) > 0.01)) {
				wrong.push(`${customer}: last order ${lastOrder} days ago, want ${e.lastOrderDaysAgo}`);
			}
			assert.equal(item.segment, want.segment, `${customer}: the cart keeps the segment its flow began with`);
		}
		assert.deepEqual(wrong, []);
		const segments = new Set([...checked.values()].map((i) => (i.customer as { segment: string }).segment));
		assert.deepEqual([...segments].sort(), ['discount-seeker', 'lapsed', 'loyal', 'new', 'returning']);
		const sentence = String(checked.get('c-three-orders')!.result ?? '');
		assert.match(sentence, /^Still abandoned: no activity for 4\d min · loyal customer \(3 orders\)$/);
	});

	test('the thresholds are the marketer’s: moved, the customers on their edges change segment', async () => {
		const checked = await checkCarts(['c-two-orders', 'c-lapsed-91', 'c-seeker-2of3', 'c-seeker-1of1'], { loyalOrders: 2, lapsedDays: 100, seekerPercent: 60, seekerCodes: 1 });
		const seg = (c: string) => (checked.get(c)!.customer as { segment: string }).segment;
		assert.equal(seg('c-two-orders'), 'loyal', '2 orders from 2');
		assert.equal(seg('c-lapsed-91'), 'loyal', 'last order 91 days ago is not lapsed at 100 days');
		assert.equal(seg('c-seeker-2of3'), 'discount-seeker', '2 of 3 carts is above 60 %');
		assert.equal(seg('c-seeker-1of1'), 'discount-seeker', '1 code from 1');
		assert.equal(checked.get('c-two-orders')!.segment, 'returning', 'the cart keeps the segment of its first check');
	});

	test('a threshold out of range fails the node naming it', async () => {
		const result = await runWorkflow({
			nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}', segments: { seekerPercent: '={{ 120 }}' } }, { credentials: STORE })],
			connections: connect(['Start', 'Cart Check']),
			pinData: { Start: [{ json: { cart_id: 'c-new-now' } }] },
			credentials: { cartRecoveryStoreApi: db.credentials },
		});
		assert.equal(result.status, 'error');
		assert.match(result.error!.message, /"Customer Segments → Discount-Seeker Share \(%\)" must be a number from 0 to 100, not 120/);
	});

	test('erasure removes the customer’s history; retention drops a history nothing happened to', async () => {
		const key = (c: string) => db.pool.query('select count(*)::int as n from cart_recovery.customers where customer_key = $1', [c]).then((r) => r.rows[0].n);
		assert.equal(await key('c-three-orders'), 1);
		const erased = await store.eraseCustomer({ email: 'c-three-orders@example.hu' });
		assert.ok((erased.deleted as Record<string, number>).customers >= 1, JSON.stringify(erased));
		assert.equal(await key('c-three-orders'), 0);
		const exported = await store.exportCustomer({ email: 'c-three-orders@example.hu' });
		assert.deepEqual((exported.tables as Record<string, unknown[]>).customers ?? [], []);
		// A new cart of the erased customer keeps no history (the store keeps none of their data).
		await store.recordCartEvent({ source: 'generic', event_id: 'erased-again', type: 'cart', cart_id: 'erased-again', customer_id: 'c-three-orders', email: 'c-three-orders@example.hu', currency: 'HUF', value: 9990, items: [{ name: 'Bögre', quantity: 1, price: 9990 }] });
		assert.equal(await key('c-three-orders'), 0);

		// Retention: every cart of c-abandoner and its history last touched 70 days ago; a 60-day purge takes both.
		await db.pool.query(`update cart_recovery.carts set last_activity_at = now() - interval '70 days', updated_at = now() - interval '70 days' where customer_key = 'c-abandoner'`);
		await db.pool.query(`update cart_recovery.customers set last_seen_at = now() - interval '70 days' where customer_key in ('c-abandoner', 'c-new')`);
		const purged = await store.purge(60);
		assert.equal(await key('c-abandoner'), 0);
		assert.equal(await key('c-new'), 1, 'a history with a cart still kept stays');
		assert.ok(purged.customers >= 1);
	});
});

// ── Discount Code by rules ─────────────────────────────────────────────────────────────────────────────

const TIERS = {
	tier: [
		{ from: 5000, kind: 'percent', amount: 10 },
		{ from: 30000, kind: 'fixed', amount: 3000 },
		{ from: 50000, kind: 'percentAsAmount', amount: 8 },
	],
};

async function codes(items: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}, stage = 2) {
	const result = await runWorkflow({
		nodes: [
			manualTrigger(),
			node('Discount Code', 'discountCode', { resource: 'discountCode', operation: 'create', stage, pricing: 'rules', discountType: 'percent', amount: 5, tiers: TIERS, ...extra }, { credentials: STORE }),
		],
		connections: connect(['Start', 'Discount Code']),
		pinData: { Start: items.map((json) => ({ json: json as never })) },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(result.status, 'success', result.error?.message);
	return result.output('Discount Code');
}

/** A cart in the store for the rules to price (the budget needs its customer). */
async function pricedCart(id: string, value: number, segment: string, currency = 'HUF', customer = id) {
	await store.recordCartEvent({ source: 'generic', event_id: `${id}-e`, type: 'cart', cart_id: id, customer_id: customer, email: `${customer}@example.hu`, currency, value, items: [{ name: 'Bögre', quantity: 1, price: value }] }, { cooldownSeconds: 0 });
	return { cart_id: id, customer_id: customer, email: `${customer}@example.hu`, value, currency, customer: { segment } };
}

describe('Discount Code by rules', () => {
	test('tiers by cart value at their edges, a percentage as an amount rounded down to 500 Ft, other currencies on the fallback', async () => {
		const carts = [
			await pricedCart('r-4999', 4999, 'new'),
			await pricedCart('r-5000', 5000, 'new'),
			await pricedCart('r-29999', 29_999, 'returning'),
			await pricedCart('r-30000', 30_000, 'new'),
			await pricedCart('r-50000', 50_000, 'new'),
			await pricedCart('r-61990', 61_990, 'lapsed'),
			await pricedCart('r-eur', 80, 'new', 'EUR'),
		];
		const out = await codes(carts);
		const got = out.map((i) => {
			const d = i.discount as { kind: string; amount: number; currency: string | null; worth: number; rule: { tier: string } };
			return [i.cart_id, d.kind, d.amount, d.currency, d.worth, plain(d.rule.tier)];
		});
		assert.deepEqual(got, [
			['r-4999', 'percent', 5, null, 249.95, 'fallback'],
			['r-5000', 'percent', 10, null, 500, 'from 5 000 Ft'],
			['r-29999', 'percent', 10, null, 2999.9, 'from 5 000 Ft'],
			['r-30000', 'fixed', 3000, 'HUF', 3000, 'from 30 000 Ft'],
			['r-50000', 'fixed', 4000, 'HUF', 4000, 'from 50 000 Ft'],
			['r-61990', 'fixed', 4500, 'HUF', 4500, 'from 50 000 Ft'], // 8 % = 4 959,20 Ft → 4 500 Ft
			['r-eur', 'percent', 5, null, 4, 'fallback'],
		]);
		// The rule is kept with the code in the store, as the output shows it.
		const { rows } = await db.pool.query(`select cart_id, rule, worth::float as worth from cart_recovery.discount_codes where cart_id = 'r-61990'`);
		assert.deepEqual(rows[0].rule, (out[5].discount as { rule: unknown }).rule);
		assert.equal(rows[0].worth, 4500);
		assert.match(plain(out[5].result), /^Code KOSAR-\S+ ready for stage 2: 4 500 Ft off until .+ \(8% of the cart as an amount for carts from 50 000 Ft; lapsed customer: full discount\)$/);
	});

	test('segments: half for loyal customers, none for discount-seekers in the first reminder but the full code later; a cap per code', async () => {
		const loyal = await pricedCart('s-loyal', 30_000, 'loyal');
		const loyalPercent = await pricedCart('s-loyal-pct', 12_000, 'loyal');
		const seeker = await pricedCart('s-seeker', 30_000, 'discount-seeker');
		const [a, b, c] = await codes([loyal, loyalPercent, seeker], {}, 1);
		assert.deepEqual([(a.discount as { amount: number }).amount, (a.discount as { kind: string }).kind], [1500, 'fixed']);
		assert.deepEqual([(b.discount as { amount: number }).amount, (b.discount as { kind: string }).kind], [5, 'percent']);
		assert.equal(c.discount, null);
		assert.deepEqual(JSON.parse(plain(JSON.stringify(c.discount_decision))), { given: false, reason: 'No code for a discount-seeker in the first reminder (rules)', stage: 1, rule: { tier: 'from 30 000 Ft', segment: 'discount-seeker', treatment: 'noneOnFirst', capped: false, budget_reduced: false, text: 'No code: discount-seeker: no code in the first reminder' } });
		assert.equal(c.result, 'No code for stage 1 for a discount-seeker in the first reminder (rules)');
		const [later] = await codes([seeker], {}, 2);
		assert.equal((later.discount as { amount: number }).amount, 3000);
		const { rows } = await db.pool.query(`select count(*)::int as n from cart_recovery.discount_codes where cart_id = 's-seeker'`);
		assert.equal(rows[0].n, 1, 'no code was made for the first reminder');

		// A cap of 5 000 Ft: 20 % of 80 000 Ft (16 000 Ft) becomes 5 000 Ft off.
		const big = await pricedCart('s-big', 80_000, 'new');
		const [capped] = await codes([big], { tiers: { tier: [{ from: 0, kind: 'percent', amount: 20 }] }, moreRules: { cap: 5000 } });
		const d = capped.discount as { kind: string; amount: number; rule: { capped: boolean } };
		assert.deepEqual([d.kind, d.amount, d.rule.capped], ['fixed', 5000, true]);
	});

	test('a budget per customer: the code that would pass it is cut to what is left, then none; two carts at once cannot both take the rest', async () => {
		const rules = { tiers: { tier: [{ from: 0, kind: 'fixed', amount: 3000 }] }, moreRules: { budget: 5000 } };
		const first = await codes([await pricedCart('b-1', 20_000, 'new', 'HUF', 'budget-anna')], rules);
		const second = await codes([await pricedCart('b-2', 20_000, 'new', 'HUF', 'budget-anna')], rules);
		const third = await codes([await pricedCart('b-3', 20_000, 'new', 'HUF', 'budget-anna')], rules);
		assert.equal((first[0].discount as { amount: number }).amount, 3000);
		const cut = second[0].discount as { amount: number; rule: { budget_reduced: boolean; text: string } };
		assert.deepEqual([cut.amount, cut.rule.budget_reduced], [2000, true]);
		assert.match(plain(cut.rule.text), /budget: 2 000 Ft left$/);
		assert.equal(third[0].discount, null);
		assert.equal(plain(third[0].result), 'No code for stage 2: the customer’s discount budget is used up (0 Ft left)');
		// A retry of a cart that got its code returns that code, budget or not.
		const retry = await codes([{ ...(await pricedCart('b-1x', 20_000, 'new', 'HUF', 'budget-anna')), cart_id: 'b-1' }], rules);
		assert.equal((retry[0].discount as { code: string }).code, (first[0].discount as { code: string }).code);

		// Ten carts of one customer priced at once (one item each, one run): the store lets 5 000 Ft through, no more.
		const many = await Promise.all(Array.from({ length: 10 }, (_, k) => pricedCart(`b-many-${k}`, 20_000, 'new', 'HUF', 'budget-bela')));
		const outs = await Promise.all(many.map((cart) => codes([cart], rules)));
		const given = outs.map((o) => (o[0].discount as { worth?: number } | null)?.worth ?? 0);
		assert.equal(given.reduce((a, b) => a + b, 0), 5000, `worth given: ${JSON.stringify(given)}`);
	});

	test('bad rules fail the node naming the parameter', async () => {
		const cart = await pricedCart('bad-1', 20_000, 'new');
		const run = (extra: Record<string, unknown>, item: Record<string, unknown> = cart) =>
			runWorkflow({
				nodes: [manualTrigger(), node('Discount Code', 'discountCode', { resource: 'discountCode', operation: 'create', stage: 2, pricing: 'rules', amount: 10, tiers: TIERS, ...extra }, { credentials: STORE })],
				connections: connect(['Start', 'Discount Code']),
				pinData: { Start: [{ json: item as never }] },
				credentials: { cartRecoveryStoreApi: db.credentials },
			});
		const cases: Array<[Record<string, unknown>, RegExp, Record<string, unknown>?]> = [
			[{ tiers: { tier: [{ from: 0, kind: 'percent', amount: 120 }] } }, /"Tier 1 → Amount" is a percentage: at most 100, not 120/],
			[{ tiers: { tier: [{ from: 0, kind: 'fixed', amount: 0 }] } }, /"Tier 1 → Amount" must be above 0, not 0/],
			[{ rulesCurrency: 'Ft' }, /Rules Currency: 'Ft' is not an ISO 4217 currency code/],
			[{ segment: 'vip' }, /"Customer Segment" must be one of new, returning, loyal, lapsed, discount-seeker, not "vip"/],
			[{}, /"Cart Value" is empty/, { cart_id: 'bad-1', customer_id: 'bad-1', currency: 'HUF' }],
		];
		for (const [extra, message, item] of cases) {
			const result = await run(extra, item);
			assert.equal(result.status, 'error', JSON.stringify(extra));
			assert.match(result.error!.message, message);
		}
		const { rows } = await db.pool.query(`select count(*)::int as n from cart_recovery.discount_codes where cart_id = 'bad-1'`);
		assert.equal(rows[0].n, 0, 'nothing was issued');
	});
});

// ── The report by segment ─────────────────────────────────────────────────────────────────────────────

describe('the report by segment (Recovery Report)', () => {
	let rdb: TestDatabase;
	let rstore: CartRecoveryStore;
	before(async () => {
		rdb = await freshDatabase('segments_report');
		rstore = new CartRecoveryStore(new PostgresTransport({ connectionString: rdb.url }));
	});
	after(async () => {
		await rstore.close();
		await rdb.drop();
	});

	test('recovered revenue, discount cost, revenue after discounts and the lift against the holdout, per segment', async () => {
		const ctx = { store: rstore, db: rdb };
		// Five customers per segment, their histories as above; then each gets three carts this week.
		const plans: Record<string, () => PastCart[]> = {
			new: () => [],
			returning: () => [bought(15)],
			loyal: () => [bought(40), bought(25), bought(12)],
			lapsed: () => [bought(150), bought(120)],
			'discount-seeker': () => [bought(30, { code: true, outcome: 'boughtWithCode' }), bought(14, { code: true, outcome: 'boughtWithCode' })],
		};
		const past = { carts: 0 };
		interface Want { carts: number; held_out_carts: number; recovered: number; recovered_revenue: number; codes_redeemed: number; discount_cost: number; x: number; hx: number }
		const want: Record<string, Want> = {};
		const rnd = random(5);
		for (const [segment, plan] of Object.entries(plans)) {
			const w: Want = (want[segment] = { carts: 0, held_out_carts: 0, recovered: 0, recovered_revenue: 0, codes_redeemed: 0, discount_cost: 0, x: 0, hx: 0 });
			for (let c = 0; c < 5; c++) {
				const customer = `rep-${segment}-${c}`;
				const history = await buildHistory(customer, plan(), ctx);
				past.carts += history.carts_abandoned;
				// The three carts enter their sequences (and get their segment) before any of them is bought.
				const week: Array<{ cartId: string; value: number; heldOut: boolean }> = [];
				for (let k = 0; k < 3; k++) {
					const cartId = `${customer}-week-${k}`;
					const value = 10_000 + Math.round(rnd() * 40_000);
					await rstore.recordCartEvent({ source: 'generic', event_id: cartId, type: 'cart', cart_id: cartId, customer_id: customer, email: `${customer}@example.hu`, currency: 'HUF', value, items: [{ name: 'Bögre', quantity: 1, price: value }] }, { cooldownSeconds: 0 });
					const checked = await rstore.checkCart(cartId, null);
					assert.equal(checked?.segment, segment, `${customer} is ${segment}`);
					const variant = await rstore.assignVariant({ cartId, experiment: 'holdout-10', variants: [{ name: 'reminders', weight: 1 }, { name: 'holdout', weight: 1, holdout: true }] });
					week.push({ cartId, value, heldOut: variant.holdout });
				}
				for (const { cartId, value, heldOut } of week) {
					if (heldOut) w.held_out_carts++;
					else w.carts++;
					// A held-out cart gets no reminder and buys on its own now and then; one that got reminders buys more often.
					const reminded = !heldOut;
					if (reminded) {
						const claim = await rstore.claimMessage({ cartId, stage: 1, channel: 'email' });
						assert.ok(claim.claimed);
						await rstore.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `sg-${cartId}` });
					}
					const buys = rnd() < (reminded ? 0.6 : 0.3);
					if (!buys) continue;
					const withCode = reminded && rnd() < 0.5;
					let code: string | undefined;
					if (withCode) code = (await rstore.issueDiscountCode({ code: `WEEK-${cartId}`.toUpperCase().replace(/[^A-Z0-9-]/g, ''), kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 7 * DAY), cartId, stage: 2, customerRef: customer })).code!.code;
					const total = value - 1_000;
					await rstore.recordCartEvent({ source: 'generic', event_id: `${cartId}-o`, type: 'order', cart_id: cartId, order_id: `o-${cartId}`, order_value: total });
					if (heldOut) w.hx++;
					else w.x++;
					if (reminded) {
						w.recovered++;
						w.recovered_revenue += total;
					}
					if (code) {
						assert.ok((await rstore.redeemDiscountCode({ code, orderId: `o-${cartId}`, customerId: customer, orderTotal: total })).redeemed);
						w.codes_redeemed++;
						w.discount_cost += total * 0.1;
					}
				}
			}
		}
		const result = await runWorkflow({
			nodes: [manualTrigger(), node('Recovery Report', 'recoveryReport', { resource: 'report', operation: 'getReport', period: 'last7', output: 'segments' }, { credentials: STORE })],
			connections: connect(['Start', 'Recovery Report']),
			pinData: { Start: [{ json: {} }] },
			credentials: { cartRecoveryStoreApi: rdb.credentials },
		});
		assert.equal(result.status, 'success', result.error?.message);
		const rows = result.output('Recovery Report');
		assert.deepEqual(rows.map((r) => r.segment), ['new', 'returning', 'loyal', 'lapsed', 'discount-seeker', 'unknown']);
		const round2 = (n: number) => Math.round(n * 100) / 100;
		for (const row of rows.filter((r) => r.segment !== 'unknown')) {
			const w = want[String(row.segment)];
			const conversion = row.conversion as { count: number; of: number };
			const held = row.held_out_conversion as { count: number; of: number } | null;
			assert.deepEqual(
				{ carts: row.carts, held_out_carts: row.held_out_carts, recovered: row.recovered, recovered_revenue: Number(row.recovered_revenue), codes_redeemed: row.codes_redeemed, discount_cost: Number(row.discount_cost), net: Number(row.net_revenue), x: conversion.count, hx: held?.count ?? 0 },
				{ carts: w.carts, held_out_carts: w.held_out_carts, recovered: w.recovered, recovered_revenue: w.recovered_revenue, codes_redeemed: w.codes_redeemed, discount_cost: round2(w.discount_cost), net: round2(w.recovered_revenue - w.discount_cost), x: w.x, hx: w.hx },
				String(row.segment),
			);
			const lift = row.lift as { conversion_diff: number } | null;
			if (w.held_out_carts && w.carts) assert.ok(Math.abs(lift!.conversion_diff - (w.x / w.carts - w.hx / w.held_out_carts)) < 1e-6, `${String(row.segment)} lift`);
			else assert.equal(lift, null);
		}
		const unknown = rows.find((r) => r.segment === 'unknown')!;
		assert.equal(Number(unknown.carts) + Number(unknown.held_out_carts), past.carts, 'the histories’ own carts, never checked, have no segment');

		// The summary says it in a sentence; the dashboard shows the table.
		const summary = await runWorkflow({
			nodes: [manualTrigger(), node('Recovery Report', 'recoveryReport', { resource: 'report', operation: 'getReport', period: 'last7', output: 'summary', language: 'hu' }, { credentials: STORE })],
			connections: connect(['Start', 'Recovery Report']),
			pinData: { Start: [{ json: {} }] },
			credentials: { cartRecoveryStoreApi: rdb.credentials },
		});
		const lines = summary.output('Recovery Report')[0].summary_lines as string[];
		assert.ok(lines.some((line) => /^A visszaszerzett bevétel vásárlói csoportonként, a kedvezmények levonása után: .*törzsvásárlók .*Ft \(levont kedvezmény: .*Ft\)/.test(line)), lines.join('\n'));
	});
});

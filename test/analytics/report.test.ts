// The report's figures on a fixture whose answers are worked out by hand below, on a real Postgres store:
// carts written with the times that matter (entered the sequence, messages sent, events, the purchase), then
// every figure of store.report and store.experimentResults compared with the expected value. The edge cases of
// attribution each have a cart: a purchase after the window (c3), a purchase with no message (c4), a purchase
// within the inactivity time (c5, never abandoned), two messages before one purchase (c2: the SMS gets the
// credit), a holdout purchase (counted for the holdout, which gets no message), a cart in another currency (c7).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStore, PostgresTransport } from '../../lib/store';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

let db: TestDatabase;
let store: CartRecoveryStore;
const sql = (text: string, values: unknown[] = []) => db.pool.query(text, values);

/** A cart that entered the sequence at `enrolled` (Budapest time, +01:00 in November). */
async function cart(id: string, enrolled: string, value: number, extra: { currency?: string; converted?: string; order?: number; returned?: string; status?: string } = {}) {
	await sql(
		`insert into cart_recovery.carts (cart_id, source, email, first_name, currency, value, status, created_at, last_activity_at, recovery_started_at, returned_at, converted_at, order_value)
		 values ($1, 'generic', $2, 'Anna', $3, $4, $5, $6, $6, $6, $7, $8, $9)`,
		[id, `${id}@example.hu`, extra.currency ?? 'HUF', value, extra.status ?? (extra.converted ? 'converted' : 'recovering'), enrolled, extra.returned ?? null, extra.converted ?? null, extra.order ?? null],
	);
}

async function message(cartId: string, stage: number, channel: string, status: string, times: { sent?: string; delivered?: string; opened?: string; machine?: string; clicked?: string; failed?: string }) {
	const { rows } = await sql(
		`insert into cart_recovery.messages (cart_id, stage, channel, status, sent_at, delivered_at, opened_at, machine_opened_at, clicked_at, failed_at, copy_source)
		 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning message_id`,
		[cartId, stage, channel, status, times.sent ?? null, times.delivered ?? null, times.opened ?? null, times.machine ?? null, times.clicked ?? null, times.failed ?? null, times.sent ? (stage === 2 ? 'ai' : 'template') : null],
	);
	return rows[0].message_id as string;
}

async function code(code: string, cartId: string, kind: 'percent' | 'fixed', amount: number, redeemedFor?: number) {
	await sql(`insert into cart_recovery.discount_codes (code, cart_id, stage, kind, amount, currency, valid_until) values ($1, $2, 2, $3, $4, 'HUF', now() + interval '7 days')`, [code, cartId, kind, amount]);
	if (redeemedFor !== undefined) await sql(`insert into cart_recovery.discount_redemptions (code, order_id, order_total) values ($1, $2, $3)`, [code, `order-${code}`, redeemedFor]);
}

const RANGE = { from: '2026-11-01T00:00:00+01:00', to: '2026-11-08T00:00:00+01:00' };

before(async () => {
	db = await freshDatabase('analytics_report');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();

	// c1: email (delivered, opened, clicked), came back, bought the next day for 12 000 → recovered, last touch email stage 1.
	await cart('c1', '2026-11-01T10:00:00+01:00', 10000, { converted: '2026-11-02T12:00:00+01:00', order: 12000, returned: '2026-11-01T11:00:00+01:00', status: 'recovered' });
	await message('c1', 1, 'email', 'clicked', { sent: '2026-11-01T10:30:00+01:00', delivered: '2026-11-01T10:31:00+01:00', opened: '2026-11-01T10:50:00+01:00', clicked: '2026-11-01T10:55:00+01:00' });
	// c2: email, then an SMS; bought after both → recovered, the SMS (the latest) gets the credit.
	await cart('c2', '2026-11-01T12:00:00+01:00', 20000, { converted: '2026-11-03T09:00:00+01:00', order: 20000, status: 'recovered' });
	await message('c2', 1, 'email', 'delivered', { sent: '2026-11-01T12:30:00+01:00', delivered: '2026-11-01T12:31:00+01:00' });
	await message('c2', 2, 'sms', 'delivered', { sent: '2026-11-02T14:30:00+01:00', delivered: '2026-11-02T14:31:00+01:00' });
	// c3: the email bounced; bought 8 days later → converted, not recovered (after the 5-day window).
	await cart('c3', '2026-11-02T08:00:00+01:00', 5000, { converted: '2026-11-10T08:00:00+01:00', order: 5000 });
	await message('c3', 1, 'email', 'bounced', { sent: '2026-11-02T08:30:00+01:00' });
	// c4: no message (no SMS consent); bought the same afternoon → converted, not recovered.
	await cart('c4', '2026-11-03T09:00:00+01:00', 8000, { converted: '2026-11-03T15:00:00+01:00', order: 8000 });
	// c5: bought 10 minutes after entering → never abandoned.
	await cart('c5', '2026-11-04T10:00:00+01:00', 30000, { converted: '2026-11-04T10:10:00+01:00', order: 30000 });
	// c6: email delivered, opened only by a mail privacy proxy; then unsubscribed (an opt-out event) → opted out.
	await cart('c6', '2026-11-05T10:00:00+01:00', 15000);
	await message('c6', 1, 'email', 'delivered', { sent: '2026-11-05T10:30:00+01:00', delivered: '2026-11-05T10:31:00+01:00', machine: '2026-11-05T10:32:00+01:00' });
	await sql(`insert into cart_recovery.channel_events (provider, event_id, channel, kind, cart_id, occurred_at) values ('sendgrid', 'ev-c6', 'email', 'opt_out', 'c6', '2026-11-05T11:00:00+01:00')`);
	// c7: in euros: counted, never in a money figure.
	await cart('c7', '2026-11-06T10:00:00+01:00', 100, { currency: 'EUR' });
	// c8: entered before the range → not in the report.
	await cart('c8', '2026-10-30T10:00:00+01:00', 99999, { converted: '2026-11-01T10:00:00+01:00', order: 99999 });
	await message('c8', 1, 'email', 'sent', { sent: '2026-10-30T10:30:00+01:00' });
	// c9: the email was refused for good (failed, never sent).
	await cart('c9', '2026-11-07T10:00:00+01:00', 9000);
	await message('c9', 1, 'email', 'failed', { failed: '2026-11-07T10:30:00+01:00' });

	await code('KOSAR-C1', 'c1', 'fixed', 1500, 12000); // cost 1 500
	await code('KOSAR-C2', 'c2', 'percent', 10, 20000); // cost 10 % of 20 000 = 2 000
	await code('KOSAR-C4', 'c4', 'percent', 10); // issued, not redeemed
	await store.recordSkip({ cartId: 'c4', stage: 2, channel: 'sms', outcome: 'skipped', reason: 'no_consent', detail: 'No SMS consent' });
});

after(async () => {
	await store?.close();
	await db?.drop();
});

describe('store.report on the hand-worked fixture', () => {
	test('totals', async () => {
		const r = await store.report(RANGE);
		const t = r.totals;
		// Entered in the range: c1–c7 and c9 (c8 entered before it).
		assert.equal(t.carts_enrolled, 8);
		// Abandoned: all but c5 (bought within 30 minutes); their value in HUF: 10 000 + 20 000 + 5 000 + 8 000 + 15 000 + 9 000.
		assert.deepEqual([t.carts_abandoned, t.abandoned_value, t.other_currency_carts], [7, 67000, 1]);
		// Sent: c1, c2 ×2, c3 (bounced after sending), c6 = 5; c9 failed without being sent.
		assert.equal(t.messages_sent, 5);
		assert.deepEqual(t.delivered, { count: 3 + 1, of: 5, rate: 0.8 }); // c1, c2 email, c2 SMS, c6
		assert.deepEqual(t.opened, { count: 1, of: 5, rate: 0.2 }); // c1 only: c6's open was a machine's
		assert.deepEqual(t.machine_opened, { count: 1, of: 5, rate: 0.2 });
		assert.deepEqual(t.clicked, { count: 1, of: 5, rate: 0.2 });
		assert.deepEqual(t.bounced, { count: 1, of: 5, rate: 0.2 });
		assert.deepEqual(t.failed, { count: 1, of: 6, rate: 0.166667 });
		assert.deepEqual(t.opted_out, { count: 1, of: 5, rate: 0.2 });
		// Returned: of the abandoned carts that got a message (c1, c2, c3, c6), c1 came back.
		assert.deepEqual(t.returned, { count: 1, of: 4, rate: 0.25 });
		// Converted: c1, c2, c3, c4 of 7 abandoned; recovered: c1 and c2 (c3 after the window, c4 without a message).
		assert.deepEqual(t.converted, { count: 4, of: 7, rate: 0.571429 });
		assert.deepEqual(t.recovered, { count: 2, of: 7, rate: 0.285714 });
		assert.equal(t.recovered_revenue, 12000 + 20000);
		assert.equal(t.revenue_per_message, 32000 / 5);
		assert.deepEqual([t.codes_issued, t.codes_redeemed, t.discount_cost], [3, 2, 1500 + 2000]);
	});

	test('per stage and channel: the last touch gets the purchase', async () => {
		const r = await store.report(RANGE);
		assert.deepEqual(r.funnel, [
			{ stage: 1, channel: 'email', sent: 4, delivered: 3, opened: 1, clicked: 1, bounced: 1, failed: 1, opted_out: 1, recovered: 1, revenue: 12000, ai_copy: 0 },
			{ stage: 2, channel: 'sms', sent: 1, delivered: 1, opened: 0, clicked: 0, bounced: 0, failed: 0, opted_out: 0, recovered: 1, revenue: 20000, ai_copy: 1 },
		]);
	});

	test('skip reasons and the daily series (Budapest days)', async () => {
		const r = await store.report(RANGE);
		assert.deepEqual(r.skips, [{ reason: 'no_consent', outcome: 'skipped', stage: 2, channel: 'sms', count: 1 }]);
		assert.deepEqual(
			r.daily.map((d) => [d.day, d.enrolled, d.messages_sent, d.recovered, d.recovered_revenue]),
			[
				['2026-11-01', 2, 2, 0, 0],
				['2026-11-02', 1, 2, 1, 12000],
				['2026-11-03', 1, 0, 1, 20000],
				['2026-11-04', 1, 0, 0, 0],
				['2026-11-05', 1, 1, 0, 0],
				['2026-11-06', 1, 0, 0, 0],
				['2026-11-07', 1, 0, 0, 0],
			],
		);
	});

	test('a longer attribution window counts c3 as recovered too; a campaign filter keeps only its carts', async () => {
		const wide = await store.report({ ...RANGE, attributionDays: 10 });
		assert.deepEqual([wide.totals.recovered.count, wide.totals.recovered_revenue], [3, 37000]);
		await sql(`update cart_recovery.messages set campaign = 'winter' where cart_id = 'c2'`);
		const winter = await store.report({ ...RANGE, campaign: 'winter' });
		assert.deepEqual([winter.totals.carts_enrolled, winter.totals.messages_sent, winter.totals.recovered_revenue], [1, 2, 20000]);
		await sql(`update cart_recovery.messages set campaign = null where cart_id = 'c2'`);
	});

	test('the inactivity time decides what was abandoned', async () => {
		const r = await store.report({ ...RANGE, inactivityMinutes: 5 });
		assert.equal(r.totals.carts_abandoned, 8, 'c5 bought after 10 minutes: abandoned under a 5-minute rule');
	});
});

describe('store.experimentResults on a hand-worked experiment', () => {
	before(async () => {
		// 100 carts per variant, assigned on 1 November; A: 30 bought within 7 days, B: 45, the holdout: 20 — and 5 more
		// holdout carts bought 10 days later (outside the window: not conversions). Every order 10 000 Ft.
		const assigned = '2026-11-01T09:00:00+01:00';
		const bought = '2026-11-03T09:00:00+01:00';
		const late = '2026-11-11T09:00:00+01:00';
		for (const [variant, holdout, converted, lateOnes] of [['A', false, 30, 0], ['B', false, 45, 0], ['Holdout', true, 20, 5]] as const) {
			await sql(
				`insert into cart_recovery.carts (cart_id, source, currency, value, status, last_activity_at, recovery_started_at, converted_at, order_value)
				 select 'x-' || $1 || '-' || i, 'generic', 'HUF', 10000, 'recovering', $2::timestamptz, $2::timestamptz,
				        case when i <= $3 then $4::timestamptz when i <= $3 + $5 then $6::timestamptz end,
				        case when i <= $3 + $5 then 10000 end
				 from generate_series(1, 100) i`,
				[variant, assigned, converted, bought, lateOnes, late],
			);
			await sql(`insert into cart_recovery.cart_variants (cart_id, experiment, variant, holdout, bucket, assigned_at) select 'x-' || $1 || '-' || i, 'discount', $1, $2, 0.5, $3 from generate_series(1, 100) i`, [variant, holdout, assigned]);
		}
	});

	test('conversion with Wilson intervals, lift and incremental revenue against the holdout, and the winner', async () => {
		const r = await store.experimentResults({ experiment: 'discount', ...RANGE });
		const by = Object.fromEntries(r.variants.map((v) => [v.variant, v]));
		const close = (actual: number | null | undefined, expected: number, what: string) => assert.ok(Math.abs((actual ?? NaN) - expected) < 1e-5, `${what}: ${actual} ≠ ${expected}`);
		assert.deepEqual([r.holdout, r.winner], ['Holdout', 'B']);
		assert.deepEqual(r.variants.map((v) => [v.variant, v.holdout, v.carts, v.conversion.count, v.revenue]), [
			['A', false, 100, 30, 300000],
			['B', false, 100, 45, 450000],
			['Holdout', true, 100, 20, 200000],
		]);
		// Wilson 95 %: 30/100 → 0.218949–0.395849; 45/100 → 0.356145–0.547554; 20/100 → 0.133367–0.288829.
		close(by.A.conversion.low, 0.218949, 'A low');
		close(by.A.conversion.high, 0.395849, 'A high');
		close(by.B.conversion.low, 0.356145, 'B low');
		close(by.Holdout.conversion.high, 0.288829, 'holdout high');
		// A − holdout = 0.10, se = √(0.3·0.7/100 + 0.2·0.8/100) = 0.060828 → 0.10 ± 0.119222: not significant.
		assert.equal(by.Holdout.lift, undefined);
		close(by.A.lift!.conversion_diff, 0.1, 'A diff');
		close(by.A.lift!.low, -0.01922, 'A lift low');
		close(by.A.lift!.high, 0.21922, 'A lift high');
		assert.equal(by.A.lift!.significant, false);
		// B − holdout = 0.25 ± 0.125116: significant; 25 more purchases per 100 carts, 250 000 Ft more (124 253.96–375 746.04).
		assert.equal(by.B.lift!.significant, true);
		assert.deepEqual([by.B.lift!.incremental_conversions, by.B.lift!.incremental_revenue], [25, 250000]);
		close(by.B.lift!.incremental_revenue_low, 124253.96, 'B revenue low');
		close(by.B.lift!.incremental_revenue_high, 375746.04, 'B revenue high');
		assert.deepEqual([by.A.revenue_per_cart, by.Holdout.revenue_per_cart], [3000, 2000]);
	});

	test('without a holdout the leader wins only when it is significantly ahead', async () => {
		await sql(`update cart_recovery.cart_variants set experiment = 'discount-no-holdout' where experiment = 'discount' and variant <> 'Holdout'`);
		const r = await store.experimentResults({ experiment: 'discount-no-holdout', ...RANGE });
		// B 45 % vs A 30 %: 0.15 ± 1.96·√(0.45·0.55/100 + 0.3·0.7/100) = 0.15 ± 0.1330 → significant.
		assert.deepEqual([r.holdout, r.winner], [null, 'B']);
		assert.ok(r.variants.every((v) => v.lift === undefined));
		await sql(`update cart_recovery.cart_variants set experiment = 'discount' where experiment = 'discount-no-holdout'`);
	});
});

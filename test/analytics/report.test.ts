// The report's figures on a fixture (./fixture.ts) whose answers are worked out by hand below, on a real Postgres
// store: every figure of store.report and store.experimentResults compared with the expected value. The edge
// cases of attribution each have a cart: a purchase after the window (c3), a purchase with no message (c4), a
// purchase within the inactivity time (c5, never abandoned), two messages before one purchase (c2: the SMS gets
// the credit), a holdout purchase (counted for the holdout, which gets no message), a cart in another currency (c7).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { CartRecoveryStore, PostgresTransport } from '../../lib/store';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { RANGE, seedFixture } from './fixture';

let db: TestDatabase;
let store: CartRecoveryStore;
const sql = (text: string, values: unknown[] = []) => db.pool.query(text, values);

before(async () => {
	db = await freshDatabase('analytics_report');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	await seedFixture(db.pool, store);
});

after(async () => {
	await store?.close();
	await db?.drop();
});

// Every report test runs twice: read live from the raw rows (hours changed within the last minute are), and from the
// hourly rollups (migration 11) once they are built — the same answers either way.
const BUILD_ROLLUPS = `select cardinality(cart_recovery.report_refresh('-infinity', 'infinity', now() + interval '1 day')) as left`;

for (const mode of ['read live', 'from the rollups'] as const) describe(`store.report on the hand-worked fixture, ${mode}`, () => {
	beforeEach(async () => {
		if (mode === 'from the rollups') {
			await sql(BUILD_ROLLUPS);
			const { rows: [state] } = await sql(`select (select count(*) from cart_recovery.report_stale)::int as stale, (select count(*) from cart_recovery.report_messages)::int as rolled`);
			assert.deepEqual([state.stale, state.rolled > 0], [0, true], 'every hour built, none left stale');
		} else {
			// Every hour with a cart marked as changed just now: the report reads all of them live.
			await sql(`insert into cart_recovery.report_stale (hour) select distinct cart_recovery.hour_of(recovery_started_at) from cart_recovery.carts where recovery_started_at is not null on conflict (hour) do update set marked_at = now()`);
		}
	});

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
		// Returned: of the 7 abandoned carts, c1 came back to its cart.
		assert.deepEqual(t.returned, { count: 1, of: 7, rate: 0.142857 });
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

	test('a change after the rollups were built counts at once: a late click and a late redemption', async () => {
		await sql(BUILD_ROLLUPS);
		const before = await store.report(RANGE);
		await sql(`update cart_recovery.messages set clicked_at = sent_at + interval '1 hour' where cart_id = 'c6'`);
		await sql(`insert into cart_recovery.discount_redemptions (code, order_id, order_total) values ('KOSAR-C4', 'late-order', 10000)`);
		const { rows: [stale] } = await sql(`select count(*)::int as n from cart_recovery.report_stale`);
		assert.equal(stale.n, 2, "c6's and c4's hours are marked stale, nothing else");
		const live = await store.report(RANGE);
		assert.equal(live.totals.clicked.count, before.totals.clicked.count + 1, "c6's click counts while its hour is read live");
		assert.deepEqual([live.totals.codes_redeemed, live.totals.discount_cost], [before.totals.codes_redeemed + 1, before.totals.discount_cost + 1000], '10 % of 10 000');
		await sql(BUILD_ROLLUPS);
		const rebuilt = await store.report(RANGE);
		assert.deepEqual(rebuilt.totals, live.totals, 'the same totals once the hours are rebuilt');
		await sql(`update cart_recovery.messages set clicked_at = null where cart_id = 'c6'`);
		await sql(`delete from cart_recovery.discount_redemptions where order_id = 'late-order'`);
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

	for (const mode of ['read live', 'from the rollups'] as const) test(`conversion with Wilson intervals, lift and incremental revenue against the holdout, and the winner (${mode})`, async () => {
		if (mode === 'from the rollups') {
			await sql(`select cart_recovery.experiment_refresh('-infinity', 'infinity', now() + interval '1 day')`);
			const { rows: [state] } = await sql(`select (select count(*) from cart_recovery.experiment_stale)::int as stale, (select sum(carts) from cart_recovery.experiment_variants where experiment = 'discount')::int as carts`);
			assert.deepEqual([state.stale, state.carts], [0, 300], 'the experiment read from its rollup');
		}
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

// The Recovery Report node inside n8n's engine on the hand-worked fixture (./fixture.ts; its figures are proved in
// report.test.ts): each output shape of Get Report, Get Experiment Results with its verdict, Get Timeline by e-mail,
// and a wrong date named in the error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { IDataObject } from 'n8n-workflow';

import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { seedFixture } from './fixture';

let db: TestDatabase;
let store: CartRecoveryStore;
const WEEK = { period: 'custom', from: '2026-11-01', to: '2026-11-07' };

before(async () => {
	db = await freshDatabase('analytics_report_node');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	await seedFixture(db.pool, store);
	// A small split: 4 carts in A (1 bought), 4 in the holdout (none bought).
	await db.pool.query(
		`insert into cart_recovery.carts (cart_id, source, currency, value, status, last_activity_at, recovery_started_at, converted_at, order_value)
		 select 'e-' || v || '-' || i, 'generic', 'HUF', 10000, 'recovering', '2026-11-02T10:00:00+01', '2026-11-02T10:00:00+01',
		        case when v = 'A' and i = 1 then timestamptz '2026-11-03T10:00:00+01' end, case when v = 'A' and i = 1 then 10000 end
		 from (values ('A'), ('Holdout')) x(v), generate_series(1, 4) i`,
	);
	await db.pool.query(`insert into cart_recovery.cart_variants (cart_id, experiment, variant, holdout, bucket, assigned_at)
		select cart_id, 'kupon-teszt', split_part(cart_id, '-', 2), split_part(cart_id, '-', 2) = 'Holdout', 0.5, recovery_started_at from cart_recovery.carts where cart_id like 'e-%'`);
});
after(async () => {
	await closeAllStores();
	await store?.close();
	await db?.drop();
});

async function run(parameters: IDataObject) {
	const result = await runWorkflow({
		nodes: [manualTrigger(), node('Report', 'recoveryReport', parameters)],
		connections: connect(['Start', 'Report']),
		pinData: { Start: [{ json: {} }] },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	return { result, items: (result.outputs('Report')[0] ?? []) as Array<Record<string, any>> };
}

test('Get Report: one item per day, per stage and channel, per skip reason', async () => {
	const days = await run({ resource: 'report', operation: 'getReport', ...WEEK, output: 'days' });
	assert.equal(days.result.status, 'success', days.result.error?.message);
	assert.deepEqual(days.items.map((d) => [d.day, d.recovered_revenue]).slice(0, 3), [['2026-11-01', 0], ['2026-11-02', 12000], ['2026-11-03', 20000]]);
	assert.equal(days.items.length, 7);
	const funnel = await run({ resource: 'report', operation: 'getReport', ...WEEK, output: 'funnel' });
	assert.deepEqual(funnel.items.map((f) => [f.stage, f.channel, f.sent, f.recovered]), [[1, 'email', 4, 1], [2, 'sms', 1, 1]]);
	const skips = await run({ resource: 'report', operation: 'getReport', ...WEEK, output: 'skips' });
	assert.deepEqual(skips.items.map((s) => [s.reason, s.count]), [['no_consent', 1]]);
});

test('Get Report summary in English: the figures and the sentences', async () => {
	const { items } = await run({ resource: 'report', operation: 'getReport', ...WEEK, output: 'summary', language: 'en' });
	const [summary] = items;
	assert.equal(summary.totals.recovered_revenue, 32000);
	// The fixture's 7 abandoned carts and the split's 8 (80 000 Ft), entered in the same week.
	assert.match(summary.summary_lines[0], /^1–7 November 2026: 15 abandoned carts \(HUF\s147,000\); 2 bought after a reminder: HUF\s32,000 \(13\.3%\)\.$/);
	assert.match(summary.summary_html, /<h2 style="[^"]+">Cart recovery – 1–7 November 2026<\/h2>/);
	assert.deepEqual(summary.experiment_results.map((e: { experiment: string }) => e.experiment), ['kupon-teszt']);
});

test('Get Experiment Results: each experiment of the period with its verdict', async () => {
	const { items } = await run({ resource: 'report', operation: 'getExperimentResults', ...WEEK, language: 'hu' });
	assert.equal(items.length, 1);
	assert.deepEqual([items[0].experiment, items[0].holdout, items[0].variants.map((v: { variant: string; conversion: { count: number } }) => [v.variant, v.conversion.count])], ['kupon-teszt', 'Holdout', [['A', 1], ['Holdout', 0]]]);
	// 1 of 4 against 0 of 4: 0.25 ± 1.96 × √(0.25 × 0.75 / 4) = 0.25 ± 0.42 includes 0 → no winner yet.
	assert.equal(items[0].winner, null);
	assert.match(items[0].verdict, /^„kupon-teszt” kísérlet \(8 kosár\): egyelőre nincs szignifikáns különbség a változatok között\.$/);
});

test('Get Timeline: the customer’s cart by e-mail, everything that happened to it', async () => {
	const { items } = await run({ resource: 'cart', operation: 'getTimeline', query: 'C2@example.hu' });
	assert.equal(items.length, 1);
	assert.equal(items[0].cart_id, 'c2');
	// The fixture writes its codes and their redemption now, after the November purchase: they come last.
	assert.deepEqual(items[0].entries.map((e: { kind: string }) => e.kind), ['cart', 'enrolled', 'message', 'message', 'purchase', 'code', 'redeemed']);
});

test('a wrong custom date fails the node, naming the field', async () => {
	const { result } = await run({ resource: 'report', operation: 'getReport', period: 'custom', from: '2026-13-01', to: '2026-11-07', output: 'summary' });
	assert.equal(result.status, 'error');
	assert.match(String(result.error?.message), /^From must be a date such as 2026-11-01, not "2026-13-01"$/);
});

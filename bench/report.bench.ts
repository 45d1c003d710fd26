// Benchmark (not a test): the analytics report on a year of a busy shop — 1,000,000 messages — on Postgres.
//
//   bash bench/run.sh bench/report.bench.ts [--messages=1000000] [--runs=5]
//
// Seeds a fresh database with the demo's history generator, a year long (≈ 508k carts entering the sequence over
// 365 days, stage 1 email for all, an SMS for 60 %, the final email for 40 %; delivery, opens, clicks, bounces,
// opt-outs, codes and redemptions, skips, a split test with a holdout), then times each store call the Recovery Report node
// and the dashboard make: cold (first call) and warm (median of --runs). Side by side, in the same run:
//   - the same report without the indexes migration 10 adds (dropped in a transaction, rolled back after), and
//   - the built-in way: n8n's Postgres node selecting the period's messages and a Code node adding them up — here
//     measured as the rows fetched into Node.js and summed (a lower bound: n8n's per-item cost comes on top).
import { performance } from 'node:perf_hooks';

import pg from 'pg';

import { CartRecoveryStore, PostgresTransport } from '../lib/store';
import { historySql } from '../scripts/demo/history';
import { freshDatabase } from '../test/helpers/postgres';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MESSAGES = arg('messages', 1_000_000);
const RUNS = arg('runs', 5);
const CARTS = Math.round(MESSAGES / 1.97);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
	const t = performance.now();
	const value = await fn();
	return [performance.now() - t, value];
}

async function seed(pool: pg.Pool) {
	// The demo's history generator (scripts/demo/history.ts), a year long: ≈ 1.97 messages per cart.
	for (const statement of historySql({ carts: CARTS, days: 365, prefix: 'b', experiment: { name: 'discount-test', days: 90 } })) await pool.query(statement);
}

async function main() {
	const db = await freshDatabase('bench_report');
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	console.log(`Seeding ${CARTS.toLocaleString('en')} carts over a year…`);
	const [seedMs] = await timed(() => seed(db.pool));
	const { rows: [counts] } = await db.pool.query(`select (select count(*) from cart_recovery.messages)::int as messages, (select count(*) from cart_recovery.carts)::int as carts, pg_size_pretty(pg_database_size(current_database())) as size`);
	console.log(`Seeded in ${(seedMs / 1000).toFixed(0)} s: ${counts.carts.toLocaleString('en')} carts, ${counts.messages.toLocaleString('en')} messages, database ${counts.size}\n`);

	const now = new Date();
	const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
	const cases: Array<[string, () => Promise<unknown>]> = [
		['report, 365 days', () => store.report({ from: daysAgo(365), to: now })],
		['report, 30 days', () => store.report({ from: daysAgo(30), to: now })],
		['report, 7 days', () => store.report({ from: daysAgo(7), to: now })],
		['experiment results, 90 days', () => store.experimentResults({ experiment: 'discount-test', from: daysAgo(90), to: now })],
		['search a customer (email)', () => store.searchCarts('vevo4242@example.hu')],
		['cart timeline', () => store.cartTimeline('b4242')],
	];
	const rows: Array<{ name: string; cold: number; warm: number }> = [];
	for (const [name, run] of cases) {
		const [cold] = await timed(run);
		const warm: number[] = [];
		for (let i = 0; i < RUNS; i++) warm.push((await timed(run))[0]);
		rows.push({ name, cold, warm: median(warm) });
		console.log(`${name.padEnd(30)} cold ${ms(cold).padStart(9)}   warm (median of ${RUNS}) ${ms(median(warm)).padStart(9)}`);
	}
	const yearly = rows[0].warm;

	// Without migration 10's indexes (in a transaction, rolled back).
	const client = await db.pool.connect();
	let withoutIndexes = NaN;
	try {
		await client.query('begin');
		for (const index of ['carts_recovery_started', 'messages_cart_sent', 'channel_events_opt_out', 'discount_codes_cart', 'consent_events_withdrawn']) await client.query(`drop index if exists cart_recovery.${index}`);
		const times: number[] = [];
		for (let i = 0; i < Math.max(2, Math.min(RUNS, 3)); i++) {
			const t = performance.now();
			await client.query(`select public.cart_recovery_report($1, $2)`, [daysAgo(365), now]);
			times.push(performance.now() - t);
		}
		withoutIndexes = median(times);
	} finally {
		await client.query('rollback');
		client.release();
	}

	// The built-in way: the period's messages into n8n (Postgres node) and added up (Code node).
	const [builtinMs, builtin] = await timed(async () => {
		const { rows: messages } = await db.pool.query(
			`select m.stage, m.channel, m.status, m.sent_at, m.opened_at, m.clicked_at, c.converted_at, c.order_value
			 from cart_recovery.messages m join cart_recovery.carts c using (cart_id)
			 where c.recovery_started_at >= $1 and c.recovery_started_at < $2`,
			[daysAgo(365), now],
		);
		let sent = 0;
		let opened = 0;
		let clicked = 0;
		for (const m of messages) {
			if (m.sent_at) sent++;
			if (m.opened_at) opened++;
			if (m.clicked_at) clicked++;
		}
		return { rows: messages.length, sent, opened, clicked };
	});

	console.log(`\nSide by side (one year, ${counts.messages.toLocaleString('en')} messages):`);
	console.log(`  Recovery Report (store.report, migration 10's indexes)  ${ms(yearly).padStart(9)}`);
	console.log(`  the same report without those indexes                   ${ms(withoutIndexes).padStart(9)}   ×${(withoutIndexes / yearly).toFixed(2)}`);
	console.log(`  built-in: Postgres node rows → Code node (lower bound)  ${ms(builtinMs).padStart(9)}   ×${(builtinMs / yearly).toFixed(2)}  (${builtin.rows.toLocaleString('en')} rows to n8n, and only sent/opened/clicked counted)`);

	await store.close();
	await db.drop();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});

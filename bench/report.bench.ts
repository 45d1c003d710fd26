// Benchmark (not a test): the analytics report on a year of a busy shop — 1,000,000 messages — on Postgres.
//
//   bash bench/run.sh bench/report.bench.ts [--messages=1000000] [--runs=5] [--keep | --reuse=<database>]
//
// --keep leaves the seeded database in place (its name is printed); --reuse=<database> times an existing one instead of
// seeding (seeding a year takes minutes; the figures are of the store calls, not the import).
//
// Seeds a fresh database with the demo's history generator, a year long (≈ 508k carts entering the sequence over
// 365 days, stage 1 email for all, an SMS for 60 %, the final email for 40 %; delivery, opens, clicks, bounces,
// opt-outs, codes and redemptions, skips, a split test with a holdout). The import marks every hour stale, so the
// rollups (migration 11) are built once, timed; then each store call the Recovery Report node and the dashboard make
// is timed cold (first call) and warm (median of --runs), and the year again right after live traffic touched the
// last three days (those hours are read live, as in a running shop). Side by side, in the same run:
//   - the same report with every hour read live from the raw rows (no rollups: migration 10's way), and
//   - the built-in way: n8n's Postgres node selecting the period's messages and a Code node adding them up — here
//     measured as the rows fetched into Node.js and summed (a lower bound: n8n's per-item cost comes on top).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

import pg from 'pg';

import { CartRecoveryStore, PostgresTransport } from '../lib/store';
import { historySql } from '../scripts/demo/history';
import { existingDatabase, freshDatabase, type TestDatabase } from '../test/helpers/postgres';

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
	const reuse = process.argv.find((a) => a.startsWith('--reuse='))?.split('=')[1];
	const keep = process.argv.includes('--keep') || Boolean(reuse);
	const db: TestDatabase = reuse ? existingDatabase(reuse) : await freshDatabase('bench_report');
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	if (!reuse) {
		console.log(`Seeding ${CARTS.toLocaleString('en')} carts over a year…`);
		const [seedMs] = await timed(() => seed(db.pool));
		console.log(`Seeded in ${(seedMs / 1000).toFixed(0)} s`);
	}
	const { rows: [counts] } = await db.pool.query(`select (select count(*) from cart_recovery.messages)::int as messages, (select count(*) from cart_recovery.carts)::int as carts, pg_size_pretty(pg_database_size(current_database())) as size`);
	console.log(`Database ${db.name}: ${counts.carts.toLocaleString('en')} carts, ${counts.messages.toLocaleString('en')} messages, ${counts.size}`);
	// The import marked every hour stale a moment ago; a report reads hours marked within the last minute live, so
	// build them now, as the first report a minute after the import would.
	const [buildMs] = await timed(() => db.pool.query(`select cart_recovery.report_refresh('-infinity', 'infinity', now()), cart_recovery.experiment_refresh('-infinity', 'infinity', now())`));
	const { rows: [built] } = await db.pool.query(`select (select count(*) from cart_recovery.report_messages) + (select count(*) from cart_recovery.report_carts) + (select count(*) from cart_recovery.report_conversions) + (select count(*) from cart_recovery.report_skips) + (select count(*) from cart_recovery.report_codes) + (select count(*) from cart_recovery.report_optouts) + (select count(*) from cart_recovery.experiment_variants) + (select count(*) from cart_recovery.experiment_conversions) as rows`);
	await db.pool.query('vacuum analyze');
	console.log(`Rollups built once for the imported year in ${(buildMs / 1000).toFixed(1)} s (${Number(built.rows).toLocaleString('en')} rollup rows)\n`);

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

	// Live traffic: the last three days' carts get opens and a few purchases, so their hours are stale (changed
	// within the last minute) and the report reads them live — the steady state of a running shop.
	await db.pool.query(`update cart_recovery.messages set opened_at = coalesce(opened_at, sent_at + interval '3 minutes') where cart_entered_at > now() - interval '3 days' and sent_at is not null and random() < 0.2`);
	await db.pool.query(`update cart_recovery.carts set converted_at = now(), order_value = value where recovery_started_at > now() - interval '3 days' and converted_at is null and random() < 0.02`);
	const { rows: [touched] } = await db.pool.query(`select count(*)::int as hours from cart_recovery.report_stale`);
	const liveTail: number[] = [];
	for (let i = 0; i < RUNS; i++) liveTail.push((await timed(() => store.report({ from: daysAgo(365), to: now })))[0]);
	console.log(`${'report, 365 days, after live'.padEnd(30)} ${touched.hours} hours just changed, read live   warm (median of ${RUNS}) ${ms(median(liveTail)).padStart(9)}`);

	// Without rollups: every hour of the year marked as just changed (in a transaction, rolled back), so the report
	// reads all of it live from the raw rows, as migration 10 did.
	const client = await db.pool.connect();
	let withoutRollups = NaN;
	try {
		await client.query('begin');
		await client.query(`insert into cart_recovery.report_stale (hour) select distinct cart_recovery.hour_of(recovery_started_at) from cart_recovery.carts where recovery_started_at is not null on conflict (hour) do update set marked_at = now()`);
		const times: number[] = [];
		for (let i = 0; i < Math.max(2, Math.min(RUNS, 3)); i++) {
			const t = performance.now();
			await client.query(`select public.cart_recovery_report($1, $2)`, [daysAgo(365), now]);
			times.push(performance.now() - t);
		}
		withoutRollups = median(times);
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
	console.log(`  Recovery Report (store.report, rollups)                 ${ms(yearly).padStart(9)}`);
	console.log(`  the same report read live from the raw rows             ${ms(withoutRollups).padStart(9)}   ×${(withoutRollups / yearly).toFixed(2)}`);
	console.log(`  built-in: Postgres node rows → Code node (lower bound)  ${ms(builtinMs).padStart(9)}   ×${(builtinMs / yearly).toFixed(2)}  (${builtin.rows.toLocaleString('en')} rows to n8n, and only sent/opened/clicked counted)`);

	console.log(`\nMachine load (1/5/15 min): ${loadavg().map((x) => x.toFixed(2)).join(' / ')} on 2 cores`);

	await store.close();
	if (keep) {
		console.log(`Kept database ${db.name} (drop it with: dropdb -h 127.0.0.1 -U postgres ${db.name})`);
		await db.pool.end();
	} else await db.drop();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});

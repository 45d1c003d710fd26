// Benchmark (not a test): product recommendations ("you may also like") and the welcome back call on a shop with a
// year of orders — 100,000 bought carts — on Postgres (migration 17).
//
//   bash bench/run.sh bench/recommend.bench.ts [--orders=100000] [--ask=1000] [--welcome=200] [--builtin=50]
//                                              [--batch=1000] [--vacuum-every=10] [--plan] [--keep | --reuse=<database>]
//
// --keep leaves the seeded database in place (its name is printed); --reuse=<database> times an existing one instead of
// seeding. --plan also prints the plans of the statements inside one recommendation (auto_explain, nested).
//
// Seeds a fresh database, set-based (no store calls): a catalogue of 2,000 products (HUF, 990–99 990 Ft, 20
// categories; popularity Zipf-like, weight 1/rank, so a few best sellers dominate), 30,000 customers (skewed: some
// order often), and --orders bought carts (1–6 products: an anchor product by popularity, then with 50 % its fixed
// "companion" in the same category, mostly products of the anchor's category, some from anywhere). The carts go
// into cart_recovery.carts --batch rows per INSERT, THROUGH the triggers (the catalogue trigger of migration 17 counts
// each order into products and product_pairs; the history and report triggers run as well) — the seeding time is
// that trigger cost. Each INSERT is its own transaction and the three tables those triggers update per order are
// vacuumed every --vacuum-every INSERTs (autovacuum's job; it is off on this server): a best seller is in ~1 order of
// 6, and every order updates its product row, so 10,000 rows in one statement leave thousands of versions of one row
// to step through. Then --ask carts in recovery (1–4 products; 60 % of them customers with earlier orders).
// Timed, sequentially, for the carts in recovery:
//   - store.recommendProducts(cart, 4) (cart_recovery_recommend_products: one SQL function over the catalogue), and
//     the same SQL on a raw pg client (the transport's share),
//   - store.welcomeBack({ cart_id }, request id, 4) for --welcome of them,
// and side by side, in the same run, the built-in way: n8n's Postgres node running a co-purchase query over the
// orders' items, no catalogue (find the bought carts holding any of the cart's products, unnest their items, count
// the other products, limit 4) — for the first --builtin carts only (each call reads every bought cart). It does
// less than ours (no best-seller fill-up, no exclusion of the customer's earlier purchases): a lower bound.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

import pg from 'pg';

import { CartRecoveryStore, PostgresTransport } from '../lib/store';
import { existingDatabase, freshDatabase, type TestDatabase } from '../test/helpers/postgres';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ORDERS = arg('orders', 100_000);
const ASK = arg('ask', 1_000);
const WELCOME = Math.min(arg('welcome', 200), ASK);
const BUILTIN = Math.min(arg('builtin', 50), ASK);
const BATCH = arg('batch', 1_000);
const VACUUM_EVERY = arg('vacuum-every', 10);
const PRODUCTS = 2_000;
const CUSTOMERS = 30_000;
const PLAN = process.argv.includes('--plan');

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** The p-th percentile of ascending values. */
const percentile = (asc: number[], p: number) => asc[Math.min(asc.length - 1, Math.floor((p / 100) * asc.length))];
const ms = (x: number) => `${x.toFixed(x < 100 ? 2 : 0)} ms`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' / ');

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
	const t = performance.now();
	const value = await fn();
	return [performance.now() - t, value];
}

const CATEGORIES = ['Konyha', 'Kert', 'Fürdőszoba', 'Nappali', 'Hálószoba', 'Iroda', 'Gyerekszoba', 'Sport', 'Kemping', 'Autó', 'Szépség', 'Egészség', 'Háziállat', 'Játék', 'Könyv', 'Zene', 'Elektronika', 'Világítás', 'Szerszám', 'Textil'];

/** Scratch tables of the seed (unlogged, dropped after): products, popularity tickets, orders and their lines. */
function generatorSql(): string[] {
	const categories = `array[${CATEGORIES.map((c) => `'${c}'`).join(', ')}]`;
	return [
		`select setseed(0.18)`,
		// Rank = popularity (1 = the best seller); category = rank mod 20, so every category has best sellers and a tail.
		`create unlogged table bench_products as
		 select no, 'p' || lpad(no::text, 4, '0') as product_id, no % 20 as cat, (${categories})[no % 20 + 1] as category,
		        (${categories})[no % 20 + 1] || ' termék #' || no as name,
		        (floor(exp(ln(1000) + random() * ln(100)) / 1000) * 1000 - 10)::numeric(14, 2) as price,
		        'https://cdn.bolt.example.hu/p/' || lpad(no::text, 4, '0') || '.jpg' as image_url,
		        'https://bolt.example.hu/termek/p' || lpad(no::text, 4, '0') as url
		 from generate_series(1, ${PRODUCTS}) no`,
		// Zipf-like draws: product of rank r holds ≈ 20000 / r tickets; a uniform ticket is a popularity-weighted product.
		`create unlogged table bench_tickets as
		 select row_number() over (order by no, g)::int as t, no from bench_products, generate_series(1, greatest(1, round(20000.0 / no))::int) g`,
		`alter table bench_tickets add primary key (t)`,
		`create unlogged table bench_cat_tickets as
		 select cat, row_number() over (partition by cat order by no, g)::int as t, no
		 from bench_products, generate_series(1, greatest(1, round(20000.0 / no))::int) g`,
		`alter table bench_cat_tickets add primary key (cat, t)`,
		`create unlogged table bench_cat_counts as select cat, count(*)::int as n from bench_cat_tickets group by cat`,
		// The bought carts (1–6 lines), then the carts in recovery to ask about (1–4 lines; 60 % known customers).
		`create unlogged table bench_orders as
		 select o, 'bought' as kind, 1 + floor(${CUSTOMERS} * power(random(), 1.3))::int as customer,
		        case when r < 0.30 then 1 when r < 0.55 then 2 when r < 0.75 then 3 when r < 0.87 then 4 when r < 0.95 then 5 else 6 end as n_items,
		        now() - random() * interval '365 days' as at, random() as anchor_u
		 from (select o, random() as r from generate_series(1, ${ORDERS}) o) s
		 union all
		 select ${ORDERS} + i, 'ask', case when random() < 0.6 then 1 + floor(${CUSTOMERS} * power(random(), 1.3))::int else ${CUSTOMERS} + i end,
		        case when r < 0.40 then 1 when r < 0.70 then 2 when r < 0.90 then 3 else 4 end,
		        now() - random() * interval '3 days', random()
		 from (select i, random() as r from generate_series(1, ${ASK}) i) s`,
		`create unlogged table bench_lines as
		 with total as (select count(*)::int as n from bench_tickets),
		 anchors as materialized (
		   select o.o, t.no as anchor, o.n_items from bench_orders o cross join total join bench_tickets t on t.t = 1 + floor(o.anchor_u * total.n)::int
		 ),
		 slots as materialized (
		   select a.o, a.anchor, g.pos, random() as u, random() as v from anchors a, generate_series(2, a.n_items) g(pos)
		 ),
		 kinds as materialized (
		   select s.*, case when s.pos = 2 and s.u < 0.5 then 'companion' when s.u < 0.75 then 'cat' else 'global' end as kind from slots s
		 )
		 select o, 1 as pos, anchor as no from anchors
		 union all
		 select k.o, k.pos,
		        case k.kind when 'companion' then case when k.anchor + 20 <= ${PRODUCTS} then k.anchor + 20 else k.anchor - 20 end
		                    when 'cat' then ct.no else gt.no end
		 from kinds k cross join total
		 left join bench_cat_counts cc on k.kind = 'cat' and cc.cat = k.anchor % 20
		 left join bench_cat_tickets ct on ct.cat = cc.cat and ct.t = 1 + floor(k.v * cc.n)::int
		 left join bench_tickets gt on k.kind = 'global' and gt.t = 1 + floor(k.v * total.n)::int`,
		`create unlogged table bench_carts as
		 select o.o, o.kind, o.customer, o.at, sum(p.price * l.quantity) as value,
		        jsonb_agg(jsonb_build_object('product_id', p.product_id, 'name', p.name, 'quantity', l.quantity, 'price', p.price,
		                  'image_url', p.image_url, 'url', p.url, 'category', p.category) order by l.pos) as items
		 from bench_orders o
		 join (select distinct on (o, no) o, pos, no, case when random() < 0.85 then 1 when random() < 0.8 then 2 else 3 end as quantity
		       from bench_lines order by o, no, pos) l using (o)
		 join bench_products p using (no)
		 group by o.o, o.kind, o.customer, o.at`,
		`alter table bench_carts add primary key (o)`,
	];
}

const CART_COLUMNS = `cart_id, source, customer_id, customer_key, email, first_name, locale, currency, value, items, status, created_at,
	last_activity_at, recovery_started_at, converted_at, order_id, order_value, recovered_value, updated_at`;

/** One batch of bought carts, through the triggers; every 12th was recovered by a reminder. */
const boughtBatchSql = `insert into cart_recovery.carts (${CART_COLUMNS})
	select 'ord-' || lpad(o::text, 7, '0'), 'bench', 'c' || lpad(customer::text, 5, '0'), 'c' || lpad(customer::text, 5, '0'),
	       'vevo' || customer || '@example.hu', 'Vevő', 'hu-HU', 'HUF', value, items,
	       case when o % 12 = 0 then 'recovered' else 'converted' end, at - interval '25 minutes', at,
	       case when o % 12 = 0 then at - interval '5 hours' end, at, 'order-' || o, value, case when o % 12 = 0 then value end, at
	from bench_carts where kind = 'bought' and o between $1 and $2 order by o`;

const askSql = `insert into cart_recovery.carts (${CART_COLUMNS})
	select 'ask-' || lpad((o - ${ORDERS})::text, 5, '0'), 'bench', 'c' || lpad(customer::text, 5, '0'), 'c' || lpad(customer::text, 5, '0'),
	       'vevo' || customer || '@example.hu', 'Vevő', 'hu-HU', 'HUF', value, items, 'recovering', at - interval '2 hours',
	       at - interval '1 hour', at, null, null, null, null, at
	from bench_carts where kind = 'ask' order by o`;

/** Each cart asked about got its first reminder half an hour ago (welcome back greets only a cart reminded). */
const askRemindedSql = `insert into cart_recovery.messages (cart_id, stage, channel, status, provider_id, claimed_at, sent_at)
	select c.cart_id, 1, 'email', 'sent', 'bench-' || c.cart_id, now() - interval '30 minutes', now() - interval '30 minutes'
	from cart_recovery.carts c where c.cart_id like 'ask-%'`;

/** The built-in way: what a marketer puts in n8n's Postgres node (Execute Query) — co-purchases counted from the orders' items. */
const BUILTIN_SQL = `with cart_products as (
	  select i ->> 'product_id' as product_id from cart_recovery.carts c, jsonb_array_elements(c.items) i where c.cart_id = $1
	), orders as (
	  select o.cart_id, o.items from cart_recovery.carts o
	  where o.status in ('converted', 'recovered')
	    and exists (select 1 from jsonb_array_elements(o.items) i where i ->> 'product_id' in (select product_id from cart_products))
	)
	select i ->> 'product_id' as product_id, max(i ->> 'name') as title, max(i ->> 'price') as price, count(distinct o.cart_id) as orders
	from orders o, jsonb_array_elements(o.items) i
	where i ->> 'product_id' not in (select product_id from cart_products)
	group by 1 order by orders desc, product_id limit 4`;

async function seed(client: pg.ClientBase) {
	const [genMs] = await timed(async () => {
		for (const statement of generatorSql()) await client.query(statement);
	});
	console.log(`Generated ${ORDERS.toLocaleString('en')} orders + ${ASK.toLocaleString('en')} carts in recovery in scratch tables in ${(genMs / 1000).toFixed(1)} s`);
	const batches: number[] = [];
	let vacuumMs = 0;
	const [insertMs] = await timed(async () => {
		for (let from = 1; from <= ORDERS; from += BATCH) {
			batches.push((await timed(() => client.query(boughtBatchSql, [from, Math.min(ORDERS, from + BATCH - 1)])))[0]);
			// Autovacuum's job in a running shop (it is off on this server): the catalogue's rows are updated per order.
			if (VACUUM_EVERY > 0 && batches.length % VACUUM_EVERY === 0) vacuumMs += (await timed(() => client.query('vacuum cart_recovery.products, cart_recovery.product_pairs, cart_recovery.customers')))[0];
		}
	});
	const asc = sorted(batches);
	console.log(
		`Inserted ${ORDERS.toLocaleString('en')} bought carts through the triggers in ${(insertMs / 1000).toFixed(1)} s ` +
			`(${Math.round(ORDERS / (insertMs / 1000)).toLocaleString('en')} orders/s; ${batches.length} INSERTs of ${BATCH.toLocaleString('en')} rows, each its own transaction: ` +
			`first ${(batches[0] / 1000).toFixed(2)} s, median ${(percentile(asc, 50) / 1000).toFixed(2)} s, last ${(batches[batches.length - 1] / 1000).toFixed(2)} s` +
			`${VACUUM_EVERY > 0 ? `; incl. ${(vacuumMs / 1000).toFixed(1)} s vacuuming products, product_pairs, customers every ${VACUUM_EVERY} INSERTs` : ''})`,
	);
	const [askMs] = await timed(async () => {
		await client.query(askSql);
		await client.query(askRemindedSql);
	});
	console.log(`Inserted ${ASK.toLocaleString('en')} carts in recovery in ${(askMs / 1000).toFixed(1)} s`);
	for (const t of ['bench_lines', 'bench_orders', 'bench_cat_counts', 'bench_cat_tickets', 'bench_tickets', 'bench_products']) await client.query(`drop table ${t}`);
	// Autovacuum is off on this server: the catalogue's hot rows were updated once per order. Vacuum as it would.
	const [analyzeMs] = await timed(() => client.query('vacuum analyze'));
	console.log(`vacuum analyze after the import: ${(analyzeMs / 1000).toFixed(1)} s`);
}

interface Latencies {
	name: string;
	calls: number;
	times: number[];
}

async function main() {
	console.log(`Machine load at start (1/5/15 min): ${load()} on 2 cores`);
	const started = performance.now();
	const reuse = process.argv.find((a) => a.startsWith('--reuse='))?.split('=')[1];
	const keep = process.argv.includes('--keep') || Boolean(reuse);
	const db: TestDatabase = reuse ? existingDatabase(reuse) : await freshDatabase('bench_recommend');
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	const client = new pg.Client({ connectionString: db.url });
	await client.connect();
	try {
		if (!reuse) {
			console.log(`Seeding ${PRODUCTS.toLocaleString('en')} products, ${CUSTOMERS.toLocaleString('en')} customers, ${ORDERS.toLocaleString('en')} orders…`);
			const [seedMs] = await timed(() => seed(client));
			console.log(`Seeded in ${(seedMs / 1000).toFixed(0)} s`);
		}
		const { rows: [db1] } = await client.query(`select
			(select count(*) from cart_recovery.carts where status in ('converted', 'recovered'))::int as orders,
			(select count(distinct customer_key) from cart_recovery.carts where status in ('converted', 'recovered'))::int as customers,
			(select count(*) from cart_recovery.products)::int as products,
			(select count(*) from cart_recovery.product_pairs)::int as pairs,
			(select max(orders) from cart_recovery.products)::int as top_orders,
			(select round(avg(jsonb_array_length(items)), 2) from cart_recovery.carts where status in ('converted', 'recovered')) as lines,
			pg_size_pretty(pg_total_relation_size('cart_recovery.products')) as products_size,
			pg_size_pretty(pg_total_relation_size('cart_recovery.product_pairs')) as pairs_size,
			pg_size_pretty(pg_total_relation_size('cart_recovery.carts')) as carts_size,
			pg_size_pretty(pg_database_size(current_database())) as size`);
		console.log(
			`Database ${db.name}: ${db1.orders.toLocaleString('en')} orders (${db1.lines} lines each on average) by ${db1.customers.toLocaleString('en')} customers, ${db1.size}\n` +
				`  carts ${db1.carts_size}; products ${db1.products.toLocaleString('en')} rows, ${db1.products_size} (best seller in ${db1.top_orders.toLocaleString('en')} orders); ` +
				`product_pairs ${db1.pairs.toLocaleString('en')} rows, ${db1.pairs_size}`,
		);

		const { rows: askRows } = await client.query<{ cart_id: string; lines: number; known: boolean }>(
			`select c.cart_id, jsonb_array_length(c.items) as lines,
			        exists (select 1 from cart_recovery.carts o where o.customer_key = c.customer_key and o.status in ('converted', 'recovered')) as known
			 from cart_recovery.carts c where c.status = 'recovering' and c.returned_at is null order by c.cart_id limit $1`,
			[ASK],
		);
		const carts = askRows.map((r) => r.cart_id);
		console.log(`Asking for ${carts.length.toLocaleString('en')} carts in recovery (${askRows.filter((r) => r.known).length} of customers with earlier orders; ${askRows.filter((r) => r.lines === 1).length} with one line)\n`);

		// Ours, through the store (pool, named arguments, JSON parsed), then the same call on a raw client.
		const answers = new Map<string, string[]>();
		const storeTimes: number[] = [];
		for (const cartId of carts) {
			const [t, answer] = await timed(() => store.recommendProducts(cartId, 4));
			storeTimes.push(t);
			answers.set(cartId, answer.products.filter((p) => p.reason === 'bought_together').map((p) => p.product_id));
		}
		const rawTimes: number[] = [];
		for (const cartId of carts) rawTimes.push((await timed(() => client.query('select public.cart_recovery_recommend_products($1, 4) as result', [cartId])))[0]);
		const fills = [...answers.values()];

		// The built-in way, for the first BUILTIN carts.
		const builtinTimes: number[] = [];
		const builtinAnswers = new Map<string, string[]>();
		for (const cartId of carts.slice(0, BUILTIN)) {
			const [t, result] = await timed(() => client.query<{ product_id: string }>(BUILTIN_SQL, [cartId]));
			builtinTimes.push(t);
			builtinAnswers.set(cartId, result.rows.map((r) => r.product_id));
		}

		// Welcome back (marks the carts returned, so after the recommendations).
		const welcomeTimes: number[] = [];
		let greeted = 0;
		for (const cartId of carts.slice(0, WELCOME)) {
			const [t, answer] = await timed(() => store.welcomeBack({ cart_id: cartId }, `bench-${cartId}-${Date.now()}`, 4));
			welcomeTimes.push(t);
			if (answer.greet && answer.recommendations.length === 4) greeted++;
		}

		const rows: Latencies[] = [
			{ name: 'ours: store.recommendProducts(cart, 4)', calls: storeTimes.length, times: storeTimes },
			{ name: 'ours: same SQL, raw pg client', calls: rawTimes.length, times: rawTimes },
			{ name: 'ours: store.welcomeBack({cart_id}, id, 4)', calls: welcomeTimes.length, times: welcomeTimes },
			{ name: 'built-in: Postgres node co-purchase SQL', calls: builtinTimes.length, times: builtinTimes },
		];
		console.log(`${'call'.padEnd(44)}${'calls'.padStart(6)}${'median'.padStart(12)}${'p95'.padStart(12)}${'p99'.padStart(12)}${'max'.padStart(12)}`);
		for (const r of rows) {
			const asc = sorted(r.times);
			console.log(`${r.name.padEnd(44)}${String(r.calls).padStart(6)}${[50, 95, 99].map((p) => ms(percentile(asc, p)).padStart(12)).join('')}${ms(asc[asc.length - 1]).padStart(12)}`);
		}
		const ourMedian = percentile(sorted(storeTimes), 50);
		const ourSameCarts = percentile(sorted(storeTimes.slice(0, BUILTIN)), 50);
		const builtinMedian = percentile(sorted(builtinTimes), 50);
		console.log(
			`\nBuilt-in / ours (median, the same ${builtinTimes.length} carts): ${ms(builtinMedian)} / ${ms(ourSameCarts)} = ×${(builtinMedian / ourSameCarts).toFixed(0)}` +
				`   (over all ${storeTimes.length} carts ours: ${ms(ourMedian)}; transport share of the median: ${ms(ourMedian - percentile(sorted(rawTimes), 50))})`,
		);
		console.log(`Recommendations: ${fills.filter((f) => f.length === 4).length}/${fills.length} carts got 4 bought-together products; welcome back greeted ${greeted}/${welcomeTimes.length} with 4 products`);

		// Agreement on the bought-together part (ours also excludes the customer's earlier purchases and sums pair counts
		// over the cart's lines; the built-in query counts orders holding any of them — equal for one-line carts of new customers).
		let identical = 0;
		let overlap = 0;
		let cleanSame = 0;
		let clean = 0;
		for (const [cartId, theirs] of builtinAnswers) {
			const ours = answers.get(cartId) ?? [];
			const common = ours.filter((p) => theirs.includes(p)).length;
			overlap += common;
			if (common === theirs.length && ours.length === theirs.length) identical++;
			const row = askRows.find((r) => r.cart_id === cartId);
			if (row && row.lines === 1 && !row.known) {
				clean++;
				if (ours.join() === theirs.join()) cleanSame++;
			}
		}
		console.log(
			`Agreement with the built-in top 4 (${builtinAnswers.size} carts): same products for ${identical}, mean overlap ${(overlap / Math.max(1, builtinAnswers.size)).toFixed(2)}/4; ` +
				`one-line carts of new customers: same list in the same order for ${cleanSame}/${clean}`,
		);

		// EXPLAIN (ANALYZE, BUFFERS) of one typical call: the cart whose store time was nearest the median.
		const typical = carts[storeTimes.map((t, i) => [Math.abs(t - ourMedian), i]).sort((a, b) => a[0] - b[0])[0][1]];
		const summary = async (sql: string) => {
			const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, [typical]);
			const lines = plan.map((r) => r['QUERY PLAN']);
			const top = [lines[0].replace(/\s+\(cost=[^)]*\)/, ''), ...(lines[1]?.trim().startsWith('Buffers') ? [lines[1]] : [])];
			return [...top, ...lines.filter((l) => /^(Planning|Execution) Time/.test(l))].map((l) => `    ${l.trim()}`).join('\n');
		};
		console.log(`\nEXPLAIN (ANALYZE, BUFFERS), typical cart ${typical}:`);
		console.log(`  ours: select public.cart_recovery_recommend_products($1, 4)\n${await summary('select public.cart_recovery_recommend_products($1, 4)')}`);
		console.log(`  built-in: the Postgres node's query\n${await summary(BUILTIN_SQL)}`);
		if (PLAN) {
			// The statements inside the function, via auto_explain (superuser session; LOG messages to this client).
			const notices: string[] = [];
			client.on('notice', (n) => notices.push(n.message ?? ''));
			await client.query(`load 'auto_explain'`);
			await client.query(`set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_buffers = on; set auto_explain.log_nested_statements = on; set auto_explain.log_timing = on; set client_min_messages = log`);
			await client.query('select public.cart_recovery_recommend_products($1, 4)', [typical]);
			await client.query(`set client_min_messages = notice; set auto_explain.log_min_duration = -1`);
			console.log(`\nInner plans (auto_explain) for ${typical}:\n${notices.join('\n\n')}`);
		}
	} finally {
		await client.end();
	}

	console.log(`\nMachine load at end (1/5/15 min): ${load()} on 2 cores; wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
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

// Benchmark (not a test): what the product catalogue (migration 17) costs the cart intake when many cart and order
// events arrive at once and share products — a sale's best seller is in most carts, and each event's catalogue
// upsert locks that product's row until its transaction ends (ON CONFLICT … DO UPDATE … WHERE locks the row even
// when nothing changes), so concurrent events naming it take turns there.
//
//   bash bench/run.sh bench/catalogue-contention.bench.ts [--events=4000] [--writers=8]
//
// On a fresh database, through the store (store.recordCartEvent, as the Abandoned Cart Trigger calls it), --writers
// concurrent callers record --events events per case, each a new cart:
//   - carts that all hold the same best seller (its data as already known) and one of 200 other products,
//   - carts of two products drawn from 2,000 (little sharing),
//   - the orders of the first case's carts (each order counts its products and their pair: the best seller's pairs
//     are shared by every order),
// and each case again with the catalogue trigger switched off (ALTER TABLE … DISABLE TRIGGER carts_catalogue) — the
// intake as it was before the catalogue, side by side in the same run. Prints events/s and per-event latency.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

import { CartRecoveryStore, PostgresTransport, type CartEvent, type CartItem } from '../lib/store';
import { freshDatabase } from '../test/helpers/postgres';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 4_000);
const WRITERS = arg('writers', 8);

const percentile = (asc: number[], p: number) => asc[Math.min(asc.length - 1, Math.floor((p / 100) * asc.length))];
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** A seeded generator, so both sides of a case see the same carts. */
function seeded(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

const product = (n: number): CartItem => ({
	product_id: `P${n}`,
	name: n === 0 ? 'Kávédaráló (akciós)' : `Termék ${n}`,
	quantity: 1,
	price: 1990 + (n % 50) * 1000,
	image_url: `https://shop.example/p/${n}.jpg`,
	url: `https://shop.example/termek/${n}`,
	category: `Kategória ${n % 20}`,
});

interface Case {
	name: string;
	events: (run: string) => CartEvent[];
}

function cartsWithBestSeller(run: string): CartEvent[] {
	const random = seeded(1);
	return Array.from({ length: EVENTS }, (_, i) => ({
		source: 'generic',
		event_id: `${run}-hot-${i}`,
		type: 'cart' as const,
		cart_id: `${run}-hot-${i}`,
		customer_id: `c-${i % 3000}`,
		email: `c${i % 3000}@example.hu`,
		currency: 'HUF',
		items: [product(0), product(1 + Math.floor(random() * 200))],
	}));
}

function cartsSpread(run: string): CartEvent[] {
	const random = seeded(2);
	return Array.from({ length: EVENTS }, (_, i) => {
		const a = 1 + Math.floor(random() * 2000);
		const b = 1 + ((a + 1 + Math.floor(random() * 1998)) % 2000);
		return { source: 'generic', event_id: `${run}-spread-${i}`, type: 'cart' as const, cart_id: `${run}-spread-${i}`, customer_id: `c-${i % 3000}`, email: `c${i % 3000}@example.hu`, currency: 'HUF', items: [product(a), product(b)] };
	});
}

const ordersOf = (carts: CartEvent[]): CartEvent[] =>
	carts.map((c) => ({ source: 'generic', event_id: `${c.cart_id}-order`, type: 'order' as const, cart_id: c.cart_id, order_id: `O-${c.cart_id}`, order_value: 10_000 }));

async function main() {
	const db = await freshDatabase('bench_catalogue');
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: WRITERS + 2 }));
	await store.ready();
	// Every product known once (the catalogue as a running shop has it), so the cases time the upsert of known products.
	await store.recordCartEvent({ source: 'generic', event_id: 'warm', type: 'cart', cart_id: 'warm', currency: 'HUF', items: Array.from({ length: 2001 }, (_, n) => product(n)) });
	await db.pool.query('vacuum analyze cart_recovery.products');

	const record = async (events: CartEvent[]) => {
		const latencies: number[] = [];
		let next = 0;
		const started = performance.now();
		await Promise.all(
			Array.from({ length: WRITERS }, async () => {
				while (next < events.length) {
					const event = events[next++];
					const t = performance.now();
					await store.recordCartEvent(event, { cooldownSeconds: 0 });
					latencies.push(performance.now() - t);
				}
			}),
		);
		const seconds = (performance.now() - started) / 1000;
		const asc = latencies.sort((a, b) => a - b);
		return { perSecond: events.length / seconds, p50: percentile(asc, 50), p95: percentile(asc, 95), p99: percentile(asc, 99) };
	};
	const catalogue = (on: boolean) => db.pool.query(`alter table cart_recovery.carts ${on ? 'enable' : 'disable'} trigger carts_catalogue`);

	console.log(`Catalogue contention: ${EVENTS} events per case, ${WRITERS} concurrent writers, Postgres ${(await db.pool.query('show server_version')).rows[0].server_version}, load ${loadavg()[0].toFixed(2)}`);
	const rows: string[] = [];
	const line = (label: string, on: Awaited<ReturnType<typeof record>>, off: Awaited<ReturnType<typeof record>>) => {
		const text = `| ${label} | ${on.perSecond.toFixed(0)}/s (p50 ${ms(on.p50)}, p95 ${ms(on.p95)}, p99 ${ms(on.p99)}) | ${off.perSecond.toFixed(0)}/s (p50 ${ms(off.p50)}, p95 ${ms(off.p95)}) | ×${(off.perSecond / on.perSecond).toFixed(2)} |`;
		rows.push(text);
		console.log(text);
	};
	const cases: Case[] = [
		{ name: 'cart events, the same best seller in every cart', events: cartsWithBestSeller },
		{ name: 'cart events, two of 2,000 products each', events: cartsSpread },
	];
	for (const c of cases) {
		const on = await record(c.events('on'));
		await catalogue(false);
		const off = await record(c.events('off'));
		await catalogue(true);
		line(c.name, on, off);
	}
	// The orders of the best-seller carts: every order counts the best seller and its pair with the other product.
	const ordersOn = await record(ordersOf(cartsWithBestSeller('on')));
	await catalogue(false);
	const ordersOff = await record(ordersOf(cartsWithBestSeller('off')));
	await catalogue(true);
	line('orders of those carts (every order updates the best seller and its pairs)', ordersOn, ordersOff);

	const { rows: counts } = await db.pool.query(`select (select orders from cart_recovery.products where product_key = 'P0') as best_seller_orders, (select count(*)::int from cart_recovery.product_pairs) as pairs`).catch(() => ({ rows: [{}] }));
	console.log(`\nCatalogue after the run: ${JSON.stringify(counts[0])}`);
	console.log('\n| Case | Catalogue on | Catalogue off | off ÷ on |\n|---|---|---|---|\n' + rows.join('\n'));
	await store.close();
	await db.drop();
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});

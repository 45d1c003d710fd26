// Benchmark (not a test): what the store costs per message on the Postgres server, side by side in one run:
//   raw     a single-row INSERT (the message, queued) and an UPDATE of it (sent): the floor any exactly-once
//           record needs, with no checks at all;
//   before  the send path up to version 12: get_cart, check_consent, claim_delivery (cap + claim), complete_message
//           — four round trips;
//   after   the send path from version 13: claim_checked (cart, consent, cap and claim in one atomic call), then
//           complete_message — two round trips.
// Every side runs the same number of messages with the same concurrency (several n8n workers sending at once),
// each message to its own cart (and customer) with consent granted and the frequency cap on (3 per 24 h), in
// alternating rounds so no side gets the warmer cache. Prints messages/s, p50/p99 latency and the ratios.
//
//   bash bench/run.sh bench/store-claim.bench.ts [--messages=2000] [--concurrency=8] [--rounds=2]
import { execSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import { CartRecoveryStore, PostgresTransport, type CartEvent } from '../lib/store';
import { freshDatabase } from '../test/helpers/postgres';
import { percentile } from './builtin-workflow';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MESSAGES = arg('messages', 2000);
const CONCURRENCY = arg('concurrency', 8);
const ROUNDS = arg('rounds', 2);
const CAP = { capMax: 3, capWindowSeconds: 86_400 };

type SideName = 'raw' | 'before' | 'after';
interface Side {
	name: SideName;
	label: string;
	roundTrips: number;
	latencies: number[];
	wallMs: number;
	messages: number;
}

async function main() {
	const db = await freshDatabase('bench_store_claim');
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: CONCURRENCY }));
	const { Pool } = await import('pg');
	const raw = new Pool({ connectionString: db.url, max: CONCURRENCY });
	try {
		await store.ready();
		await raw.query(`create table public.bench_messages (
			message_id uuid primary key default gen_random_uuid(), cart_id text not null, stage integer not null, channel text not null,
			status text not null default 'queued', provider_id text, claimed_at timestamptz not null default now(), sent_at timestamptz,
			unique (cart_id, stage, channel))`);

		// Carts with email consent, made before the clock runs: one per message, per side and round.
		const cartsFor = async (side: SideName, round: number) => {
			const ids: string[] = [];
			const batch = 200;
			for (let i = 0; i < MESSAGES; i += batch) {
				await Promise.all(
					Array.from({ length: Math.min(batch, MESSAGES - i) }, async (_, k) => {
						const id = `${side}-r${round}-${i + k}`;
						const email = `${id}@example.hu`;
						const event: CartEvent = { source: 'generic', event_id: `e-${id}`, type: 'cart', cart_id: id, customer_id: id, email, currency: 'HUF', value: 12990, items: [{ name: 'Bögre', quantity: 1, price: 12990 }] } as CartEvent;
						await store.recordCartEvent(event, { cooldownSeconds: 0 });
						await store.recordConsent({ channel: 'email', address: email, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt', customerId: id });
						ids.push(id);
					}),
				);
			}
			return ids;
		};

		const one: Record<SideName, (cartId: string) => Promise<void>> = {
			async raw(cartId) {
				const { rows } = await raw.query<{ message_id: string }>("insert into public.bench_messages (cart_id, stage, channel) values ($1, 1, 'email') returning message_id", [cartId]);
				await raw.query("update public.bench_messages set status = 'sent', provider_id = $2, sent_at = now() where message_id = $1", [rows[0].message_id, `p-${cartId}`]);
			},
			async before(cartId) {
				const cart = await store.getCart(cartId);
				if (!cart) throw new Error(`no cart ${cartId}`);
				const [consent] = await store.checkConsent({ customerId: cart.customer_id, email: cart.email }, ['email']);
				if (!consent.allowed) throw new Error(`no consent for ${cartId}`);
				const claim = await store.claimDelivery({ cartId, stage: 1, channel: 'email', campaign: 'bench', ...CAP });
				if (!claim.claimed) throw new Error(`not claimed: ${JSON.stringify(claim)}`);
				await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `p-${cartId}` });
			},
			async after(cartId) {
				const claim = await store.claimChecked({ cartId, stage: 1, channel: 'email', campaign: 'bench', ...CAP });
				if (claim.outcome !== 'claimed') throw new Error(`not claimed: ${JSON.stringify(claim)}`);
				await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `p-${cartId}` });
			},
		};

		const sides: Side[] = [
			{ name: 'raw', label: 'raw INSERT + UPDATE', roundTrips: 2, latencies: [], wallMs: 0, messages: 0 },
			{ name: 'before', label: 'store, 4 calls (≤ v12)', roundTrips: 4, latencies: [], wallMs: 0, messages: 0 },
			{ name: 'after', label: 'store, 2 calls (v13)', roundTrips: 2, latencies: [], wallMs: 0, messages: 0 },
		];

		// Warm-up (not measured): plans, pools, JIT.
		for (const side of sides) for (const id of await cartsFor(side.name, 99).then((ids) => ids.slice(0, 50))) await one[side.name](id);

		for (let round = 0; round < ROUNDS; round++) {
			const order = round % 2 === 0 ? sides : [...sides].reverse();
			for (const side of order) {
				const carts = await cartsFor(side.name, round);
				await raw.query('checkpoint').catch(() => undefined);
				console.log(`[bench] round ${round + 1}/${ROUNDS}: ${side.label}, ${carts.length} messages, concurrency ${CONCURRENCY}`);
				let next = 0;
				const started = performance.now();
				await Promise.all(
					Array.from({ length: CONCURRENCY }, async () => {
						while (next < carts.length) {
							const id = carts[next++];
							const t0 = performance.now();
							await one[side.name](id);
							side.latencies.push(performance.now() - t0);
						}
					}),
				);
				side.wallMs += performance.now() - started;
				side.messages += carts.length;
			}
		}

		const load = execSync('uptime').toString().trim();
		const rows = sides.map((s) => {
			const sorted = [...s.latencies].sort((a, b) => a - b);
			return { side: s.label, roundTrips: s.roundTrips, messages: s.messages, perSecond: s.messages / (s.wallMs / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
		});
		const [r, b, a] = rows;
		console.log('\n== Store cost per message on Postgres: raw INSERT + UPDATE vs the send path before and after claim_checked ==');
		console.log(`messages per side ${r.messages} (${ROUNDS} rounds × ${MESSAGES}), concurrency ${CONCURRENCY}, cap 3 per 24 h checked, consent checked; load: ${load}`);
		console.table(rows.map((x) => ({ side: x.side, 'round trips': x.roundTrips, 'messages/s': x.perSecond.toFixed(0), 'p50 ms': x.p50.toFixed(2), 'p99 ms': x.p99.toFixed(2) })));
		console.log(
			`ratios: before / raw ×${(b.perSecond / r.perSecond).toFixed(2)}, after / raw ×${(a.perSecond / r.perSecond).toFixed(2)} (goal ≥ 0.8), after / before ×${(a.perSecond / b.perSecond).toFixed(2)}`,
		);
		console.log(`JSON ${JSON.stringify({ messages: MESSAGES, rounds: ROUNDS, concurrency: CONCURRENCY, load, rows })}`);
	} finally {
		await raw.end().catch(() => undefined);
		await store.close().catch(() => undefined);
		await db.drop().catch(() => undefined);
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);

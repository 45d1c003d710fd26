// Benchmark (not a test): webshop cart events into a running n8n server, our Abandoned Cart Trigger versus
// the same intake built from n8n's built-in nodes (Webhook → Postgres upsert → IF), side by side in one run.
//
//   bash bench/run.sh bench/trigger-intake.bench.ts [--events=2100] [--concurrency=8] [--rounds=2]
//        [--trigger-version=1.1] [--modes=default,lazy] [--env=NAME=value,…]
//
// Modes: "default" runs n8n as it comes; "lazy" adds N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true (an isolate only when an
// expression is really evaluated). By default both, in the same run: four servers (each side in each mode), the load
// rotating between them round by round, so the two settings meet the same machine load. --env adds to every server.
//
// Where the time goes inside n8n: bench/profile-intake.ts (CPU profile of each n8n main process under load).
//
// Both servers run at once (started by the test server harness, our package installed as a community
// package); the load alternates between them in rounds so they never compete for the 2 cores at the same
// moment. Mix: 1 new cart per 20 updates of earlier carts, each cart its own customer. Both sides answer only
// after the event is stored (ours: one store call before the 202; built-in: Webhook "respond when last node
// finishes"). Reported per side: events/s, p50/p99 latency, n8n peak RSS (main + task runner), executions
// started per 1,000 events; then the ratios.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { signWebshopRequest } from '../lib/intake';
import { startN8n, type N8nServer } from '../test/harness/server';
import type { TestDatabase } from '../test/helpers/postgres';
import { WEBHOOK_SECRET } from '../test/trigger/support';
import { triggerWorkflow } from '../test/trigger/workflows';
import { BUILTIN_ID, benchDatabase, BUILTIN_PATH, builtinWorkflow, percentile } from './builtin-workflow';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 2100);
const CONCURRENCY = arg('concurrency', 8);
const ROUNDS = arg('rounds', 2);
/** Extra n8n environment for both servers, e.g. --env=N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true (comma-separated). */
const N8N_ENV: Record<string, string> = Object.fromEntries(
	(process.argv.find((a) => a.startsWith('--env='))?.slice('--env='.length) ?? '')
		.split(',')
		.filter(Boolean)
		.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

const ours = triggerWorkflow('generic', 501);
// what a trigger added today gets (defaultVersion); version 1 costs n8n an expression evaluation per request
const TRIGGER_VERSION = Number(process.argv.find((a) => a.startsWith('--trigger-version='))?.split('=')[1] ?? 1.1);
for (const node of ours.json.nodes) if (node.type.endsWith('.abandonedCartTrigger')) node.typeVersion = TRIGGER_VERSION;
const LAZY_ENV = { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' };
const MODES = (process.argv.find((a) => a.startsWith('--modes='))?.slice('--modes='.length) ?? 'default,lazy')
	.split(',')
	.map((m) => m.trim())
	.filter(Boolean);
for (const mode of MODES) if (mode !== 'default' && mode !== 'lazy') throw new Error(`--modes: "${mode}" is neither default nor lazy`);

interface Side {
	name: string;
	kind: 'ours' | 'built-in';
	mode: 'default' | 'lazy';
	prefix: string;
	server: N8nServer;
	path: string;
	workflowId: string;
	sign: boolean;
	latencies: number[];
	wallMs: number;
	events: number;
	errors: number;
	peakRssMb: number;
	idleRssMb: number;
}

/** RSS of an n8n instance: every process whose environment names its user folder, plus their children. */
function rssMb(userFolder: string): number {
	const needle = `N8N_USER_FOLDER=${userFolder}\0`;
	const roots: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) roots.push(Number(entry));
		} catch {
			/* gone or not ours */
		}
	}
	const seen = new Set<number>();
	const walk = (pid: number) => {
		if (seen.has(pid)) return;
		seen.add(pid);
		try {
			for (const tid of readdirSync(`/proc/${pid}/task`)) {
				const file = `/proc/${pid}/task/${tid}/children`;
				if (!existsSync(file)) continue;
				for (const child of readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean)) walk(Number(child));
			}
		} catch {
			/* gone */
		}
	};
	roots.forEach(walk);
	let kb = 0;
	for (const pid of seen) {
		try {
			const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (m) kb += Number(m[1]);
		} catch {
			/* gone */
		}
	}
	return kb / 1024;
}

function makeEvents(prefix: string, count: number, round: number) {
	const created: string[] = [];
	const createdAt: number[] = [];
	const events: Array<Record<string, unknown>> = [];
	for (let k = 0; k < count; k++) {
		let cartId: string;
		// 1 new cart per 20 updates; an update hits a cart created at least 3×concurrency events earlier
		// (at the very start only the newest cart exists: an update may then race its creation, which changes
		// no count: whichever arrives first creates the cart)
		const older = created.filter((_, idx) => createdAt[idx] < k - 3 * CONCURRENCY);
		const eligible = older.length ? older : created.slice(-1);
		if (k % 21 === 0) {
			cartId = `${prefix}-r${round}-c${created.length}`;
			created.push(cartId);
			createdAt.push(k);
		} else {
			cartId = eligible[(k * 7919) % eligible.length];
		}
		const quantity = 1 + (k % 4);
		events.push({
			event_id: `${prefix}-r${round}-e${k}`,
			type: 'cart',
			cart_id: cartId,
			customer_id: cartId,
			email: `${cartId}@example.hu`,
			currency: 'HUF',
			value: 6495 * quantity,
			items: [{ sku: 'BOGRE-KEK', name: 'Kézműves kerámia bögre', quantity, price: 6495 }],
		});
	}
	return { events, newCarts: created.length };
}

async function runLoad(side: Side, round: number) {
	const { events } = makeEvents(side.prefix, EVENTS, round);
	const bodies = events.map((e) => JSON.stringify(e));
	let next = 0;
	let peak = 0;
	const sampler = setInterval(() => (peak = Math.max(peak, rssMb(side.server.userFolder))), 200);
	const started = performance.now();
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async () => {
			while (next < bodies.length) {
				const raw = bodies[next++];
				// Signed as it is sent, as a shop does: a request signed long before (a slow round on a loaded host) is a replay.
				const headers: Record<string, string> = { 'content-type': 'application/json' };
				if (side.sign) headers['x-signature'] = signWebshopRequest({ secret: WEBHOOK_SECRET, path: `/webhook/${side.path}`, body: raw });
				const t0 = performance.now();
				const res = await side.server.request(`/webhook/${side.path}`, { method: 'POST', headers, body: raw });
				await res.arrayBuffer();
				side.latencies.push(performance.now() - t0);
				if (res.status < 200 || res.status >= 300) {
					if (side.errors++ < 3) console.log(`[bench] ${side.name} answered ${res.status}`);
				}
			}
		}),
	);
	side.wallMs += performance.now() - started;
	side.events += bodies.length;
	clearInterval(sampler);
	side.peakRssMb = Math.max(side.peakRssMb, peak, rssMb(side.server.userFolder));
}

async function countExecutions(server: N8nServer, workflowId: string): Promise<number> {
	let total = 0;
	let cursor: string | undefined;
	do {
		const page = await server.api<{ data: unknown[]; nextCursor?: string | null }>('GET', `/executions?workflowId=${workflowId}&limit=250${cursor ? `&cursor=${cursor}` : ''}`);
		total += page.data.length;
		cursor = page.nextCursor ?? undefined;
	} while (cursor);
	return total;
}

async function settle(server: N8nServer, workflowId: string): Promise<number> {
	let last = -1;
	for (;;) {
		await new Promise((r) => setTimeout(r, 1500));
		const now = await countExecutions(server, workflowId);
		if (now === last) return now;
		last = now;
	}
}


async function main() {
	let db: TestDatabase | undefined;
	const servers: N8nServer[] = [];
	try {
		const setup = await benchDatabase('bench_intake');
		db = setup.db;
		const credentials = setup.credentials;
		console.log(`[bench] starting ${MODES.length * 2} n8n servers (ours, built-in${MODES.includes('lazy') ? '; each also with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true' : ''})…`);
		const plan = MODES.flatMap((mode) => [
			{ kind: 'ours' as const, mode: mode as Side['mode'] },
			{ kind: 'built-in' as const, mode: mode as Side['mode'] },
		]);
		// One after the other: four n8n CLIs importing at once on a loaded host were seen to stall.
		const started: N8nServer[] = [];
		for (const { kind, mode } of plan) {
			const server = await startN8n({
				label: `bench-${kind === 'ours' ? 'ours' : 'builtin'}-${mode}`,
				credentials,
				workflows: [kind === 'ours' ? ours.json : builtinWorkflow],
				env: { ...N8N_ENV, ...(mode === 'lazy' ? LAZY_ENV : {}) },
			});
			started.push(server);
			servers.push(server);
		}
		const sides: Side[] = plan.map(({ kind, mode }, i) => ({
			name: `${kind}${mode === 'lazy' ? ' (lazy)' : ''}`,
			kind,
			mode,
			prefix: `${kind === 'ours' ? 'o' : 'b'}${mode === 'lazy' ? 'l' : ''}`,
			server: started[i],
			path: kind === 'ours' ? ours.path : BUILTIN_PATH,
			workflowId: kind === 'ours' ? ours.id : BUILTIN_ID,
			sign: kind === 'ours',
			latencies: [],
			wallMs: 0,
			events: 0,
			errors: 0,
			peakRssMb: 0,
			idleRssMb: 0,
		}));
		for (const side of sides) side.idleRssMb = rssMb(side.server.userFolder);
		// warm-up (not measured): JIT, pools, first execution
		for (const side of sides) {
			const warm: Side = { ...side, latencies: [], wallMs: 0, events: 0, errors: 0 };
			const raw = JSON.stringify({ event_id: `warm-${side.prefix}`, cart_id: `warm-${side.prefix}`, customer_id: `warm-${side.prefix}`, currency: 'HUF', value: 1, items: [{ name: 'x', quantity: 1, price: 1 }] });
			const headers: Record<string, string> = { 'content-type': 'application/json' };
			if (side.sign) headers['x-signature'] = signWebshopRequest({ secret: WEBHOOK_SECRET, path: `/webhook/${side.path}`, body: raw });
			const res = await warm.server.request(`/webhook/${side.path}`, { method: 'POST', headers, body: raw });
			if (res.status < 200 || res.status >= 300) {
				const text = await res.text();
				const failed = (await side.server.executions(side.workflowId)).map((e) => JSON.stringify(e.data?.resultData?.error ?? e.status).slice(0, 1500));
				throw new Error(`${side.name} warm-up answered ${res.status}: ${text}\n${failed.join('\n')}`);
			}
		}
		const warmExecutions = await Promise.all(sides.map((s) => settle(s.server, s.workflowId)));
		for (let round = 0; round < ROUNDS; round++) {
			// Each round starts one side later and alternates direction, so no side always runs first or after the same one.
			const rotated = sides.map((_, i) => sides[(i + round) % sides.length]);
			for (const side of round % 2 === 0 ? rotated : rotated.reverse()) {
				console.log(`[bench] round ${round + 1}/${ROUNDS}: ${side.name}, ${EVENTS} events, concurrency ${CONCURRENCY}`);
				await runLoad(side, round);
				await settle(side.server, side.workflowId); // let its executions finish before the other side runs
			}
		}
		const executions = await Promise.all(sides.map((s, i) => settle(s.server, s.workflowId).then((n) => n - warmExecutions[i])));

		const rows = sides.map((s, i) => {
			const sorted = [...s.latencies].sort((a, b) => a - b);
			return {
				side: s.name,
				kind: s.kind,
				mode: s.mode,
				events: s.events,
				errors: s.errors,
				eventsPerSecond: s.events / (s.wallMs / 1000),
				p50: percentile(sorted, 50),
				p99: percentile(sorted, 99),
				idleRssMb: s.idleRssMb,
				peakRssMb: s.peakRssMb,
				executionsPer1000: (executions[i] / s.events) * 1000,
			};
		});
		console.log('\n== Cart events into n8n: Abandoned Cart Trigger vs Webhook → Postgres upsert → IF ==');
		console.log(`events per side ${EVENTS * ROUNDS} (${ROUNDS} rounds × ${EVENTS}), concurrency ${CONCURRENCY}, mix 1 new cart : 20 updates, n8n 2.41.1, trigger v${TRIGGER_VERSION}, ${process.arch}, 2 shared cores, modes ${MODES.join(' + ')}${Object.keys(N8N_ENV).length ? `, n8n env ${JSON.stringify(N8N_ENV)}` : ''}`);
		console.table(
			rows.map((r) => ({
				side: r.side,
				'events/s': r.eventsPerSecond.toFixed(1),
				'p50 ms': r.p50.toFixed(1),
				'p99 ms': r.p99.toFixed(1),
				'n8n idle RSS MB': r.idleRssMb.toFixed(0),
				'n8n peak RSS MB': r.peakRssMb.toFixed(0),
				'executions / 1000 events': r.executionsPer1000.toFixed(1),
				'non-2xx answers': r.errors,
			})),
		);
		const row = (kind: string, mode: string) => rows.find((r) => r.kind === kind && r.mode === mode);
		const ratio = (a: (typeof rows)[number], b: (typeof rows)[number]) =>
			`events/s ×${(a.eventsPerSecond / b.eventsPerSecond).toFixed(2)}, p50 ×${(a.p50 / b.p50).toFixed(2)}, p99 ×${(a.p99 / b.p99).toFixed(2)}, peak RSS ×${(a.peakRssMb / b.peakRssMb).toFixed(2)}, executions ×${(a.executionsPer1000 / b.executionsPer1000).toFixed(3)}`;
		for (const mode of MODES) {
			const [o, b] = [row('ours', mode), row('built-in', mode)];
			if (o && b) console.log(`ratios ${mode === 'lazy' ? 'with lazy acquire' : 'as n8n comes'} (ours / built-in): ${ratio(o, b)}`);
		}
		if (MODES.length === 2) {
			for (const kind of ['ours', 'built-in']) {
				const [lazy, plain] = [row(kind, 'lazy'), row(kind, 'default')];
				if (lazy && plain) console.log(`ratios for ${kind} (lazy acquire / as n8n comes): ${ratio(lazy, plain)}`);
			}
			const [ol, bd] = [row('ours', 'lazy'), row('built-in', 'default')];
			if (ol && bd) console.log(`ratios ours with lazy acquire / built-in as n8n comes: ${ratio(ol, bd)}`);
		}
		console.log(`JSON ${JSON.stringify({ events: EVENTS, rounds: ROUNDS, concurrency: CONCURRENCY, triggerVersion: TRIGGER_VERSION, modes: MODES, env: N8N_ENV, rows })}`);
	} finally {
		await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
		const { closeAllStores } = await import('../lib/store');
		await closeAllStores();
		await db?.drop().catch(() => undefined);
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);

// Profiling aid (not a test, not the benchmark): starts the two n8n servers of trigger-intake.bench.ts with the
// inspector on, sends N events sequentially (concurrency C) to each side and records a V8 CPU profile of each
// n8n main process during its load only. Prints per-request latency and the profile's top self/total times.
//
//   bash bench/run.sh bench/profile-intake.ts [--events=300] [--concurrency=1] [--out=.test-tmp/profiles]
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

import { signWebshopRequest } from '../lib/intake';
import { startN8n, type N8nServer } from '../test/harness/server';
import type { TestDatabase } from '../test/helpers/postgres';
import { WEBHOOK_SECRET } from '../test/trigger/support';
import { triggerWorkflow } from '../test/trigger/workflows';
import { benchDatabase, BUILTIN_PATH, builtinWorkflow, percentile } from './builtin-workflow';

const argv = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const EVENTS = Number(argv('events', '300'));
const CONCURRENCY = Number(argv('concurrency', '1'));
const OUT = path.resolve(argv('out', '.test-tmp/profiles'));
const PROFILE = argv('profile', '1') !== '0';
const ONLY = argv('only', 'both');
/** Extra n8n environment for experiments, e.g. --env=N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true (comma-separated). */
// (Not argv(): a value such as N8N_X=true holds an "=" itself.)
const EXTRA_ENV = Object.fromEntries(
	(process.argv.find((a) => a.startsWith('--env='))?.slice('--env='.length) ?? '')
		.split(',')
		.filter(Boolean)
		.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);

const ours = triggerWorkflow('generic', 501);
// what a trigger added today gets (defaultVersion); version 1 costs n8n an expression evaluation per request
const TRIGGER_VERSION = Number(process.argv.find((a) => a.startsWith('--trigger-version='))?.split('=')[1] ?? 1.1);
for (const node of ours.json.nodes) if (node.type.endsWith('.abandonedCartTrigger')) node.typeVersion = TRIGGER_VERSION;

/** Minimal Chrome DevTools Protocol client over Node's global WebSocket. */
async function cdp(wsUrl: string) {
	const ws = new WebSocket(wsUrl);
	await new Promise((resolve, reject) => {
		ws.onopen = resolve;
		ws.onerror = reject;
	});
	let id = 0;
	const pending = new Map<number, (v: any) => void>();
	ws.onmessage = (m) => {
		const msg = JSON.parse(String(m.data));
		if (msg.id && pending.has(msg.id)) {
			pending.get(msg.id)!(msg);
			pending.delete(msg.id);
		}
	};
	const send = (method: string, params: object = {}) =>
		new Promise<any>((resolve) => {
			const n = ++id;
			pending.set(n, resolve);
			ws.send(JSON.stringify({ id: n, method, params }));
		});
	return { send, close: () => ws.close() };
}

function inspectorUrl(server: N8nServer): string {
	// the first "Debugger listening on ws://…" in the log is the main process
	const m = /Debugger listening on (ws:\/\/\S+)/.exec(server.logs());
	if (!m) throw new Error('no inspector URL in the n8n log');
	return m[1];
}

interface Node {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount: number;
	children?: number[];
}

function summarise(profile: { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }, label: string) {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map<number, number>();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const self = new Map<number, number>();
	profile.samples.forEach((s, i) => self.set(s, (self.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0)));
	const total = (profile.endTime - profile.startTime) / 1000;
	const key = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '')}:${n.callFrame.lineNumber + 1}`;
	const selfBy = new Map<string, number>();
	const totalBy = new Map<string, number>();
	for (const [id, us] of self) {
		const n = byId.get(id)!;
		selfBy.set(key(n), (selfBy.get(key(n)) ?? 0) + us);
		// inclusive: add to every distinct frame on the stack
		const seen = new Set<string>();
		for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
			const k = key(byId.get(cur)!);
			if (seen.has(k)) continue;
			seen.add(k);
			totalBy.set(k, (totalBy.get(k) ?? 0) + us);
		}
	}
	const idle = selfBy.get('(idle) :0') ?? 0;
	console.log(`\n-- ${label}: profile ${total.toFixed(0)} ms wall, busy ${((total * 1000 - idle) / 1000).toFixed(0)} ms`);
	const top = (m: Map<string, number>, n: number) =>
		[...m.entries()]
			.sort((a, b) => b[1] - a[1])
			.slice(0, n)
			.map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
			.join('\n');
	console.log(`self:\n${top(selfBy, 30)}`);
	console.log(`total (inclusive):\n${top(totalBy, 60)}`);
}

async function load(server: N8nServer, urlPath: string, sign: boolean, prefix: string): Promise<number[]> {
	const latencies: number[] = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async () => {
			while (next < EVENTS) {
				const k = next++;
				const cartId = `${prefix}-c${Math.floor(k / 21)}`;
				const raw = JSON.stringify({ event_id: `${prefix}-e${k}`, type: 'cart', cart_id: cartId, customer_id: cartId, email: `${cartId}@example.hu`, currency: 'HUF', value: 6495, items: [{ sku: 'B', name: 'Bögre', quantity: 1, price: 6495 }] });
				const headers: Record<string, string> = { 'content-type': 'application/json' };
				if (sign) headers['x-signature'] = signWebshopRequest({ secret: WEBHOOK_SECRET, path: `/webhook/${urlPath}`, body: raw });
				const t0 = performance.now();
				const res = await server.request(`/webhook/${urlPath}`, { method: 'POST', headers, body: raw });
				await res.arrayBuffer();
				latencies.push(performance.now() - t0);
				if (res.status >= 300) console.log(`[profile] ${prefix} ${res.status}`);
			}
		}),
	);
	return latencies.sort((a, b) => a - b);
}


async function main() {
	let db: TestDatabase | undefined;
	const servers: N8nServer[] = [];
	mkdirSync(OUT, { recursive: true });
	try {
		const setup = await benchDatabase('bench_profile');
		db = setup.db;
		const credentials = setup.credentials;
		const env = { ...EXTRA_ENV, ...(PROFILE ? { NODE_OPTIONS: '--inspect=127.0.0.1:0' } : {}) };
		const sides = [
			{ name: 'ours', workflow: ours.json, path: ours.path, sign: true },
			{ name: 'built-in', workflow: builtinWorkflow, path: BUILTIN_PATH, sign: false },
		].filter((s) => ONLY === 'both' || s.name === ONLY);
		for (const side of sides) {
			const server = await startN8n({ label: `profile-${side.name}`, credentials, workflows: [side.workflow], env });
			servers.push(server);
			// warm-up
			await load(server, side.path, side.sign, `warm-${side.name}-${Date.now()}`).catch(() => undefined);
			const client = PROFILE ? await cdp(inspectorUrl(server)) : undefined;
			if (client) {
				await client.send('Profiler.enable');
				await client.send('Profiler.setSamplingInterval', { interval: 200 });
				await client.send('Profiler.start');
			}
			const t0 = performance.now();
			const lat = await load(server, side.path, side.sign, `${side.name}-${Date.now()}`);
			const wall = performance.now() - t0;
			console.log(
				`\n== ${side.name}: ${EVENTS} events, concurrency ${CONCURRENCY}: ${((EVENTS / wall) * 1000).toFixed(1)} ev/s, p50 ${percentile(lat, 50).toFixed(1)} ms, p90 ${percentile(lat, 90).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, min ${lat[0].toFixed(1)} ms`,
			);
			if (client) {
				const { result } = await client.send('Profiler.stop');
				client.close();
				const file = path.join(OUT, `${side.name}-c${CONCURRENCY}-${Date.now()}.cpuprofile`);
				writeFileSync(file, JSON.stringify(result.profile));
				console.log(`profile: ${file}`);
				summarise(result.profile, side.name);
			}
			await server.stop();
		}
	} finally {
		await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
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

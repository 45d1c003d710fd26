// Benchmark (not a test): the SHIPPED recovery workflow in n8n queue mode (main, one webhook processor, workers;
// n8n's DB and our store on Postgres; Redis), our package installed as a community package in every process.
//
//   bash bench/run.sh bench/scale.bench.ts [--carts=200] [--waiting=10000] [--concurrency=10] [--skip=workers|waiting]
//
// 1. Scale-out, side by side in one run: the same load (--carts carts, every one consenting to email and SMS and
//    never buying: three messages each) on 1 worker, then on 2 workers. The test's copy shortens the Waits to 1 s
//    (in the workers' memory) so the run measures sending, not waiting. Reported: carts/s and messages/s from the
//    first cart posted to the last execution ended, and the ratio 2 workers / 1 worker.
// 2. Executions waiting: --waiting carts enrolled into the shipped workflow AS SHIPPED (first Wait 30 min: n8n keeps
//    a Wait of 65 s or more in its database, not in memory); n8n's RSS per process (with its task runner) and the
//    size of n8n's database at 0, a quarter, half and all of them waiting.
// Every figure is printed with the machine's load (uptime): the 2 cores are shared with other sessions.
import { execFileSync } from 'node:child_process';
import pg from 'pg';

import { closeAllStores, CartRecoveryStore, PostgresTransport } from '../lib/store';
import { startMetaFake } from '../test/fakes/meta';
import { startOpenAiFake } from '../test/fakes/openai';
import { startSendGridFake } from '../test/fakes/sendgrid';
import { startTwilioFake } from '../test/fakes/twilio';
import { processTreeRssMb as rssMb, startN8n } from '../test/harness/server';
import { freshDatabase } from '../test/helpers/postgres';
import { cartEvent, credentialsFor, executionCounts, makeCarts, pool, postEvent, recovery, scaleWorkflow, seedConsent, type ScaleCart } from '../test/scale/scenario';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const CARTS = arg('carts', 200);
const WAITING = arg('waiting', 10_000);
const CONCURRENCY = arg('concurrency', 10);
const SKIP = process.argv.find((a) => a.startsWith('--skip='))?.split('=')[1] ?? '';
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average/, 'load average');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setUp(label: string, workers: number, carts: ScaleCart[]) {
	const db = await freshDatabase(label);
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	const [sendgrid, twilio, meta, openai] = await Promise.all([startSendGridFake(), startTwilioFake(), startMetaFake(), startOpenAiFake()]);
	await seedConsent(store, carts);
	const n8n = await startN8n({
		label,
		credentials: credentialsFor(db, { sendgrid, twilio, meta, openai }),
		queue: { workers, webhookProcessors: 1, concurrency: CONCURRENCY },
		readyTimeoutMs: 300_000,
		env: { N8N_LOG_LEVEL: 'warn' },
	});
	const n8nDb = new pg.Pool({ connectionString: n8n.database!.url, max: 2 });
	n8nDb.on('error', () => undefined);
	const close = async () => {
		await n8nDb.end().catch(() => undefined);
		await n8n.stop();
		await Promise.all([sendgrid.close(), twilio.close(), meta.close(), openai.close()]);
		await store.close();
		await closeAllStores();
		await db.drop();
	};
	return { db, n8n, n8nDb, sendgrid, twilio, close };
}

async function scaleOut(workers: number) {
	const run = `b${workers}${Date.now().toString(36).slice(-4)}`;
	const carts = makeCarts(CARTS, run).map((c) => ({ ...c, consent: ['email', 'sms'] as ScaleCart['consent'], buysEarly: false, buysMid: false, quiet: false, redelivered: false }));
	const side = await setUp(`bench-${workers}w`, workers, carts);
	try {
		await side.n8n.importWorkflow(scaleWorkflow(run, { w1: 1, w2: 1, w3: 1 }, new Date()));
		const started = Date.now();
		const t = new Date(Date.now() - 31 * 60_000).toISOString();
		await pool(carts.map((c) => () => postEvent(side.n8n, cartEvent(c, t))), 8);
		const posted = Date.now();
		for (;;) {
			const counts = await executionCounts(side.n8nDb, recovery.id);
			const ended = (counts.success ?? 0) + (counts.error ?? 0) + (counts.crashed ?? 0);
			if (ended >= CARTS) break;
			await sleep(500);
		}
		const seconds = (Date.now() - started) / 1000;
		const messages = side.sendgrid.accepted.length + side.twilio.accepted.length;
		const result = { workers, seconds, cartsPerS: CARTS / seconds, messagesPerS: messages / seconds, messages, postSeconds: (posted - started) / 1000, load: uptime(), counts: await executionCounts(side.n8nDb, recovery.id) };
		console.log(`[scale-out] ${workers} worker(s) × concurrency ${CONCURRENCY}: ${CARTS} carts, ${messages} messages in ${seconds.toFixed(1)} s → ${result.cartsPerS.toFixed(2)} carts/s, ${result.messagesPerS.toFixed(2)} messages/s (posting took ${result.postSeconds.toFixed(1)} s); executions ${JSON.stringify(result.counts)}; ${result.load}`);
		return result;
	} finally {
		await side.close();
	}
}

async function waiting() {
	const run = `w${Date.now().toString(36).slice(-5)}`;
	const carts = makeCarts(WAITING, run).map((c) => ({ ...c, consent: ['email'] as ScaleCart['consent'], buysEarly: false }));
	const side = await setUp('bench-waiting', 2, []);
	const rows: Array<Record<string, number | string>> = [];
	try {
		// The shipped workflow as it is: the first Wait is 30 minutes.
		await side.n8n.importWorkflow(structuredClone(recovery));
		const measure = async (label: number) => {
			await sleep(3000);
			const pids = side.n8n.pids();
			const { rows: size } = await side.n8nDb.query('select pg_database_size(current_database())::bigint as b');
			const counts = await executionCounts(side.n8nDb, recovery.id);
			const row = {
				waiting: counts.waiting ?? 0,
				target: label,
				mainMb: rssMb(pids.main),
				webhookMb: rssMb(pids.webhooks[0]),
				worker1Mb: rssMb(pids.workers[0]),
				worker2Mb: rssMb(pids.workers[1]),
				n8nDbMb: Math.round(Number(size[0].b) / 1024 / 1024),
				load: uptime(),
			};
			rows.push(row);
			console.log(`[waiting] ${JSON.stringify(row)}`);
		};
		await measure(0);
		const t = new Date(Date.now() - 31 * 60_000).toISOString();
		let done = 0;
		const started = Date.now();
		for (const step of [Math.round(WAITING / 4), Math.round(WAITING / 2), WAITING]) {
			await pool(carts.slice(done, step).map((c) => () => postEvent(side.n8n, cartEvent(c, t))), 8);
			done = step;
			for (;;) {
				const counts = await executionCounts(side.n8nDb, recovery.id);
				if ((counts.waiting ?? 0) >= step) break;
				await sleep(1000);
			}
			console.log(`[waiting] ${step} enrolled and waiting after ${((Date.now() - started) / 1000).toFixed(0)} s`);
			await measure(step);
		}
		return rows;
	} finally {
		await side.close();
	}
}

async function main() {
	console.log(`[bench] start: ${uptime()}; nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}`);
	if (SKIP !== 'workers') {
		const one = await scaleOut(1);
		const two = await scaleOut(2);
		console.log(`[scale-out] ratio 2 workers / 1 worker: carts/s ×${(two.cartsPerS / one.cartsPerS).toFixed(2)}, messages/s ×${(two.messagesPerS / one.messagesPerS).toFixed(2)} (goal ≥ ×1.7)`);
	}
	if (SKIP !== 'waiting') {
		const rows = await waiting();
		const first = rows[0];
		const last = rows[rows.length - 1];
		console.log('[waiting] table: waiting | main MB | webhook MB | worker 1 MB | worker 2 MB | n8n DB MB | load');
		for (const r of rows) console.log(`[waiting] ${r.waiting} | ${r.mainMb} | ${r.webhookMb} | ${r.worker1Mb} | ${r.worker2Mb} | ${r.n8nDbMb} | ${r.load}`);
		console.log(
			`[waiting] ${last.waiting} waiting vs 0: main RSS ×${(Number(last.mainMb) / Number(first.mainMb)).toFixed(2)}, workers ×${((Number(last.worker1Mb) + Number(last.worker2Mb)) / (Number(first.worker1Mb) + Number(first.worker2Mb))).toFixed(2)}, n8n DB +${Number(last.n8nDbMb) - Number(first.n8nDbMb)} MB (${(((Number(last.n8nDbMb) - Number(first.n8nDbMb)) * 1024) / Math.max(1, Number(last.waiting))).toFixed(1)} kB per waiting execution)`,
		);
	}
	console.log(`[bench] end: ${uptime()}`);
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);

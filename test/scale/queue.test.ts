// The shipped recovery sequence at scale in n8n QUEUE MODE: main, one webhook processor (`n8n webhook`, which
// takes the shop's cart events), two workers (`n8n worker`), n8n's DB and our store on the Postgres server, Redis —
// our packed tarball installed as a community package in every one of those processes. N carts (SCALE_CARTS,
// default 200 for CI; the full run is SCALE_CARTS=10000) with a realistic mix (test/scale/scenario.ts): consent or
// not per channel, buyers before the first reminder and mid-sequence, SMS in quiet hours, cart events delivered
// twice, 429/5xx bursts from SendGrid, Twilio and Meta. Waits shortened by the test's copy: 30 min → 3 s and
// 24 h → 2 s (in the workers' memory), 2 h → 70 s (persisted by n8n in its DB, resumed by main).
// During the run one worker is SIGKILLed while it sends the first reminders and started again, and main is
// restarted while the executions wait in the 2 h Wait. n8n 2.x does not re-run a job whose worker died (Bull's
// maxStalledCount is 0): those executions end in error ("failed to be processed too many times") or crashed, and
// the test retries them the way an operator would (executions list → Retry, here through the public API) — which the
// store makes safe: what was sent is skipped as already sent, what was claimed and not recorded stays claimed and is
// never re-sent. On a loaded machine main's queue recovery (every 30 s here) also marks executions crashed whose jobs
// were only queued or still running; those are retried too (or, if they ended well meanwhile, left alone) — the
// accounting shows the store keeps them exactly once as well.
// Afterwards, from the providers' fakes and the store: 0 duplicates per (cart, stage, channel), 0 lost — every
// planned message went exactly once or is in the store as failed (with the provider's reason) or stuck in
// `queued` (its sender died between claim and record); the counts are printed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';

import { closeAllStores, CartRecoveryStore, PostgresTransport } from '../../lib/store';
import { metaErrors, startMetaFake, type MetaFake } from '../fakes/meta';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai';
import { sendGridErrors, startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { startTwilioFake, twilioErrors, type TwilioFake } from '../fakes/twilio';
import { startN8n, timings, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { account, cartEvent, credentialsFor, executionCounts, makeCarts, orderEvent, plannedMessages, pool, postEvent, recovery, scaleWorkflow, seedConsent, type ScaleCart } from './scenario';

const N = Number(process.env.SCALE_CARTS ?? 200);
// n8n keeps a Wait in memory when it ends in less than 65 s from the moment the node runs: 70 s is persisted.
const WAITS = { w1: 3, w2: 70, w3: 2 };
const run = randomBytes(3).toString('hex');
const carts = makeCarts(N, run);
const WF = recovery.id;

let db: TestDatabase;
let store: CartRecoveryStore;
let sendgrid: SendGridFake;
let twilio: TwilioFake;
let meta: MetaFake;
let openai: OpenAiFake;
let n8n: N8nServer;
let n8nDb: pg.Pool;
const t0 = Date.now();
const phase: Record<string, number> = {};
const mark = (name: string) => {
	phase[name] = Math.round((Date.now() - t0) / 100) / 10;
	console.log(`[scale] +${phase[name]} s ${name}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 1000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const value = await probe();
		if (value) return value;
		await sleep(everyMs);
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; executions ${JSON.stringify(await executionCounts(n8nDb, WF))}\n${n8n.logs().split('\n').slice(-30).join('\n')}`);
}

/** What went wrong in executions that ended in error: the first error message n8n stored for each (the first few). */
async function errorDetails(limit = 5): Promise<string[]> {
	const { rows } = await n8nDb.query(
		`select e.id, substring(d.data from position('"message"' in d.data) for 300) as message from execution_entity e join execution_data d on d."executionId" = e.id
		 where e."workflowId" = $1 and e.status = 'error' order by e.id limit $2`,
		[WF, limit],
	);
	return rows.map((r) => `#${r.id} ${r.message}`);
}

/**
 * A dead worker's executions: Bull finds their jobs stalled and, n8n's maxStalledCount being 0, fails them — main
 * records each as an error "failed to be processed too many times" (or, found by its queue recovery first, as
 * crashed). Each is retried once through the public API, as an operator would from the executions list.
 */
const STALLED = /failed to be processed too many times/;
const retried = new Set<string>();
async function retryDeadWorkersExecutions(): Promise<number> {
	const { rows } = await n8nDb.query(`select id, status from execution_entity where "workflowId" = $1 and status in ('crashed', 'error') and "retrySuccessId" is null order by id`, [WF]);
	let count = 0;
	for (const { id, status } of rows) {
		if (retried.has(String(id))) continue;
		if (status === 'error') {
			// Read from n8n's database: the public API's execution data did not show this error's message.
			const { rows: data } = await n8nDb.query('select data from execution_data where "executionId" = $1', [id]);
			if (!STALLED.test(String(data[0]?.data))) continue; // a real error stays an error (and fails the test)
		}
		try {
			await n8n.api('POST', `/executions/${id}/retry`, { loadWorkflow: false });
		} catch (error) {
			// Marked crashed by main's queue recovery while its job was only queued (n8n's recovery races the queue
			// on a loaded machine): the worker then ran it to the end after all — nothing to retry.
			if ((error as { status?: number }).status === 409) continue;
			throw error;
		}
		retried.add(String(id));
		count++;
	}
	return count;
}

// Not in `npm test` yet: at 200 carts it takes 12 minutes on a 2-core machine (n8n's start-ups alone take 3), beyond
// CI's budget, and its last run lost 13 messages to executions a dead worker held (the test's retry of them is fixed
// and not yet confirmed). Run it with SCALE_CARTS set (e.g. SCALE_CARTS=200 npm test -- test/scale/queue.test.ts).
const RUN = Boolean(process.env.SCALE_CARTS);
describe(`the shipped sequence over ${N} carts in n8n queue mode (main, webhook processor, 2 workers): a worker SIGKILLed, main restarted`, { skip: !RUN && 'set SCALE_CARTS to run the scale test (see the comment above)' }, () => {
	before(async () => {
		db = await freshDatabase('scale');
		store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
		await store.ready();
		[sendgrid, twilio, meta, openai] = await Promise.all([startSendGridFake(), startTwilioFake(), startMetaFake(), startOpenAiFake()]);
		await seedConsent(store, carts);
		n8n = await startN8n({
			label: 'scale',
			credentials: credentialsFor(db, { sendgrid, twilio, meta, openai }),
			queue: { workers: 2, webhookProcessors: 1, concurrency: 10 },
			readyTimeoutMs: 300_000, // five n8n processes starting at once on 2 shared cores
			env: {
				// A dead worker's job is noticed within seconds, not a minute (n8n's defaults: lock 60 s, check every 30 s)…
				QUEUE_WORKER_LOCK_DURATION: '20000',
				QUEUE_WORKER_LOCK_RENEW_TIME: '5000',
				QUEUE_WORKER_STALLED_INTERVAL: '10000',
				// …and main's queue recovery marks its executions crashed every 30 s instead of every 3 hours (the default).
				N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: '0.5',
				N8N_LOG_LEVEL: 'warn',
			},
		});
		n8nDb = new pg.Pool({ connectionString: n8n.database!.url, max: 2 });
		n8nDb.on('error', () => undefined);
		// Imported once the server runs, so the quiet window starts now and ends after the 2 h Wait (rounded to the minute).
		const quietEnd = new Date(Math.ceil((Date.now() + (WAITS.w1 + WAITS.w2 + 45 + N / 20) * 1000) / 60_000) * 60_000);
		await n8n.importWorkflow(scaleWorkflow(run, WAITS, quietEnd));
		mark(`n8n up (main, webhook processor, 2 workers), ${N} carts' consent recorded`);
	});

	after(async () => {
		await n8nDb?.end().catch(() => undefined);
		await n8n?.stop();
		await Promise.all([sendgrid?.close(), twilio?.close(), meta?.close(), openai?.close()]);
		await store?.close();
		await closeAllStores();
		await db?.drop();
		console.log('[scale phases, s]', JSON.stringify(phase));
		console.log('[n8n harness timings, ms]', JSON.stringify(timings));
	});

	test('every cart enrols once; the sequence runs through a worker crash and a main restart; 0 duplicates, 0 lost', async () => {
		const started = Date.now();
		const expectedStage1 = carts.filter((c) => plannedMessages(c).includes('1:email')).length;
		// Bursts at the start of the first reminders: SendGrid rate-limits, then fails, for a while.
		sendgrid.script(...Array.from({ length: 12 }, () => sendGridErrors.tooManyRequests(1)), ...Array.from({ length: 6 }, () => sendGridErrors.serverError(503)));

		// The mid-sequence buyers buy as soon as their first reminder is out (the 2 h Wait then finds the cart bought).
		const mid = carts.filter((c) => c.buysMid);
		const ordered = new Set<string>();
		let stopWatching = false;
		const midBuyers = (async () => {
			while (!stopWatching && ordered.size < mid.length) {
				const { rows } = await db.pool.query(`select cart_id from cart_recovery.messages where stage = 1 and cart_id = any($1)`, [mid.filter((c) => !ordered.has(c.cartId)).map((c) => c.cartId)]);
				for (const { cart_id } of rows) {
					const res = await postEvent(n8n, orderEvent(mid.find((c) => c.cartId === cart_id)!));
					assert.equal(res.status, 202, JSON.stringify(res));
					ordered.add(cart_id);
				}
				await sleep(1000);
			}
		})();

		// The shop posts every cart (some twice); the early buyers' orders follow at once.
		const t = new Date(Date.now() - 31 * 60_000).toISOString();
		let killed: Promise<void> | undefined;
		const killThreshold = Math.min(Math.round(expectedStage1 * 0.3), 40);
		const killAndRestartWorker = async () => {
			mark(`SIGKILL worker 2 (${sendgrid.accepted.length} first emails sent)`);
			await n8n.killWorker(1, 'SIGKILL');
			await sleep(3000);
			await n8n.startWorker(1);
			mark('worker 2 started again');
		};
		const answers = await pool(
			carts.map((c) => async () => {
				const first = await postEvent(n8n, cartEvent(c, t));
				const again = c.redelivered ? await postEvent(n8n, cartEvent(c, t)) : undefined;
				if (c.buysEarly) {
					const order = await postEvent(n8n, orderEvent(c));
					assert.equal(order.json?.outcome, 'converted', JSON.stringify(order));
				}
				// A worker dies while it sends the first reminders (its executions in flight, claims held).
				if (!killed && sendgrid.accepted.length >= killThreshold) killed = killAndRestartWorker();
				return { first, again };
			}),
			8,
		);
		mark(`${N} carts posted to the webhook processor`);
		for (const [i, a] of answers.entries()) {
			assert.equal(a.first.status, 202, `cart ${i}: ${JSON.stringify(a.first)}`);
			assert.equal(a.first.json.enrolled, true, `cart ${i}: ${JSON.stringify(a.first.json)}`);
			if (a.again) assert.deepEqual([a.again.status, a.again.json.duplicate, a.again.json.enrolled], [202, true, false]);
		}
		if (!killed) {
			await until('the first emails to start', async () => sendgrid.accepted.length >= killThreshold, 120_000, 200);
			killed = killAndRestartWorker();
		}
		await killed;

		// Main restarts while executions wait in the 2 h Wait (persisted in n8n's database); the ones that come due
		// meanwhile wait for main to queue them.
		const waiting = await until(
			'executions waiting in the 2 h Wait',
			async () => {
				const n = (await executionCounts(n8nDb, WF)).waiting ?? 0;
				return n >= Math.max(3, Math.min(Math.round(N * 0.15), 30)) && n;
			},
			(120 + N / 2) * 1000,
		);
		mark(`restart main (${waiting} executions waiting; executions ${JSON.stringify(await executionCounts(n8nDb, WF))})`);
		await n8n.restartMain();
		mark(`main back (executions ${JSON.stringify(await executionCounts(n8nDb, WF))})`);
		// The second reminders' providers have their bad minutes too.
		twilio.script(...Array.from({ length: 8 }, () => twilioErrors.tooManyRequests(1)), twilioErrors.serverError(500), twilioErrors.serverError(503));
		meta.script(metaErrors.rateLimited(), metaErrors.serverError(), metaErrors.serverError());

		// Until every execution has ended; a crashed one is retried (once) as an operator would.
		await until(
			'every execution to end',
			async () => {
				const newlyRetried = await retryDeadWorkersExecutions();
				if (newlyRetried) mark(`retried ${newlyRetried} crashed execution(s)`);
				const counts = await executionCounts(n8nDb, WF);
				const open = (counts.new ?? 0) + (counts.running ?? 0) + (counts.waiting ?? 0);
				return open === 0 && newlyRetried === 0 && counts;
			},
			(WAITS.w2 + 240 + N) * 1000,
			2000,
		);
		stopWatching = true;
		await midBuyers;
		assert.equal(ordered.size, mid.length, 'every mid-sequence buyer bought after its first reminder');
		const counts = await executionCounts(n8nDb, WF);
		mark(`all executions ended: ${JSON.stringify(counts)}`);

		const a = await account(db, carts, { sendgrid, twilio, meta });
		const seconds = (Date.now() - started) / 1000;
		const providerErrors = {
			sendgrid: sendgrid.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 429).length,
			twilio: twilio.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 429).length,
			meta: meta.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 429).length,
		};
		console.log(
			`[scale] ${N} carts in ${seconds.toFixed(0)} s: planned ${a.planned} messages → sent exactly once ${a.sentOnce}, failed ${a.failed}, ` +
				`stuck queued ${a.stuckQueued} (of which the provider has ${a.stuckButAccepted}), released-not-resent ${a.released}, LOST ${a.lost}, ` +
				`DUPLICATES ${a.duplicates}, unplanned ${a.unplanned}, sent-but-not-at-provider ${a.sentNotAtProvider}; ` +
				`provider acceptances ${JSON.stringify(a.providerCalls)}; 429/5xx answered ${JSON.stringify(providerErrors)}; ` +
				`store rows by status ${JSON.stringify(a.byStatus)}; executions ${JSON.stringify(counts)}, the dead worker's retried ${retried.size}`,
		);
		if (counts.error) console.log('[scale] executions in error:\n  ' + (await errorDetails(10)).join('\n  '));
		if (a.problems.length) console.log('[scale] problems:\n  ' + a.problems.join('\n  '));
		assert.equal(a.duplicates, 0, 'no message twice at a provider');
		assert.equal(a.lost, 0, 'no planned message without a trace');
		assert.equal(a.released, 0, 'no message given back and then forgotten');
		assert.equal(a.unplanned, 0, 'no message nobody planned');
		assert.equal(a.sentNotAtProvider, 0, 'the store records sent only what a provider accepted');
		assert.equal(a.sentOnce + a.failed + a.stuckQueued, a.planned, 'every planned message is accounted for');
		assert.ok(a.sentOnce >= a.planned * 0.9, `most messages went out (${a.sentOnce}/${a.planned})`);
		// The only executions not ended well are the dead worker's, and each one's retry succeeded.
		// (≤: an execution marked crashed while its job still ran may have ended well after its retry was started.)
		assert.ok((counts.error ?? 0) + (counts.crashed ?? 0) <= retried.size, 'no execution ended in error but the dead worker\'s');
		const { rows: unretried } = await n8nDb.query(`select id from execution_entity where "workflowId" = $1 and status in ('crashed', 'error') and "retrySuccessId" is null`, [WF]);
		assert.deepEqual(unretried, [], 'every retry of a dead worker\'s execution succeeded');
		assert.ok(retried.size > 0, 'the SIGKILL hit executions in flight');
		assert.ok(providerErrors.sendgrid >= 12, 'SendGrid\'s burst was answered');
		// One execution per cart, plus the retries of the dead worker's.
		assert.equal((counts.success ?? 0) + (counts.error ?? 0) + (counts.crashed ?? 0), N + retried.size);
		const quiet = carts.filter((c) => c.quiet && plannedMessages(c).includes('2:sms'));
		const { rows: deferred } = await db.pool.query(`select count(*)::int as n from cart_recovery.messages where channel = 'sms' and cart_id like $1 and status = 'sent'`, [`scq-${run}-%`]);
		assert.ok(deferred[0].n + a.stuckQueued >= quiet.length, 'the quiet carts\' SMS went after the quiet hours');
	});
});

export type { ScaleCart };

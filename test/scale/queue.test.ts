// The shipped recovery sequence at scale in n8n QUEUE MODE: main, one webhook processor (`n8n webhook`, which
// takes the shop's cart events), two workers (`n8n worker`), n8n's DB and our store on the Postgres server, Redis —
// our packed tarball installed as a community package in every one of those processes. N carts (SCALE_CARTS,
// default 100 for CI; the full run is SCALE_CARTS=10000) with a realistic mix (test/scale/scenario.ts): consent or
// not per channel, buyers before the first reminder and mid-sequence, SMS in quiet hours, cart events delivered
// twice, 429/5xx bursts from SendGrid, Twilio and Meta. Waits shortened by the test's copy: 30 min → 70 s and 2 h → 70 s
// (persisted by n8n in its DB and resumed by main, as every shipped Wait is), 24 h → 2 s (in the workers' memory).
// During the run one worker is SIGKILLed while it sends the first reminders and started again, and main is
// restarted while the executions wait in the 2 h Wait.
// What a dead worker costs: n8n 2.x never re-runs a job whose worker died (Bull's maxStalledCount is hard-coded 0);
// main fails each such execution with "This execution failed to be processed too many times" and REPLACES its data
// with that error (empty run data), so n8n's Retry has nothing to resume — tried: every retry ended in the same error
// without running a node. What n8n does run is the workflow's own Error Trigger, with the failed execution's id: the
// shipped workflow's Restart Stopped Flow finds the cart whose flow ran in it (Cart Check noted it) and starts that
// flow again from the reminder it had reached (the trigger noted each run's cart as n8n created it). The test checks
// every execution n8n failed so was restarted and went on to the end. One n8n marked crashed (its queue recovery,
// which also runs when main starts, found it running with no job) gets no Error Trigger: the shipped workflow's
// Restart Crashed Runs, on a schedule, finds it through n8n's API and restarts it the same way. No flow may stay
// stopped. What the store guarantees holds for all of them: nothing twice, a claim the dead worker held stays claimed
// (settled as 'unknown', never re-sent).
// Afterwards, from the providers' fakes, the store and n8n's database: 0 duplicates per (cart, stage, channel); 0
// lost in a running flow — every planned message went exactly once, or is in the store as failed (with the
// provider's reason), stuck in `queued` (its sender died between claim and record) or skipped with a reason, or
// belongs to a flow a dead worker stopped and nobody started again (none may); the counts are printed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';

import { closeAllStores, CartRecoveryStore, PostgresTransport } from '../../lib/store';
import { node } from '../e2e/workflows';
import { metaErrors, startMetaFake, type MetaFake } from '../fakes/meta';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai';
import { sendGridErrors, startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { startTwilioFake, twilioErrors, type TwilioFake } from '../fakes/twilio';
import { processTreeRssMb, startN8n, timings, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { account, cartEvent, credentialsFor, executionCounts, makeCarts, orderEvent, plannedMessages, pool, postEvent, recovery, scaleWorkflow, seedConsent, type ScaleCart } from './scenario';

const N = Number(process.env.SCALE_CARTS ?? 100);
// n8n keeps a Wait in memory when it ends in less than 65 s from the moment the node runs: 70 s is persisted.
// From a thousand carts on, the 2 h Wait lasts until about when the last cart has been posted (at the rate this
// machine posts them, 4–5/s), so nearly every cart's execution waits at once — what the run's resource samples (n8n's
// memory per process, the size of its database) then show is the cost of that many waiting sequences. They then come
// due RESUME_RATE a second, not all in one moment: when 8,800 came due in the same second (2 Dec 2026), n8n 2.41.1's
// main failed 5,400 of them with "timeout exceeded when trying to connect" (its own database pool, 2 connections by
// default, could not take them all within its 20 s connection timeout), and its main is given a bigger pool.
// The quiet window and the resumes are set before posting starts, so they assume a posting rate: 3 a second leaves
// the resumes after the last posting (a loaded machine posted 3.5/s on 3 Dec 2026; with the resumes overlapping the
// last postings, main was restarted with thousands of executions due and n8n 2.41.1's main exited while starting).
// At full size main is also restarted while the carts are still being posted, when few waits are due.
const POST_RATE = 3;
const RESUME_RATE = 10;
const FULL = N >= 1000;
const WAITS = { w1: 70, w2: 70, w3: 2 };
// The run's own deadlines (n8n ready, the kill, every execution ended) fail it with what was awaited; the test runner's
// limit (10 minutes per test in npm test) only has to stay out of their way. Unloaded, 100 carts take 6–7 minutes; in CI
// beside another test file and the newcomer path's n8n install, that once ran past 10 minutes and failed the run with
// nothing said but the time.
const BUDGET_MS = process.env.TEST_TIMEOUT_MS ? Number(process.env.TEST_TIMEOUT_MS) : Math.max(20 * 60_000, N * 1100);
/** When the 2 h Wait ends for every cart at full size (set once n8n runs and posting is about to start). */
let resumeAll = 0;
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

/** Error Trigger runs that found the stopped run's cart bought meanwhile (nothing to restart). */
const boughtMeanwhile = (decisions: Record<string, number>) => Object.entries(decisions).filter(([kind]) => /was bought after/.test(kind)).reduce((n, [, count]) => n + count, 0);

/** The executions a dead worker took down: n8n failed them as stalled (or its queue recovery marked them crashed). */
const STALLED = /failed to be processed too many times/;
async function stalledExecutions(): Promise<Set<string>> {
	const { rows } = await n8nDb.query(
		`select e.id, e.status, d.data from execution_entity e left join execution_data d on d."executionId" = e.id
		 where e."workflowId" = $1 and e.status in ('error', 'crashed') order by e.id`,
		[WF],
	);
	return new Set(rows.filter((r) => r.status === 'crashed' || STALLED.test(String(r.data))).map((r) => String(r.id)));
}

/**
 * Every execution of the recovery workflow n8n ended in error or crashed, but the Error Trigger's own runs: the dead
 * worker's, and the runs main reported when it restarted while waiting on them in a worker (some of those go on
 * there and finish, some never do: in one CI run 5 did not, and 15 messages were lost while Restart Stopped Flow left
 * such runs alone; now it restarts them all, and a twin flow sends nothing twice).
 */
async function failedExecutions(): Promise<Map<string, string>> {
	const { rows } = await n8nDb.query(
		`select e.id, e.status, substring(d.data from position('"message"' in d.data) for 160) as message from execution_entity e
		 left join execution_data d on d."executionId" = e.id
		 where e."workflowId" = $1 and e.status in ('error', 'crashed') and e.mode <> 'error' order by e.id`,
		[WF],
	);
	return new Map(rows.map((r) => [String(r.id), r.status === 'crashed' ? 'crashed' : String(r.message ?? '')]));
}

// npm test runs it at SCALE_CARTS=100 (about 6 minutes); SCALE_CARTS=200 or more on request, SCALE_CARTS=10000 with
// TEST_TIMEOUT_MS=10800000 for the full size; SCALE_CARTS=0 skips it.
describe(`the shipped sequence over ${N} carts in n8n queue mode (main, webhook processor, 2 workers): a worker SIGKILLed, main restarted`, { skip: N <= 0 && 'SCALE_CARTS=0', timeout: BUDGET_MS }, () => {
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
				// Main's queue recovery stays at n8n's default (every 3 hours), as in production: at 30 s it marked the dead
				// worker's executions crashed before the queue failed them as stalled, and n8n runs no Error Trigger for a
				// crashed execution, so their flows were never restarted.
				// Info: the workers log each execution they start and finish, so the kill can wait until worker 2 has some in
				// flight (at full size, warn: the logs would grow with every execution).
				N8N_LOG_LEVEL: FULL ? 'warn' : 'info',
				// n8n's pool to its own database: 2 connections by default, too few for main when thousands of waits come
				// due (see RESUME_RATE). 6 per process keeps the five processes and the store's pools under 100 connections.
				// At full size main's queue recovery runs every 15 minutes: in the 3 Dec run it left 3 resumes *running* with no
				// job behind them (the quiet hours' end, 887 at once), which only that recovery marks crashed for Restart
				// Crashed Runs to restart — at the default 3 hours, long after the test would have given up.
				...(FULL ? { DB_POSTGRESDB_POOL_SIZE: '6', N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: '15' } : {}),
			},
		});
		n8nDb = new pg.Pool({ connectionString: n8n.database!.url, max: 2 });
		n8nDb.on('error', () => undefined);
		// Imported once the server runs, so the quiet window starts now and ends after the 2 h Wait (rounded to the minute).
		resumeAll = Date.now() + (N / POST_RATE) * 1000;
		// The cart's index is the last part of its id (sc-<run>-<index>): cart i resumes i / RESUME_RATE s after resumeAll.
		const w2 = FULL ? `Math.max(70, Math.round((${resumeAll} + Number(String($json.cart_id).split('-').pop()) * ${1000 / RESUME_RATE} - Date.now()) / 1000))` : WAITS.w2;
		const quietEnd = new Date(Math.ceil((Math.max(Date.now() + WAITS.w2 * 1000, resumeAll + (FULL ? (N / RESUME_RATE) * 1000 : 0)) + (WAITS.w1 + 45 + N / 20) * 1000) / 60_000) * 60_000);
		// The SMS held by the quiet hours go out over a minute after they end (at full size over the shipped quarter of an
		// hour: on 3 Dec 2026, before the spread, 887 came due in the same minute and main failed 238 of their resumes).
		const flow = scaleWorkflow(run, { ...WAITS, w2 }, quietEnd, FULL ? 15 : 1);
		// Restart Crashed Runs with an API key for this n8n, looking every minute (shipped: every 15 minutes, and the
		// credential is the user's to add).
		const apiCredential = await n8n.createCredential({ name: 'n8n (Cart Recovery) API', type: 'n8nCartRecoveryApi', data: { apiKey: n8n.apiKey, baseUrl: `${n8n.baseUrl}/api/v1` } });
		node(flow, 'Restart Crashed Runs').credentials = { ...node(flow, 'Restart Crashed Runs').credentials, n8nCartRecoveryApi: { id: apiCredential, name: 'n8n (Cart Recovery) API' } };
		node(flow, 'Look For Crashed Runs').parameters = { rule: { interval: [{ field: 'minutes', minutesInterval: 1 }] } };
		await n8n.importWorkflow(flow);
		mark(`n8n up (main, webhook processor, 2 workers), ${N} carts' consent recorded`);
	}, { timeout: BUDGET_MS });

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

	test('every cart enrols once; the sequence runs through a worker crash and a main restart; 0 duplicates, 0 lost', { timeout: BUDGET_MS }, async () => {
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
		// Executions worker 2 has started and not finished (from its log; at full size, where it logs at warn, assumed).
		const inFlightOnWorker2 = () => {
			if (FULL) return Infinity;
			const log = n8n.workerLogs(1);
			return (log.match(/Worker started execution/g)?.length ?? 0) - (log.match(/Worker finished execution/g)?.length ?? 0);
		};
		const timeToKill = () => sendgrid.accepted.length >= killThreshold && inFlightOnWorker2() >= 2;
		const killAndRestartWorker = async () => {
			mark(`SIGKILL worker 2 (${sendgrid.accepted.length} first emails sent, ${inFlightOnWorker2()} executions in flight on it)`);
			await n8n.killWorker(1, 'SIGKILL');
			await sleep(3000);
			await n8n.startWorker(1);
			mark('worker 2 started again');
		};
		// Main notices the dead worker's jobs (its lock ran out) and fails their executions, which runs the workflow's
		// Error Trigger for each. Main is restarted only after that (a main restarted sooner never learns of those jobs,
		// and its queue recovery marks their executions crashed: Restart Crashed Runs' case, which happens anyway now and then).
		// Then main restarts while executions wait in the 2 h Wait (persisted in n8n's database); the ones that come due
		// meanwhile wait for main to queue them.
		const restartMainWhileWaiting = async () => {
			await until('n8n to fail the dead worker\'s executions', async () => (await stalledExecutions()).size > 0, 180_000, 1000);
			mark(`n8n failed ${(await stalledExecutions()).size} executions of the dead worker`);
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
		};
		// At full size, while the carts are still being posted (the webhook processor takes them meanwhile).
		let mainRestarted: Promise<void> | undefined;
		// What n8n costs as the executions pile up: RSS per process (with its task runner) and its database's size.
		const samples: string[] = [];
		const sample = async (posted: number) => {
			const pids = n8n.pids();
			const { rows } = await n8nDb.query('select pg_database_size(current_database())::bigint as b');
			const counts = await executionCounts(n8nDb, WF);
			const workersMb = pids.workers.map((pid) => processTreeRssMb(pid)).join('+');
			samples.push(
				`${posted} posted | ${counts.waiting ?? 0} waiting | main ${processTreeRssMb(pids.main)} MB | webhook ${processTreeRssMb(pids.webhooks[0])} MB | workers ${workersMb} MB | n8n DB ${Math.round(Number(rows[0].b) / 1048576)} MB | ${(await import('node:os')).loadavg()[0].toFixed(1)} load`,
			);
			console.log(`[scale] sample: ${samples[samples.length - 1]}`);
		};
		await sample(0);
		let posted = 0;
		const quarter = Math.max(1, Math.round(N / 4));
		const answers = await pool(
			carts.map((c) => async () => {
				const first = await postEvent(n8n, cartEvent(c, t));
				if (++posted % quarter === 0) await sample(posted);
				const again = c.redelivered ? await postEvent(n8n, cartEvent(c, t)) : undefined;
				if (c.buysEarly) {
					const order = await postEvent(n8n, orderEvent(c));
					// 'recovered' when the first reminder beat the order (a loaded machine posts slower than the 3 s Wait):
					// then the cart bought after its first reminder, and that is its plan.
					assert.ok(['converted', 'recovered'].includes(order.json?.outcome), JSON.stringify(order));
					if (order.json.outcome === 'recovered') Object.assign(c, { buysEarly: false, buysMid: true });
				}
				// A worker dies while it sends the first reminders (its executions in flight, claims held).
				if (!killed && timeToKill()) killed = killAndRestartWorker();
				if (FULL && killed && !mainRestarted) {
					mainRestarted = killed.then(restartMainWhileWaiting);
					mainRestarted.catch(() => undefined); // awaited after posting, where its failure fails the test
				}
				return { first, again };
			}),
			8,
		);
		mark(`${N} carts posted to the webhook processor (${(N / ((Date.now() - started) / 1000)).toFixed(1)} carts/s)`);
		for (const [i, a] of answers.entries()) {
			assert.equal(a.first.status, 202, `cart ${i}: ${JSON.stringify(a.first)}`);
			assert.equal(a.first.json.enrolled, true, `cart ${i}: ${JSON.stringify(a.first.json)}`);
			if (a.again) assert.deepEqual([a.again.status, a.again.json.duplicate, a.again.json.enrolled], [202, true, false]);
		}
		if (!killed) {
			await until('the first emails to start, with executions in flight on worker 2', async () => timeToKill(), 180_000, 100);
			killed = killAndRestartWorker();
		}
		await killed;
		await (mainRestarted ?? restartMainWhileWaiting());
		// The second reminders' providers have their bad minutes too.
		twilio.script(...Array.from({ length: 8 }, () => twilioErrors.tooManyRequests(1)), twilioErrors.serverError(500), twilioErrors.serverError(503));
		meta.script(metaErrors.rateLimited(), metaErrors.serverError(), metaErrors.serverError());

		// Until every execution has ended — and again after Restart Crashed Runs has looked once more (it looks every
		// minute here), so a run n8n marked crashed late is restarted and its flow ends too.
		const allEnded = () =>
			until(
				'every execution to end',
				async () => {
					const counts = await executionCounts(n8nDb, WF);
					const open = (counts.new ?? 0) + (counts.running ?? 0) + (counts.waiting ?? 0);
					return open === 0 && counts;
				},
				(WAITS.w2 + 240 + N) * 1000,
				2000,
			);
		await allEnded();
		const endedAt: Date = (await n8nDb.query('select now() as t')).rows[0].t;
		await until(
			'Restart Crashed Runs to look once more',
			async () => {
				const { rows } = await n8nDb.query(`select count(*)::int as n from execution_entity where "workflowId" = $1 and mode = 'trigger' and "createdAt" > $2 and status not in ('new', 'running')`, [WF, endedAt]);
				return rows[0].n > 0;
			},
			150_000,
			2000,
		);
		await allEnded();
		stopWatching = true;
		await midBuyers;
		// One snapshot of n8n's executions for every count below: a look for crashed runs starts every minute, and one
		// read between two queries would be counted in one and not the other.
		const { rows: byMode } = await n8nDb.query(`select mode, status, count(*)::int as n from execution_entity where "workflowId" = $1 group by mode, status`, [WF]);
		const counts: Record<string, number> = {};
		for (const r of byMode) counts[r.status] = (counts[r.status] ?? 0) + r.n;
		mark(`all executions ended: ${JSON.stringify(counts)}`);

		const stalled = await stalledExecutions();
		const failed = await failedExecutions();
		const crashed = [...failed.values()].filter((m) => m === 'crashed').length;
		// The Error Trigger's runs (mode 'error'): one per failed execution; the carts whose flow they started again.
		const ended = (r: { status: string }) => !['new', 'running', 'waiting'].includes(r.status);
		const errorRuns = byMode.filter((r) => r.mode === 'error' && ended(r)).reduce((n, r) => n + r.n, 0);
		// Restart Crashed Runs' looks (mode 'trigger': the schedule), each restarted flow going on in its look's run.
		const looks = byMode.filter((r) => r.mode === 'trigger' && ended(r)).reduce((n, r) => n + r.n, 0);
		const { rows: flowRows } = await db.pool.query<{ cart_id: string; stopped_execution_id: string }>('select cart_id, stopped_execution_id from cart_recovery.flows where restarts > 0');
		const restarted = new Set(flowRows.map((r) => r.cart_id));
		// A restarted run that n8n later saw finish in its worker after all left a twin flow beside it.
		const { rows: finishedAfterAll } = await n8nDb.query(`select count(*)::int as n from execution_entity where id = any($1::int[]) and status = 'success'`, [
			flowRows.map((r) => r.stopped_execution_id).filter((id) => /^\d+$/.test(id ?? '')),
		]);
		const twins = finishedAfterAll[0].n as number;
		// What each Error Trigger run decided (its Result in n8n's executions list), by kind. A restarted flow goes on in
		// the Error Trigger's run, so a later step's Result (e.g. "Sent email stage 3") replaces "Restarted: …".
		const { rows: decided } = await n8nDb.query(
			`select m.value from execution_metadata m join execution_entity e on e.id = m."executionId" where e."workflowId" = $1 and e.mode = 'error' and m.key = 'Result'`,
			[WF],
		);
		const decisions: Record<string, number> = {};
		for (const { value } of decided) {
			const kind = String(value).replace(/\bcart \S+|run \S+|\(cart [^)]*\)|\S+ · \S+ /g, '').replace(/“[^”]*”/, '…').slice(0, 80);
			decisions[kind] = (decisions[kind] ?? 0) + 1;
		}
		const a = await account(db, carts, { sendgrid, twilio, meta }, failed.size - restarted.size);
		const seconds = (Date.now() - started) / 1000;
		const providerErrors = {
			sendgrid: sendgrid.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 429).length,
			twilio: twilio.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 429).length,
			meta: meta.requests.filter((r) => typeof r.answer === 'number' && r.answer >= 429).length,
		};
		console.log(
			`[scale] ${N} carts in ${seconds.toFixed(0)} s: planned ${a.planned} messages → sent exactly once ${a.sentOnce}, failed ${a.failed}, ` +
				`stuck queued ${a.stuckQueued} (of which the provider has ${a.stuckButAccepted}), skipped with a reason ${a.skipped} ${JSON.stringify(a.skipReasons)}, ` +
				`not sent because a dead worker stopped the flow ${a.stoppedByDeadWorker} (${a.stoppedCarts} carts), released-not-resent ${a.released}, LOST ${a.lost}, ` +
				`DUPLICATES ${a.duplicates}, unplanned ${a.unplanned}, sent-but-not-at-provider ${a.sentNotAtProvider}; ` +
				`provider acceptances ${JSON.stringify(a.providerCalls)}; 429/5xx answered ${JSON.stringify(providerErrors)}; ` +
				`store rows by status ${JSON.stringify(a.byStatus)}; executions ${JSON.stringify(counts)}, failed by n8n ${failed.size} (as stalled, the dead worker's: ${stalled.size}; crashed ${crashed}); ` +
				`Error Trigger runs ${errorRuns}, looks for crashed runs ${looks}, flows started again ${restarted.size} (of which ${twins} beside a run that went on after all: twins) (by mode and status ${JSON.stringify(byMode)}; decisions ${JSON.stringify(decisions)})`,
		);
		if (failed.size > stalled.size) console.log('[scale] executions failed beside the dead worker\'s:\n  ' + [...failed].filter(([id]) => !stalled.has(id)).map(([id, m]) => `#${id} ${m}`).join('\n  '));
		if (a.problems.length) console.log('[scale] problems:\n  ' + a.problems.join('\n  '));
		assert.equal(a.duplicates, 0, 'no message twice at a provider');
		assert.equal(a.lost, 0, 'no planned message without a trace in a flow that ran on');
		assert.equal(a.released, 0, 'no message given back and then forgotten');
		assert.equal(a.unplanned, 0, 'no message nobody planned');
		assert.equal(a.sentNotAtProvider, 0, 'the store records sent only what a provider accepted');
		assert.equal(a.sentOnce + a.failed + a.stuckQueued + a.skipped + a.stoppedByDeadWorker, a.planned, 'every planned message is accounted for');
		assert.equal(a.stoppedCarts, 0, `every stopped flow was started again: by the Error Trigger, or by Restart Crashed Runs for the ${crashed} run(s) n8n marked crashed`);
		// A twin's run was reported failed when main restarted and then finished after all: it is no longer counted as
		// failed, yet its flow was restarted (in a CI run of 3 Dec: 5 restarted, 3 failed, 2 twins).
		assert.ok(a.stoppedCarts + restarted.size - twins <= failed.size, `a stopped or restarted flow per execution n8n failed at most (${a.stoppedCarts} stopped, ${restarted.size} restarted of which ${twins} twins, ${failed.size} executions)`);
		// Flows the dead worker stopped, and the runs main reported when it restarted, were started again by the Error
		// Trigger and went on to their end: none of the restarted carts is missing a planned message (each is sent,
		// failed, stuck, or skipped with a reason). A twin (a reported run that went on after all, beside its restart)
		// shows as nothing doubled above.
		assert.ok(restarted.size > 0, 'the Error Trigger started stopped flows again');
		assert.ok(errorRuns >= failed.size - crashed, `an Error Trigger run per execution n8n failed (${errorRuns} runs, ${failed.size} failed, ${crashed} crashed)`);
		assert.deepEqual([...restarted].filter((cartId) => a.stopped.has(cartId)), [], 'every restarted flow went on to its end');
		assert.ok(restarted.size >= failed.size - crashed - boughtMeanwhile(decisions), 'every execution n8n failed had its flow restarted (unless its cart was bought meanwhile)');
		const refused = Object.keys(decisions).filter((kind) => /^Not restarted:/.test(kind) && !/was bought after|started again for +already/.test(kind));
		assert.deepEqual(refused, [], 'every Error Trigger run restarted its cart\'s flow, or found it bought or restarted already');
		// A mid-sequence buyer buys once its first reminder is in the store (sent, failed or stuck); else its flow was
		// stopped by the dead worker before it, or a skip says why.
		const noFirstReminder = mid.filter((c) => !ordered.has(c.cartId) && !a.stopped.has(c.cartId)).map((c) => c.cartId);
		const { rows: skippedFirst } = await db.pool.query(`select cart_id, reason from cart_recovery.skips where stage = 1 and cart_id = any($1)`, [noFirstReminder]);
		assert.equal(skippedFirst.length, noFirstReminder.length, `a mid-sequence buyer without a first reminder has a skip saying why: ${JSON.stringify(noFirstReminder)}`);
		assert.ok(a.sentOnce >= a.planned * 0.9, `most messages went out (${a.sentOnce}/${a.planned})`);
		// The only executions not ended well are the dead worker's; each still names its cart.
		assert.equal((counts.error ?? 0) + (counts.crashed ?? 0), failed.size, 'no Error Trigger run ended in error');
		assert.ok(stalled.size > 0, 'the SIGKILL hit executions in flight');
		assert.ok(providerErrors.sendgrid >= 12, 'SendGrid\'s burst was answered');
		assert.equal((counts.success ?? 0) + (counts.error ?? 0) + (counts.crashed ?? 0), N + errorRuns + looks, 'one execution per cart, one per Error Trigger run, one per look for crashed runs');
		// What the dead worker left claimed and unrecorded is settled as the shipped maintenance flow does it: with no
		// provider event proving it went, each becomes 'unknown' for a person to decide, never re-sent.
		if (a.stuckQueued) {
			await sleep(60_000);
			const settled = await store.settleStuckMessages({ olderThanSeconds: 60, max: 1000 });
			console.log(`[scale] stuck claims settled: found ${settled.found}, sent ${settled.sent}, unknown ${settled.unknown}`);
			assert.equal(settled.found, a.stuckQueued, 'every stuck claim is found by the settle');
			assert.equal(settled.sent + settled.unknown, a.stuckQueued);
			const { rows: left } = await db.pool.query(`select count(*)::int as n from cart_recovery.messages where status = 'queued'`);
			assert.equal(left[0].n, 0, 'nothing stays queued');
		}
		const quiet = carts.filter((c) => c.quiet && plannedMessages(c).includes('2:sms') && !a.stopped.has(c.cartId));
		const { rows: deferred } = await db.pool.query(`select count(*)::int as n from cart_recovery.messages where channel = 'sms' and cart_id like $1 and status = 'sent'`, [`scq-${run}-%`]);
		assert.ok(deferred[0].n + a.stuckQueued >= quiet.length, 'the quiet carts\' SMS went after the quiet hours');
	});
});

export type { ScaleCart };

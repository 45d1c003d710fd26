// Issue 16: the Error Trigger's blind spot. n8n marks a run *crashed* when main finds it running with nothing left to
// finish it (main restarted after a worker died, a host rebooted) and runs no Error Trigger for it: in the CI scale
// run one such run left its cart without its later reminders. The shipped recovery workflow's Restart Crashed Runs
// (on a schedule; here fired by a webhook in its place) asks n8n's API for the workflow's crashed runs and starts each
// cart's flow again — once, however often it looks.
// Real n8n on its own Postgres database (the run is marked crashed there exactly as n8n's own recovery does it: its
// status set to 'crashed'), the shipped workflow, our store on the Postgres server, the SendGrid fake.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { node } from '../e2e/workflows';
import { closeProviderFakes, startProviderFakes, type ProviderFakes } from '../fakes/providers';
import { startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { cartEvent, credentialsFor, postEvent, recovery, scaleWorkflow, seedConsent, type ScaleCart } from '../scale/scenario';
import { until } from './support';

const run = randomBytes(3).toString('hex');
const WF = recovery.id;
const LOOK = 'Look For Crashed Runs';
const lookPath = `look-for-crashed-${run}`;
const cart: ScaleCart = {
	index: 0,
	cartId: `crash-${run}`,
	customerId: `cust-crash-${run}`,
	email: `kata.${run}@example.hu`,
	phone: '+36301112233',
	consent: ['email'],
	buysEarly: false,
	buysMid: false,
	quiet: false,
	redelivered: false,
};

let db: TestDatabase;
let store: CartRecoveryStore;
let fakes: ProviderFakes;
let n8n: N8nServer;

async function result(executionId: string): Promise<string | undefined> {
	const { rows } = await n8n.database!.pool.query(`select value from execution_metadata where "executionId" = $1 and key = 'Result'`, [executionId]);
	return rows[0]?.value;
}

async function look(): Promise<string> {
	const before = await n8n.database!.pool.query(`select coalesce(max(id), 0)::int as id from execution_entity`);
	const res = await n8n.webhookRequest(`/webhook/${lookPath}`, { method: 'POST' });
	assert.equal(res.status, 200, await res.text());
	return until('the look to end', async () => {
		const { rows } = await n8n.database!.pool.query(`select id::text from execution_entity where "workflowId" = $1 and id > $2 and status in ('success', 'error')`, [WF, before.rows[0].id]);
		return rows[0]?.id as string | undefined;
	}, 60_000);
}

const sentTo = () => fakes.sendgrid.accepted.filter((m) => m.body.personalizations[0].to[0].email === cart.email);

describe('a run n8n marked crashed: Restart Crashed Runs starts its cart’s flow again, once', () => {
	before(async () => {
		db = await freshDatabase('reliability_crashed');
		store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
		await store.ready();
		fakes = await startProviderFakes();
		await seedConsent(store, [cart]);
		// The first run waits 5 minutes before the first reminder (long enough to crash it while it waits); a restarted
		// flow's waits take a second.
		const flow = scaleWorkflow(run, { w1: `$json.restart ? 1 : 300`, w2: 1, w3: 1 }, new Date());
		// The schedule is replaced by a webhook, so the test says when Restart Crashed Runs looks.
		Object.assign(node(flow, LOOK), { type: 'n8n-nodes-base.webhook', typeVersion: 2, webhookId: `b5d0a7c4-${run}-4d2e-9f1a-0c3b5e7d9a11`.slice(0, 36), parameters: { httpMethod: 'POST', path: lookPath, responseMode: 'onReceived' } });
		n8n = await startN8n({
			label: 'reliability-crashed',
			postgres: true,
			readyTimeoutMs: 240_000,
			credentials: credentialsFor(db, fakes),
		});
		const apiCredential = await n8n.createCredential({ name: 'n8n (Cart Recovery) API', type: 'n8nCartRecoveryApi', data: { apiKey: n8n.apiKey, baseUrl: `${n8n.baseUrl}/api/v1` } });
		node(flow, 'Restart Crashed Runs').credentials = { ...node(flow, 'Restart Crashed Runs').credentials, n8nCartRecoveryApi: { id: apiCredential, name: 'n8n (Cart Recovery) API' } };
		await n8n.importWorkflow(flow);
	});

	after(async () => {
		await n8n?.stop();
		await closeProviderFakes(fakes);
		await store?.close();
		await closeAllStores();
		await db?.drop();
	});

	test('the credential’s Test: OK with the key, a clear error with a wrong one', async () => {
		const ok = await n8n.testCredential('n8nCartRecoveryApi', { apiKey: n8n.apiKey, baseUrl: `${n8n.baseUrl}/api/v1/` });
		assert.equal(ok.status, 'OK', ok.message);
		const wrong = await n8n.testCredential('n8nCartRecoveryApi', { apiKey: 'not-a-key', baseUrl: `${n8n.baseUrl}/api/v1` });
		assert.equal(wrong.status, 'Error');
		assert.match(wrong.message, /401|unauthorized/i);
	});

	test('nothing crashed: the run says so and restarts nothing', async () => {
		const id = await look();
		assert.equal(await result(id), 'Nothing to restart: no run crashed in the last 24 hours');
	});

	test('the crashed run’s cart goes on from its first reminder; looking again restarts nothing', async () => {
		const posted = await postEvent(n8n, cartEvent(cart, new Date(Date.now() - 31 * 60_000).toISOString()));
		assert.equal(posted.status, 202, JSON.stringify(posted));
		const crashed = await until('the first run to wait', async () => {
			const { rows } = await n8n.database!.pool.query(`select id::text from execution_entity where "workflowId" = $1 and status = 'waiting'`, [WF]);
			return rows[0]?.id as string | undefined;
		}, 60_000);
		// What n8n's queue recovery does to a run it finds with no job behind it.
		await n8n.database!.pool.query(`update execution_entity set status = 'crashed', "stoppedAt" = now(), "waitTill" = null where id = $1`, [crashed]);

		const restartRun = await look();
		assert.match(String(await result(restartRun)), new RegExp(`^(Restarted: .*\\(cart ${cart.cartId}\\) goes on from the first reminder; run ${crashed} had stopped|Sent email stage \\d)`));
		await until('the first reminder', () => sentTo().length >= 1, 60_000);
		const { rows: flows } = await db.pool.query(`select restarts, stopped_execution_id from cart_recovery.flows where cart_id = $1`, [cart.cartId]);
		assert.deepEqual(flows, [{ restarts: 1, stopped_execution_id: crashed }]);

		const again = await look();
		assert.match(String(await result(again)), /^Nothing to restart: 1 crashed run\(s\) since .* UTC, 1 restarted already$/);
		// The restarted flow runs to its end (second and final reminders by email: the customer's only consent).
		await until('the final offer', () => sentTo().length >= 3, 60_000);
		const { rows: messages } = await db.pool.query(`select stage, channel, status from cart_recovery.messages where cart_id = $1 order by stage`, [cart.cartId]);
		assert.deepEqual(messages, [
			{ stage: 1, channel: 'email', status: 'sent' },
			{ stage: 2, channel: 'email', status: 'sent' },
			{ stage: 3, channel: 'email', status: 'sent' },
		]);
		assert.equal(sentTo().length, 3, 'each reminder once at SendGrid');
	});
});

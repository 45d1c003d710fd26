// Issue 16 (4): the store's Postgres goes away and comes back while n8n runs. Our store lives on a PRIVATE
// Postgres cluster this file starts and stops (n8n's own DB stays on SQLite; the shared server is never touched).
//  - Executions wait in a Wait node while the store is stopped: the Email Sends that run meanwhile fail with an
//    error naming the store and where it is (no stack dump); once it is back, the Wait-resumed executions send,
//    each message exactly once (counted at the SendGrid fake and in the store).
//  - The store unreachable at the trigger: 503 with a clear body and Retry-After, nothing started; the shop's retry
//    once the store is back enrols the cart once, and a further retry is a duplicate.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { startN8n, type N8nServer } from '../harness/server';
import { webshopCredentials } from '../trigger/support';
import { cartEvent, emailFlow, emailOf, SENDGRID_CREDENTIAL, signedCartEvent, startPrivatePostgres, STORE_CREDENTIAL, until, WEBSHOP_CREDENTIAL, type PrivatePostgres } from './support';

const run = randomBytes(3).toString('hex');
const EARLY_WAIT = 4; // resumes while the store is down
const LATE_WAIT = 16; // resumes after it is back
const flow = emailFlow('crRelOutage00001', 'a1e2c3d4-0000-4000-8000-0000000000a1', `$json.cart_id.startsWith('early-') ? ${EARLY_WAIT} : $json.cart_id.startsWith('late-') ? ${LATE_WAIT} : 1`);

let pgc: PrivatePostgres;
let store: CartRecoveryStore;
let sendgrid: SendGridFake;
let n8n: N8nServer;

const cartOf = (execution: any): string | undefined => execution.data?.resultData?.runData?.['Abandoned Cart Trigger']?.[0]?.data?.main?.[0]?.[0]?.json?.cart_id;
const emailsTo = (cartId: string) => sendgrid.requests.filter((r) => r.path === '/v3/mail/send' && r.raw.includes(emailOf(cartId)));

async function post(body: object) {
	const { headers, raw } = signedCartEvent(flow.path, body);
	return send(headers, raw);
}
async function send(headers: Record<string, string>, raw: Buffer) {
	const res = await n8n.request(flow.path, { method: 'POST', headers, body: raw });
	const text = await res.text();
	return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

async function grantEmail(cartId: string) {
	await store.recordConsent({ channel: 'email', address: emailOf(cartId), source: 'checkout_checkbox', customerId: `cust-${cartId}`, wording: 'Kérek emlékeztetőt a kosaramról.' });
}

async function messageRows(cartIds: string[]) {
	const { rows } = await pgc.pool.query('select cart_id, stage, channel, status from cart_recovery.messages where cart_id = any($1) order by cart_id', [cartIds]);
	return rows as Array<{ cart_id: string; stage: number; channel: string; status: string }>;
}

describe('the store’s Postgres restarted mid-run (real n8n, private Postgres cluster)', () => {
	before(async () => {
		pgc = await startPrivatePostgres();
		store = new CartRecoveryStore(new PostgresTransport({ connectionString: pgc.url, max: 4 }));
		await store.ready();
		sendgrid = await startSendGridFake();
		n8n = await startN8n({
			label: 'reliability-outage',
			readyTimeoutMs: 240_000, // 2 cores shared with other runs
			credentials: [
				{ ...STORE_CREDENTIAL, type: 'cartRecoveryStoreApi', data: { ...pgc.credentials } },
				{ ...WEBSHOP_CREDENTIAL, type: 'webshopApi', data: webshopCredentials },
				{ ...SENDGRID_CREDENTIAL, type: 'sendGridCartRecoveryApi', data: { apiKey: sendgrid.apiKey, fromEmail: 'bolt@cipobolt.example.hu', fromName: 'Cipőbolt', region: 'custom', baseUrl: sendgrid.url } },
			],
			workflows: [flow.json],
		});
	});

	after(async () => {
		await n8n?.stop();
		await sendgrid?.close();
		await store?.close().catch(() => undefined);
		await closeAllStores();
		await pgc?.destroy();
	});

	test('executions waiting while the store is down: sends that run meanwhile fail naming the store; the rest resume and send once', async () => {
		const early = [1, 2, 3].map((i) => `early-${i}-${run}`);
		const late = [1, 2, 3, 4, 5].map((i) => `late-${i}-${run}`);
		for (const cartId of [...early, ...late]) await grantEmail(cartId);
		const answers = await Promise.all([...early, ...late].map((cartId) => post(cartEvent(cartId))));
		for (const a of answers) assert.deepEqual([a.status, a.json.enrolled], [202, true], JSON.stringify(a.json));
		const enrolledAt = Date.now();

		pgc.stopServer();
		const stoppedAt = Date.now();
		let startedAt = 0;
		try {
		assert.ok(stoppedAt - enrolledAt < (EARLY_WAIT - 1) * 1000, `the store stopped before the first Wait ended (${stoppedAt - enrolledAt} ms)`);

		// The early carts' Email Sends run with the store down: each execution fails, naming the store and where it is.
		const failed = await n8n.waitForExecutions(flow.id, early.length, { status: ['error', 'crashed'], timeoutMs: 30_000 });
		assert.ok(Date.now() - enrolledAt < LATE_WAIT * 1000, 'the early sends failed before the late Waits ended');
		assert.deepEqual(failed.map(cartOf).sort(), [...early].sort());
		for (const execution of failed) {
			assert.equal(execution.status, 'error');
			const error = execution.data.resultData.error;
			assert.equal(execution.data.resultData.lastNodeExecuted, 'Email Send (First Reminder)');
			// Refused (a new connection) or cut (a pooled one the stop ended): either way the store and where it is.
			assert.match(error.message, new RegExp(`^Cannot reach the Cart Recovery Store \\(Postgres at 127\\.0\\.0\\.1:${pgc.port}\\): (connection refused|connection terminated unexpectedly|the server is shutting down)$`));
			assert.equal(error.description, 'Check that the Postgres server is running and reachable from n8n, then retry');
			assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace in the message');
			assert.ok(error.message.length < 300, error.message);
		}
		assert.equal(sendgrid.requests.length, 0, 'nothing reached the provider while the store was down');
		} finally {
			pgc.startServer();
			startedAt = Date.now();
		}
		assert.ok(startedAt - enrolledAt < LATE_WAIT * 1000 - 2000, `the store is back before the late Waits end (${startedAt - enrolledAt} ms)`);

		// The late carts' Waits resume against the restarted store: one email each, recorded sent once.
		const done = await n8n.waitForExecutions(flow.id, early.length + late.length, { timeoutMs: 60_000 });
		const succeeded = done.filter((e) => e.status === 'success');
		assert.deepEqual(succeeded.map(cartOf).sort(), [...late].sort(), JSON.stringify(done.map((e) => [cartOf(e), e.status])));
		for (const cartId of late) assert.equal(emailsTo(cartId).length, 1, `${cartId}: one email`);
		for (const cartId of early) assert.equal(emailsTo(cartId).length, 0, `${cartId}: no email (its send failed before any claim)`);
		assert.equal(sendgrid.requests.length, late.length, 'the fake saw exactly one request per late cart');
		assert.deepEqual(
			(await messageRows([...early, ...late])).map((m) => `${m.cart_id}:${m.stage}:${m.channel}:${m.status}`),
			late.map((cartId) => `${cartId}:1:email:sent`).sort(),
		);
		const { rows } = await pgc.pool.query('select count(*)::int as n from cart_recovery.carts where cart_id = any($1)', [[...early, ...late]]);
		assert.equal(rows[0].n, early.length + late.length, 'every cart stored once');
		console.log(`[reliability] store down ${startedAt - stoppedAt} ms; ${early.length} sends failed meanwhile, ${late.length} resumed and sent once`);
	});

	test('the store unreachable at the trigger: 503 with Retry-After; the shop’s retry once it is back enrols the cart once', async () => {
		const cartId = `retry-${run}`;
		await grantEmail(cartId);
		const before = (await n8n.executions(flow.id)).length;
		// The shop's request, signed once; a shop's retry sends the same bytes again.
		const { headers, raw } = signedCartEvent(flow.path, cartEvent(cartId));

		pgc.stopServer();
		try {
			for (let i = 0; i < 2; i++) {
				const refused = await send(headers, raw);
				assert.equal(refused.status, 503, JSON.stringify(refused.json));
				assert.deepEqual(refused.json, { accepted: false, error: 'The cart store is unavailable; retry later' });
				assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After in seconds');
			}
		} finally {
			pgc.startServer();
		}
		const logged = n8n.logs();
		assert.match(logged, new RegExp(`Abandoned Cart Trigger: the store refused event ${cartId}-created: Cannot reach the Cart Recovery Store`));
		assert.equal((await n8n.executions(flow.id)).length, before, 'a refused delivery starts nothing');

		const retried = await send(headers, raw);
		assert.deepEqual([retried.status, retried.json.enrolled, retried.json.duplicate], [202, true, false], JSON.stringify(retried.json));
		const again = await send(headers, raw);
		assert.deepEqual([again.status, again.json.enrolled, again.json.duplicate], [202, false, true], JSON.stringify(again.json));

		const executions: any[] = await until('the retried cart’s execution', async () => {
			const list = (await n8n.executions(flow.id)).filter((e) => cartOf(e) === cartId);
			return list.length > 0 && list.every((e) => e.status === 'success') && list;
		}, 30_000);
		assert.equal(executions.length, 1, 'one execution for the cart');
		const { rows } = await pgc.pool.query('select count(*)::int as n from cart_recovery.carts where cart_id = $1', [cartId]);
		assert.equal(rows[0].n, 1);
		assert.deepEqual((await messageRows([cartId])).map((m) => m.status), ['sent']);
		assert.equal(emailsTo(cartId).length, 1);
	});
});

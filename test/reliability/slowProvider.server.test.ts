// Issue 16 (4): a provider that accepts the message but answers after our timeout (SendGrid: 20 s). We cannot
// know whether it went out, so the message is recorded failed with "outcome unknown" and never sent again — not
// by this run, not by a later run of the same (cart, stage, channel). The fake shows exactly one request.
// Real n8n, the store on Postgres, the SendGrid fake accepting then answering 202 only after 26 s.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { webshopCredentials } from '../trigger/support';
import { cartEvent, emailFlow, emailOf, SENDGRID_CREDENTIAL, signedCartEvent, STORE_CREDENTIAL, until, WEBSHOP_CREDENTIAL } from './support';

const SENDGRID_TIMEOUT_MS = 20_000; // lib/channels/email/transport.ts
const flow = emailFlow('crRelSlowProv001', 'a1e2c3d4-0000-4000-8000-0000000000b1', '1');
const RESEND_PATH = 'reliability/send-again';
/** A later run for the same cart and stage (what a re-run, a second trigger or a copy of the flow would do). */
const resendFlow = (() => {
	const email = structuredClone(flow.json.nodes[2]);
	email.parameters.cartId = '={{ $json.body.cart_id }}';
	return {
		id: 'crRelSlowProv002',
		name: 'Reliability: the same message again',
		nodes: [
			{ id: 'b0b0b0b0-0000-4000-8000-000000000001', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: 'b0b0b0b0-0000-4000-8000-0000000000f1', parameters: { httpMethod: 'POST', path: RESEND_PATH, responseMode: 'onReceived', options: {} } },
			{ ...email, id: 'b0b0b0b0-0000-4000-8000-000000000002', position: [220, 0] },
		],
		connections: { Webhook: { main: [[{ node: email.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
		pinData: {},
	};
})();

let db: TestDatabase;
let store: CartRecoveryStore;
let sendgrid: SendGridFake;
let n8n: N8nServer;

describe('a provider that accepts but answers past our timeout (real n8n, Postgres store, SendGrid fake)', () => {
	before(async () => {
		db = await freshDatabase('reliability_slow');
		store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: 2 }));
		await store.ready();
		sendgrid = await startSendGridFake();
		n8n = await startN8n({
			label: 'reliability-slow',
			readyTimeoutMs: 240_000, // 2 cores shared with other runs
			credentials: [
				{ ...STORE_CREDENTIAL, type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
				{ ...WEBSHOP_CREDENTIAL, type: 'webshopApi', data: webshopCredentials },
				{ ...SENDGRID_CREDENTIAL, type: 'sendGridCartRecoveryApi', data: { apiKey: sendgrid.apiKey, fromEmail: 'bolt@cipobolt.example.hu', fromName: 'Cipőbolt', region: 'custom', baseUrl: sendgrid.url } },
			],
			workflows: [flow.json, resendFlow],
		});
	});

	after(async () => {
		await n8n?.stop();
		await sendgrid?.close();
		await store?.close();
		await closeAllStores();
		await db?.drop();
	});

	test('outcome unknown: recorded failed, never re-sent by a later run; the provider saw one request', async () => {
		const cartId = `slow-${randomBytes(3).toString('hex')}`;
		await store.recordConsent({ channel: 'email', address: emailOf(cartId), source: 'checkout_checkbox', customerId: `cust-${cartId}`, wording: 'Kérek emlékeztetőt.' });
		sendgrid.script({ status: 202, acceptThenDelayMs: SENDGRID_TIMEOUT_MS + 6_000 });

		const { headers, raw } = signedCartEvent(flow.path, cartEvent(cartId));
		const started = Date.now();
		const res = await n8n.request(flow.path, { method: 'POST', headers, body: raw });
		assert.equal(res.status, 202, await res.text());

		const [execution] = await n8n.waitForExecutions(flow.id, 1, { timeoutMs: SENDGRID_TIMEOUT_MS + 30_000 });
		const tookMs = Date.now() - started;
		assert.equal(execution.status, 'error');
		const error = execution.data.resultData.error;
		assert.match(error.message, /^SendGrid may or may not have accepted the message \(timeout of 20000ms exceeded\); it is not retried so it cannot arrive twice$/, error.message);
		assert.equal(error.description, 'The message is recorded failed and will not be retried, so the customer cannot get it twice');
		assert.ok(tookMs >= SENDGRID_TIMEOUT_MS && tookMs < SENDGRID_TIMEOUT_MS + 15_000, `gave up at the timeout (${tookMs} ms)`);
		assert.deepEqual(sendgrid.accepted.map((m) => m.body.personalizations[0].to[0].email), [emailOf(cartId)], 'the provider accepted it');

		const rows = async () => (await db.pool.query('select stage, channel, status, error, attempts, provider_id from cart_recovery.messages where cart_id = $1', [cartId])).rows;
		const [row] = await rows();
		assert.deepEqual([row.stage, row.channel, row.status, row.provider_id], [1, 'email', 'failed', null]);
		assert.match(row.error, /^outcome unknown, not retried \(it may have been sent\): SendGrid: timeout of 20000ms exceeded/);

		// A later run of the same (cart, stage, channel): skipped as previously failed, nothing sent.
		const again = await n8n.request(`/webhook/${RESEND_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cart_id: cartId }) });
		assert.equal(again.status, 200, await again.text());
		const [rerun] = await n8n.waitForExecutions(resendFlow.id, 1, { timeoutMs: 30_000 });
		assert.equal(rerun.status, 'success', JSON.stringify(rerun.data?.resultData?.error));
		const out = rerun.data.resultData.runData['Email Send (First Reminder)'][0].data.main;
		assert.equal(out[0]?.length ?? 0, 0, 'nothing on the Sent output');
		assert.deepEqual(
			[out[1][0].json.delivery.outcome, out[1][0].json.delivery.reason, out[1][0].json.delivery.status],
			['skipped', 'previously_failed', 'failed'],
			JSON.stringify(out[1][0].json.delivery),
		);

		// The client hung up before the fake's late answer; still one request at the fake, one row in the store.
		await until('the client to hang up on the slow answer', () => sendgrid.requests.every((r) => r.answer !== undefined), 15_000);
		assert.deepEqual(sendgrid.requests.map((r) => r.answer), ['dropped']);
		assert.equal(sendgrid.requests.filter((r) => r.path === '/v3/mail/send').length, 1, 'exactly one request reached the provider');
		assert.equal((await rows()).length, 1);
		assert.equal((await rows())[0].status, 'failed');
		console.log(`[reliability] slow provider: gave up after ${tookMs} ms (timeout ${SENDGRID_TIMEOUT_MS} ms); re-run skipped as previously_failed`);
	});
});

// Issue 16: the gap the 1,000-duplicate-webhooks check found, made deterministic. The store enrols a cart, then n8n
// cannot create the flow's execution (its own database refuses the insert: under a burst it timed out). Before the
// fix the shop had already been told 202 and a cart sat enrolled with no flow. Now n8n answers only once the
// execution exists, so the shop gets n8n's 500, the trigger withdraws the enrolment, and the shop's retry of the same
// event enrols the cart again and starts exactly one flow.
// Real n8n on its own Postgres database (a trigger there refuses new executions while the test says so), the
// Abandoned Cart Trigger, our store on the Postgres server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { closeAllStores } from '../../lib/store';
import { startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { webshopCredentials } from '../trigger/support';
import { STORE_CREDENTIAL_ID, triggerWorkflow, WEBSHOP_CREDENTIAL_ID } from '../trigger/workflows';
import { cartEvent, signedCartEvent, until } from './support';

const flow = triggerWorkflow('generic', 917);
const path = `/webhook/${flow.path}`;

let db: TestDatabase;
let n8n: N8nServer;

describe('n8n cannot create the execution: the shop hears an error, the enrolment is withdrawn, its retry starts one flow', () => {
	before(async () => {
		db = await freshDatabase('reliability_no_execution');
		n8n = await startN8n({
			label: 'reliability-no-execution',
			postgres: true,
			readyTimeoutMs: 240_000,
			credentials: [
				{ id: STORE_CREDENTIAL_ID, name: 'Cart Recovery Store (tests)', type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
				{ id: WEBSHOP_CREDENTIAL_ID, name: 'Webshop (tests)', type: 'webshopApi', data: webshopCredentials },
			],
			workflows: [flow.json],
		});
		// While a row is in refuse_executions, n8n's insert of a new execution fails, as when its database times out.
		await n8n.database!.pool.query(`
			create table refuse_executions (reason text);
			create function refuse_execution() returns trigger language plpgsql as $$
			begin
			  if exists (select 1 from refuse_executions) then raise exception 'simulated: n8n''s database is unavailable'; end if;
			  return new;
			end $$;
			create trigger refuse_execution before insert on execution_entity for each row execute function refuse_execution();`);
	});

	after(async () => {
		await n8n?.stop();
		await closeAllStores();
		await db?.drop();
	});

	const executionsOf = async (cartId: string) =>
		(await n8n.executions(flow.id)).filter((e) => e.data?.resultData?.runData?.['Abandoned Cart Trigger']?.[0]?.data?.main?.[0]?.[0]?.json?.cart_id === cartId);
	const post = (body: object) => {
		const { headers, raw } = signedCartEvent(path, body);
		return n8n.request(path, { method: 'POST', headers, body: raw });
	};

	test('no 202 without an execution; withdrawn; the retry of the same event enrols and starts one flow', async () => {
		const cartId = `noexec-${randomBytes(3).toString('hex')}`;
		const event = cartEvent(cartId);

		await n8n.database!.pool.query(`insert into refuse_executions values ('test')`);
		const refused = await post(event);
		const refusedText = await refused.text();
		assert.ok(refused.status >= 500, `n8n could not start the flow, so the shop must not hear 202: ${refused.status} ${refusedText}`);
		const withdrawn = await until(
			'the enrolment to be withdrawn',
			async () => {
				const { rows } = await db.pool.query(`select status, recovery_started_at from cart_recovery.carts where cart_id = $1`, [cartId]);
				return rows[0]?.status === 'active' && rows[0];
			},
			15_000,
		);
		assert.equal(withdrawn.recovery_started_at, null);
		const { rows: seen } = await db.pool.query(`select count(*)::int as n from cart_recovery.inbound_events where event_id = $1`, [event.event_id]);
		assert.equal(seen[0].n, 0, 'the event id is forgotten, so the retry is not a duplicate');
		assert.match(n8n.logs(), new RegExp(`could not start the flow for cart ${cartId} \\(answered 500\\); enrolment withdrawn`));

		await n8n.database!.pool.query(`delete from refuse_executions`);
		const retried = await post(event); // the same event, signed again as the shop's sender does
		const answer = await retried.json();
		assert.equal(retried.status, 202, JSON.stringify(answer));
		assert.deepEqual(answer, { accepted: true, enrolled: true, duplicate: false, outcome: 'enrolled' });
		// The 202 came after n8n created the execution: it is in n8n's database already.
		const { rows: created } = await n8n.database!.pool.query(`select count(*)::int as n from execution_entity where "workflowId" = $1`, [flow.id]);
		assert.equal(created[0].n, 1, 'the execution exists when the shop hears 202');

		const again = await post(event);
		assert.deepEqual([again.status, await again.json()], [202, { accepted: true, enrolled: false, duplicate: true, outcome: 'duplicate' }]);
		await n8n.waitForExecutions(flow.id, 1, { timeoutMs: 30_000 });
		await new Promise((r) => setTimeout(r, 1000)); // a late extra execution would show now
		const executions = await executionsOf(cartId);
		assert.equal(executions.length, 1, 'one flow for the cart');
		assert.equal(executions[0].status, 'success');
		const { rows: cart } = await db.pool.query(`select status from cart_recovery.carts where cart_id = $1`, [cartId]);
		assert.equal(cart[0].status, 'recovering');
	});
});

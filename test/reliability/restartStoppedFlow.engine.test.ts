// A recovery flow whose run stopped halfway (its queue-mode worker SIGKILLed: n8n never runs that job again and
// fails the execution) is started again from the Error Trigger, inside n8n's engine on a real Postgres, through the
// SHIPPED workflow's own nodes: Cart Check notes the run it was read in; an item shaped as n8n's Error Trigger
// gives that run's id to Restart Stopped Flow; the shipped Settings and "New Cart Or Restart?" Switch route the
// cart to the wait before the reminder it had reached. Each right answer is worked out here from what the test put
// in the store. (test/scale/queue.test.ts does the same for real, with n8n's own Error Trigger after a SIGKILL.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import type { IDataObject, INode } from 'n8n-workflow';

import { closeAllStores } from '../../lib/store';
import { makeCart, deliveryEnv, type DeliveryEnv } from '../delivery/setup';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';

const shipped = JSON.parse(readFileSync(path.resolve(__dirname, '../../workflows/abandoned-cart-recovery.json'), 'utf8')) as { nodes: INode[]; connections: Record<string, { main: Array<Array<{ node: string }>> }> };
const shippedNode = (name: string) => {
	const found = shipped.nodes.find((n) => n.name === name);
	assert.ok(found, `the shipped workflow has "${name}"`);
	return { ...found, credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' } } } as INode;
};
const SWITCH = 'New Cart Or Restart?';
/** Where the shipped Switch's outputs lead, by output index. */
const switchTargets = shipped.connections[SWITCH].main.map((links) => links.map((l) => l.node).join(', '));

let env: DeliveryEnv;
before(async () => {
	env = await deliveryEnv('restart_stopped_flow');
});
after(async () => {
	await closeAllStores();
	await env?.close();
});

/** Cart Check reads the cart, as at the start of every stage; the run's id is noted with it. Returns that id. */
async function checkInRun(cartId: string): Promise<string> {
	const result = await runWorkflow({
		nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId, inactivityMinutes: 1, minimumValue: 0, minimumCurrency: 'HUF' })],
		connections: connect(['Start', 'Cart Check']),
		credentials: { cartRecoveryStoreApi: env.db.credentials },
	});
	assert.equal(result.status, 'success', result.error?.message);
	const { rows } = await env.db.pool.query<{ execution_id: string }>('select execution_id from cart_recovery.flows where cart_id = $1', [cartId]);
	assert.equal(rows.length, 1, 'Cart Check noted the run');
	return rows[0].execution_id;
}

/**
 * What n8n's Error Trigger outputs for a failed run (execute-error-workflow.js in n8n 2.41): by default a run whose
 * worker died (n8n's MaxStalledCountError message, no step named); `failed` as for a step that failed.
 */
const stoppedRun = (id: string, failed?: { message: string; lastNodeExecuted?: string }) => ({
	execution: {
		id,
		url: `http://localhost:5678/workflow/cartRecoveryMain/executions/${id}`,
		error: { message: failed?.message ?? 'This execution failed to be processed too many times and will no longer retry. To allow this execution to complete, please break down your workflow or scale up your workers or adjust your worker settings.' },
		...(failed?.lastNodeExecuted ? { lastNodeExecuted: failed.lastNodeExecuted } : {}),
		mode: 'webhook',
	},
	workflow: { id: 'cartRecoveryMain', name: 'Abandoned Cart Recovery' },
});

/** Error Trigger items → Restart Stopped Flow → the shipped Settings → the shipped Switch. */
async function restart(items: IDataObject[]) {
	const result = await runWorkflow({
		nodes: [manualTrigger(), shippedNode('Restart Stopped Flow'), shippedNode('Settings'), shippedNode(SWITCH)],
		connections: connect(['Start', 'Restart Stopped Flow'], ['Restart Stopped Flow', 'Settings'], ['Settings', SWITCH]),
		pinData: { Start: items.map((json) => ({ json })) },
		credentials: { cartRecoveryStoreApi: env.db.credentials },
	});
	const routed = result.outputs(SWITCH).flatMap((items, output) => items.map((json) => ({ to: switchTargets[output], json: json as Record<string, any> })));
	return { result, routed };
}

test('a stopped run goes on from the reminder its cart had reached; once; nothing for a bought cart or an unknown run', async () => {
	const fresh = await makeCart(env.store, { firstName: 'Anna', email: 'anna.kovacs@example.hu' });
	const afterFirst = await makeCart(env.store, { firstName: 'Bence', email: 'bence@example.hu' });
	const afterSecond = await makeCart(env.store, { firstName: 'Csilla', email: 'csilla@example.hu' });
	const bought = await makeCart(env.store, { firstName: 'Dóra', email: 'dora@example.hu' });
	const runs = {
		fresh: await checkInRun(fresh),
		afterFirst: await checkInRun(afterFirst),
		afterSecond: await checkInRun(afterSecond),
		bought: await checkInRun(bought),
	};
	assert.equal(new Set(Object.values(runs)).size, 4, 'each run has its own id');
	// Bence's first reminder went out; Csilla's second was claimed when her worker died (never confirmed, never resent)
	// after an SMS the provider refused for certain (released).
	const claim = async (cartId: string, stage: number, channel: 'email' | 'sms' | 'whatsapp') => {
		const c = await env.store.claimMessage({ cartId, stage, channel });
		assert.ok(c.claimed);
		return c;
	};
	for (const cartId of [afterFirst, afterSecond]) {
		const sent = await claim(cartId, 1, 'email');
		await env.store.completeMessage({ messageId: sent.message_id, claimToken: sent.claim_token, status: 'sent', providerId: `sg-${cartId}` });
	}
	const released = await claim(afterSecond, 3, 'sms');
	await env.store.completeMessage({ messageId: released.message_id, claimToken: released.claim_token, status: 'released', providerId: null, error: 'not accepted' });
	await claim(afterSecond, 2, 'whatsapp');
	await env.store.recordCartEvent({ source: 'generic', event_id: `${bought}-order`, type: 'order', cart_id: bought, order_id: `o-${bought}`, order_value: 12990 });

	const { result, routed } = await restart([stoppedRun(runs.fresh), stoppedRun(runs.afterFirst), stoppedRun(runs.afterSecond), stoppedRun(runs.bought), stoppedRun('999999')]);
	assert.equal(result.status, 'success', result.error?.message);
	const byCart = (cartId: string | null) => routed.find((r) => r.json.cart_id === cartId)!;

	assert.equal(byCart(fresh).to, 'Wait Before First Reminder');
	assert.equal(byCart(afterFirst).to, 'Wait Before Second Reminder');
	assert.equal(byCart(afterSecond).to, 'Wait Before Final Offer');
	assert.equal(byCart(bought).to, 'End: Nothing To Restart');
	assert.equal(byCart(null).to, 'End: Nothing To Restart');

	// The restarted item is what the trigger passes on (the sequence's steps read these), plus the restart and Settings.
	const anna = byCart(fresh).json;
	assert.match(anna.result, /^Restarted: Anna · a\*\*\*@example\.hu \(cart .+\) goes on from the first reminder; run .+ had stopped$/);
	assert.deepEqual([anna.email, anna.first_name, anna.currency, anna.value, anna.item_count, anna.cart_status], ['anna.kovacs@example.hu', 'Anna', 'HUF', 12990, 1, 'recovering']);
	assert.deepEqual(anna.restart, { restarted: true, reason: 'restarted', stopped_run: runs.fresh, stopped_because: stoppedRun('').execution.error.message, failed_step: null, resume_stage: 1, restarts: 1 });
	assert.equal(anna.second_reminder_after_hours, 2, 'Settings ran for the restarted item');
	assert.match(byCart(afterSecond).json.result, /goes on from the final offer/);
	assert.match(byCart(bought).json.result, /^Not restarted: cart .+ was bought after run .+ stopped/);
	assert.match(byCart(null).json.result, /^Not restarted: the store knows no cart whose flow ran in run 999999/);

	// n8n runs the Error Trigger once per failed run; were it to run twice, the flow is not started twice.
	const again = await restart([stoppedRun(runs.fresh)]);
	assert.equal(again.routed[0].to, 'End: Nothing To Restart');
	assert.match(again.routed[0].json.result, /^Not restarted: the flow of cart .+ was started again for run .+ already$/);
	const { rows } = await env.db.pool.query('select cart_id, restarts from cart_recovery.flows where restarts > 0 order by cart_id');
	assert.deepEqual(rows.map((r) => r.restarts), [1, 1, 1]);
});

test('a step that failed, and a run main reported while it may go on: both restarted, each once', async () => {
	const failedStep = await makeCart(env.store, { firstName: 'Emese', email: 'emese@example.hu' });
	const mainRestarted = await makeCart(env.store, { firstName: 'Ferenc', email: 'ferenc@example.hu' });
	const runs = { failedStep: await checkInRun(failedStep), mainRestarted: await checkInRun(mainRestarted) };
	// Ferenc's first reminder went out before main restarted.
	const sent = await env.store.claimMessage({ cartId: mainRestarted, stage: 1, channel: 'email' });
	assert.ok(sent.claimed);
	await env.store.completeMessage({ messageId: sent.message_id, claimToken: sent.claim_token, status: 'sent', providerId: 'sg-ferenc' });
	const items = [
		stoppedRun(runs.failedStep, { message: 'Cannot reach the Cart Recovery Store (Postgres at 127.0.0.1:5432): connection refused', lastNodeExecuted: 'Cart Check (First Reminder)' }),
		// What main reports for each run it was waiting on when its connection to the queue closes (a main restart). The
		// run may go on in its worker or not; a second flow beside it sends nothing twice (test/delivery: already sent
		// leaves on Sent), so it is restarted.
		stoppedRun(runs.mainRestarted, { message: 'Connection is closed.' }),
	];
	const { result, routed } = await restart(items);
	assert.equal(result.status, 'success', result.error?.message);
	const to = (cartId: string) => routed.find((r) => r.json.cart_id === cartId)!;
	assert.equal(to(failedStep).to, 'Wait Before First Reminder');
	assert.equal(to(failedStep).json.restart.failed_step, 'Cart Check (First Reminder)');
	assert.equal(to(mainRestarted).to, 'Wait Before Second Reminder');
	assert.equal(to(mainRestarted).json.restart.stopped_because, 'Connection is closed.');
	assert.match(to(mainRestarted).json.result, /^Restarted: Ferenc · f\*\*\*@example\.hu \(cart .+\) goes on from the second reminder; run .+ had stopped$/);

	// n8n ran the Error Trigger twice for a run main was waiting on (seen in the scale test): the second does nothing.
	const again = await restart(items);
	assert.deepEqual(again.routed.map((r) => r.to), ['End: Nothing To Restart', 'End: Nothing To Restart']);
	const { rows } = await env.db.pool.query('select restarts from cart_recovery.flows where cart_id = any($1) order by cart_id', [[failedStep, mainRestarted]]);
	assert.deepEqual(rows.map((r) => r.restarts), [1, 1]);
});

test('a new cart from the Abandoned Cart Trigger takes the Switch\'s New Cart output', async () => {
	const result = await runWorkflow({
		nodes: [manualTrigger(), shippedNode('Settings'), shippedNode(SWITCH)],
		connections: connect(['Start', 'Settings'], ['Settings', SWITCH]),
		pinData: { Start: [{ json: { cart_id: 'c-new', email: 'uj@example.hu', outcome: 'enrolled', cart_status: 'recovering' } }] },
	});
	assert.equal(result.status, 'success', result.error?.message);
	const outputs = result.outputs(SWITCH);
	const taken = outputs.findIndex((items) => items.length > 0);
	assert.equal(taken, outputs.length - 1, 'the fallback output (New Cart), the last one');
	assert.equal(switchTargets[taken], 'Wait Before First Reminder');
});

test('Stopped Run empty: the node fails naming the field', async () => {
	const { result } = await restart([{ execution: {} }]);
	assert.equal(result.status, 'error');
	assert.match(String(result.error?.message), /Stopped Run is empty/);
});

test('Restart Crashed Runs without its n8n API credential: one item saying it did not look, through the Switch to its end', async () => {
	const result = await runWorkflow({
		nodes: [manualTrigger(), shippedNode('Restart Crashed Runs'), shippedNode('Settings'), shippedNode(SWITCH)],
		connections: connect(['Start', 'Restart Crashed Runs'], ['Restart Crashed Runs', 'Settings'], ['Settings', SWITCH]),
		pinData: { Start: [{ json: {} }] },
		credentials: { cartRecoveryStoreApi: env.db.credentials },
	});
	assert.equal(result.status, 'success', result.error?.message);
	const [item] = result.output('Restart Crashed Runs') as Array<Record<string, any>>;
	assert.equal(item.result, 'Not checked: choose an n8n API credential in this step, so it can find the runs n8n marked crashed');
	assert.equal(switchTargets[result.outputs(SWITCH).findIndex((items) => items.length > 0)], 'End: Nothing To Restart');
});

test('Restart Crashed Runs: a Look Back outside 1–720 hours fails the node, naming the field', async () => {
	const result = await runWorkflow({
		nodes: [manualTrigger(), { ...shippedNode('Restart Crashed Runs'), parameters: { resource: 'flow', operation: 'restartCrashed', lookBackHours: 0 } }],
		connections: connect(['Start', 'Restart Crashed Runs']),
		pinData: { Start: [{ json: {} }] },
		credentials: { cartRecoveryStoreApi: env.db.credentials },
	});
	assert.equal(result.status, 'error');
	assert.match(String(result.error?.message), /^Look Back \(Hours\) must be between 1 and 720/);
});

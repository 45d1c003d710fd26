// Messages stuck between claim and record, settled by the Recovery Report node's Message operations inside n8n's
// engine on a real Postgres: a sender "dies" after its claim (the claim is taken as the send node takes it, then
// nothing records it). With the customer's answer to it on record it is confirmed sent; without proof it becomes
// "unknown"; a younger claim is left to its sender; the dry run changes nothing; and Email Send, run again for the
// settled (cart, stage, channel), sends nothing — the SendGrid fake receives no mail.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import type { IConnections, IDataObject, INode } from 'n8n-workflow';

import { closeAllStores } from '../../lib/store';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { deliveryEnv, makeCart, messageRows, outcomes, runSend, type DeliveryEnv } from './setup';

let env: DeliveryEnv;
let sg: SendGridFake;
let carts: { proved: string; unproved: string; young: string };
let phone: string;

before(async () => {
	env = await deliveryEnv('delivery_stuck');
	sg = await startSendGridFake();
	phone = '+36301234567';
	carts = {
		proved: await makeCart(env.store, { firstName: 'Anna', email: 'anna.kovacs@example.hu', phone }),
		unproved: await makeCart(env.store, { firstName: 'Bence', email: 'bence@example.hu' }),
		young: await makeCart(env.store, { firstName: 'Csilla', email: 'csilla@example.hu' }),
	};
	// Three senders claimed their message and stopped before recording the provider's answer.
	for (const [cartId, stage, channel] of [[carts.proved, 2, 'whatsapp'], [carts.unproved, 1, 'email'], [carts.young, 1, 'email']] as const) {
		const claim = await env.store.claimDelivery({ cartId, stage, channel });
		assert.ok(claim.claimed);
	}
	await env.db.pool.query(`update cart_recovery.messages set claimed_at = now() - interval '50 minutes' where cart_id = any($1)`, [[carts.proved, carts.unproved]]);
	await env.db.pool.query(`update cart_recovery.messages set claimed_at = now() - interval '2 minutes' where cart_id = $1`, [carts.young]);
	// Anna pressed the WhatsApp message's "Kérem a kódot" button: Meta delivered the reply, which names her cart.
	await env.store.recordChannelEvent({
		provider: 'meta', channel: 'whatsapp', eventId: 'wamid.stuck-reply-1', kind: 'reply', at: new Date(Date.now() - 40 * 60_000).toISOString(),
		address: phone, reply: 'button', text: 'Kérem a kódot', payload: `code:${carts.proved}`, action: 'code', cartId: carts.proved, inReplyTo: null,
	});
});
after(async () => {
	await closeAllStores();
	await sg?.close();
	await env?.close();
});

async function runReport(parameters: IDataObject) {
	const result = await runWorkflow({
		nodes: [manualTrigger(), node('Stuck Messages', 'recoveryReport', { resource: 'message', ...parameters })],
		connections: connect(['Start', 'Stuck Messages']),
		pinData: { Start: [{ json: {} }] },
		credentials: { cartRecoveryStoreApi: env.db.credentials },
	});
	return { result, items: result.output('Stuck Messages') as Array<Record<string, any>> };
}

const statuses = async () =>
	(await env.db.pool.query<{ first_name: string; stage: number; channel: string; status: string; sent: boolean }>(
		`select c.first_name, m.stage, m.channel, m.status, m.sent_at is not null as sent from cart_recovery.messages m join cart_recovery.carts c using (cart_id) order by c.first_name`,
	)).rows.map((r) => `${r.first_name} ${r.stage} ${r.channel} ${r.status}${r.sent ? ' (sent_at)' : ''}`);

test('Get Stuck Messages lists what settling would do, and changes nothing', async () => {
	const { result, items } = await runReport({ operation: 'getStuck', olderThanMinutes: 30 });
	assert.equal(result.status, 'success', result.error?.message);
	assert.deepEqual(items.map((i) => [i.cart_id, i.stage, i.channel, i.outcome, i.settled]), [
		[carts.proved, 2, 'whatsapp', 'sent', false],
		[carts.unproved, 1, 'email', 'unknown', false],
	]);
	assert.match(items[0].result, /^Anna · a\*\*\*@example\.hu: the stage 2 WhatsApp \(cart .+\) was started 50 min ago and never recorded; the customer answered it \(Meta: button code\): would be marked sent$/);
	assert.match(items[1].result, /^Bence · b\*\*\*@example\.hu: the stage 1 email .* would be marked unknown \(never sent again\)$/);
	assert.equal(items[0].summary, '2 stuck message(s): 1 would be marked sent, 1 unknown');
	assert.deepEqual(await statuses(), ['Anna 2 whatsapp queued', 'Bence 1 email queued', 'Csilla 1 email queued']);
});

test('Settle Stuck Messages: proved → sent, unproved → unknown with its reason, the young claim untouched; a second run finds none', async () => {
	const { result, items } = await runReport({ operation: 'settleStuck', olderThanMinutes: 30 });
	assert.equal(result.status, 'success', result.error?.message);
	assert.deepEqual(items.map((i) => [i.customer, i.outcome, i.settled, i.evidence?.kind ?? null]), [
		['Anna · a***@example.hu', 'sent', true, 'customer_answer'],
		['Bence · b***@example.hu', 'unknown', true, null],
	]);
	assert.match(items[0].result, /: marked sent$/);
	assert.match(items[1].result, /: marked unknown, not sent again — check the provider’s log and decide$/);
	assert.equal(items[1].summary, '2 stuck message(s) settled: 1 marked sent, 1 marked unknown for you to decide');
	assert.deepEqual(await statuses(), ['Anna 2 whatsapp sent (sent_at)', 'Bence 1 email unknown', 'Csilla 1 email queued']);
	const [bence] = await messageRows(env, carts.unproved);
	assert.match(String(bence.error), /^Outcome unknown: claimed 50 min ago, .* check the provider's log and decide\.$/);

	const again = await runReport({ operation: 'settleStuck', olderThanMinutes: 30 });
	assert.deepEqual(again.items.map((i) => [i.result, i.found]), [['No stuck message: every message started more than 30 min ago was recorded', 0]]);
});

test('Email Send run again for the settled message sends nothing; the same cart’s next stage still goes out', async () => {
	const credentials = {
		cartRecoveryStoreApi: env.db.credentials,
		sendGridCartRecoveryApi: { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', fromName: 'Chatbuddy Shop', region: 'custom', baseUrl: sg.url },
	};
	const params = (stage: number) => ({ cartId: '={{ $json.cart_id }}', stage, unsubscribeBaseUrl: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe', shop: { name: 'Chatbuddy Shop' }, options: { sandbox: true } });
	const resend = await runSend('emailSend', params(1), [{ cart_id: carts.unproved }], credentials);
	assert.equal(resend.status, 'success', resend.error?.message);
	// The customer may have it: the item goes on along Sent (no fallback channel), marked as not sent again.
	const { sent, skipped } = outcomes(resend);
	assert.equal(skipped.length, 0);
	assert.equal(sent.length, 1);
	assert.deepEqual([(sent[0].delivery as IDataObject).outcome, (sent[0].delivery as IDataObject).reason], ['skipped', 'outcome_unknown']);
	assert.equal(sg.accepted.filter((m) => m.body.personalizations[0].to[0].email === 'bence@example.hu').length, 0, 'SendGrid received nothing for the unknown message');
	assert.deepEqual((await messageRows(env, carts.unproved)).map((m) => [m.stage, m.status]), [[1, 'unknown']]);

	const next = await runSend('emailSend', params(2), [{ cart_id: carts.unproved }], credentials);
	assert.equal(outcomes(next).sent.length, 1, JSON.stringify(outcomes(next).skipped));
	assert.equal(sg.accepted.filter((m) => m.body.personalizations[0].to[0].email === 'bence@example.hu').length, 1);
});

test('the shipped maintenance workflow, run as it is (its schedule replaced by a manual start), settles a stuck message', async () => {
	const wf = JSON.parse(readFileSync(path.resolve(__dirname, '../../workflows/maintenance.json'), 'utf8')) as { nodes: INode[]; connections: IConnections };
	const schedule = wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger');
	assert.ok(schedule, 'the maintenance workflow starts on a schedule');
	const settle = wf.nodes.find((n) => n.type === 'n8n-nodes-cart-recovery.recoveryReport');
	assert.deepEqual([settle?.parameters.resource, settle?.parameters.operation], ['message', 'settleStuck']);

	const dora = await makeCart(env.store, { firstName: 'Dóra', email: 'dora@example.hu' });
	assert.ok((await env.store.claimDelivery({ cartId: dora, stage: 1, channel: 'email' })).claimed);
	await env.db.pool.query(`update cart_recovery.messages set claimed_at = now() - interval '3 hours' where cart_id = $1`, [dora]);
	// Sticky notes only sit on the canvas (the in-process registry holds the nodes that run).
	const nodes = wf.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote').map((n) => (n === schedule ? { ...manualTrigger(n.name), position: n.position } : n));
	const result = await runWorkflow({ nodes, connections: wf.connections, pinData: { [schedule.name]: [{ json: {} }] }, credentials: { cartRecoveryStoreApi: env.db.credentials } });
	assert.equal(result.status, 'success', result.error?.message);
	const items = result.output(settle!.name) as Array<Record<string, any>>;
	assert.deepEqual(items.map((i) => [i.customer, i.outcome]), [['Dóra · d***@example.hu', 'unknown']]);
	assert.deepEqual((await messageRows(env, dora)).map((m) => m.status), ['unknown']);
});

test('the report counts the message confirmed sent, and neither the unknown nor the queued ones', async () => {
	const { result, items } = await runReport({ resource: 'report', operation: 'getReport', period: 'today', output: 'funnel' });
	assert.equal(result.status, 'success', result.error?.message);
	// Anna's WhatsApp (confirmed) and Bence's second email (sent by Email Send); Bence's and Dóra's unknown first emails
	// and Csilla's queued one are not messages sent.
	assert.deepEqual(items.map((f) => [f.stage, f.channel, f.sent, f.failed]), [[2, 'email', 1, 0], [2, 'whatsapp', 1, 0]]);
});

test('a threshold under five minutes fails the node, naming the field', async () => {
	const { result } = await runReport({ operation: 'settleStuck', olderThanMinutes: 2 });
	assert.equal(result.status, 'error');
	assert.equal(String(result.error?.message), '"Stuck For (Minutes)" must be a whole number of at least 5, not 2');
	assert.deepEqual(await statuses(), ['Anna 2 whatsapp sent (sent_at)', 'Bence 1 email unknown', 'Bence 2 email sent (sent_at)', 'Csilla 1 email queued', 'Dóra 1 email unknown']);
});

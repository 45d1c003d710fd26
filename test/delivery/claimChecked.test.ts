// A send in two store round trips (migration 13, claim_checked): the pipeline on Postgres with every store call
// counted at the transport (one count = one round trip). A refusal — consent withdrawn after the flow started, a
// purchase, quiet hours, the cap — is decided and recorded in the one call; a send is that call plus the complete.
// Email Send in n8n's engine records each skip once (the node no longer records what the store did).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { deliver } from '../../lib/delivery/pipeline';
import type { ChannelAdapter, DeliveryPolicy } from '../../lib/delivery/types';
import { smsRecipient } from '../../lib/channels/sms/builder';
import { closeAllStores, type CartEvent } from '../../lib/store';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { deliveryEnv, makeCart, messageRows, outcomes, runSend, type DeliveryEnv } from './setup';

let env: DeliveryEnv;
/** The SQL functions the store ran, in order, since the last reset. */
let calls: string[] = [];

before(async () => {
	env = await deliveryEnv('delivery_claim_checked');
	const transport = env.store.transport;
	const call = transport.call.bind(transport);
	transport.call = <T>(fn: string, args: Record<string, unknown>) => (calls.push(fn.replace(/^cart_recovery_/, '')), call<T>(fn, args));
});
after(async () => {
	await closeAllStores();
	await env.close();
});

const policy: DeliveryPolicy = { quietHours: null, frequencyCap: null, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
const sent: string[] = [];
const emailAdapter: ChannelAdapter<string> = {
	channel: 'email',
	provider: 'Test',
	recipient: (cart) => (cart.email ? { ok: true, address: cart.email.toLowerCase(), subject: { customerId: cart.customer_id, email: cart.email } } : { ok: false, reason: 'no_address', detail: 'The cart has no email address' }),
	render: ({ address }) => `hello ${address}`,
	send: async (message) => (sent.push(message), { providerId: `p-${sent.length}` }),
};
const smsAdapter: ChannelAdapter<string> = { ...emailAdapter, channel: 'sms', recipient: (cart) => smsRecipient(cart, 'HU') };

const skipsOf = async (cartId: string) =>
	(await env.db.pool.query('select outcome, reason, times from cart_recovery.skips where cart_id = $1 order by reason', [cartId])).rows.map((r) => [r.outcome, r.reason, r.times]);

async function send(cartId: string, adapter = emailAdapter, p: DeliveryPolicy = policy, stage = 1) {
	calls = [];
	const result = await deliver(env.store, adapter, { cartId, stage }, p);
	return { result, calls: [...calls] };
}

describe('the send path in two round trips', () => {
	test('a send: claim_checked, then complete_message — nothing else', async () => {
		const cartId = await makeCart(env.store);
		const { result, calls } = await send(cartId);
		assert.equal(result.outcome, 'sent');
		assert.deepEqual(calls, ['claim_checked', 'complete_message']);
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['sent']);
	});

	test('consent withdrawn after the flow started: skipped and recorded in the same single call, nothing claimed', async () => {
		const cartId = await makeCart(env.store, { email: 'late.optout@example.hu' });
		await env.store.withdrawConsent({ channel: 'email', address: 'late.optout@example.hu', source: 'unsubscribe_link' });
		const before = sent.length;
		const { result, calls } = await send(cartId);
		assert.deepEqual([result.outcome, result.outcome === 'skipped' && result.reason, result.to], ['skipped', 'withdrawn', 'late.optout@example.hu']);
		assert.deepEqual(calls, ['claim_checked'], 'no get_cart, check_consent, claim or record_skip of its own');
		assert.deepEqual(await skipsOf(cartId), [['skipped', 'withdrawn', 1]]);
		assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed');
		assert.equal(sent.length, before, 'nothing sent');
	});

	test('a purchase while the flow waited: skipped "purchased" in one call, recorded', async () => {
		const cartId = await makeCart(env.store);
		await env.store.recordCartEvent({ source: 'generic', event_id: `${cartId}-order`, type: 'order', cart_id: cartId, currency: 'HUF', value: 12990, items: [], order_id: `o-${cartId}`, order_value: 12990 } as unknown as CartEvent);
		const { result, calls } = await send(cartId);
		assert.deepEqual([result.outcome, result.outcome === 'skipped' && result.reason], ['skipped', 'purchased']);
		assert.match(String(result.outcome === 'skipped' && result.detail), /^The cart was bought \(converted at /);
		assert.deepEqual(calls, ['claim_checked']);
		assert.deepEqual(await skipsOf(cartId), [['skipped', 'purchased', 1]]);
	});

	test('quiet hours and the frequency cap defer in one call, recorded; a second stage is capped by the first', async () => {
		const cartId = await makeCart(env.store);
		const quiet = { ...policy, quietHours: { start: '00:00', end: '23:59', timezone: 'UTC' } };
		const now = new Date();
		// Inside the window unless this runs in the last minute of a UTC day.
		if (now.getUTCHours() === 23 && now.getUTCMinutes() === 59) return;
		const deferred = await send(cartId, emailAdapter, quiet);
		assert.deepEqual([deferred.result.outcome, deferred.result.outcome === 'deferred' && deferred.result.reason], ['deferred', 'quiet_hours']);
		assert.deepEqual(deferred.calls, ['claim_checked']);

		const capped = { ...policy, frequencyCap: { max: 1, windowHours: 24, whenCapped: 'defer' as const } };
		assert.equal((await send(cartId, emailAdapter, capped, 1)).result.outcome, 'sent');
		const second = await send(cartId, emailAdapter, capped, 2);
		assert.deepEqual([second.result.outcome, second.result.outcome === 'deferred' && second.result.reason], ['deferred', 'frequency_cap']);
		assert.ok(second.result.outcome === 'deferred' && new Date(second.result.sendAt).getTime() > Date.now() + 23 * 3600_000);
		assert.deepEqual(second.calls, ['claim_checked']);
		assert.deepEqual(await skipsOf(cartId), [['deferred', 'frequency_cap', 1], ['deferred', 'quiet_hours', 1]]);
	});

	test('a frequency cap that frees inside the quiet hours defers to their end plus the message\'s own place in the spread', async () => {
		const cartId = await makeCart(env.store);
		const capped = { ...policy, frequencyCap: { max: 1, windowHours: 24, whenCapped: 'defer' as const } };
		assert.equal((await send(cartId, emailAdapter, capped, 1)).result.outcome, 'sent');
		// Quiet from an hour before to an hour after this time of day (UTC), so the cap frees (in 24 h) inside them; the
		// deciding clock is half a day on, outside them.
		const hhmm = (d: Date) => d.toISOString().slice(11, 16);
		const start = new Date(Date.now() - 3600_000);
		const end = new Date(Date.now() + 3600_000);
		const quietCapped = { ...capped, quietHours: { start: hhmm(start), end: hhmm(end), timezone: 'UTC', spreadMinutes: 30 } };
		const result = await deliver(env.store, emailAdapter, { cartId, stage: 2 }, quietCapped, { now: () => new Date(Date.now() + 12 * 3600_000) });
		assert.ok(result.outcome === 'deferred' && result.reason === 'frequency_cap', JSON.stringify(result));
		const endTomorrow = Date.parse(`${new Date(Date.now() + 24 * 3600_000 + 3600_000).toISOString().slice(0, 16)}:00Z`);
		const at = new Date(result.sendAt).getTime();
		assert.ok(at >= endTomorrow && at < endTomorrow + 30 * 60_000, `sendAt ${result.sendAt} within the half hour after ${new Date(endTomorrow).toISOString()}`);
	});

	test('already sent: skipped in one call, recorded once per run', async () => {
		const cartId = await makeCart(env.store);
		await send(cartId);
		const { result, calls } = await send(cartId);
		assert.deepEqual([result.outcome, result.outcome === 'skipped' && result.reason], ['skipped', 'already_sent']);
		assert.match(String(result.outcome === 'skipped' && result.detail), /^Already sent \(provider id p-\d+\)$/);
		assert.deepEqual(calls, ['claim_checked']);
		assert.deepEqual(await skipsOf(cartId), [['skipped', 'already_sent', 1]]);
	});

	test('skips the pipeline decides itself (no address, holdout) cost one record_skip and no claim', async () => {
		const cartId = await makeCart(env.store, { email: null });
		const { result, calls } = await send(cartId);
		assert.deepEqual([result.outcome, result.outcome === 'skipped' && result.reason], ['skipped', 'no_address']);
		assert.deepEqual(calls, ['claim_checked', 'record_skip']);
		calls.length = 0;
		const held = await deliver(env.store, emailAdapter, { cartId, stage: 2, holdout: { experiment: 'x', variant: 'Kontroll' } }, policy);
		assert.equal(held.outcome, 'skipped');
		assert.deepEqual(await skipsOf(cartId), [['skipped', 'holdout', 1], ['skipped', 'no_address', 1]]);
	});

	test('a national number the store cannot read: asked again with the address the channel reads (three round trips), sent to E.164', async () => {
		const cartId = await makeCart(env.store, { phone: '06 30 222 3344', consent: [] });
		await env.store.recordConsent({ channel: 'sms', address: '+36302223344', source: 'checkout_checkbox', wording: 'Kérek SMS-t' });
		const { result, calls } = await send(cartId, smsAdapter);
		assert.deepEqual([result.outcome, result.to], ['sent', '+36302223344']);
		assert.deepEqual(calls, ['claim_checked', 'claim_checked', 'complete_message']);
	});
});

describe('Email Send in the engine', () => {
	let sg: SendGridFake;
	before(async () => {
		sg = await startSendGridFake();
	});
	after(() => sg.close());

	test('a withdrawn customer: Skipped with the reason, the skip recorded once (not again by the node)', async () => {
		const cartId = await makeCart(env.store, { email: 'engine.optout@example.hu' });
		await env.store.withdrawConsent({ channel: 'email', address: 'engine.optout@example.hu', source: 'unsubscribe_link' });
		const credentials = {
			cartRecoveryStoreApi: env.db.credentials,
			sendGridCartRecoveryApi: { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', region: 'custom', baseUrl: sg.url },
		};
		const r = await runSend('emailSend', { cartId: '={{ $json.cart_id }}', stage: 1, unsubscribeBaseUrl: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe' }, [{ cart_id: cartId }], credentials);
		assert.equal(r.status, 'success', r.error?.message);
		const { skipped } = outcomes(r);
		assert.deepEqual([skipped.length, (skipped[0]?.delivery as { reason?: string })?.reason], [1, 'withdrawn']);
		assert.deepEqual(await skipsOf(cartId), [['skipped', 'withdrawn', 1]]);
		assert.equal(sg.requests.length, 0, 'SendGrid not called');
	});
});

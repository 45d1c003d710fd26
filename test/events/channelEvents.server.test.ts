// The Channel Events Trigger and Reply to Customer inside a real n8n server (the packed tarball installed as a
// community package), on the shipped workflow workflows/channel-events.json, with the store on real Postgres. Every
// provider's events arrive signed as the provider signs them; forged, missing, stale and altered signatures and a few
// hundred malformed bodies are refused with nothing written; duplicates count once; a "send me the code" button gets
// the code back on WhatsApp exactly once.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { listRowTitle, productRowId } from '../../lib/channels/whatsapp/tapped';
import { closeAllStores, CartRecoveryStore, PostgresTransport, type CartEvent } from '../../lib/store';
import { keepSuccessfulExecutions, type WorkflowJson } from '../e2e/workflows';
import { startMetaFake, type MetaFake } from '../fakes/meta';
import { APP_SECRET, signMeta, VERIFY_TOKEN, messengerBody, msgQuickReply, whatsappMessages, whatsappMessage, waButtonReply, waListReply, waText, whatsappStatuses, whatsappStatus, whatsappPreference, contact } from '../fakes/metaEvents';
import { createSendGridEventSigner, sendGridEvents } from '../fakes/sendgridEvents';
import { formBody, inboundSms, signTwilio, statusCallback } from '../fakes/twilioEvents';
import { ROOT, startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

const TWILIO_TOKEN = randomBytes(16).toString('hex');
const signer = createSendGridEventSigner();
const run = randomBytes(3).toString('hex');

const shipped: WorkflowJson = JSON.parse(readFileSync(path.join(ROOT, 'workflows', 'channel-events.json'), 'utf8'));
const trigger = (name: string) => shipped.nodes.find((n) => n.name === name)!;
const hookPath = (name: string) => `/webhook/${trigger(name).webhookId}/events`;
const SENDGRID = hookPath('SendGrid Events');
const TWILIO = hookPath('Twilio Events');
const META = hookPath('WhatsApp and Messenger Events');

/** The same SendGrid trigger with every output switched on, for the Status output. */
const statusFlow: WorkflowJson = {
	id: 'crEvtStatus00001',
	name: 'Channel events: status output',
	nodes: [
		{ ...structuredClone(trigger('SendGrid Events')), name: 'SendGrid Events', webhookId: '5c0e1d2a-7b1e-4c55-9a01-5e7d000000ff', parameters: { provider: 'sendgrid', startFor: ['reply', 'status', 'opt_out'], options: {} } },
		{ name: 'Status', type: 'n8n-nodes-base.noOp', parameters: {}, ...({ id: 'aa000000-0000-4000-8000-0000000000f1', typeVersion: 1, position: [300, 0] } as object) } as WorkflowJson['nodes'][number],
	],
	connections: { 'SendGrid Events': { main: [[], [{ node: 'Status', type: 'main', index: 0 } as { node: string; index: number }], []] } },
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
};
const STATUS_FLOW = `/webhook/${statusFlow.nodes[0].webhookId}/events`;

let db: TestDatabase;
let store: CartRecoveryStore;
let meta: MetaFake;
let n8n: N8nServer;

interface Answer {
	status: number;
	text: string;
	json: any;
}
async function request(pathname: string, init: RequestInit): Promise<Answer> {
	const res = await n8n.request(pathname, init);
	const text = await res.text();
	let json: any = null;
	try {
		json = JSON.parse(text);
	} catch {
		json = null;
	}
	return { status: res.status, text, json };
}

const postSendGrid = (events: unknown[], options: { timestamp?: number; headers?: Record<string, string>; raw?: string; to?: string } = {}) => {
	const raw = options.raw ?? JSON.stringify(events);
	const headers = { 'content-type': 'application/json', ...signer.sign(raw, options.timestamp), ...options.headers };
	return request(options.to ?? SENDGRID, { method: 'POST', headers, body: raw });
};
const postTwilio = (params: Record<string, string>, options: { query?: string; token?: string; signature?: string } = {}) => {
	const pathname = `${TWILIO}${options.query ?? ''}`;
	const url = n8n.baseUrl + pathname;
	const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': options.signature ?? signTwilio(options.token ?? TWILIO_TOKEN, url, params) };
	return request(pathname, { method: 'POST', headers, body: formBody(params) });
};
const postMeta = (body: unknown, options: { secret?: string; raw?: string } = {}) => {
	const raw = options.raw ?? JSON.stringify(body);
	return request(META, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(options.secret ?? APP_SECRET, raw) }, body: raw });
};

const counts = async () =>
	(
		await db.pool.query(
			`select (select count(*) from cart_recovery.channel_events)::int as events,
			        (select count(*) from cart_recovery.consent_events)::int as consent_events,
			        (select count(*) from cart_recovery.inbound_messages)::int as inbound`,
		)
	).rows[0] as { events: number; consent_events: number; inbound: number };

let seq = 0;
/** A cart in recovery with one sent message on `channel`; returns the ids the provider would know. */
async function sentMessage(channel: 'email' | 'sms' | 'whatsapp', overrides: Partial<CartEvent> = {}) {
	seq++;
	const cartId = `evt-${run}-${seq}`;
	const event: CartEvent = {
		source: 'generic',
		event_id: `${cartId}-created`,
		type: 'cart',
		cart_id: cartId,
		email: `vevo.${run}.${seq}@example.hu`,
		phone: `+363022${String(10000 + seq).slice(-5)}`,
		first_name: 'Csilla',
		locale: 'hu',
		currency: 'HUF',
		value: 24980,
		items: [{ name: 'Túracipő, 42', quantity: 1, price: 24980 }],
		restore_url: `https://cipobolt.example.hu/kosar/${cartId}`,
		...overrides,
	};
	assert.equal((await store.recordCartEvent(event)).outcome, 'enrolled');
	const claim = await store.claimMessage({ cartId, stage: 1, channel });
	assert.ok(claim.claimed);
	const providerId = channel === 'email' ? randomBytes(16).toString('base64url').slice(0, 22) : channel === 'sms' ? `SM${randomBytes(16).toString('hex')}` : `wamid.${randomBytes(12).toString('hex')}`;
	await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId });
	return { cartId, messageId: claim.message_id, providerId, email: event.email!, phone: event.phone! };
}
const messageRow = async (messageId: string) =>
	(await db.pool.query('select status, delivered_at, opened_at, clicked_at, machine_opened_at, error_code, permanent_failure from cart_recovery.messages where message_id = $1', [messageId])).rows[0];
const cartReturned = async (cartId: string) => (await db.pool.query('select status, returned_at from cart_recovery.carts where cart_id = $1', [cartId])).rows[0];

before(async () => {
	db = await freshDatabase('channel_events_server');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	meta = await startMetaFake();
	const flow = structuredClone(shipped);
	keepSuccessfulExecutions(flow);
	n8n = await startN8n({
		label: 'events',
		credentials: [
			{ id: 'cartRecStore0001', name: 'Cart Recovery Store', type: 'cartRecoveryStoreApi', data: { ...db.credentials } },
			{ id: 'cartRecSendGrid1', name: 'SendGrid (Cart Recovery)', type: 'sendGridCartRecoveryApi', data: { apiKey: 'SG.test', fromEmail: 'bolt@cipobolt.example.hu', region: 'custom', baseUrl: 'http://127.0.0.1:9', eventWebhookVerificationKey: signer.verificationKey } },
			{ id: 'cartRecTwilio001', name: 'Twilio (Cart Recovery)', type: 'twilioCartRecoveryApi', data: { accountSid: `AC${'1'.repeat(32)}`, authType: 'authToken', authToken: TWILIO_TOKEN, senderType: 'phoneNumber', from: '+36709990000', baseUrl: 'http://127.0.0.1:9' } },
			{ id: 'cartRecMeta00001', name: 'Meta (Cart Recovery)', type: 'metaCartRecoveryApi', data: meta.credentials({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN }) },
		],
		workflows: [flow, statusFlow],
	});
});

after(async () => {
	await n8n?.stop();
	await meta?.close();
	await store?.close();
	await closeAllStores();
	await db?.drop();
});

/** Executions of a workflow after giving n8n time to start any it would (to assert "exactly n"). */
async function settled(workflowId: string, expected: number) {
	if (expected > 0) await n8n.waitForExecutions(workflowId, expected, { timeoutMs: 60_000 });
	await new Promise((r) => setTimeout(r, 1500));
	return n8n.executions(workflowId);
}
const outputOf = (execution: any, nodeName: string, output: number) => (execution.data.resultData.runData[nodeName]?.[0]?.data?.main?.[output] ?? []).map((i: any) => i.json);

describe('Channel Events Trigger in a real n8n server', () => {
	test('SendGrid: processed → delivered → machine open → open → click; the message moves forward only, the cart is marked returned; three deliveries count once', async () => {
		const m = await sentMessage('email');
		const at = Math.floor(Date.now() / 1000) - 60;
		const batch = [
			sendGridEvents.processed({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email, timestamp: at }),
			sendGridEvents.click({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email, timestamp: at + 40 }),
			sendGridEvents.delivered({ xMessageId: m.providerId, email: m.email, timestamp: at + 5 }), // late, and matched by sg_message_id only
			sendGridEvents.machineOpen({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email, timestamp: at + 6 }),
			sendGridEvents.open({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email, timestamp: at + 30 }),
		];
		const before = await counts();
		const answers = await Promise.all([postSendGrid(batch), postSendGrid(batch), postSendGrid(batch)]);
		for (const a of answers) assert.equal(a.status, 200, a.text);
		// Delivered three times at once, each event is recorded by exactly one of the deliveries.
		assert.equal(answers.reduce((n, a) => n + a.json.recorded, 0), 5);
		assert.equal(answers.reduce((n, a) => n + a.json.duplicates, 0), 10);
		assert.equal((await counts()).events - before.events, 5);
		const row = await messageRow(m.messageId);
		assert.equal(row.status, 'clicked', 'a late delivered and the opens never move a clicked message back');
		assert.ok(row.delivered_at && row.opened_at && row.clicked_at && row.machine_opened_at);
		const cart = await cartReturned(m.cartId);
		assert.deepEqual([cart.status, Boolean(cart.returned_at)], ['recovering', true], 'a click marks the cart returned without ending its sequence');
		// The shipped SendGrid trigger starts the workflow for opt-outs only: status events start nothing.
		assert.equal((await settled(shipped.id, 0)).filter((e) => outputOf(e, 'SendGrid Events', 1).length).length, 0);
	});

	test('SendGrid: a permanent bounce is recorded with its code; an unsubscribe and a spam report withdraw email consent, with the event as proof', async () => {
		const bounced = await sentMessage('email');
		const a = await postSendGrid([sendGridEvents.bounce({ crMessageId: bounced.messageId, xMessageId: bounced.providerId, email: bounced.email })]);
		assert.equal(a.status, 200, a.text);
		const row = await messageRow(bounced.messageId);
		assert.deepEqual([row.status, row.error_code, row.permanent_failure], ['bounced', '5.1.1', true]);

		const u = await sentMessage('email');
		await store.recordConsent({ channel: 'email', address: u.email, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt.' });
		const s = await sentMessage('email');
		await store.recordConsent({ channel: 'email', address: s.email, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt.' });
		const answer = await postSendGrid([
			sendGridEvents.unsubscribe({ crMessageId: u.messageId, xMessageId: u.providerId, email: u.email }),
			sendGridEvents.spamreport({ crMessageId: s.messageId, xMessageId: s.providerId, email: s.email }),
		]);
		assert.equal(answer.status, 200, answer.text);
		for (const who of [u, s]) {
			const [decision] = await store.checkConsent({ email: who.email }, ['email']);
			assert.deepEqual([decision.allowed, decision.reason], [false, 'withdrawn'], who.email);
		}
		const { rows } = await db.pool.query("select address, source from cart_recovery.consent_events where action = 'withdrawn' and address = any($1) order by address", [[u.email, s.email]]);
		assert.deepEqual(rows.map((r) => r.source).sort(), ['sendgrid_spamreport', 'sendgrid_unsubscribe']);
		// The Opt-out output ran the shipped workflow, one item per opt-out, each opening with a sentence.
		const runs = await settled(shipped.id, 1);
		const optOuts = runs.flatMap((e) => outputOf(e, 'SendGrid Events', 2));
		assert.equal(optOuts.length, 2);
		assert.match(optOuts[0].result, /^Csilla \(v\*\*\*@example\.hu\) opted out of email .*consent withdrawn/);
		assert.equal(Object.keys(optOuts[0])[0], 'result');
	});

	test('SendGrid: an event the store refuses (a time an hour ahead) is named in the answer; the rest of the batch is recorded', async () => {
		const m = await sentMessage('email');
		const ahead = sendGridEvents.open({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email, timestamp: Math.floor(Date.now() / 1000) + 3600 });
		const delivered = sendGridEvents.delivered({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email });
		const a = await postSendGrid([ahead, delivered]);
		assert.equal(a.status, 200, a.text);
		assert.deepEqual([a.json.recorded, a.json.rejected.length, a.json.rejected[0].event_id], [1, 1, ahead.sg_event_id]);
		assert.match(a.json.rejected[0].error, /future/);
		assert.equal((await messageRow(m.messageId)).status, 'delivered');
		const alone = await postSendGrid([ahead]);
		assert.equal(alone.status, 400, 'a body whose every event is refused is a 400, not a 5xx');
		assert.equal(alone.json.field, 'event');
	});

	test('SendGrid: status events run the workflow only when the node asks for them', async () => {
		const m = await sentMessage('email');
		const a = await postSendGrid([sendGridEvents.delivered({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email })], { to: STATUS_FLOW });
		assert.equal(a.status, 200, a.text);
		const [run1] = await settled(statusFlow.id, 1);
		const [item] = outputOf(run1, 'SendGrid Events', 1);
		assert.deepEqual([item.event, item.status, item.cart_id, item.stage], ['delivered', 'delivered', m.cartId, 1]);
		assert.match(item.result, /^The stage 1 email to Csilla \(v\*\*\*@example\.hu\): delivered$/);
	});

	test('SendGrid: forged, missing, stale, future and body-altered signatures → 401 with nothing written', async () => {
		const m = await sentMessage('email');
		const events = [sendGridEvents.delivered({ crMessageId: m.messageId, xMessageId: m.providerId, email: m.email })];
		const raw = JSON.stringify(events);
		const other = createSendGridEventSigner();
		const before = await counts();
		const refused = [
			await request(SENDGRID, { method: 'POST', headers: { 'content-type': 'application/json', ...other.sign(raw) }, body: raw }),
			await request(SENDGRID, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw }),
			await postSendGrid(events, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
			await postSendGrid(events, { timestamp: Math.floor(Date.now() / 1000) + 3600 }),
			await request(SENDGRID, { method: 'POST', headers: { 'content-type': 'application/json', ...signer.sign(raw) }, body: raw.replace('delivered', 'clicked__') }),
		];
		assert.deepEqual(refused.map((a) => a.status), [401, 401, 401, 401, 401], JSON.stringify(refused.map((a) => a.json)));
		for (const a of refused) assert.match(a.json.error, /^x-twilio-email-event-webhook-/i);
		assert.deepEqual(await counts(), before);
		assert.equal((await messageRow(m.messageId)).status, 'sent');
	});

	test('a few hundred malformed bodies, each signed → 400 naming the field, nothing written', async () => {
		const before = await counts();
		const bodies: string[] = ['', '{', 'null', '{}', '"x"', '[1]', '[null]', '[[]]', '[{}]', JSON.stringify([{ event: 'delivered' }]), JSON.stringify([{ event: 'delivered', sg_event_id: 5, timestamp: 1 }])];
		const base = sendGridEvents.delivered({ crMessageId: randomUUID() });
		for (const key of ['event', 'sg_event_id', 'timestamp']) {
			for (const value of [null, 12, 'x', {}, [], true, '\u0000']) bodies.push(JSON.stringify([{ ...base, [key]: value }]));
		}
		// Generated: every one invalid by construction — a required field of the wrong type, text Postgres cannot hold in any
		// field, or the JSON cut short.
		const invalid: Record<string, unknown[]> = {
			event: [null, {}, [], true, 12, 1.5],
			sg_event_id: [null, {}, [], true, 12, 1.5],
			timestamp: [null, {}, [], true, 'abc', 'tegnap'],
		};
		const generated: string[] = [];
		for (let i = 0; generated.length < 240; i++) {
			const mutated: Record<string, unknown> = { ...sendGridEvents.delivered({ crMessageId: randomUUID() }), sg_event_id: `malformed-${run}-${i}` };
			const keys = Object.keys(mutated);
			if (i % 3 === 0) {
				const key = ['event', 'sg_event_id', 'timestamp'][i % 9 === 0 ? 0 : i % 2 ? 1 : 2];
				mutated[key] = invalid[key][i % 6];
			} else if (i % 3 === 1) {
				mutated[keys[i % keys.length]] = i % 2 ? 'a\u0000b' : '\ud800';
			}
			const raw = JSON.stringify([mutated]);
			generated.push(i % 3 === 2 ? raw.slice(0, -1 - (i % 9)) : raw);
		}
		bodies.push(...generated);
		let accepted = 0;
		let recorded = 0;
		let refused = 0;
		for (const raw of bodies) {
			const a = await postSendGrid([], { raw });
			// Broken JSON sent as JSON is answered 422 by n8n itself before the node runs (README, "Webshop events").
			assert.ok([200, 400, 422].includes(a.status), `${a.status} ${a.text} for ${raw.slice(0, 80)}`);
			if (a.status === 422) {
				refused++;
				continue;
			}
			if (a.status === 200) {
				accepted++;
				recorded += a.json.recorded;
				continue;
			}
			refused++;
			assert.equal(typeof a.json.field, 'string', a.text);
			assert.ok(a.json.error.startsWith(a.json.field), `the error names its field: ${a.text}`);
		}
		// Mutations of optional fields (email, category, smtp-id…) leave a real event for an unknown message: recorded.
		// The refused bodies wrote nothing: the register grew by exactly what the accepted ones recorded.
		const after = await counts();
		assert.ok(refused >= generated.length, `${refused} of ${bodies.length} refused, ${accepted} accepted`);
		assert.equal(after.events - before.events, recorded);
		assert.equal(after.consent_events, before.consent_events);
		const { rows } = await db.pool.query("select count(*)::int as n from cart_recovery.channel_events where event_id like 'malformed-' || $1 || '-%' and message_id is not null", [run]);
		assert.equal(rows[0].n, 0, 'nothing malformed reached a message');
	});

	test('Twilio: delivery reports find the message by the cr_message_id of the signed callback URL, out of order; STOP from a phone withdraws SMS consent; forged → 401', async () => {
		const m = await sentMessage('sms');
		const query = `?cr_message_id=${m.messageId}`;
		const delivered = await postTwilio(statusCallback({ MessageSid: m.providerId, MessageStatus: 'delivered', To: m.phone }), { query });
		assert.equal(delivered.status, 200, delivered.text);
		assert.match(delivered.text, /<Response><\/Response>/, 'Twilio gets the empty TwiML it expects');
		const late = await postTwilio(statusCallback({ MessageSid: m.providerId, MessageStatus: 'sent', To: m.phone }), { query });
		assert.equal(late.status, 200);
		assert.equal((await messageRow(m.messageId)).status, 'delivered', 'a late "sent" does not move it back');

		await store.recordConsent({ channel: 'sms', address: m.phone, source: 'checkout_checkbox', wording: 'Kérek SMS-t.' });
		const before = await counts();
		const forged = await postTwilio(inboundSms('STOP', { From: m.phone }), { token: 'not-the-token' });
		const moved = await postTwilio(inboundSms('STOP', { From: m.phone }), { query: '?other=1', signature: signTwilio(TWILIO_TOKEN, `${n8n.baseUrl}${TWILIO}`, inboundSms('STOP', { From: m.phone })) });
		assert.deepEqual([forged.status, moved.status], [401, 401]);
		assert.deepEqual(await counts(), before);
		assert.equal((await store.checkConsent({ phone: m.phone }, ['sms']))[0].allowed, true);

		const stop = inboundSms('Leiratkozom, köszönöm', { From: m.phone });
		const answers = await Promise.all([postTwilio(stop), postTwilio(stop), postTwilio(stop)]);
		assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
		const [decision] = await store.checkConsent({ phone: m.phone }, ['sms']);
		assert.deepEqual([decision.allowed, decision.reason], [false, 'withdrawn']);
		const { rows } = await db.pool.query("select source from cart_recovery.consent_events where action = 'withdrawn' and address = $1", [m.phone]);
		assert.deepEqual(rows, [{ source: 'twilio_stop' }], 'three deliveries of the STOP: one withdrawal');
		// START is recorded, consent stays withdrawn (Grt. 6. §).
		const start = await postTwilio(inboundSms('START', { From: m.phone }));
		assert.equal(start.status, 200);
		assert.equal((await store.checkConsent({ phone: m.phone }, ['sms']))[0].allowed, false);
	});

	test('Meta: the GET handshake answers the challenge only for the verify token (403 otherwise)', async () => {
		const ok = await request(`${META}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(VERIFY_TOKEN)}&hub.challenge=1158201444`, { method: 'GET' });
		assert.deepEqual([ok.status, ok.text], [200, '1158201444']);
		const wrong = await request(`${META}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`, { method: 'GET' });
		assert.equal(wrong.status, 403);
		assert.ok(!wrong.text.includes('1158201444'));
		const other = await request(`${SENDGRID}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1`, { method: 'GET' });
		assert.equal(other.status, 405);
	});

	test('Meta: WhatsApp statuses in any order; "Kérem a kódot" opens the window and gets the code back once; a stop text withdraws WhatsApp consent and is confirmed', async () => {
		const waPhone = `+36305${String(Date.now()).slice(-6)}`;
		const m = await sentMessage('whatsapp', { whatsapp_phone: waPhone });
		await store.issueDiscountCode({ code: `KOSAR-${run.toUpperCase()}AB`, kind: 'percent', amount: 15, validUntil: new Date(Date.now() + 7 * 86400_000), cartId: m.cartId, stage: 2, currency: 'HUF' });
		const now = String(Math.floor(Date.now() / 1000));
		const waId = waPhone.slice(1);
		const statuses = await postMeta(
			whatsappStatuses(
				whatsappStatus({ id: m.providerId, status: 'read', timestamp: now, recipientId: waId }),
				whatsappStatus({ id: m.providerId, status: 'delivered', timestamp: now, recipientId: waId, bizOpaque: m.messageId }),
			),
		);
		assert.equal(statuses.status, 200, statuses.text);
		assert.equal((await messageRow(m.messageId)).status, 'read');

		const forged = await postMeta(whatsappMessages([whatsappMessage(waText('x'), { from: waId, timestamp: now })]), { secret: 'wrong' });
		assert.equal(forged.status, 401);

		meta.whatsappWindowOpen.add(waId);
		const button = whatsappMessages([whatsappMessage(waButtonReply(`code:${m.cartId}`, 'Kérem a kódot'), { from: waId, id: `wamid.IN${run}1`, timestamp: now })], [contact('Kiss Csilla', waId)]);
		const answers = await Promise.all([postMeta(button), postMeta(button)]);
		assert.deepEqual(answers.map((a) => a.status), [200, 200]);
		const window = await store.serviceWindow('whatsapp', waPhone);
		assert.equal(window.open, true, 'the customer wrote: the 24-hour window is open');
		assert.equal((await cartReturned(m.cartId)).returned_at !== null, true, 'asking for the code counts as coming back');
		const sent = await waitFor(() => meta.whatsappSent.filter((x) => x.body.to === waId));
		await new Promise((r) => setTimeout(r, 2000));
		assert.equal(meta.whatsappSent.filter((x) => x.body.to === waId).length, 1, 'answered once, however often Meta delivers the press');
		const text = (sent[0].body.text as { body: string }).body;
		assert.match(text, new RegExp(`^Szia, Csilla! Itt a kódod: KOSAR-${run.toUpperCase()}AB – 15% kedvezményt ad, és \\w+ \\d{1,2}-ig érvényes\\. A kosarad itt vár: https://cipobolt\\.example\\.hu/kosar/`));

		await store.recordConsent({ channel: 'whatsapp', address: waPhone, source: 'checkout_checkbox', wording: 'Kérek WhatsApp-üzenetet.' });
		const before = meta.whatsappSent.filter((x) => x.body.to === waId).length;
		const stop = await postMeta(whatsappMessages([whatsappMessage(waText('STOP'), { from: waId, id: `wamid.IN${run}2`, timestamp: now })], [contact('Kiss Csilla', waId)]));
		assert.equal(stop.status, 200);
		assert.equal((await store.checkConsent({ whatsappPhone: waPhone }, ['whatsapp']))[0].allowed, false);
		const confirm = await waitFor(() => meta.whatsappSent.filter((x) => x.body.to === waId && JSON.stringify(x.body).includes('leiratkoztál')));
		assert.equal(confirm.length, 1);
		await new Promise((r) => setTimeout(r, 1500));
		assert.equal(meta.whatsappSent.filter((x) => x.body.to === waId).length, before + 1, 'the STOP got the confirmation and nothing else');
	});

	test('Reply to Customer: a press from two days ago is recorded but not answered (window closed); the item says why', async () => {
		const waPhone = `+36304${String(Date.now()).slice(-6)}`;
		const m = await sentMessage('whatsapp', { whatsapp_phone: waPhone });
		const waId = waPhone.slice(1);
		meta.whatsappWindowOpen.add(waId); // Meta would refuse too; the store's window decides first
		const sentBefore = meta.whatsappSent.length;
		const old = String(Math.floor(Date.now() / 1000) - 2 * 86400);
		const runsBefore = (await n8n.executions(shipped.id)).length;
		const a = await postMeta(whatsappMessages([whatsappMessage(waButtonReply(`code:${m.cartId}`, 'Kérem a kódot'), { from: waId, id: `wamid.OLD${run}`, timestamp: old })], [contact('Kiss Csilla', waId)]));
		assert.equal(a.status, 200, a.text);
		const runs = await settled(shipped.id, runsBefore + 1);
		const skipped = runs.flatMap((e) => outputOf(e, 'Send the Code', 1)).filter((item: any) => item.event_id === `wamid.OLD${run}`);
		assert.equal(skipped.length, 1);
		assert.deepEqual(skipped[0].reply, { outcome: 'skipped', reason: 'window_closed' });
		assert.match(skipped[0].result, /^Not answered: Csilla \(\+36 30 \*\*\* \*\*\d\d\) wrote more than 24 hours ago/);
		assert.equal(meta.whatsappSent.length, sentBefore, 'nothing sent');
	});

	test('Reply to Customer: a tap on a product in the WhatsApp product list gets its price and page — the cart\'s line or a recommendation; a row that no longer holds what was tapped says so', async () => {
		const boot = { product_id: `boot-${run}`, name: 'Túracipő, 42', quantity: 1, price: 24980, url: 'https://cipobolt.example.hu/turacipo' };
		const socks = { product_id: `socks-${run}`, name: 'Gyapjú túrazokni, 3 pár, antracit', quantity: 1, price: 4990, url: 'https://cipobolt.example.hu/zokni' };
		// Two other customers bought the boots with the socks: the socks are what this cart's customer "may also like".
		for (const peer of [1, 2]) {
			const cartId = `evt-${run}-peer-${peer}`;
			await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-c`, type: 'cart', cart_id: cartId, customer_id: `peer-${run}-${peer}`, currency: 'HUF', items: [boot, socks] }, { cooldownSeconds: 0 });
			await store.recordCartEvent({ source: 'generic', event_id: `${cartId}-o`, type: 'order', cart_id: cartId, order_id: `O-${cartId}` });
		}
		const waPhone = `+36306${String(Date.now()).slice(-6)}`;
		const m = await sentMessage('whatsapp', { whatsapp_phone: waPhone, items: [boot] });
		const waId = waPhone.slice(1);
		meta.whatsappWindowOpen.add(waId);
		const tap = async (n: number, rowId: string, title: string) => {
			const before = meta.whatsappSent.filter((x) => x.body.to === waId).length;
			const res = await postMeta(whatsappMessages([whatsappMessage(waListReply(rowId, title), { from: waId, id: `wamid.TAP${run}${n}`, timestamp: String(Math.floor(Date.now() / 1000)) })], [contact('Kiss Csilla', waId)]));
			assert.equal(res.status, 200, res.text);
			const sent = await waitFor(() => meta.whatsappSent.filter((x) => x.body.to === waId).slice(before));
			return (sent[0].body.text as { body: string }).body;
		};
		const restore = `A kosarad itt vár: https://cipobolt.example.hu/kosar/${m.cartId}`;
		assert.equal(listRowTitle(socks.name), 'Gyapjú túrazokni, 3 pár…', 'the list showed the title shortened');
		assert.match(await tap(1, productRowId('rec', m.cartId, 1, socks), listRowTitle(socks.name)), new RegExp(`^Szia, Csilla! „Gyapjú túrazokni, 3 pár, antracit” – 4\\s990\\sFt\\. Itt nézheted meg: https://cipobolt\\.example\\.hu/zokni ${restore}$`));
		assert.match(await tap(2, productRowId('item', m.cartId, 1, boot), 'Túracipő, 42'), new RegExp(`^Szia, Csilla! „Túracipő, 42” – 24\\s980\\sFt\\. Itt nézheted meg: https://cipobolt\\.example\\.hu/turacipo ${restore}$`));
		assert.equal(
			await tap(3, productRowId('rec', m.cartId, 1, { product_id: `gone-${run}` }), 'Bőr bakancs'),
			`Szia, Csilla! Sajnos ezt a terméket most nem tudjuk megmutatni. ${restore}`,
			'the product the row named is no longer recommended: no other product\'s link',
		);
		// The "more" row and a text go past Send the Product (Other Replies): nothing is answered.
		const before = meta.whatsappSent.length;
		const runsBefore = (await n8n.executions(shipped.id)).length;
		for (const [n, message] of [waListReply(`more:${m.cartId}`, '+2 további termék'), waText('Köszi!')].entries()) {
			const res = await postMeta(whatsappMessages([whatsappMessage(message, { from: waId, id: `wamid.NOTAP${run}${n}`, timestamp: String(Math.floor(Date.now() / 1000)) })], [contact('Kiss Csilla', waId)]));
			assert.equal(res.status, 200, res.text);
		}
		const runs = await settled(shipped.id, runsBefore + 2);
		const passed = runs.flatMap((e) => outputOf(e, 'Other Replies', 0)).filter((item: any) => String(item.event_id).startsWith(`wamid.NOTAP${run}`));
		assert.equal(passed.length, 2, 'both went to Other Replies');
		assert.equal(meta.whatsappSent.length, before, 'nothing answered');
	});

	test('Meta: a Messenger quick reply carrying the cart counts as a return and opens the Messenger window; WhatsApp marketing stop withdraws consent', async () => {
		const psid = `7${String(Date.now()).slice(-12)}`;
		const m = await sentMessage('email', { messenger_psid: psid });
		const body = messengerBody({ sender: { id: psid }, timestamp: Date.now(), ...msgQuickReply('Vissza a kosaramhoz', JSON.stringify({ kind: 'cart', cart_id: m.cartId })) });
		const a = await postMeta(body);
		assert.equal(a.status, 200, a.text);
		assert.equal((await store.serviceWindow('messenger', psid)).open, true);

		const waPhone = `+36307${String(Date.now()).slice(-6)}`;
		await store.recordConsent({ channel: 'whatsapp', address: waPhone, source: 'checkout_checkbox', wording: 'Kérek WhatsApp-üzenetet.' });
		const stop = await postMeta(whatsappPreference('stop', { wa_id: waPhone.slice(1), timestamp: Math.floor(Date.now() / 1000) }));
		assert.equal(stop.status, 200, stop.text);
		const { rows } = await db.pool.query("select source from cart_recovery.consent_events where action = 'withdrawn' and address = $1", [waPhone]);
		assert.deepEqual(rows, [{ source: 'whatsapp_marketing_stop' }]);
	});
});

async function waitFor<T>(probe: () => T[], timeoutMs = 30_000): Promise<T[]> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const found = probe();
		if (found.length) return found;
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`nothing arrived within ${timeoutMs} ms\n${n8n.logs().split('\n').slice(-30).join('\n')}`);
}

// Migration 7 on the three store transports: recordChannelEvent, one atomic call per provider event. Statuses move
// forward only (also when providers deliver them out of order), a failure never overwrites an open, a machine open
// is flagged, a click marks the cart returned, a status completes a message its crashed sender left queued, a
// replayed event changes nothing, SendGrid ids match by prefix, Messenger receipts by watermark; replies open the
// service window and may return the cart's code, opt-outs withdraw consent, opt-ins do not grant it; and the
// register is purged and erased with the rest.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { ChannelEvent, OptInEvent, OptOutEvent, ReplyEvent, StatusEvent } from '../../lib/events/types';
import { StoreError, type CartEvent, type Channel } from '../../lib/store';
import { storeTransports, type TransportSetup } from '../helpers/transports';

const HOUR = 3600_000;
let seq = 0;
const unique = () => `${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const psid = () => `1357${Date.now()}${String(++seq).padStart(4, '0')}`;
const bsuid = () => `HU.${Date.now()}${String(++seq).padStart(6, '0')}`;
const waNumber = () => `+3670${String(1_000_000 + ((Date.now() + ++seq * 7919) % 8_999_999)).slice(0, 7)}`;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function cartEvent(overrides: Partial<CartEvent> = {}): CartEvent {
	return {
		source: 'generic',
		event_id: `chev-${unique()}`,
		type: 'cart',
		cart_id: `cart-chev-${unique()}`,
		email: `chev-${unique()}@example.hu`,
		first_name: 'Anna',
		locale: 'hu',
		currency: 'HUF',
		value: 8990,
		items: [{ name: 'Teáskanna', quantity: 1, price: 8990 }],
		...overrides,
	};
}

function status(overrides: Partial<StatusEvent>): StatusEvent {
	return {
		provider: 'sendgrid',
		channel: 'email',
		eventId: `sg-${unique()}`,
		at: ago(1000),
		address: null,
		kind: 'status',
		status: 'delivered',
		messageId: null,
		providerId: null,
		errorCode: null,
		errorDetail: null,
		permanent: false,
		machine: false,
		...overrides,
	};
}

function reply(overrides: Partial<ReplyEvent>): ReplyEvent {
	return {
		provider: 'meta',
		channel: 'whatsapp',
		eventId: `wamid.in-${unique()}`,
		at: ago(1000),
		address: null,
		kind: 'reply',
		reply: 'text',
		text: 'Szia!',
		payload: null,
		action: null,
		cartId: null,
		inReplyTo: null,
		...overrides,
	};
}

function optOut(overrides: Partial<OptOutEvent>): OptOutEvent {
	return {
		provider: 'twilio',
		channel: 'sms',
		eventId: `SM-${unique()}`,
		at: ago(1000),
		address: null,
		kind: 'opt_out',
		source: 'twilio_stop',
		detail: 'STOP',
		messageId: null,
		cartId: null,
		...overrides,
	};
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
	let caught: unknown;
	try {
		await promise;
	} catch (error) {
		caught = error;
	}
	assert.ok(caught instanceof StoreError, `expected a StoreError, got ${caught === undefined ? 'success' : String(caught)}`);
	assert.equal(caught.code, code, caught.message);
	assert.match(caught.message, message);
}

for (const [name, setup] of storeTransports('chev')) {
	describe(`channel events on ${name}`, () => {
		let s: TransportSetup;
		before(async () => {
			s = await setup();
		});
		after(async () => s?.teardown());

		/** An enrolled cart and its stage-`stage` message on `channel`, sent with `providerId` (the send nodes' way). */
		async function sent(channel: Channel, providerId: string | null, cart: Partial<CartEvent> = {}, stage = 1) {
			const e = cartEvent(cart);
			const recorded = await s.store.recordCartEvent(e);
			assert.ok(['enrolled', 'updated'].includes(recorded.outcome), recorded.outcome);
			const claim = await s.store.claimDelivery({ cartId: e.cart_id, stage, channel });
			assert.ok(claim.claimed, JSON.stringify(claim));
			const done = await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId });
			assert.equal(done.status, 'sent');
			return { cart: e, messageId: claim.message_id };
		}

		async function message(messageId: string) {
			const [row] = await s.sql<Record<string, unknown>>('select * from cart_recovery.messages where message_id = $1', [messageId]);
			return row;
		}

		async function eventRows(provider: string, eventId: string) {
			return s.sql<Record<string, unknown>>('select * from cart_recovery.channel_events where provider = $1 and event_id = $2', [provider, eventId]);
		}

		test('statuses move forward only, also out of order: read then delivered stays read; clicked then opened stays clicked', async () => {
			const wa = await sent('whatsapp', `wamid.out-${unique()}`, { whatsapp_phone: waNumber() });
			const pid = (await message(wa.messageId)).provider_id as string;
			const read = await s.store.recordChannelEvent(status({ provider: 'meta', channel: 'whatsapp', eventId: `${pid}:read`, status: 'read', providerId: pid }));
			assert.deepEqual([read.found, read.effect, read.message?.status, read.message?.previous_status], [true, 'status_advanced', 'read', 'sent']);
			assert.equal(read.cart?.cart_id, wa.cart.cart_id);
			const late = await s.store.recordChannelEvent(status({ provider: 'meta', channel: 'whatsapp', eventId: `${pid}:delivered`, status: 'delivered', providerId: pid, at: ago(5000) }));
			assert.deepEqual([late.effect, late.message?.status, late.messages_updated], ['status_kept', 'read', 0]);
			const row = await message(wa.messageId);
			assert.ok(row.read_at && row.delivered_at, 'both times are kept');
			assert.equal(new Date(row.last_event_at as string).getTime(), new Date(row.read_at as string).getTime(), 'last_event_at is the latest');

			const mail = await sent('email', `xmid-${unique()}`);
			const xid = (await message(mail.messageId)).provider_id as string;
			const click = await s.store.recordChannelEvent(status({ status: 'clicked', providerId: `${xid}.filterdrecv-1`, url: 'https://bolt.hu/kosar' }));
			assert.deepEqual([click.effect, click.message?.status], ['status_advanced', 'clicked']);
			const open = await s.store.recordChannelEvent(status({ status: 'opened', messageId: mail.messageId, at: ago(60_000) }));
			assert.deepEqual([open.effect, open.message?.status, open.message?.previous_status], ['status_kept', 'clicked', 'clicked']);
			const after = await message(mail.messageId);
			assert.ok(after.opened_at, 'the open is kept as a fact');
			const processed = await s.store.recordChannelEvent(status({ status: 'processed', messageId: mail.messageId }));
			assert.deepEqual([processed.effect, processed.message?.status], ['status_kept', 'clicked'], 'processed changes nothing but a queued message');
		});

		test('a failure never overwrites opened; over a sent message it records the error code and permanence', async () => {
			const opened = await sent('email', `xmid-${unique()}`);
			await s.store.recordChannelEvent(status({ status: 'opened', messageId: opened.messageId }));
			const bounce = await s.store.recordChannelEvent(status({ status: 'bounced', messageId: opened.messageId, errorCode: '550', errorDetail: 'mailbox full', permanent: true }));
			assert.deepEqual([bounce.effect, bounce.message?.status], ['status_kept', 'opened']);
			const kept = await message(opened.messageId);
			assert.deepEqual([kept.status, kept.error_code, kept.failed_at], ['opened', null, null]);

			const sms = await sent('sms', `SM${unique()}`, { phone: '+36301234567' });
			const sid = (await message(sms.messageId)).provider_id as string;
			const failed = await s.store.recordChannelEvent(
				status({ provider: 'twilio', channel: 'sms', eventId: `${sid}:undelivered`, status: 'failed', providerId: sid, errorCode: '30005', errorDetail: 'Unknown destination', permanent: true }),
			);
			assert.deepEqual([failed.effect, failed.message?.status, failed.message?.previous_status], ['status_advanced', 'failed', 'sent']);
			const row = await message(sms.messageId);
			assert.deepEqual([row.status, row.error_code, row.permanent_failure, row.error], ['failed', '30005', true, 'Unknown destination']);
			assert.ok(row.failed_at);

			const dropped = await sent('email', `xmid-${unique()}`);
			const drop = await s.store.recordChannelEvent(status({ status: 'dropped', messageId: dropped.messageId, errorDetail: 'Bounced Address' }));
			assert.deepEqual([drop.message?.status, (await message(dropped.messageId)).permanent_failure], ['failed', false], 'dropped is stored as failed');
		});

		test('a machine open is flagged in machine_opened_at and does not count as opened', async () => {
			const mail = await sent('email', `xmid-${unique()}`);
			const machine = await s.store.recordChannelEvent(status({ status: 'opened', machine: true, messageId: mail.messageId }));
			assert.deepEqual([machine.effect, machine.message?.status], ['status_kept', 'sent']);
			let row = await message(mail.messageId);
			assert.ok(row.machine_opened_at);
			assert.equal(row.opened_at, null);
			const human = await s.store.recordChannelEvent(status({ status: 'opened', messageId: mail.messageId }));
			assert.deepEqual([human.effect, human.message?.status], ['status_advanced', 'opened']);
			row = await message(mail.messageId);
			assert.ok(row.opened_at);
			const flags = await s.sql<{ machine: boolean }>(`select machine from cart_recovery.channel_events where message_id = $1 order by occurred_at, machine desc`, [mail.messageId]);
			assert.deepEqual(flags.map((f) => f.machine).sort(), [false, true], 'the register keeps which open was a machine’s');
		});

		test('a click marks the cart returned and leaves it recovering', async () => {
			const mail = await sent('email', `xmid-${unique()}`);
			const at = ago(30_000);
			const click = await s.store.recordChannelEvent(status({ status: 'clicked', messageId: mail.messageId, at }));
			assert.equal(click.cart?.status, 'recovering');
			assert.equal(new Date(click.cart!.returned_at!).getTime(), new Date(at).getTime());
			const cart = await s.store.getCart(mail.cart.cart_id);
			assert.equal(cart?.status, 'recovering', 'the sequence goes on until an order');
			const second = await s.store.recordChannelEvent(status({ status: 'clicked', messageId: mail.messageId }));
			assert.equal(new Date(second.cart!.returned_at!).getTime(), new Date(at).getTime(), 'the first return stands');
		});

		test('a status event completes a message still queued; the crashed sender’s old claim token is then refused by completeMessage', async () => {
			const e = cartEvent({ phone: '+36307654321' });
			await s.store.recordCartEvent(e);
			const claim = await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'sms' });
			assert.ok(claim.claimed);
			const sid = `SM${unique()}`;
			const at = ago(2000);
			const done = await s.store.recordChannelEvent(status({ provider: 'twilio', channel: 'sms', eventId: `${sid}:delivered`, status: 'delivered', messageId: claim.message_id, providerId: sid, at }));
			assert.deepEqual([done.effect, done.message?.status, done.message?.previous_status], ['completed_queued', 'delivered', 'queued']);
			const row = await message(claim.message_id);
			assert.equal(row.provider_id, sid);
			assert.equal(new Date(row.sent_at as string).getTime(), new Date(at).getTime());
			assert.notEqual(row.claim_token, claim.claim_token, 'a fresh claim token');
			await rejectsWith(s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: sid }), 'P0002', /not held with this claim token/);
			assert.equal((await message(claim.message_id)).status, 'delivered');
			const again = await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'sms' });
			assert.equal(again.claimed, false, 'never sent twice');
		});

		test('one event delivered three times: one row and no second change', async () => {
			const mail = await sent('email', `xmid-${unique()}`);
			const event = status({ status: 'opened', messageId: mail.messageId, eventId: `sg-replay-${unique()}` });
			const first = await s.store.recordChannelEvent(event);
			assert.deepEqual([first.duplicate, first.recorded, first.effect], [false, true, 'status_advanced']);
			const openedAt = (await message(mail.messageId)).opened_at;
			for (let i = 0; i < 2; i++) {
				const again = await s.store.recordChannelEvent({ ...event, at: ago(-60_000) });
				assert.deepEqual([again.duplicate, again.recorded, again.effect, again.messages_updated], [true, false, 'duplicate', 0]);
				assert.equal(again.message?.message_id, mail.messageId);
			}
			assert.equal((await eventRows('sendgrid', event.eventId)).length, 1);
			const row = await message(mail.messageId);
			assert.equal(new Date(row.opened_at as string).getTime(), new Date(openedAt as string).getTime());

			// Three deliveries at the same moment (the provider retrying while the first is still in flight): one wins.
			const clicked = status({ status: 'clicked', messageId: mail.messageId, eventId: `sg-race-${unique()}` });
			const raced = await Promise.all([1, 2, 3].map(() => s.store.recordChannelEvent(clicked)));
			assert.deepEqual(raced.map((r) => r.duplicate).sort(), [false, true, true]);
			assert.equal((await eventRows('sendgrid', clicked.eventId)).length, 1);

			// A replayed opt-out adds no second consent event.
			const address = `replay-${unique()}@example.hu`;
			const out = optOut({ provider: 'sendgrid', channel: 'email', address, source: 'sendgrid_unsubscribe', detail: 'unsubscribe' });
			for (let i = 0; i < 3; i++) await s.store.recordChannelEvent(out);
			const [events] = await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.consent_events where address = $1', [address]);
			assert.equal(events.n, 1);
		});

		test('SendGrid: the event’s sg_message_id matches the stored X-Message-Id as a prefix', async () => {
			const xid = `Xm${unique()}`;
			const mail = await sent('email', xid);
			const r = await s.store.recordChannelEvent(status({ status: 'delivered', providerId: `${xid}.filterdrecv-5bd4f5c85b-2zqj5-1-6754A4E3-1.0` }));
			assert.deepEqual([r.found, r.message?.message_id, r.message?.status], [true, mail.messageId, 'delivered']);
			const other = await s.store.recordChannelEvent(status({ status: 'delivered', providerId: `${xid}x.filterdrecv-1` }));
			assert.equal(other.found, false, 'a longer id is not the same message');
		});

		test('Messenger: a watermark receipt covers every message sent to the PSID up to the watermark', async () => {
			const p = psid();
			const first = await sent('messenger', `m_${unique()}`, { email: null, messenger_psid: p }, 1);
			// Stage 2 of the same cart.
			const claim = await s.store.claimDelivery({ cartId: first.cart.cart_id, stage: 2, channel: 'messenger' });
			assert.ok(claim.claimed);
			await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `m_${unique()}` });
			const claim3 = await s.store.claimDelivery({ cartId: first.cart.cart_id, stage: 3, channel: 'messenger' });
			assert.ok(claim3.claimed);
			await s.store.completeMessage({ messageId: claim3.message_id, claimToken: claim3.claim_token, status: 'sent', providerId: `m_${unique()}` });
			const watermark = Date.now() + 1000;
			await s.sql(`update cart_recovery.messages set sent_at = now() + interval '1 hour' where message_id = $1`, [claim3.message_id]);

			const delivered = await s.store.recordChannelEvent(
				status({ provider: 'meta', channel: 'messenger', eventId: `${watermark}:delivery:${p}`, address: p, status: 'delivered', watermark: String(watermark) }),
			);
			assert.deepEqual([delivered.found, delivered.effect, delivered.messages_updated], [true, 'status_advanced', 2]);
			const statuses = async () =>
				(await s.sql<{ stage: number; status: string }>('select stage, status from cart_recovery.messages where cart_id = $1 order by stage', [first.cart.cart_id])).map((r) => [r.stage, r.status]);
			assert.deepEqual(await statuses(), [[1, 'delivered'], [2, 'delivered'], [3, 'sent']]);
			const read = await s.store.recordChannelEvent(status({ provider: 'meta', channel: 'messenger', eventId: `${watermark}:read:${p}`, address: p, status: 'read', watermark: String(watermark) }));
			assert.equal(read.messages_updated, 2);
			assert.deepEqual(await statuses(), [[1, 'read'], [2, 'read'], [3, 'sent']]);
			const again = await s.store.recordChannelEvent(status({ provider: 'meta', channel: 'messenger', eventId: `${watermark}:delivery2:${p}`, address: p, status: 'delivered', watermark: String(watermark) }));
			assert.deepEqual([again.effect, again.messages_updated], ['status_kept', 0], 'a late delivery receipt does not undo read');
		});

		test('a reply opens the service window; a code reply marks the cart returned and returns its live code in the same call', async () => {
			const number = waNumber();
			const wamid = `wamid.out-${unique()}`;
			const wa = await sent('whatsapp', wamid, { whatsapp_phone: number });
			const code = `CHEV${unique().replace(/[^a-z0-9]/gi, '').toUpperCase()}`;
			const issued = await s.store.issueDiscountCode({ code, kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 48 * HOUR), cartId: wa.cart.cart_id, stage: 1 });
			assert.ok(issued.created);
			assert.equal((await s.store.serviceWindow('whatsapp', number)).open, false);

			const at = ago(5000);
			const r = await s.store.recordChannelEvent(
				reply({ address: number.slice(1), reply: 'button', text: 'Kérem a kódot', payload: `code:${wa.cart.cart_id}`, action: 'code', cartId: wa.cart.cart_id, inReplyTo: wamid, at }),
			);
			assert.deepEqual([r.effect, r.found, r.cart?.cart_id, r.cart?.status, r.cart?.first_name], ['returned', true, wa.cart.cart_id, 'recovering', 'Anna']);
			assert.equal(new Date(r.window_open_until!).getTime(), new Date(at).getTime() + 24 * HOUR);
			assert.deepEqual([r.code?.code, r.code?.kind, r.code?.amount, r.code?.stage], [code, 'percent', 10, 1]);
			assert.ok(r.cart?.returned_at);
			const window = await s.store.serviceWindow('whatsapp', number);
			assert.equal(window.open, true);
			const [row] = await s.sql<Record<string, unknown>>(`select * from cart_recovery.channel_events where cart_id = $1 and kind = 'reply'`, [wa.cart.cart_id]);
			assert.deepEqual([row.reply, row.action, row.effect], ['button', 'code', 'returned']);
			assert.ok(!JSON.stringify(row).includes('Kérem') && !JSON.stringify(row).includes(number.slice(1)), 'neither the text nor the number is stored');

			// Free text from the same number: the window again, and the sender's recovering cart.
			const text = await s.store.recordChannelEvent(reply({ address: number }));
			assert.deepEqual([text.effect, text.cart?.cart_id], ['window_opened', wa.cart.cart_id]);

			// A payload naming someone else's cart is not trusted: a stranger does not get its code.
			const stranger = await s.store.recordChannelEvent(reply({ address: waNumber(), reply: 'button', payload: `code:${wa.cart.cart_id}`, action: 'code', cartId: wa.cart.cart_id }));
			assert.deepEqual([stranger.found, stranger.cart, stranger.code], [false, null, null]);
		});

		test('a stop button withdraws consent (checkConsent: not allowed)', async () => {
			const p = psid();
			const m = await sent('messenger', `m_${unique()}`, { email: null, messenger_psid: p });
			const granted = await s.store.recordConsent({ channel: 'messenger', address: p, source: 'checkbox_plugin', wordingVersion: 'v1', occurredAt: ago(HOUR) });
			assert.equal(granted.recorded, true);
			assert.equal((await s.store.checkConsent({ messengerPsid: p }, ['messenger']))[0].allowed, true);
			const r = await s.store.recordChannelEvent(
				reply({ channel: 'messenger', eventId: `mid.${unique()}`, address: p, reply: 'postback', text: 'Leiratkozom', payload: `stop:${m.cart.cart_id}`, action: 'stop', cartId: m.cart.cart_id }),
			);
			assert.deepEqual([r.effect, r.consent_withdrawn, r.cart?.cart_id], ['consent_withdrawn', true, m.cart.cart_id]);
			const [decision] = await s.store.checkConsent({ messengerPsid: p }, ['messenger']);
			assert.deepEqual([decision.allowed, decision.reason], [false, 'withdrawn']);
			const [proof] = await s.sql<{ source: string }>(`select source from cart_recovery.consent_events where address = $1 and action = 'withdrawn'`, [p]);
			assert.equal(proof.source, 'button_stop');
		});

		test('opt_out withdraws consent on email, sms, whatsapp (by BSUID) and messenger, also for an address that never consented', async () => {
			const email = `optout-${unique()}@example.hu`;
			const phone = '+36305550011';
			const user = bsuid();
			const p = psid();
			await s.store.recordConsent({ channel: 'sms', address: phone, source: 'checkout_checkbox', wordingVersion: 'v1', occurredAt: ago(HOUR) });
			const cases: Array<[OptOutEvent, () => Promise<{ allowed: boolean; reason: string }>]> = [
				[optOut({ provider: 'sendgrid', channel: 'email', address: email.toUpperCase(), source: 'sendgrid_unsubscribe', detail: 'unsubscribe' }), async () => (await s.store.checkConsent({ email }, ['email']))[0]],
				[optOut({ address: phone }), async () => (await s.store.checkConsent({ phone }, ['sms']))[0]],
				[
					optOut({ provider: 'meta', channel: 'whatsapp', address: null, bsuid: user, source: 'whatsapp_marketing_stop', detail: 'stop' }),
					async () => {
						const [row] = await s.sql<{ status: string }>(`select status from cart_recovery.consents where channel = 'whatsapp' and address = $1`, [user]);
						return { allowed: row?.status === 'granted', reason: row?.status ?? 'missing' };
					},
				],
				[optOut({ provider: 'meta', channel: 'messenger', address: p, source: 'messenger_keyword', detail: 'STOP' }), async () => (await s.store.checkConsent({ messengerPsid: p }, ['messenger']))[0]],
			];
			for (const [event, check] of cases) {
				const r = await s.store.recordChannelEvent(event);
				assert.deepEqual([r.effect, r.consent_withdrawn], ['consent_withdrawn', true], event.channel);
				const decision = await check();
				assert.deepEqual([decision.allowed, decision.reason], [false, 'withdrawn'], event.channel);
			}
			const [proof] = await s.sql<{ source: string; detail: string }>(`select source, detail from cart_recovery.consent_events where address = $1`, [email]);
			assert.deepEqual([proof.source, proof.detail], ['sendgrid_unsubscribe', 'unsubscribe']);
		});

		test('WhatsApp: a stop reported by user id only withdraws the numbers the same person wrote from or shopped with', async () => {
			const number = waNumber();
			const user = bsuid();
			// The cart names the number and the user id; a message came from the number with the user id.
			await sent('whatsapp', `wamid.out-${unique()}`, { whatsapp_phone: number, whatsapp_bsuid: user });
			await s.store.recordConsent({ channel: 'whatsapp', address: number, source: 'checkout_checkbox', wordingVersion: 'v1', occurredAt: ago(HOUR) });
			assert.equal((await s.store.checkConsent({ whatsappPhone: number }, ['whatsapp']))[0].allowed, true);
			const r = await s.store.recordChannelEvent(optOut({ provider: 'meta', channel: 'whatsapp', address: null, bsuid: user, source: 'whatsapp_marketing_stop', detail: 'stop' }));
			assert.deepEqual([r.effect, r.consent_withdrawn], ['consent_withdrawn', true]);
			const [decision] = await s.store.checkConsent({ whatsappPhone: number }, ['whatsapp']);
			assert.deepEqual([decision.allowed, decision.reason], [false, 'withdrawn'], 'the send, checked by number, is stopped');
		});

		test('the cart’s code goes only with a "code" reply from the cart’s own contact: not with free text, not with a stop', async () => {
			const number = waNumber();
			const wamid = `wamid.out-${unique()}`;
			const wa = await sent('whatsapp', wamid, { whatsapp_phone: number });
			await s.store.issueDiscountCode({ code: `CHEV${unique().replace(/[^a-z0-9]/gi, '').toUpperCase()}`, kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 48 * HOUR), cartId: wa.cart.cart_id, stage: 2 });
			const text = await s.store.recordChannelEvent(reply({ address: number, text: 'Mikor jön a futár?' }));
			assert.deepEqual([text.cart?.cart_id, text.code], [wa.cart.cart_id, null]);
			const later = await s.store.recordChannelEvent(reply({ address: number, reply: 'button', payload: `later:${wa.cart.cart_id}`, action: 'later', cartId: wa.cart.cart_id }));
			assert.equal(later.code, null);
			const asked = await s.store.recordChannelEvent(reply({ address: number, reply: 'button', payload: `code:${wa.cart.cart_id}`, action: 'code', cartId: wa.cart.cart_id }));
			assert.equal(asked.code?.amount, 10);
			// Someone else answering one of this cart's messages (a reply context alone) gets the cart but not its code.
			const other = await s.store.recordChannelEvent(reply({ address: waNumber(), reply: 'button', action: 'code', inReplyTo: wamid, cartId: null }));
			assert.deepEqual([other.cart?.cart_id, other.code], [wa.cart.cart_id, null]);
		});

		test('opt_in is recorded only and grants no consent', async () => {
			const phone = '+36305550022';
			const event: OptInEvent = { provider: 'twilio', channel: 'sms', eventId: `SM-${unique()}`, at: ago(1000), address: phone, kind: 'opt_in', source: 'twilio_start', detail: 'START' };
			const r = await s.store.recordChannelEvent(event);
			assert.deepEqual([r.effect, r.consent_withdrawn, r.recorded], ['recorded_only', false, true]);
			const [decision] = await s.store.checkConsent({ phone }, ['sms']);
			assert.deepEqual([decision.allowed, decision.reason], [false, 'no_consent']);
		});

		test('an unknown message is recorded (effect unknown_message, found false); a message id that is not ours is no id', async () => {
			const r = await s.store.recordChannelEvent(status({ status: 'delivered', messageId: 'not-a-uuid', providerId: `nobody-${unique()}` }));
			assert.deepEqual([r.recorded, r.found, r.effect, r.message, r.cart], [true, false, 'unknown_message', null, null]);
			const byUuid = await s.store.recordChannelEvent(status({ status: 'delivered', messageId: '00000000-0000-4000-8000-000000000000' }));
			assert.equal(byUuid.effect, 'unknown_message');
			const [row] = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.channel_events where effect = 'unknown_message'`);
			assert.ok(row.n >= 2);
		});

		test('validation errors name the key (22023)', async () => {
			const bad = (patch: Record<string, unknown>, base: ChannelEvent = status({})) => s.store.recordChannelEvent({ ...base, ...patch } as unknown as ChannelEvent);
			await rejectsWith(bad({ provider: 'mailgun' }), '22023', /"provider" must be sendgrid, twilio or meta, not "mailgun"/);
			await rejectsWith(bad({ channel: 'fax' }), '22023', /"channel"/);
			await rejectsWith(bad({ eventId: '' }), '22023', /"event_id"/);
			await rejectsWith(bad({ eventId: 'x'.repeat(201) }), '22023', /"event_id" must be 1 to 200 characters/);
			await rejectsWith(bad({ kind: 'bounce' }), '22023', /"kind"/);
			await rejectsWith(bad({ at: 'not a time' }), '22023', /"at" is not a time/);
			await rejectsWith(bad({ at: '-infinity' }), '22023', /"at" is not a time/);
			await rejectsWith(bad({ at: new Date(Date.now() + 2 * HOUR).toISOString() }), '22023', /"at" .* is in the future/);
			await rejectsWith(bad({ status: 'exploded' }), '22023', /"status"/);
			await rejectsWith(bad({ watermark: 'soon' }, status({ provider: 'meta', channel: 'messenger' })), '22023', /"watermark"/);
			await rejectsWith(bad({ reply: 'shout' }, reply({ address: waNumber() })), '22023', /"reply"/);
			await rejectsWith(bad({ action: 'buy' }, reply({ address: waNumber() })), '22023', /"action"/);
			await rejectsWith(bad({ address: null, bsuid: null }, optOut({})), '22023', /"address" is missing/);
			await rejectsWith(bad({ address: 'not a number' }, reply({})), '22023', /"address" is not a WhatsApp number/);
			await rejectsWith(bad({ source: '' }, optOut({ address: '+36305550033' })), '22023', /"source"/);
			const [row] = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.channel_events where event_id = 'x'`);
			assert.equal(row.n, 0);
		});

		test('purge removes channel events past the retention period; younger ones stay', async () => {
			const old = optOut({ provider: 'sendgrid', channel: 'email', address: `purge-${unique()}@example.hu`, source: 'sendgrid_unsubscribe' });
			const fresh = optOut({ provider: 'sendgrid', channel: 'email', address: `purge-${unique()}@example.hu`, source: 'sendgrid_unsubscribe' });
			await s.store.recordChannelEvent(old);
			await s.store.recordChannelEvent(fresh);
			await s.sql(`update cart_recovery.channel_events set received_at = now() - interval '100 days' where provider = 'sendgrid' and event_id = $1`, [old.eventId]);
			const purged = await s.store.purge(60);
			assert.ok(purged.channel_events >= 1, `purged ${purged.channel_events}`);
			assert.equal((await eventRows('sendgrid', old.eventId)).length, 0);
			assert.equal((await eventRows('sendgrid', fresh.eventId)).length, 1);
		});

		test('erasing a customer removes their channel events (the export lists them first)', async () => {
			const mail = await sent('email', `xmid-${unique()}`);
			const ids = [`sg-erase-${unique()}`, `sg-erase-${unique()}`];
			await s.store.recordChannelEvent(status({ eventId: ids[0], status: 'delivered', messageId: mail.messageId }));
			await s.store.recordChannelEvent(status({ eventId: ids[1], status: 'clicked', messageId: mail.messageId }));
			const exported = await s.store.exportCustomer({ email: mail.cart.email });
			assert.deepEqual(exported.tables.channel_events.map((r) => r.event_id).sort(), [...ids].sort());
			await s.store.eraseCustomer({ email: mail.cart.email });
			for (const id of ids) assert.equal((await eventRows('sendgrid', id)).length, 0, id);
			assert.equal((await message(mail.messageId)) ?? null, null);
		});

		test('an erased sender: the reply opens no window and the opt-out stores no consent row', async () => {
			const number = waNumber();
			await s.store.eraseCustomer({ whatsappPhone: number });
			const r = await s.store.recordChannelEvent(reply({ address: number }));
			assert.deepEqual([r.effect, r.window_open_until, r.cart], ['suppressed', null, null]);
			const out = await s.store.recordChannelEvent(optOut({ provider: 'meta', channel: 'whatsapp', address: number, source: 'whatsapp_marketing_stop' }));
			assert.deepEqual([out.effect, out.consent_withdrawn], ['suppressed', false]);
			const [rows] = await s.sql<{ n: number }>(`select (select count(*) from cart_recovery.consents where address = $1) + (select count(*) from cart_recovery.inbound_messages where address = $1) as n`, [number]);
			assert.equal(Number(rows.n), 0);

			// A Messenger receipt's event id names the PSID: for an erased PSID the register keeps only its hash.
			const p = psid();
			await s.store.eraseCustomer({ messengerPsid: p });
			const receipt = status({ provider: 'meta', channel: 'messenger', eventId: `${Date.now()}:read:${p}`, address: p, status: 'read', watermark: String(Date.now()) });
			assert.equal((await s.store.recordChannelEvent(receipt)).duplicate, false);
			assert.equal((await s.store.recordChannelEvent(receipt)).duplicate, true, 'the hash still deduplicates');
			const [named] = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.channel_events where event_id like '%' || $1 || '%'`, [p]);
			assert.equal(named.n, 0);
		});
	});
}

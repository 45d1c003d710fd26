// Meta's channel-events webhook (WhatsApp Cloud API + Messenger): the GET handshake, X-Hub-Signature-256, every
// event type mapped as lib/events/types.ts says, reply actions and opt-outs, and malformed bodies refused with a
// 400/415 naming the field (never another exception).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { payloadAction } from '../../lib/channels/meta/events';
import { metaWebhook } from '../../lib/channels/meta/webhook';
import type { ChannelEvent, EventRequest, OptInEvent, OptOutEvent, ReplyEvent, StatusEvent } from '../../lib/events/types';
import { IntakeError } from '../../lib/intake/errors';
import {
	APP_SECRET,
	BSUID,
	contact,
	delivery,
	handshakeParams,
	MESSENGER_TIME,
	messengerBody,
	metaHandshake,
	metaPost,
	mid,
	msgAttachment,
	msgEcho,
	msgQuickReply,
	msgText,
	postback,
	PSID,
	read,
	replyContext,
	signMeta,
	VERIFY_TOKEN,
	WA_ID,
	waButton,
	waButtonReply,
	waImage,
	waListReply,
	wamid,
	waText,
	whatsappBody,
	whatsappMessage,
	whatsappMessages,
	whatsappPreference,
	whatsappStatus,
	whatsappStatuses,
} from '../fakes/metaEvents';

const secrets = { metaAppSecret: APP_SECRET, metaVerifyToken: VERIFY_TOKEN };

/** Verifies then parses, as the trigger does. */
function receive(body: unknown): ChannelEvent[] {
	const request = metaPost(body);
	metaWebhook.verify(request, secrets);
	return metaWebhook.parse(request);
}

function intakeError(fn: () => unknown, status: number, field: string | RegExp): IntakeError {
	let caught: unknown;
	try {
		fn();
	} catch (error) {
		caught = error;
	}
	assert.ok(caught instanceof IntakeError, `an IntakeError, got ${String(caught)}`);
	assert.equal(caught.status, status, caught.message);
	if (typeof field === 'string') assert.equal(caught.field, field, caught.message);
	else assert.match(caught.field ?? '', field, caught.message);
	assert.ok(caught.message.startsWith(`${caught.field}:`), `the message starts with the field: ${caught.message}`);
	return caught;
}

const only = <T extends ChannelEvent>(events: ChannelEvent[], kind: T['kind']): T => {
	const found = events.filter((e) => e.kind === kind);
	assert.equal(found.length, 1, `one ${kind} event in ${JSON.stringify(events)}`);
	return found[0] as T;
};

describe('Meta webhook: GET handshake', () => {
	test('hub.mode=subscribe with the right verify token answers hub.challenge', () => {
		assert.equal(metaWebhook.handshake!(metaHandshake(handshakeParams()), secrets), '1158201444');
	});

	test('a wrong or missing verify token is 403 naming hub.verify_token', () => {
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.verify_token': 'guess' })), secrets), 403, 'hub.verify_token');
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.verify_token': undefined })), secrets), 403, 'hub.verify_token');
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.verify_token': `${VERIFY_TOKEN} ` })), secrets), 403, 'hub.verify_token');
	});

	test('a mode other than subscribe is 400 naming hub.mode', () => {
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.mode': 'unsubscribe' })), secrets), 400, 'hub.mode');
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.mode': undefined })), secrets), 400, 'hub.mode');
	});

	test('a credential without a Webhook Verify Token is 403 saying so', () => {
		const error = intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams()), { metaAppSecret: APP_SECRET }), 403, 'hub.verify_token');
		assert.match(error.message, /no Webhook Verify Token/);
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.verify_token': '' })), { metaVerifyToken: '' }), 403, 'hub.verify_token');
	});

	test('a missing, long or odd hub.challenge is 400 (never echoed)', () => {
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.challenge': undefined })), secrets), 400, 'hub.challenge');
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.challenge': '1'.repeat(129) })), secrets), 400, 'hub.challenge');
		intakeError(() => metaWebhook.handshake!(metaHandshake(handshakeParams({ 'hub.challenge': '<script>alert(1)</script>' })), secrets), 400, 'hub.challenge');
	});

	test('a repeated query parameter uses its first value', () => {
		const request = metaHandshake(handshakeParams());
		request.query['hub.challenge'] = ['42', '43'];
		assert.equal(metaWebhook.handshake!(request, secrets), '42');
	});
});

describe('Meta webhook: X-Hub-Signature-256', () => {
	const body = whatsappStatuses(whatsappStatus({ status: 'delivered' }));

	test('a body signed with the App Secret passes; the hex may be upper case', () => {
		metaWebhook.verify(metaPost(body), secrets);
		const raw = JSON.stringify(body);
		metaWebhook.verify(metaPost(body, { signature: signMeta(APP_SECRET, raw).replace(/[a-f]/g, (c) => c.toUpperCase()).replace('SHA256=', 'sha256=') }), secrets);
	});

	test('signed with another secret (forged) is 401', () => {
		intakeError(() => metaWebhook.verify(metaPost(body, { secret: 'not-the-app-secret' }), secrets), 401, 'x-hub-signature-256');
	});

	test('no header is 401', () => {
		intakeError(() => metaWebhook.verify(metaPost(body, { signature: null }), secrets), 401, 'x-hub-signature-256');
		intakeError(() => metaWebhook.verify(metaPost(body, { signature: '' }), secrets), 401, 'x-hub-signature-256');
	});

	test('a body altered after signing is 401', () => {
		const raw = JSON.stringify(body);
		const signature = signMeta(APP_SECRET, raw);
		const altered = raw.replace('delivered', 'read');
		intakeError(() => metaWebhook.verify(metaPost(undefined, { raw: altered, signature }), secrets), 401, 'x-hub-signature-256');
		// Re-serialised JSON (a space added) is not the signed bytes either.
		intakeError(() => metaWebhook.verify(metaPost(undefined, { raw: `${raw} `, signature }), secrets), 401, 'x-hub-signature-256');
	});

	test('the sha1 header form, a bare digest or junk is 401', () => {
		const raw = JSON.stringify(body);
		const hex = signMeta(APP_SECRET, raw).slice('sha256='.length);
		for (const signature of [hex, `sha1=${hex}`, 'sha256=', 'sha256=zz', `sha256=${hex.slice(1)}`]) {
			intakeError(() => metaWebhook.verify(metaPost(body, { signature }), secrets), 401, 'x-hub-signature-256');
		}
	});

	test('a credential without an App Secret is 401 naming the credential field', () => {
		const error = intakeError(() => metaWebhook.verify(metaPost(body), { metaVerifyToken: VERIFY_TOKEN }), 401, 'x-hub-signature-256');
		assert.match(error.message, /App Secret/);
	});
});

describe('Meta webhook: WhatsApp statuses', () => {
	for (const status of ['sent', 'delivered', 'read'] as const) {
		test(`${status} maps to a StatusEvent keyed <wamid>:${status}`, () => {
			const events = receive(whatsappStatuses(whatsappStatus({ status, id: wamid(7) })));
			assert.deepEqual(events, [
				{
					kind: 'status',
					provider: 'meta',
					channel: 'whatsapp',
					eventId: `${wamid(7)}:${status}`,
					at: '2025-06-18T16:22:53.000Z',
					address: WA_ID,
					status,
					messageId: null,
					providerId: wamid(7),
					errorCode: null,
					errorDetail: null,
					permanent: false,
					machine: false,
				},
			]);
		});
	}

	test('failed 131026 is permanent, with the code and title', () => {
		const e = only<StatusEvent>(receive(whatsappStatuses(whatsappStatus({ status: 'failed', error: { code: 131026, title: 'Message undeliverable' } }))), 'status');
		assert.equal(e.status, 'failed');
		assert.equal(e.errorCode, '131026');
		assert.equal(e.errorDetail, 'Message undeliverable');
		assert.equal(e.permanent, true);
	});

	test('failed 131049 (marketing cap) and 131047 (window closed) are not permanent', () => {
		for (const code of [131049, 131047, 131000]) {
			const e = only<StatusEvent>(receive(whatsappStatuses(whatsappStatus({ status: 'failed', error: { code, title: 'x' } }))), 'status');
			assert.equal(e.permanent, false, String(code));
			assert.equal(e.errorCode, String(code));
		}
	});

	test('failed 131050 (user stopped marketing) is permanent and also an OptOutEvent whatsapp_131050', () => {
		const events = receive(
			whatsappStatuses(
				whatsappStatus({
					status: 'failed',
					id: wamid(9),
					recipientUserId: BSUID,
					error: { code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.' },
				}),
			),
		);
		assert.equal(events.length, 2);
		const status = only<StatusEvent>(events, 'status');
		assert.equal(status.permanent, true);
		const optOut = only<OptOutEvent>(events, 'opt_out');
		assert.equal(optOut.source, 'whatsapp_131050');
		assert.equal(optOut.eventId, `${wamid(9)}:optout`);
		assert.equal(optOut.address, WA_ID);
		assert.equal(optOut.bsuid, BSUID);
		assert.equal(optOut.channel, 'whatsapp');
	});

	test('biz_opaque_callback_data that is a uuid is our messageId; anything else is ignored', () => {
		const id = '0b8e6f5e-3f2c-4c1a-9d7e-2a1b3c4d5e6f';
		assert.equal(only<StatusEvent>(receive(whatsappStatuses(whatsappStatus({ status: 'read', bizOpaque: id.toUpperCase() }))), 'status').messageId, id);
		assert.equal(only<StatusEvent>(receive(whatsappStatuses(whatsappStatus({ status: 'read', bizOpaque: 'campaign-7' }))), 'status').messageId, null);
	});

	test('a status without recipient_id (a username-only customer) has a null address', () => {
		const e = only<StatusEvent>(receive(whatsappStatuses(whatsappStatus({ status: 'delivered', recipientId: null, recipientUserId: BSUID }))), 'status');
		assert.equal(e.address, null);
		assert.equal(e.providerId, wamid(1));
	});

	test('several statuses in one delivery, and unknown status values skipped', () => {
		const events = receive(whatsappStatuses(whatsappStatus({ status: 'sent' }), { ...whatsappStatus({ status: 'sent' }), status: 'played' }, whatsappStatus({ status: 'read' })));
		assert.deepEqual(
			events.map((e) => e.eventId),
			[`${wamid(1)}:sent`, `${wamid(1)}:read`],
		);
	});
});

describe('Meta webhook: WhatsApp messages', () => {
	test('text → ReplyEvent text, with the profile name, wa_id and BSUID from contacts', () => {
		const events = receive(whatsappMessages([whatsappMessage(waText('Szia, van még raktáron?'), replyContext())], [contact('Kiss Anna', WA_ID, BSUID)]));
		assert.deepEqual(events, [
			{
				kind: 'reply',
				provider: 'meta',
				channel: 'whatsapp',
				eventId: wamid('IN1'),
				at: '2025-06-08T20:59:43.000Z',
				address: WA_ID,
				reply: 'text',
				text: 'Szia, van még raktáron?',
				payload: null,
				action: null,
				cartId: null,
				inReplyTo: wamid(1),
				bsuid: BSUID,
				profileName: 'Kiss Anna',
			},
		]);
	});

	test('from_user_id is the BSUID when Meta leaves out the phone number', () => {
		const message = { ...whatsappMessage(waText('hi')), from: undefined, from_user_id: BSUID };
		const e = only<ReplyEvent>(receive(whatsappMessages([message], [contact('Anna', null, BSUID)])), 'reply');
		assert.equal(e.address, null);
		assert.equal(e.bsuid, BSUID);
		assert.equal(e.profileName, 'Anna');
	});

	test('interactive button_reply code:<cart> → button, action code, cartId', () => {
		const e = only<ReplyEvent>(receive(whatsappMessages([whatsappMessage(waButtonReply('code:cart-123', 'Kérem a kódot'), replyContext())])), 'reply');
		assert.equal(e.reply, 'button');
		assert.equal(e.payload, 'code:cart-123');
		assert.equal(e.text, 'Kérem a kódot');
		assert.equal(e.action, 'code');
		assert.equal(e.cartId, 'cart-123');
		assert.equal(e.inReplyTo, wamid(1));
	});

	test('later:<cart> and cart:<cart> carry their action', () => {
		assert.equal(only<ReplyEvent>(receive(whatsappMessages([whatsappMessage(waButtonReply('later:c1', 'Majd később'))])), 'reply').action, 'later');
		const open = only<ReplyEvent>(receive(whatsappMessages([whatsappMessage(waButtonReply('cart:c2', 'Vissza a kosárhoz'))])), 'reply');
		assert.deepEqual([open.action, open.cartId], ['cart', 'c2']);
	});

	test('stop:<cart> button → the ReplyEvent and an OptOutEvent button_stop', () => {
		const events = receive(whatsappMessages([whatsappMessage(waButtonReply('stop:cart-9', 'Leiratkozom'))]));
		assert.equal(events.length, 2);
		const reply = only<ReplyEvent>(events, 'reply');
		assert.deepEqual([reply.action, reply.cartId], ['stop', 'cart-9']);
		const optOut = only<OptOutEvent>(events, 'opt_out');
		assert.equal(optOut.source, 'button_stop');
		assert.equal(optOut.eventId, `${wamid('IN1')}:optout`);
		assert.equal(optOut.cartId, 'cart-9');
		assert.equal(optOut.address, WA_ID);
	});

	test('template quick-reply button → reply button with its payload', () => {
		const e = only<ReplyEvent>(receive(whatsappMessages([whatsappMessage(waButton('later:cart-5', 'Majd később'), replyContext())])), 'reply');
		assert.deepEqual([e.reply, e.payload, e.text, e.action, e.cartId], ['button', 'later:cart-5', 'Majd később', 'later', 'cart-5']);
	});

	test('a template quick reply whose payload is its label "Leiratkozom" is a keyword opt-out', () => {
		const events = receive(whatsappMessages([whatsappMessage(waButton('Leiratkozom', 'Leiratkozom'))]));
		assert.equal(only<OptOutEvent>(events, 'opt_out').source, 'whatsapp_keyword');
	});

	test('list_reply → list; item rows name the cart', () => {
		const e = only<ReplyEvent>(receive(whatsappMessages([whatsappMessage(waListReply('item:cart-3:2', 'Kék póló', '1 db · 4 990 Ft'))])), 'reply');
		assert.deepEqual([e.reply, e.payload, e.text, e.action, e.cartId], ['list', 'item:cart-3:2', 'Kék póló', null, 'cart-3']);
	});

	test('image / sticker → reply text with null text (they open the window too)', () => {
		const e = only<ReplyEvent>(receive(whatsappMessages([whatsappMessage(waImage())])), 'reply');
		assert.deepEqual([e.reply, e.text, e.payload], ['text', null, null]);
		const sticker = only<ReplyEvent>(receive(whatsappMessages([whatsappMessage({ type: 'sticker', sticker: { id: '1', animated: false } })])), 'reply');
		assert.equal(sticker.text, null);
	});

	test('a system message (number changed) is skipped', () => {
		assert.deepEqual(receive(whatsappMessages([whatsappMessage({ type: 'system', system: { body: 'changed', type: 'user_changed_number' } })])), []);
	});

	for (const word of ['STOP', 'stop!', 'LEIRATKOZÁS', 'leiratkozas', 'Leiratkozom, köszönöm']) {
		test(`text "${word}" → ReplyEvent and OptOutEvent whatsapp_keyword`, () => {
			const events = receive(whatsappMessages([whatsappMessage(waText(word))]));
			only<ReplyEvent>(events, 'reply');
			const optOut = only<OptOutEvent>(events, 'opt_out');
			assert.equal(optOut.source, 'whatsapp_keyword');
			assert.equal(optOut.text, word);
			assert.ok(optOut.detail);
		});
	}

	test('"STOP please" and "Cancel my order" are not opt-outs', () => {
		for (const text of ['STOP please', 'Cancel my order']) assert.equal(receive(whatsappMessages([whatsappMessage(waText(text))])).length, 1);
	});
});

describe('Meta webhook: WhatsApp user_preferences', () => {
	test('marketing stop → OptOutEvent whatsapp_marketing_stop', () => {
		const e = only<OptOutEvent>(receive(whatsappPreference('stop')), 'opt_out');
		assert.equal(e.source, 'whatsapp_marketing_stop');
		assert.equal(e.address, WA_ID);
		assert.equal(e.at, '2025-06-18T16:22:53.000Z');
		assert.equal(e.eventId, `${WA_ID}:marketing_messages:stop:1750263773`);
		assert.equal(e.detail, 'User requested to stop marketing messages');
	});

	test('marketing resume → OptInEvent whatsapp_marketing_resume', () => {
		const e = only<OptInEvent>(receive(whatsappPreference('resume', { user_id: BSUID })), 'opt_in');
		assert.equal(e.source, 'whatsapp_marketing_resume');
		assert.equal(e.bsuid, BSUID);
	});

	test('another category is skipped; a preference naming nobody is 400', () => {
		assert.deepEqual(receive(whatsappPreference('stop', { category: 'offers' })), []);
		const body = whatsappPreference('stop', { wa_id: undefined });
		(body.entry[0].changes[0].value as { contacts: unknown[] }).contacts = [];
		intakeError(() => receive(body), 400, 'entry[0].changes[0].value.user_preferences[0].wa_id');
	});

	test('unknown fields (template status updates) are skipped', () => {
		assert.deepEqual(receive(whatsappBody({ field: 'message_template_status_update', value: { event: 'APPROVED' } })), []);
	});
});

describe('Meta webhook: Messenger', () => {
	const at = new Date(MESSENGER_TIME).toISOString();

	test('message text → ReplyEvent text with the mid and PSID', () => {
		const events = receive(messengerBody(msgText('Van még ilyen méret?', { reply_to: { mid: mid(0) } })));
		assert.deepEqual(events, [
			{
				kind: 'reply',
				provider: 'meta',
				channel: 'messenger',
				eventId: mid(1),
				at,
				address: PSID,
				reply: 'text',
				text: 'Van még ilyen méret?',
				payload: null,
				action: null,
				cartId: null,
				inReplyTo: mid(0),
			},
		]);
	});

	test('quick reply with our JSON payload → quick_reply, action and cart', () => {
		const e = only<ReplyEvent>(receive(messengerBody(msgQuickReply('Majd később', JSON.stringify({ kind: 'later', cart_id: 'cart-7' })))), 'reply');
		assert.deepEqual([e.reply, e.action, e.cartId, e.text], ['quick_reply', 'later', 'cart-7', 'Majd később']);
		const code = only<ReplyEvent>(receive(messengerBody(msgQuickReply('Kérem a kódot', JSON.stringify({ kind: 'discount_code', code: 'X', cart_id: 'c8' })))), 'reply');
		assert.deepEqual([code.action, code.cartId], ['code', 'c8']);
	});

	test('quick reply marketing_stop → ReplyEvent and OptOutEvent button_stop', () => {
		const events = receive(messengerBody(msgQuickReply('Leiratkozom', JSON.stringify({ kind: 'marketing_stop' }))));
		const optOut = only<OptOutEvent>(events, 'opt_out');
		assert.equal(optOut.source, 'button_stop');
		assert.equal(optOut.address, PSID);
		assert.equal(optOut.eventId, `${mid(2)}:optout`);
		assert.equal(only<ReplyEvent>(events, 'reply').action, 'stop');
	});

	test('prefixed payloads work on Messenger too', () => {
		const e = only<ReplyEvent>(receive(messengerBody(msgQuickReply('x', 'code:cart-1'))), 'reply');
		assert.deepEqual([e.action, e.cartId], ['code', 'cart-1']);
	});

	test('postback → ReplyEvent postback with the payload and title', () => {
		const e = only<ReplyEvent>(receive(messengerBody(postback(JSON.stringify({ kind: 'discount_code', code: 'NYAR20', cart_id: 'cart-4' }), 'Kérem a kódot'))), 'reply');
		assert.deepEqual([e.reply, e.eventId, e.text, e.action, e.cartId, e.address], ['postback', mid(5), 'Kérem a kódot', 'code', 'cart-4', PSID]);
	});

	test('a postback without a mid gets <timestamp>:postback:<psid>', () => {
		const e = only<ReplyEvent>(receive(messengerBody(postback('GET_STARTED', 'Get Started', false))), 'reply');
		assert.equal(e.eventId, `${MESSENGER_TIME}:postback:${PSID}`);
		assert.equal(e.action, null);
	});

	test('attachments only → reply text with null text; echoes are skipped', () => {
		const events = receive(messengerBody(msgAttachment(), msgEcho()));
		assert.equal(events.length, 1);
		const e = only<ReplyEvent>(events, 'reply');
		assert.deepEqual([e.reply, e.text, e.eventId], ['text', null, mid(3)]);
	});

	for (const word of ['STOP', 'leiratkozás', 'Nem kérek több üzenetet']) {
		test(`text "${word}" → ReplyEvent and OptOutEvent messenger_keyword`, () => {
			const events = receive(messengerBody(msgText(word)));
			assert.equal(only<OptOutEvent>(events, 'opt_out').source, 'messenger_keyword');
			assert.equal(only<OptOutEvent>(events, 'opt_out').eventId, `${mid(1)}:optout`);
		});
	}

	test('delivery with mids → one delivered StatusEvent per mid', () => {
		const events = receive(messengerBody(delivery([mid(10), mid(11)])));
		assert.deepEqual(
			events.map((e) => [e.kind, (e as StatusEvent).status, e.eventId, (e as StatusEvent).providerId, (e as StatusEvent).watermark]),
			[
				['status', 'delivered', `${mid(10)}:delivered`, mid(10), null],
				['status', 'delivered', `${mid(11)}:delivered`, mid(11), null],
			],
		);
		assert.equal(events[0].address, PSID);
	});

	test('delivery without mids → one StatusEvent with the watermark', () => {
		const e = only<StatusEvent>(receive(messengerBody(delivery(undefined, 1458668856253))), 'status');
		assert.equal(e.eventId, `1458668856253:delivery:${PSID}`);
		assert.equal(e.watermark, new Date(1458668856253).toISOString());
		assert.equal(e.providerId, null);
		assert.equal(e.status, 'delivered');
	});

	test('read → StatusEvent read with the watermark', () => {
		const e = only<StatusEvent>(receive(messengerBody(read(1458668856999))), 'status');
		assert.deepEqual([e.status, e.eventId, e.watermark, e.address, e.at], ['read', `1458668856999:read:${PSID}`, new Date(1458668856999).toISOString(), PSID, at]);
	});

	test('other messaging events (optins, reactions) and entries without messaging are skipped', () => {
		const body = messengerBody({ reaction: { mid: mid(1), action: 'react', emoji: '❤' } });
		(body.entry as unknown[]).push({ id: '1', time: 1, changes: [{ field: 'feed', value: {} }] });
		assert.deepEqual(receive(body), []);
	});
});

describe('Meta webhook: the body', () => {
	test('a body that is not JSON, or not Content-Type JSON, is refused', () => {
		intakeError(() => metaWebhook.parse(metaPost(undefined, { raw: '{"object":' })), 400, 'body');
		intakeError(() => metaWebhook.parse(metaPost(whatsappStatuses(), { contentType: 'application/x-www-form-urlencoded' })), 415, 'content-type');
		intakeError(() => metaWebhook.parse(metaPost(undefined, { raw: '[]' })), 400, 'body');
	});

	test('object other than whatsapp_business_account / page is 400 naming object; entry must be an array', () => {
		intakeError(() => metaWebhook.parse(metaPost({ object: 'instagram', entry: [] })), 400, 'object');
		intakeError(() => metaWebhook.parse(metaPost({ entry: [] })), 400, 'object');
		intakeError(() => metaWebhook.parse(metaPost({ object: 'page', entry: {} })), 400, 'entry');
	});

	test('a required field missing names its path', () => {
		const body = whatsappStatuses(whatsappStatus({ status: 'sent' }), { ...whatsappStatus({ status: 'sent' }), id: undefined });
		intakeError(() => metaWebhook.parse(metaPost(body)), 400, 'entry[0].changes[0].value.statuses[1].id');
		const ts = whatsappMessages([whatsappMessage(waText('x'), { timestamp: 'yesterday' })]);
		intakeError(() => metaWebhook.parse(metaPost(ts)), 400, 'entry[0].changes[0].value.messages[0].timestamp');
		const psid = messengerBody({ sender: {}, ...msgText('x') });
		intakeError(() => metaWebhook.parse(metaPost(psid)), 400, 'entry[0].messaging[0].sender.id');
	});

	test('text Postgres cannot hold is 400 naming the field', () => {
		const nul = whatsappMessages([whatsappMessage(waText('a\u0000b'))]);
		intakeError(() => metaWebhook.parse(metaPost(nul)), 400, 'entry[0].changes[0].value.messages[0].text.body');
		const surrogate = `{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"1"},"timestamp":1,"message":{"mid":"m","text":"\\ud800"}}]}]}`;
		intakeError(() => metaWebhook.parse(metaPost(undefined, { raw: surrogate })), 400, 'entry[0].messaging[0].message.text');
	});

	test('a few hundred malformed bodies: always a 400/415 IntakeError naming a field, never another exception', () => {
		const seeds: unknown[] = [
			whatsappStatuses(whatsappStatus({ status: 'failed', error: { code: 131050, title: 't' } }), whatsappStatus({ status: 'read' })),
			whatsappMessages([whatsappMessage(waText('hi'), replyContext()), whatsappMessage(waButtonReply('stop:c', 'x')), whatsappMessage(waListReply('item:c:1', 'y')), whatsappMessage(waButton('p', 't'))]),
			whatsappPreference('stop'),
			messengerBody(msgText('STOP'), msgQuickReply('a', '{"kind":"later","cart_id":"c"}'), postback('p', 't'), delivery([mid(1)]), delivery(), read()),
		];
		const junk: unknown[] = [null, 0, -1, 1.5, '', 'x', true, [], {}, [null], [{}], { id: {} }, 'a\u0000', 2 ** 60, '9'.repeat(40)];
		let random = 42;
		const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
		const paths = (value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) => {
			if (value && typeof value === 'object') {
				for (const [k, v] of Object.entries(value)) {
					const key = Array.isArray(value) ? Number(k) : k;
					out.push([...prefix, key]);
					paths(v, [...prefix, key], out);
				}
			}
			return out;
		};
		let refused = 0;
		let accepted = 0;
		for (let n = 0; n < 400; n++) {
			const body = structuredClone(seeds[n % seeds.length]) as Record<string, unknown>;
			const all = paths(body);
			const mutations = 1 + Math.floor(next() * 3);
			for (let m = 0; m < mutations; m++) {
				const path = all[Math.floor(next() * all.length)];
				// An earlier mutation may have replaced a parent on this path: then this one is skipped.
				let parent: unknown = body;
				for (const step of path.slice(0, -1)) parent = parent && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[step] : undefined;
				if (!parent || typeof parent !== 'object') continue;
				const last = path[path.length - 1];
				const target = parent as Record<string | number, unknown>;
				if (next() < 0.2) delete target[last];
				else target[last] = structuredClone(junk[Math.floor(next() * junk.length)]);
			}
			const request: EventRequest = metaPost(body);
			try {
				const events = metaWebhook.parse(request);
				assert.ok(Array.isArray(events));
				for (const e of events) assert.equal(typeof e.eventId, 'string');
				accepted++;
			} catch (error) {
				assert.ok(error instanceof IntakeError, `an IntakeError for ${JSON.stringify(body).slice(0, 400)}, got ${(error as Error).stack}`);
				assert.ok(error.status === 400 || error.status === 415, error.message);
				assert.ok(error.field, error.message);
				assert.ok(error.message.startsWith(`${error.field}:`), error.message);
				refused++;
			}
		}
		assert.ok(refused > 100, `most mutations are refused (${refused} refused, ${accepted} accepted)`);
		// Raw junk: not JSON, wrong types at the top, deep nesting.
		for (const raw of ['', 'null', '1', '"x"', '{', '{"object":"page","entry":[' + '['.repeat(5000) + ']'.repeat(5000) + ']}', '\u00ff\u00fe']) {
			intakeError(() => metaWebhook.parse(metaPost(undefined, { raw })), 400, /.+/);
		}
	});
});

describe('payloadAction', () => {
	test('the payloads our send nodes put on buttons', () => {
		assert.deepEqual(payloadAction('code:abc'), { action: 'code', cartId: 'abc' });
		assert.deepEqual(payloadAction('stop:abc:def'), { action: 'stop', cartId: 'abc:def' });
		assert.deepEqual(payloadAction('more:abc'), { action: null, cartId: 'abc' });
		assert.deepEqual(payloadAction('{"kind":"marketing_stop"}'), { action: 'stop', cartId: null });
		assert.deepEqual(payloadAction('{"kind":"toString"}'), { action: null, cartId: null });
		assert.deepEqual(payloadAction('{not json'), { action: null, cartId: null });
		assert.deepEqual(payloadAction('code:'), { action: null, cartId: null });
		assert.deepEqual(payloadAction(null), { action: null, cartId: null });
	});
});

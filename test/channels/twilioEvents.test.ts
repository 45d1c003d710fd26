// Twilio's message status callbacks and inbound SMS: X-Twilio-Signature verification (URL, query, port variants,
// sorted fields), every status mapped, 21610 and STOP/START keywords as opt-out / opt-in, malformed bodies refused
// naming the field, and SMS Send's Status Callback URL carrying our message id back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';

import { DEFAULT_OPT_IN_KEYWORDS, matchOptInKeyword } from '../../lib/consent/keywords';
import { sampleCart } from '../../lib/channels/preview';
import { smsAdapter, statusCallbackFor } from '../../lib/channels/sms/builder';
import { EMPTY_TWIML, TWILIO_MESSAGE_STATUSES, twilioSigningToken, twilioWebhook } from '../../lib/channels/sms/events';
import { TwilioSmsClient, type TwilioSms } from '../../lib/channels/sms/transport';
import type { ChannelEvent, EventRequest, OptInEvent, OptOutEvent, ReplyEvent, StatusEvent } from '../../lib/events/types';
import { IntakeError } from '../../lib/intake/errors';
import { smsTemplate } from '../../lib/templates';
import type { MessageContext } from '../../lib/delivery/types';
import { callbackUrl, CUSTOMER, formBody, inboundSms, sid, signTwilio, statusCallback, TRIGGER_URL, twilioRequest, type TwilioParams } from '../fakes/twilioEvents';

const TOKEN = 'f3b1c2d4e5f60718293a4b5c6d7e8f90';
const SECRETS = { twilioAuthToken: TOKEN };
const NOW = Date.parse('2026-12-02T05:11:00Z');

/** Verifies, then parses: what the trigger does with a request. */
function receive(request: EventRequest): ChannelEvent[] {
	twilioWebhook.verify(request, SECRETS);
	return twilioWebhook.parse(request, NOW);
}

const deliver = (params: TwilioParams, url = callbackUrl()) => receive(twilioRequest(TOKEN, url, params));

/** Asserts an IntakeError with this status, naming `field` (the message starts with it). */
function refused(fn: () => unknown, status: number, field: string | RegExp) {
	assert.throws(fn, (error: unknown) => {
		assert.ok(error instanceof IntakeError, `an IntakeError, not ${String(error)}`);
		assert.equal(error.status, status, error.message);
		if (typeof field === 'string') assert.equal(error.field, field, error.message);
		else assert.match(error.field ?? '', field, error.message);
		assert.ok(error.message.startsWith(`${error.field}: `), error.message);
		return true;
	});
}

describe('Twilio status callbacks', () => {
	const expected: Record<string, StatusEvent['status'] | null> = {
		queued: null,
		sending: null,
		accepted: null,
		scheduled: null,
		receiving: null,
		received: null,
		partially_delivered: null,
		sent: 'sent',
		delivered: 'delivered',
		read: 'read',
		undelivered: 'failed',
		failed: 'failed',
		canceled: 'failed',
	};

	test('every Twilio status maps (or records nothing)', () => {
		assert.deepEqual([...TWILIO_MESSAGE_STATUSES].sort(), Object.keys(expected).sort());
		for (const status of TWILIO_MESSAGE_STATUSES) {
			const messageId = randomUUID();
			const params = statusCallback({ MessageStatus: status });
			const events = deliver(params, callbackUrl(messageId));
			if (expected[status] === null) {
				assert.deepEqual(events, [], status);
				continue;
			}
			assert.equal(events.length, 1, status);
			const event = events[0] as StatusEvent;
			assert.deepEqual(event, {
				kind: 'status',
				provider: 'twilio',
				channel: 'sms',
				eventId: `${params.MessageSid}:${status}`,
				at: new Date(NOW).toISOString(),
				address: CUSTOMER,
				status: expected[status],
				messageId,
				providerId: params.MessageSid,
				errorCode: null,
				errorDetail: null,
				permanent: false,
				machine: false,
			});
		}
	});

	test('out-of-order statuses are each mapped, with their own event id (the store orders them)', () => {
		const messageSid = sid('SM');
		const messageId = randomUUID();
		const order = ['delivered', 'sent', 'read', 'sent'];
		const events = order.map((status) => deliver(statusCallback({ MessageSid: messageSid, MessageStatus: status }), callbackUrl(messageId))[0] as StatusEvent);
		assert.deepEqual(
			events.map((e) => [e.status, e.eventId, e.providerId, e.messageId]),
			order.map((status) => [status, `${messageSid}:${status}`, messageSid, messageId]),
		);
		assert.equal(events[1].eventId, events[3].eventId, 'a repeated status is the same event: the store ignores the replay');
	});

	test('undelivered / failed carry the error code; permanent only for codes that end the number', () => {
		const cases: Array<[string, string, boolean, RegExp | null]> = [
			['undelivered', '30003', false, /Unreachable destination handset/],
			['undelivered', '30005', true, /Unknown destination handset/],
			['undelivered', '30006', true, /Landline/],
			['undelivered', '30007', false, /filtered/],
			['failed', '30008', false, /Unknown error/],
			['failed', '21211', true, /Invalid 'To'/],
			['failed', '12345', false, null],
		];
		for (const [status, code, permanent, detail] of cases) {
			const [event] = deliver(statusCallback({ MessageStatus: status, ErrorCode: code })) as StatusEvent[];
			assert.equal(event.status, 'failed', code);
			assert.equal(event.errorCode, code);
			assert.equal(event.permanent, permanent, code);
			if (detail) assert.match(event.errorDetail ?? '', detail);
			else assert.equal(event.errorDetail, null);
		}
		const [canceled] = deliver(statusCallback({ MessageStatus: 'canceled' })) as StatusEvent[];
		assert.deepEqual([canceled.status, canceled.permanent], ['failed', false]);
	});

	test('21610 (the number replied STOP to this sender) is a permanent failure and an opt-out', () => {
		const messageId = randomUUID();
		const params = statusCallback({ MessageStatus: 'failed', ErrorCode: '21610' });
		const [status, optOut] = deliver(params, callbackUrl(messageId)) as [StatusEvent, OptOutEvent];
		assert.deepEqual([status.kind, status.status, status.permanent, status.errorCode], ['status', 'failed', true, '21610']);
		assert.deepEqual(optOut, {
			kind: 'opt_out',
			provider: 'twilio',
			channel: 'sms',
			eventId: `${params.MessageSid}:failed:21610`,
			at: new Date(NOW).toISOString(),
			address: CUSTOMER,
			source: 'twilio_21610',
			detail: 'ErrorCode=21610',
			messageId,
			cartId: null,
		});
		assert.notEqual(optOut.eventId, status.eventId, 'two events of one body need two ids');
	});

	test('our message id comes from the signed callback URL, only when uuid-shaped', () => {
		const id = randomUUID();
		assert.equal((deliver(statusCallback(), callbackUrl(id.toUpperCase()))[0] as StatusEvent).messageId, id);
		assert.equal((deliver(statusCallback(), `${TRIGGER_URL}?cr_message_id=not-a-uuid`)[0] as StatusEvent).messageId, null);
		assert.equal((deliver(statusCallback(), TRIGGER_URL)[0] as StatusEvent).messageId, null);
		assert.equal((deliver(statusCallback(), `${TRIGGER_URL}?a=1&cr_message_id=${id}&b=2`)[0] as StatusEvent).messageId, id);
	});

	test('`at` is when it arrived (Twilio sends no event time)', () => {
		const request = twilioRequest(TOKEN, callbackUrl(), statusCallback());
		const before = Date.now();
		const [event] = twilioWebhook.parse(request);
		assert.ok(Date.parse(event.at) >= before - 1000 && Date.parse(event.at) <= Date.now() + 1000);
	});
});

describe('Twilio inbound SMS', () => {
	const one = (params: Record<string, string>) => {
		const events = deliver(params, TRIGGER_URL);
		assert.equal(events.length, 1);
		return events[0];
	};

	test('STOP, "leiratkozom", "Leiratkozom, köszönöm" and OptOutType=STOP opt out', () => {
		for (const [body, keyword] of [
			['STOP', 'STOP'],
			[' stop! ', 'STOP'],
			['leiratkozom', 'LEIRATKOZOM'],
			['Leiratkozom, köszönöm', 'LEIRATKOZOM'],
			['Nem kérek több SMS-t', 'NEM KÉREK'],
		]) {
			const params = inboundSms(body);
			const event = one(params) as OptOutEvent;
			assert.deepEqual(event, {
				kind: 'opt_out',
				provider: 'twilio',
				channel: 'sms',
				eventId: params.MessageSid,
				at: new Date(NOW).toISOString(),
				address: CUSTOMER,
				source: 'twilio_stop',
				detail: keyword,
				messageId: null,
				cartId: null,
				text: body,
			});
		}
		// An inbound message that also carries MessageStatus=received is still an inbound message.
		assert.equal(one(inboundSms('STOP', { MessageStatus: 'received' })).kind, 'opt_out');
		// A Messaging Service's custom opt-out keyword: Twilio says so, whatever the words.
		const custom = one(inboundSms('ELÉG', { OptOutType: 'STOP' })) as OptOutEvent;
		assert.deepEqual([custom.kind, custom.source, custom.detail, custom.text], ['opt_out', 'twilio_stop', 'OptOutType=STOP', 'ELÉG']);
	});

	test('START, UNSTOP, YES and OptOutType=START are opt-ins', () => {
		assert.deepEqual(DEFAULT_OPT_IN_KEYWORDS, ['START', 'YES', 'UNSTOP']);
		for (const body of ['START', 'unstop', 'Yes!']) {
			const event = one(inboundSms(body)) as OptInEvent;
			assert.deepEqual([event.kind, event.source, event.detail, event.text], ['opt_in', 'twilio_start', matchOptInKeyword(body).keyword, body]);
		}
		const service = one(inboundSms('Újra kérem', { OptOutType: 'START' })) as OptInEvent;
		assert.deepEqual([service.kind, service.detail], ['opt_in', 'OptOutType=START']);
	});

	test('plain text, HELP and near-keywords are replies', () => {
		for (const [body, extra] of [
			['Kérem a kuponkódot', {}],
			['Stop sending the wrong size please', {}],
			['Yes please, send the code', {}],
			['HELP', { OptOutType: 'HELP' }],
			['INFO', {}],
		] as Array<[string, Record<string, string>]>) {
			const params = inboundSms(body, extra);
			const event = one(params) as ReplyEvent;
			assert.deepEqual(event, {
				kind: 'reply',
				provider: 'twilio',
				channel: 'sms',
				eventId: params.MessageSid,
				at: new Date(NOW).toISOString(),
				address: CUSTOMER,
				reply: 'text',
				text: body,
				payload: null,
				action: null,
				cartId: null,
				inReplyTo: null,
			});
		}
		const mms = one(inboundSms('', { NumMedia: '1', MediaUrl0: 'https://api.twilio.com/media/1', MediaContentType0: 'image/jpeg' })) as ReplyEvent;
		assert.deepEqual([mms.kind, mms.text], ['reply', null]);
	});

	test('Twilio expects 200 with empty TwiML', () => {
		assert.deepEqual(twilioWebhook.answer, { contentType: 'text/xml', body: EMPTY_TWIML });
		assert.equal(EMPTY_TWIML, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
		assert.equal(twilioWebhook.provider, 'twilio');
		assert.equal(twilioWebhook.channel, 'sms');
	});
});

describe('X-Twilio-Signature', () => {
	const url = callbackUrl();
	const params = statusCallback();
	const verify = (request: EventRequest, secrets: { twilioAuthToken?: string } = SECRETS) => twilioWebhook.verify(request, secrets);

	test('a request Twilio signed verifies', () => {
		verify(twilioRequest(TOKEN, url, params));
		verify(twilioRequest(TOKEN, TRIGGER_URL, inboundSms('Szia')));
		// Twilio's published example (the webhooks-security docs): this URL, these fields, token 12345.
		const example = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
		assert.equal(signTwilio('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', example), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
	});

	test('forged, missing, or made with another token: 401', () => {
		refused(() => verify(twilioRequest(TOKEN, url, params, { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })), 401, 'x-twilio-signature');
		refused(() => verify(twilioRequest(TOKEN, url, params, { signature: null })), 401, 'x-twilio-signature');
		refused(() => verify(twilioRequest(TOKEN, url, params, { signature: '' })), 401, 'x-twilio-signature');
		refused(() => verify(twilioRequest('another-token', url, params)), 401, 'x-twilio-signature');
		const lower = twilioRequest(TOKEN, url, params);
		lower.headers['x-twilio-signature'] = String(lower.headers['x-twilio-signature']).toLowerCase();
		refused(() => verify(lower), 401, 'x-twilio-signature');
	});

	test('no token in the credential: 401 saying which field to fill in', () => {
		for (const secrets of [{}, { twilioAuthToken: '' }, { twilioAuthToken: '   ' }]) {
			refused(() => verify(twilioRequest(TOKEN, url, params), secrets), 401, 'x-twilio-signature');
		}
		assert.throws(() => verify(twilioRequest(TOKEN, url, params), {}), /"Auth Token".*"Auth Token for Webhook Signatures"/);
	});

	test('a body altered after signing: 401', () => {
		const altered = { ...params, MessageStatus: 'failed' };
		refused(() => verify(twilioRequest(TOKEN, url, params, { body: formBody(altered) })), 401, 'x-twilio-signature');
		refused(() => verify(twilioRequest(TOKEN, url, params, { body: `${formBody(params)}&Extra=1` })), 401, 'x-twilio-signature');
		const dropped = { ...params } as Record<string, string>;
		delete dropped.ErrorCode;
		delete dropped.RawDlrDoneDate;
		refused(() => verify(twilioRequest(TOKEN, url, params, { body: formBody(dropped) })), 401, 'x-twilio-signature');
	});

	test('a URL other than the one signed (host, path, query, message id): 401', () => {
		const id = randomUUID();
		const signed = callbackUrl(id);
		for (const other of [
			signed.replace('n8n.example.com', 'evil.example.com'),
			signed.replace('/twilio', '/twilio2'),
			callbackUrl(randomUUID()),
			`${signed}&x=1`,
			TRIGGER_URL,
			signed.replace('https://', 'http://'),
		]) {
			refused(() => verify(twilioRequest(TOKEN, other, params, { signedUrl: signed })), 401, 'x-twilio-signature');
		}
	});

	test('the fields in another order still verify (Twilio signs them sorted)', () => {
		const shuffled = Object.entries(params).reverse();
		verify(twilioRequest(TOKEN, url, shuffled));
		verify(twilioRequest(TOKEN, url, params, { body: formBody(shuffled) }));
		// Spaces as + or %20: the same fields once decoded.
		const spaced = inboundSms('Kérem a kódot');
		verify(twilioRequest(TOKEN, TRIGGER_URL, spaced, { body: formBody(spaced).replace(/\+/g, '%20') }));
		// A name given twice: each value counts, sorted.
		const repeated: Array<[string, string]> = [...Object.entries(statusCallback()), ['Tag', 'b'], ['Tag', 'a']];
		verify(twilioRequest(TOKEN, url, repeated, { body: formBody([...repeated].reverse()) }));
	});

	test('port variants: signed with :443 or without, delivered the other way round', () => {
		const plain = 'https://n8n.example.com/webhook/x?cr_message_id=' + randomUUID();
		const withPort = plain.replace('n8n.example.com', 'n8n.example.com:443');
		verify(twilioRequest(TOKEN, plain, params, { signedUrl: withPort }));
		verify(twilioRequest(TOKEN, withPort, params, { signedUrl: plain }));
		const http = 'http://n8n.example.com/webhook/x';
		verify(twilioRequest(TOKEN, http, params, { signedUrl: 'http://n8n.example.com:80/webhook/x' }));
		verify(twilioRequest(TOKEN, 'http://n8n.example.com:80/webhook/x', params, { signedUrl: http }));
		// Another port is another URL.
		refused(() => verify(twilioRequest(TOKEN, plain, params, { signedUrl: plain.replace('n8n.example.com', 'n8n.example.com:8443') })), 401, 'x-twilio-signature');
	});

	test('not a form (JSON, multipart, another charset): 415', () => {
		for (const contentType of ['application/json', 'multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded; charset=latin1', '']) {
			refused(() => verify(twilioRequest(TOKEN, url, params, { contentType })), 415, 'content-type');
		}
		verify(twilioRequest(TOKEN, url, params, { contentType: 'application/x-www-form-urlencoded; charset=UTF-8' }));
	});

	test('a Webhooks Rule SharedKey signature cannot be checked with the Auth Token: 401 saying so', () => {
		const request = twilioRequest(TOKEN, url, params);
		request.headers['x-twilio-webhooks-signature-settings'] = 'key=abc,algorithm=HMAC_SHA256';
		refused(() => verify(request), 401, 'x-twilio-signature');
	});

	test('the signing token: the Auth Token, or with an API Key the webhook Auth Token', () => {
		assert.equal(twilioSigningToken({ accountSid: 'AC1', authType: 'authToken', authToken: ' tok ' }), 'tok');
		assert.equal(twilioSigningToken({ accountSid: 'AC1', authToken: 'tok' }), 'tok');
		assert.equal(twilioSigningToken({ accountSid: 'AC1', authType: 'apiKey', apiKeySid: 'SK1', apiKeySecret: 's', webhookAuthToken: 'wh' }), 'wh');
		assert.equal(twilioSigningToken({ accountSid: 'AC1', authType: 'apiKey', apiKeySid: 'SK1', apiKeySecret: 's', authToken: 'stale' }), undefined);
		assert.equal(twilioSigningToken({ accountSid: 'AC1', authType: 'authToken', authToken: '' }), undefined);
	});
});

describe('malformed Twilio bodies', () => {
	test('each problem is a 400 naming the field', () => {
		const cases: Array<[Record<string, string | undefined>, string]> = [
			[statusCallback({ MessageSid: undefined }), 'MessageSid'],
			[statusCallback({ MessageSid: 'SM123' }), 'MessageSid'],
			[statusCallback({ MessageSid: `XX${'0'.repeat(32)}` }), 'MessageSid'],
			[statusCallback({ MessageStatus: 'exploded' }), 'MessageStatus'],
			[statusCallback({ MessageStatus: '' }), 'MessageStatus'],
			[statusCallback({ To: undefined }), 'To'],
			[statusCallback({ To: '0630123' }), 'To'],
			[statusCallback({ From: undefined }), 'From'],
			[statusCallback({ ErrorCode: 'abc', MessageStatus: 'failed' }), 'ErrorCode'],
			[statusCallback({ AccountSid: 'AC1' }), 'AccountSid'],
			[inboundSms('x', { From: undefined }), 'From'],
			[inboundSms('x', { From: 'whatsapp:+36301234567' }), 'From'],
			[inboundSms('x', { To: undefined }), 'To'],
			[inboundSms('x', { MessageSid: undefined }), 'MessageSid'],
			[inboundSms('x', { SmsStatus: 'sent' }), 'SmsStatus'],
			[inboundSms('x', { OptOutType: 'MAYBE' }), 'OptOutType'],
			[inboundSms('a\u0000b'), 'Body'],
			[{ AccountSid: statusCallback().AccountSid }, 'MessageStatus'],
		];
		for (const [fields, field] of cases) {
			const params = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
			refused(() => deliver(params), 400, field);
		}
		const twice: Array<[string, string]> = [...Object.entries(statusCallback()), ['MessageSid', sid('SM')]];
		refused(() => deliver(twice), 400, 'MessageSid');
		refused(() => deliver([...Object.entries(inboundSms('x')), ['Bad\u0000Name', '1']]), 400, 'body');
	});

	test('a few hundred generated bodies: 400/415 naming the field, or events, never another exception', () => {
		let seed = 20261202;
		const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
		const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
		const junk = ['', ' ', '\u0000', 'x'.repeat(5000), '%', '%ZZ', '\ud800', '😀', '+', '&', '=', 'null', '[]', '{"a":1}', 'SM', '+36', '99999999', '-1', 'a\u0000'];
		const names = ['MessageSid', 'MessageStatus', 'To', 'From', 'ErrorCode', 'AccountSid', 'MessagingServiceSid', 'Body', 'SmsStatus', 'OptOutType', 'NumMedia', ''];
		const outcomes = { events: 0, refused: 0 };
		for (let i = 0; i < 400; i++) {
			const base = Object.entries(random() < 0.5 ? statusCallback({ MessageStatus: pick(TWILIO_MESSAGE_STATUSES) }) : inboundSms(pick(['STOP', 'hi', 'START', ''])));
			const mutations = 1 + Math.floor(random() * 3);
			for (let m = 0; m < mutations; m++) {
				const r = random();
				if (r < 0.3) base.splice(Math.floor(random() * base.length), 1);
				else if (r < 0.6) base[Math.floor(random() * base.length)][1] = pick(junk);
				else if (r < 0.8) base.push([pick(names), pick(junk)]);
				else base.push([pick(junk), pick(junk)]);
			}
			const asRaw = random() < 0.1;
			const body = asRaw ? Buffer.from(Array.from({ length: 40 }, () => Math.floor(random() * 256))) : formBody(base);
			// Signed as Twilio would sign these bytes: the fields they decode to (a lone surrogate is sent as U+FFFD).
			const params = [...new URLSearchParams(Buffer.isBuffer(body) ? body.toString('utf8') : body)];
			const contentType = random() < 0.05 ? pick(['application/json', 'text/xml', '']) : undefined;
			const request = twilioRequest(TOKEN, callbackUrl(), params, { body, contentType });
			try {
				const events = receive(request);
				assert.ok(Array.isArray(events));
				outcomes.events++;
			} catch (error) {
				assert.ok(error instanceof IntakeError, `case ${i}: ${String(error)}\n${formBody(params)}`);
				assert.ok([400, 415].includes(error.status), `case ${i}: ${error.status} ${error.message}`);
				assert.ok(error.field && error.message.startsWith(`${error.field}: `), `case ${i}: ${error.message}`);
				outcomes.refused++;
			}
		}
		assert.ok(outcomes.refused > 100 && outcomes.events > 10, JSON.stringify(outcomes));
	});
});

describe('SMS Send puts our message id on the Status Callback URL', () => {
	test('statusCallbackFor keeps the query and encodes the id', () => {
		const id = '0b0c7f5e-1111-4222-8333-944445555666';
		assert.equal(statusCallbackFor(undefined, id), undefined);
		assert.equal(statusCallbackFor('  ', id), undefined);
		assert.equal(statusCallbackFor(TRIGGER_URL, id), `${TRIGGER_URL}?cr_message_id=${id}`);
		assert.equal(statusCallbackFor(`${TRIGGER_URL}?`, id), `${TRIGGER_URL}?cr_message_id=${id}`);
		assert.equal(statusCallbackFor(`${TRIGGER_URL}?a=1&b=x%20y+z`, id), `${TRIGGER_URL}?a=1&b=x%20y+z&cr_message_id=${id}`);
		assert.equal(statusCallbackFor(`${TRIGGER_URL}?cr_message_id=old&a=1`, id), `${TRIGGER_URL}?a=1&cr_message_id=${id}`);
		assert.equal(statusCallbackFor(`${TRIGGER_URL}#frag`, id), `${TRIGGER_URL}?cr_message_id=${id}#frag`);
		assert.equal(statusCallbackFor(TRIGGER_URL, 'a b&c'), `${TRIGGER_URL}?cr_message_id=a%20b%26c`);
		assert.equal(statusCallbackFor('not a url', id), 'not a url');
	});

	test('each SMS goes to Twilio with its own message id on the callback, which comes back on the status event', async () => {
		const sent: TwilioSms[] = [];
		const client = { send: async (sms: TwilioSms) => (sent.push(sms), { providerId: sid('SM'), status: 'queued', numSegments: 1 }) } as unknown as TwilioSmsClient;
		const base = `${TRIGGER_URL}?workflow=recovery`;
		const adapter = smsAdapter({ client, language: 'en', stage: 1, statusCallback: base }, (lang) => smsTemplate(lang));
		const cart = { ...sampleCart(), phone: CUSTOMER };
		const ids = [randomUUID(), randomUUID()];
		for (const messageId of ids) {
			const context: MessageContext = { cart, request: { cartId: cart.cart_id, stage: 1 }, address: CUSTOMER, messageId };
			const message = await adapter.render(context);
			assert.equal(message.to, CUSTOMER);
			await adapter.send(message, { ...context, attempt: 1 });
		}
		assert.deepEqual(
			sent.map((s) => s.statusCallback),
			ids.map((id) => `${base}&cr_message_id=${id}`),
		);
		// Twilio calls exactly that URL, signed; the event names our message.
		const [event] = deliver(statusCallback({ MessageStatus: 'delivered' }), sent[1].statusCallback) as StatusEvent[];
		assert.equal(event.messageId, ids[1]);
		// No Status Callback URL: none is sent.
		const without = smsAdapter({ client, language: 'en', stage: 1 }, (lang) => smsTemplate(lang));
		const context: MessageContext = { cart, request: { cartId: cart.cart_id, stage: 1 }, address: CUSTOMER, messageId: ids[0] };
		await without.send(await without.render(context), { ...context, attempt: 1 });
		assert.equal(sent.at(-1)?.statusCallback, undefined);
	});

	test('the Twilio client posts StatusCallback as given', () => {
		const client = new TwilioSmsClient({ accountSid: sid('AC'), authToken: 'x', from: '+36209990000' });
		const url = statusCallbackFor(TRIGGER_URL, randomUUID())!;
		assert.equal(client.messageParams({ to: CUSTOMER, body: 'x', statusCallback: url }).statusCallback, url);
		assert.equal('statusCallback' in client.messageParams({ to: CUSTOMER, body: 'x' }), false);
	});
});


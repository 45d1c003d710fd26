// SendGrid Event Webhook: the ECDSA signature over `<timestamp><raw body>` is checked before anything is read,
// every event type we record maps to its normalised event, and no malformed body gets past as anything but a
// 400/415 naming the field.
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';

import { SENDGRID_MAX_EVENTS, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, sendGridWebhook } from '../../lib/channels/email/events';
import type { ChannelEvent, EventRequest, EventSecrets, OptInEvent, OptOutEvent, StatusEvent } from '../../lib/events/types';
import { IntakeError } from '../../lib/intake/errors';
import { createSendGridEventSigner, sendGridEvents, SIGNATURE_HEADER, TIMESTAMP_HEADER, sgMessageIdFor } from '../fakes/sendgridEvents';

const signer = createSendGridEventSigner();
const secrets: EventSecrets = { sendGridVerificationKey: signer.verificationKey };
const NOW = Date.UTC(2026, 11, 2, 10, 0, 0);
const T = Math.floor(NOW / 1000);

/** Verifies, then parses: the order the trigger uses. */
function receive(request: EventRequest, keys: EventSecrets = secrets, now = NOW): ChannelEvent[] {
	sendGridWebhook.verify(request, keys, now);
	return sendGridWebhook.parse(request);
}

function one<E extends ChannelEvent>(event: Record<string, unknown>): E {
	const events = receive(signer.request([event], { timestamp: T }));
	assert.equal(events.length, 1);
	return events[0] as E;
}

/** Asserts an IntakeError with this status whose field is `field` and whose message starts with it. */
function refused(fn: () => unknown, status: number, field: string | RegExp, message?: RegExp) {
	assert.throws(fn, (error: unknown) => {
		assert.ok(error instanceof IntakeError, `an IntakeError, got ${String(error)}`);
		assert.equal(error.status, status, error.message);
		if (typeof field === 'string') assert.equal(error.field, field, error.message);
		else assert.match(error.field ?? '', field, error.message);
		assert.ok(error.message.startsWith(`${error.field}: `), `the message names the field: ${error.message}`);
		if (message) assert.match(error.message, message);
		return true;
	});
}

describe('SendGrid events: mapping', () => {
	const crMessageId = randomUUID();
	const xId = 'abcDEF123ghiJKL456mnoP';
	const common = { crMessageId, xMessageId: xId, timestamp: T - 60, email: 'anna@example.hu' };

	test('processed, delivered, deferred: status, ids, time and address', () => {
		for (const [kind, status] of [
			['processed', 'processed'],
			['delivered', 'delivered'],
			['deferred', 'deferred'],
		] as const) {
			const sample = sendGridEvents[kind](common);
			const event = one<StatusEvent>(sample);
			assert.equal(event.kind, 'status');
			assert.equal(event.status, status);
			assert.equal(event.provider, 'sendgrid');
			assert.equal(event.channel, 'email');
			assert.equal(event.eventId, sample.sg_event_id);
			assert.equal(event.at, new Date((T - 60) * 1000).toISOString());
			assert.equal(event.address, 'anna@example.hu');
			assert.equal(event.messageId, crMessageId);
			assert.equal(event.providerId, sgMessageIdFor(xId));
			assert.ok(event.providerId!.startsWith(`${xId}.filter`));
			assert.equal(event.permanent, false);
			assert.equal(event.machine, false);
		}
		assert.equal(one<StatusEvent>(sendGridEvents.deferred(common)).errorDetail, '400 try again later');
	});

	test('dropped: status dropped with the reason', () => {
		const event = one<StatusEvent>(sendGridEvents.dropped(common));
		assert.equal(event.status, 'dropped');
		assert.equal(event.errorDetail, 'Bounced Address');
	});

	test('bounce type "bounce" is permanent; type "blocked" is not; status and reason carried', () => {
		const hard = one<StatusEvent>(sendGridEvents.bounce(common));
		assert.equal(hard.status, 'bounced');
		assert.equal(hard.permanent, true);
		assert.equal(hard.errorCode, '5.1.1');
		assert.match(hard.errorDetail!, /does not exist/);
		const blocked = one<StatusEvent>(sendGridEvents.blocked(common));
		assert.equal(blocked.status, 'bounced');
		assert.equal(blocked.permanent, false);
		assert.equal(blocked.errorCode, '5.7.1');
		assert.match(blocked.errorDetail!, /blocked/);
	});

	test('open: a human open and a machine open (sg_machine_open) are told apart', () => {
		const human = one<StatusEvent>(sendGridEvents.open(common));
		assert.equal(human.status, 'opened');
		assert.equal(human.machine, false);
		const machine = one<StatusEvent>(sendGridEvents.machineOpen(common));
		assert.equal(machine.status, 'opened');
		assert.equal(machine.machine, true);
		// Only the boolean true counts: a string "true" is not SendGrid's flag.
		assert.equal(one<StatusEvent>(sendGridEvents.open({ ...common, extra: { sg_machine_open: 'true' } })).machine, false);
	});

	test('click: status clicked with the url', () => {
		const event = one<StatusEvent>(sendGridEvents.click(common));
		assert.equal(event.status, 'clicked');
		assert.equal(event.url, 'https://shop.example.hu/cart/restore?c=abc');
	});

	test('spamreport, unsubscribe, group_unsubscribe: one opt_out each, nothing else', () => {
		for (const [kind, source] of [
			['spamreport', 'sendgrid_spamreport'],
			['unsubscribe', 'sendgrid_unsubscribe'],
			['groupUnsubscribe', 'sendgrid_group_unsubscribe'],
		] as const) {
			const sample = sendGridEvents[kind](common);
			const events = receive(signer.request([sample], { timestamp: T }));
			assert.equal(events.length, 1, kind);
			const event = events[0] as OptOutEvent;
			assert.equal(event.kind, 'opt_out');
			assert.equal(event.source, source);
			assert.equal(event.address, 'anna@example.hu');
			assert.equal(event.messageId, crMessageId);
			assert.equal(event.cartId, null);
			assert.equal(event.eventId, sample.sg_event_id);
			assert.ok(event.detail!.startsWith(sample.event as string));
		}
		assert.match((one<OptOutEvent>(sendGridEvents.groupUnsubscribe(common)).detail ?? ''), /asm_group_id 10/);
	});

	test('group_resubscribe: opt_in, never consent by itself', () => {
		const event = one<OptInEvent>(sendGridEvents.groupResubscribe(common));
		assert.equal(event.kind, 'opt_in');
		assert.equal(event.source, 'sendgrid_group_resubscribe');
		assert.match(event.detail ?? '', /group_resubscribe \(asm_group_id 10\)/);
	});

	test('cr_message_id: only a uuid is our message id; without it messageId is null', () => {
		assert.equal(one<StatusEvent>(sendGridEvents.delivered({ ...common, crMessageId: 'not-a-uuid' })).messageId, null);
		assert.equal(one<StatusEvent>(sendGridEvents.delivered({ ...common, crMessageId: undefined })).messageId, null);
		assert.equal(one<StatusEvent>(sendGridEvents.delivered({ ...common, extra: { cr_message_id: 42 } })).messageId, null);
		const upper = randomUUID().toUpperCase();
		assert.equal(one<StatusEvent>(sendGridEvents.delivered({ ...common, crMessageId: upper })).messageId, upper.toLowerCase());
	});

	test('an asynchronous bounce without sg_message_id still maps (providerId null)', () => {
		const sample = sendGridEvents.bounce(common);
		delete (sample as Record<string, unknown>).sg_message_id;
		assert.equal(one<StatusEvent>(sample).providerId, null);
	});

	test('a whole batch maps in order; unknown event types are skipped, not refused', () => {
		const batch = [
			sendGridEvents.processed(common),
			{ event: 'account_status_change', type: 'compliance_suspend', timestamp: T },
			sendGridEvents.delivered(common),
			{ event: 'some_future_event' },
			sendGridEvents.open(common),
		];
		const events = receive(signer.request(batch, { timestamp: T }));
		assert.deepEqual(
			events.map((e) => (e as StatusEvent).status),
			['processed', 'delivered', 'opened'],
		);
		assert.deepEqual(receive(signer.request([], { timestamp: T })), []);
	});

	test('fractional and zero timestamps are accepted', () => {
		assert.equal(one<StatusEvent>(sendGridEvents.delivered({ ...common, timestamp: 1700000000.5 })).at, '2023-11-14T22:13:20.500Z');
		assert.equal(one<StatusEvent>(sendGridEvents.delivered({ ...common, timestamp: 0 })).at, '1970-01-01T00:00:00.000Z');
	});
});

describe('SendGrid events: signature', () => {
	const events = [sendGridEvents.delivered({ crMessageId: randomUUID() })];
	const good = () => signer.request(events, { timestamp: T });
	const withHeaders = (request: EventRequest, headers: Record<string, string | undefined>) => ({ ...request, headers: { ...request.headers, ...headers } });

	test('the header names are SendGrid\'s', () => {
		assert.equal(SIGNATURE_HEADER, SENDGRID_SIGNATURE_HEADER.toLowerCase());
		assert.equal(TIMESTAMP_HEADER, SENDGRID_TIMESTAMP_HEADER.toLowerCase());
	});

	test('a good signature passes; so does one at the edge of the 300 s window, both ways', () => {
		sendGridWebhook.verify(good(), secrets, NOW);
		sendGridWebhook.verify(signer.request(events, { timestamp: T - 300 }), secrets, NOW);
		sendGridWebhook.verify(signer.request(events, { timestamp: T + 300 }), secrets, NOW);
	});

	test('SendGrid\'s own published test vector (sendgrid-nodejs EventWebhook spec) verifies', () => {
		// Key, signature and timestamp from SendGrid's helper tests: proves the scheme, not only our fake's view of it.
		const key = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
		const signature = 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
		const body = JSON.stringify({ category: 'example_payload', event: 'test_event', message_id: 'message_id' });
		const request: EventRequest = {
			method: 'POST',
			headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: '1588788367' },
			rawBody: Buffer.from(body),
			url: 'https://n8n.example.com/webhook/x',
			query: {},
		};
		sendGridWebhook.verify(request, { sendGridVerificationKey: key }, 1588788367 * 1000);
		refused(() => sendGridWebhook.verify({ ...request, rawBody: Buffer.from('payload') }, { sendGridVerificationKey: key }, 1588788367 * 1000), 401, SENDGRID_SIGNATURE_HEADER);
	});

	test('a forged signature (another key pair) is refused', () => {
		const forger = createSendGridEventSigner();
		refused(() => sendGridWebhook.verify(forger.request(events, { timestamp: T }), secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER, /does not match/);
	});

	test('missing headers are refused, each naming its header', () => {
		refused(() => sendGridWebhook.verify(withHeaders(good(), { [SIGNATURE_HEADER]: undefined }), secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER, /missing/);
		refused(() => sendGridWebhook.verify(withHeaders(good(), { [TIMESTAMP_HEADER]: undefined }), secrets, NOW), 401, SENDGRID_TIMESTAMP_HEADER, /missing/);
		refused(() => sendGridWebhook.verify(withHeaders(good(), { [SIGNATURE_HEADER]: '  ' }), secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER, /missing/);
	});

	test('stale (> 300 s) and future (> 300 s) timestamps are refused', () => {
		refused(() => sendGridWebhook.verify(signer.request(events, { timestamp: T - 301 }), secrets, NOW), 401, SENDGRID_TIMESTAMP_HEADER, /301 s old/);
		refused(() => sendGridWebhook.verify(signer.request(events, { timestamp: T + 301 }), secrets, NOW), 401, SENDGRID_TIMESTAMP_HEADER, /future/);
		refused(() => sendGridWebhook.verify(signer.request(events, { timestamp: T - 86400 }), secrets, NOW), 401, SENDGRID_TIMESTAMP_HEADER);
	});

	test('a tolerance in the secrets widens or narrows the window (capped at an hour)', () => {
		const old = signer.request(events, { timestamp: T - 600 });
		sendGridWebhook.verify(old, { ...secrets, sendGridToleranceSeconds: 900 }, NOW);
		refused(() => sendGridWebhook.verify(signer.request(events, { timestamp: T - 60 }), { ...secrets, sendGridToleranceSeconds: 30 }, NOW), 401, SENDGRID_TIMESTAMP_HEADER);
		refused(() => sendGridWebhook.verify(signer.request(events, { timestamp: T - 7200 }), { ...secrets, sendGridToleranceSeconds: 1e9 }, NOW), 401, SENDGRID_TIMESTAMP_HEADER);
	});

	test('a body altered by one byte is refused', () => {
		const request = good();
		for (const at of [0, Math.floor(request.rawBody.length / 2), request.rawBody.length - 1]) {
			const body = Buffer.from(request.rawBody);
			body[at] ^= 0x01;
			refused(() => sendGridWebhook.verify({ ...request, rawBody: body }, secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER, /does not match/);
		}
		refused(() => sendGridWebhook.verify({ ...request, rawBody: Buffer.concat([request.rawBody, Buffer.from(' ')]) }, secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER);
	});

	test('a signature made for another timestamp is refused', () => {
		const request = good();
		const other = signer.sign(request.rawBody, T - 10);
		refused(() => sendGridWebhook.verify(withHeaders(request, { [SIGNATURE_HEADER]: other[SIGNATURE_HEADER] }), secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER);
		refused(() => sendGridWebhook.verify(withHeaders(request, { [TIMESTAMP_HEADER]: String(T - 10) }), secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER);
	});

	test('a timestamp that is not digits, and a signature that is not base64 DER, are refused', () => {
		for (const ts of [`${T}.0`, `-${T}`, 'now', `${T} `.repeat(2), '1e9', '0x1']) {
			refused(() => sendGridWebhook.verify(withHeaders(good(), { [TIMESTAMP_HEADER]: ts }), secrets, NOW), 401, SENDGRID_TIMESTAMP_HEADER);
		}
		for (const sig of ['not base64!', 'AAAA', 'A'.repeat(200), '%%%%', Buffer.alloc(70, 0x30).toString('base64'), 'MEUCIQ==']) {
			refused(() => sendGridWebhook.verify(withHeaders(good(), { [SIGNATURE_HEADER]: sig }), secrets, NOW), 401, SENDGRID_SIGNATURE_HEADER);
		}
	});

	test('repeated headers use the first value (as the intake does)', () => {
		const request = good();
		const sig = request.headers[SIGNATURE_HEADER] as string;
		sendGridWebhook.verify({ ...request, headers: { ...request.headers, [SIGNATURE_HEADER]: [sig, 'x'] } }, secrets, NOW);
	});

	test('the key as a PEM works; surrounding whitespace and line breaks in the base64 are tolerated', () => {
		sendGridWebhook.verify(good(), { sendGridVerificationKey: signer.verificationKeyPem }, NOW);
		sendGridWebhook.verify(good(), { sendGridVerificationKey: `  ${signer.verificationKey}\n` }, NOW);
		sendGridWebhook.verify(good(), { sendGridVerificationKey: signer.verificationKey.replace(/(.{40})/g, '$1\n') }, NOW);
	});

	test('no key in the credential: 401 saying where to paste it from', () => {
		for (const key of [undefined, '', '   ']) {
			refused(() => sendGridWebhook.verify(good(), { sendGridVerificationKey: key }, NOW), 401, SENDGRID_SIGNATURE_HEADER, /Mail Settings/);
		}
	});

	test('a garbage, private or non-P-256 key: 401 saying the credential\'s key is not a public key', () => {
		const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
		const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
		const privatePem = signer.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
		for (const key of ['garbage key text', 'SG.abcdef.ghijkl', 'QUJD', '-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----', rsa, p384, privatePem]) {
			refused(() => sendGridWebhook.verify(good(), { sendGridVerificationKey: key }, NOW), 401, SENDGRID_SIGNATURE_HEADER, /verification key in the SendGrid credential is not a public key/);
		}
	});

	test('verify reads only headers and bytes: a signed non-JSON body passes verify and is refused by parse', () => {
		const request = signer.request(null, { timestamp: T, rawBody: 'not json at all', contentType: 'text/plain' });
		sendGridWebhook.verify(request, secrets, NOW);
		refused(() => sendGridWebhook.parse(request), 415, 'content-type');
		refused(() => sendGridWebhook.parse({ ...request, headers: { ...request.headers, 'content-type': 'application/json' } }), 400, 'body');
	});
});

describe('SendGrid events: malformed bodies', () => {
	const parse = (body: string | Buffer, contentType = 'application/json') =>
		sendGridWebhook.parse({ method: 'POST', headers: { 'content-type': contentType }, rawBody: Buffer.from(body), url: 'https://x/y', query: {} });
	const valid = () => sendGridEvents.delivered({ crMessageId: randomUUID() }) as Record<string, unknown>;

	test('named cases: each refused with the field it is about', () => {
		refused(() => parse(''), 400, 'body', /empty/);
		refused(() => parse('{"event":"delivered"'), 400, 'body', /not valid JSON/);
		refused(() => parse('{"event":"delivered"}'), 400, 'body', /array/);
		refused(() => parse('"text"'), 400, 'body');
		refused(() => parse('[1]'), 400, 'body[0]', /object/);
		refused(() => parse('[null]'), 400, 'body[0]');
		refused(() => parse('[[]]'), 400, 'body[0]');
		const noId = [valid(), valid(), valid(), { ...valid(), sg_event_id: undefined }];
		refused(() => parse(JSON.stringify(noId)), 400, 'body[3].sg_event_id');
		refused(() => parse(JSON.stringify([{ ...valid(), sg_event_id: 12 }])), 400, 'body[0].sg_event_id');
		refused(() => parse(JSON.stringify([{ ...valid(), timestamp: '1700000000' }])), 400, 'body[0].timestamp');
		refused(() => parse(JSON.stringify([{ ...valid(), timestamp: 1e300 }])), 400, 'body[0].timestamp');
		refused(() => parse(JSON.stringify([{ ...valid(), timestamp: -1 }])), 400, 'body[0].timestamp');
		refused(() => parse(JSON.stringify([{ ...valid(), event: 5 }])), 400, 'body[0].event');
		refused(() => parse(JSON.stringify([{ ...valid(), email: ['a@b.hu'] }])), 400, 'body[0].email');
		refused(() => parse(JSON.stringify([sendGridEvents.unsubscribe({ extra: { email: undefined } })])), 400, 'body[0].email');
		refused(() => parse(JSON.stringify([{ ...valid(), reason: 'a\u0000b' }])), 400, 'body[0].reason', /NUL/);
		refused(() => parse('[{"event":"delivered","email":"\\ud800"}]'), 400, 'body[0].email', /surrogate/);
		const many = JSON.stringify(Array.from({ length: SENDGRID_MAX_EVENTS + 1 }, valid));
		refused(() => parse(many), 400, 'body', /1001 events/);
		assert.equal(parse(JSON.stringify(Array.from({ length: SENDGRID_MAX_EVENTS }, valid))).length, SENDGRID_MAX_EVENTS);
		for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '']) {
			refused(() => parse(JSON.stringify([valid()]), type), 415, 'content-type');
		}
	});

	test('a few hundred generated malformed bodies: only IntakeError 400/415 naming the field, never another exception', () => {
		let seed = 20261202;
		const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
		const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
		const junk = [null, 0, -1, 1.5, 1e308, '', 'x', '\u0000', '\ud800', true, false, [], {}, [1, 2], { a: 1 }, 'é✓', '1700000000'];
		const kinds = Object.keys(sendGridEvents) as Array<keyof typeof sendGridEvents>;
		const mutations: Array<() => { body: string; contentType?: string; expect?: string }> = [
			() => ({ body: pick(['', ' ', 'null', 'true', '1', '"x"', '{}', '{"a":1}', '[', ']', '[{]', 'NaN', '[1,]', '\u0000', '\ufeff']), expect: 'body' }),
			() => ({ body: JSON.stringify([pick(junk.filter((j) => typeof j !== 'object' || j === null || Array.isArray(j)))]) }),
			() => {
				const event = sendGridEvents[pick(kinds)]() as Record<string, unknown>;
				const field = pick(['event', 'sg_event_id', 'timestamp']);
				delete event[field];
				return { body: JSON.stringify([valid(), event]), expect: `body[1].${field}` };
			},
			() => {
				const event = sendGridEvents[pick(kinds)]() as Record<string, unknown>;
				event[pick(Object.keys(event))] = pick(junk);
				return { body: JSON.stringify([event]) };
			},
			() => {
				const event = valid();
				event.timestamp = pick(['1700000000', '', null, [], {}, true, -5, 1e13 * 1000]);
				return { body: JSON.stringify([event]), expect: 'body[0].timestamp' };
			},
			() => {
				const event = sendGridEvents[pick(kinds)]() as Record<string, unknown>;
				const key = pick(Object.keys(event).filter((k) => typeof event[k] === 'string'));
				event[key] = `${String(event[key]).slice(0, 3)}\u0000${String(event[key]).slice(3)}`;
				return { body: JSON.stringify([event]), expect: key === 'smtp-id' ? 'body[0]["smtp-id"]' : `body[0].${key}` };
			},
			() => {
				const text = JSON.stringify([valid(), valid()]);
				const cut = Math.floor(rand() * (text.length - 1)) + 1;
				return { body: text.slice(0, cut), expect: 'body' };
			},
			() => ({ body: JSON.stringify([valid()]), contentType: pick(['text/plain', 'application/xml', 'application/json; charset=utf-16', 'text/json', '']), expect: 'content-type' }),
			() => ({ body: JSON.stringify(Array.from({ length: SENDGRID_MAX_EVENTS + 1 + Math.floor(rand() * 50) }, () => ({}))), expect: 'body' }),
			() => ({ body: Buffer.concat([Buffer.from('[{"event":"delivered","x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}]')]).toString('latin1') }),
		];
		let refusedCount = 0;
		for (let i = 0; i < 400; i++) {
			const { body, contentType, expect } = mutations[i % mutations.length]();
			try {
				parse(body, contentType ?? 'application/json');
			} catch (error) {
				assert.ok(error instanceof IntakeError, `case ${i}: an IntakeError, got ${String(error)} for ${body.slice(0, 120)}`);
				assert.ok(error.status === 400 || error.status === 415, `case ${i}: status ${error.status}`);
				assert.ok(error.field, `case ${i}: names a field`);
				assert.ok(error.message.startsWith(`${error.field}: `), `case ${i}: ${error.message}`);
				if (expect) assert.ok(error.field!.startsWith(expect), `case ${i}: field ${error.field}, expected ${expect} (${error.message})`);
				refusedCount++;
				continue;
			}
			assert.equal(expect, undefined, `case ${i}: should have been refused: ${body.slice(0, 120)}`);
		}
		assert.ok(refusedCount > 250, `most generated bodies are refused (${refusedCount})`);
	});
});

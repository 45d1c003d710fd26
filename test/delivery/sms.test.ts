// SMS Send inside n8n's engine, store on Postgres, Twilio as a loopback fake speaking the 2010-04-01
// Messages API (form-encoded request, 201 Message resource, {code, message, more_info, status} errors).
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';

import { twilioErrors, type TwilioFake } from '../fakes/twilio';
import { makeCart, messageRows, outcomes, runSend, smsEnv, type DeliveryEnv, type SmsEnv } from './setup';

let env: DeliveryEnv;
let tw: TwilioFake;
let credentials: Record<string, object>;

const params = (extra: Record<string, unknown> = {}) => ({
	cartId: '={{ $json.cart_id }}',
	stage: 2,
	campaign: 'abandoned-cart',
	discountCode: '={{ $json.discount.code }}',
	discountText: '={{ $json.discount.amount_text }}',
	quietHours: false,
	options: { restoreUrl: 'https://shop.example.hu/r/abc' },
	...extra,
});
const item = (cartId: string) => ({ cart_id: cartId, discount: { code: 'KOSAR-7K3M9Q', amount_text: '10%' } });
const acceptedFor = (to: string) => tw.accepted.filter((a) => a.params.To === to);
const delivery = (json: Record<string, unknown>) => json.delivery as Record<string, unknown>;

let sms: SmsEnv;
before(async () => {
	sms = await smsEnv('delivery_sms');
	({ env, tw, credentials } = sms);
});
after(() => sms.close());

describe('SMS Send: numbers, encoding, segments', () => {
	test('Hungarian text: UCS-2 in 3 segments; transliterated to GSM-7: 2 segments; "06 30 123 4567" → +36301234567', async () => {
		const plain = await makeCart(env.store, { phone: '06 30 123 4567', customerId: 'seg-1' });
		const r1 = await runSend('smsSend', params(), [item(plain)], credentials);
		assert.equal(r1.status, 'success', r1.error?.message);
		const s1 = delivery(outcomes(r1).sent[0]);
		const expected = 'Szia Anna! 12 990 Ft értékben maradt valami a kosaradban. Használd a KOSAR-7K3M9Q kódot 10% kedvezményért! Befejezés: https://shop.example.hu/r/abc\nLeiratkozás: STOP';
		assert.equal(s1.to, '+36301234567');
		assert.equal(s1.body, expected);
		assert.deepEqual([s1.encoding, s1.characters, s1.segments, s1.non_gsm_characters], ['UCS-2', 165, 3, 'áó']);
		const sent1 = acceptedFor('+36301234567');
		assert.equal(sent1.length, 1);
		assert.deepEqual(sent1[0].params, { To: '+36301234567', From: '+36209990000', Body: expected });
		assert.equal(s1.provider_id, sent1[0].sid);

		const translit = await makeCart(env.store, { phone: '+36 70 765 4321', customerId: 'seg-2' });
		const r2 = await runSend('smsSend', params({ transliterate: true }), [item(translit)], credentials);
		const s2 = delivery(outcomes(r2).sent[0]);
		assert.equal(s2.body, 'Szia Anna! 12 990 Ft értékben maradt valami a kosaradban. Hasznald a KOSAR-7K3M9Q kodot 10% kedvezményért! Befejezés: https://shop.example.hu/r/abc\nLeiratkozas: STOP');
		assert.deepEqual([s2.encoding, s2.characters, s2.segments, s2.transliterated], ['GSM-7', 165, 2, true]);
		assert.equal(acceptedFor('+36707654321')[0].params.Body, s2.body);
	});

	test('stage 3 (final offer): the shipped text says it is the last reminder; stage 2 text unchanged', async () => {
		const cartId = await makeCart(env.store, { phone: '+36 30 555 0303', customerId: 'final-1' });
		const r = await runSend('smsSend', params({ stage: 3 }), [{ cart_id: cartId, discount: { code: 'KOSAR-20FINAL', amount_text: '20%' } }], credentials);
		const s = delivery(outcomes(r).sent[0]);
		assert.equal(s.body, 'Szia Anna! Utolsó emlékeztető: 12 990 Ft értékben maradt valami a kosaradban, utána nem írunk róla többet. Használd a KOSAR-20FINAL kódot 20% kedvezményért! Befejezés: https://shop.example.hu/r/abc\nLeiratkozás: STOP');
		assert.equal(acceptedFor('+36305550303')[0].params.Body, s.body);
	});

	test('an invalid or missing number → Skipped with the reason, nothing sent', async () => {
		const invalid = await makeCart(env.store, { phone: '06 12', customerId: 'bad-1' , consent: ['email'] });
		const none = await makeCart(env.store, { phone: null, customerId: 'bad-2', consent: ['email'] });
		const before = tw.requests.length;
		const r = await runSend('smsSend', params(), [item(invalid), item(none)], credentials);
		const { skipped } = outcomes(r);
		assert.deepEqual(skipped.map((s) => delivery(s).reason), ['invalid_address', 'no_address']);
		assert.match(String(delivery(skipped[0]).detail), /"06 12" is not a valid phone number/);
		assert.equal(tw.requests.length, before);
	});

	test('no SMS consent → Skipped no_consent', async () => {
		const cartId = await makeCart(env.store, { consent: ['email'], customerId: 'nc-1' });
		const r = await runSend('smsSend', params(), [item(cartId)], credentials);
		assert.equal(delivery(outcomes(r).skipped[0]).reason, 'no_consent');
	});
});

describe('SMS Send: provider errors', () => {
	test('Twilio 21610 (recipient replied STOP) → message failed, SMS consent withdrawn, Skipped opted_out; next stage blocked', async () => {
		const cartId = await makeCart(env.store, { phone: '+36301110000', customerId: 'stop-1' });
		tw.optedOut.add('+36301110000');
		const r = await runSend('smsSend', params(), [item(cartId)], credentials);
		const s = outcomes(r).skipped[0];
		assert.equal(delivery(s).reason, 'opted_out');
		assert.match(String(delivery(s).detail), /21610/);
		const [row] = await messageRows(env, cartId);
		assert.equal(row.status, 'failed');
		assert.match(row.error!, /Attempt to send to unsubscribed recipient/);
		const [decision] = await env.store.checkConsent({ phone: '+36301110000' }, ['sms']);
		assert.deepEqual([decision.allowed, decision.reason], [false, 'withdrawn']);
		const next = await runSend('smsSend', params({ stage: 3 }), [item(cartId)], credentials);
		assert.equal(delivery(outcomes(next).skipped[0]).reason, 'withdrawn');
	});

	test('Twilio 21211 → recorded failed with Twilio’s code and message, item on the error output', async () => {
		const cartId = await makeCart(env.store, { phone: '+36301112233', customerId: 'inv-1' });
		tw.script(twilioErrors.invalidTo('+36301112233'));
		const r = await runSend('smsSend', params(), [item(cartId)], credentials, { onError: 'continueErrorOutput' });
		const { errors, sent } = outcomes(r);
		assert.equal(sent.length, 0);
		assert.match(String(errors[0].error), /Twilio 400 \(code 21211\): Invalid 'To' Phone Number/);
		const [row] = await messageRows(env, cartId);
		assert.equal(row.status, 'failed');
		assert.match(row.error!, /21211/);
	});

	test('429 storm (Retry-After: 1) then 201 and a 500: one SMS accepted, Retry-After honoured', async () => {
		const cartId = await makeCart(env.store, { phone: '+36301113344', customerId: 'storm-1' });
		const start = tw.requests.length;
		tw.script(twilioErrors.tooManyRequests(1), twilioErrors.tooManyRequests(1), twilioErrors.serverError(500));
		const [a, b] = await Promise.all([
			runSend('smsSend', params(), [item(cartId), item(cartId)], credentials),
			runSend('smsSend', params(), [item(cartId)], credentials),
		]);
		const sent = [...outcomes(a).sent, ...outcomes(b).sent];
		const skipped = [...outcomes(a).skipped, ...outcomes(b).skipped].map((s) => delivery(s).reason).sort();
		assert.equal(sent.length, 1);
		// Which run wins the claim is a race; the losers are skipped either way: 'in_progress' while the winner
		// is still retrying, 'already_sent' once it has finished (e.g. the winner's own second item).
		assert.equal(skipped.length, 2);
		assert.ok(skipped.every((r) => r === 'already_sent' || r === 'in_progress'), `skipped reasons ${skipped.join(', ')}`);
		assert.equal(acceptedFor('+36301113344').length, 1, 'exactly one accepted SMS at Twilio');
		const calls = tw.requests.slice(start).filter((r) => r.path.endsWith('/Messages.json'));
		assert.deepEqual(calls.map((c) => c.answer), [429, 429, 500, 201]);
		assert.ok(calls[1].at - calls[0].at >= 950 && calls[2].at - calls[1].at >= 950, 'waited Retry-After between attempts');
	});
});

describe('SMS Send: frequency cap and quiet hours', () => {
	test('frequency cap 1 per 24 h per customer: the second cart’s SMS is Deferred to when the slot frees (or Skipped)', async () => {
		const first = await makeCart(env.store, { phone: '+36305550000', customerId: 'cap-1' });
		const second = await makeCart(env.store, { phone: '+36305550000', customerId: 'cap-1' });
		const r1 = await runSend('smsSend', params(), [item(first)], credentials);
		assert.equal(outcomes(r1).sent.length, 1);
		const r2 = await runSend('smsSend', params(), [item(second)], credentials);
		const d = delivery(outcomes(r2).deferred[0]);
		assert.equal(d.reason, 'frequency_cap');
		const sentAt = new Date(String(delivery(outcomes(r1).sent[0]).sent_at)).getTime();
		assert.ok(Math.abs(new Date(String(d.sendAt)).getTime() - (sentAt + 24 * 3600_000)) < 5_000, `sendAt ${d.sendAt} is 24 h after the first SMS`);
		const r3 = await runSend('smsSend', params({ whenCapped: 'skip' }), [item(second)], credentials);
		assert.equal(delivery(outcomes(r3).skipped[0]).reason, 'frequency_cap');
		assert.equal(acceptedFor('+36305550000').length, 1);
		assert.deepEqual(await messageRows(env, second), [], 'the capped message was never claimed');
	});

	// "now" is the system clock inside the node; the test moves it with node:test's mock timers (Date only),
	// so shipped code has no test hook. The store and n8n run as usual.
	const dstCases: Array<[string, string, string]> = [
		// last Sunday of March 2026: 02:00 CET → 03:00 CEST. 21:30 CET on Saturday → 08:00 CEST Sunday = 06:00Z
		['spring forward (29 March 2026)', '2026-03-28T20:30:00Z', '2026-03-29T06:00:00.000Z'],
		// last Sunday of October 2026: 03:00 CEST → 02:00 CET. 21:30 CEST on Saturday → 08:00 CET Sunday = 07:00Z
		['fall back (25 October 2026)', '2026-10-24T19:30:00Z', '2026-10-25T07:00:00.000Z'],
		// after midnight, same night: 01:30 CET on the spring-forward Sunday → 08:00 CEST
		['after midnight on the spring-forward night', '2026-03-29T00:30:00Z', '2026-03-29T06:00:00.000Z'],
		// 02:30 CET on the fall-back Sunday (the repeated hour's second pass) → 08:00 CET
		['in the repeated hour of the fall-back night', '2026-10-25T01:30:00Z', '2026-10-25T07:00:00.000Z'],
	];
	for (const [name, now, sendAt] of dstCases) {
		test(`quiet hours 20:00–08:00 Europe/Budapest across DST — ${name}: Deferred to 08:00 local`, async () => {
			const cartId = await makeCart(env.store, { customerId: `dst-${now}` });
			mock.timers.enable({ apis: ['Date'], now: new Date(now) });
			let result;
			try {
				result = await runSend('smsSend', params({ quietHours: true }), [item(cartId)], credentials);
			} finally {
				mock.timers.reset();
			}
			assert.equal(result.status, 'success', result.error?.message);
			const d = delivery(outcomes(result).deferred[0]);
			assert.deepEqual([d.reason, d.sendAt], ['quiet_hours', sendAt]);
			assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed while deferred');
		});
	}

	test('at 08:00 local the deferred SMS goes out (the re-run re-checks the cart)', async () => {
		const cartId = await makeCart(env.store, { phone: '+36306660000', customerId: 'dst-release' });
		mock.timers.enable({ apis: ['Date'], now: new Date('2026-10-25T07:00:00Z') });
		let result;
		try {
			result = await runSend('smsSend', params({ quietHours: true }), [item(cartId)], credentials);
		} finally {
			mock.timers.reset();
		}
		assert.equal(outcomes(result).sent.length, 1, result.error?.message);
		assert.equal(acceptedFor('+36306660000').length, 1);
	});
});

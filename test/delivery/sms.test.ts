// SMS Send inside n8n's engine, store on Postgres, Twilio as a loopback fake speaking the 2010-04-01
// Messages API (form-encoded request, 201 Message resource, {code, message, more_info, status} errors).
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';

import { generateDiscountCode } from '../../lib/shop/codes';
import { twilioErrors, type TwilioFake } from '../fakes/twilio';
import { makeCart, messageRows, outcomes, runSend, SEND, smsEnv, type DeliveryEnv, type SmsEnv } from './setup';

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
	const hintsOf = (r: Awaited<ReturnType<typeof runSend>>) => (r.run.data.resultData.runData[SEND]?.[0]?.hints ?? []).map((h) => h.message);

	test('shipped Hungarian SMS, defaults: GSM-7 in 2 segments, natural text, no cost hint; "06 30 123 4567" → +36301234567', async () => {
		const plain = await makeCart(env.store, { phone: '06 30 123 4567', customerId: 'seg-1' });
		const r1 = await runSend('smsSend', params(), [item(plain)], credentials);
		assert.equal(r1.status, 'success', r1.error?.message);
		const s1 = delivery(outcomes(r1).sent[0]);
		const expected =
			'Szia, Anna! Még megvan a kosarad (12 990 Ft).\n10% kedvezményt kapsz ezzel a kuponnal: KOSAR-7K3M9Q\nItt folytathatod: https://shop.example.hu/r/abc\nLeiratkozhatsz egy STOP üzenettel.';
		assert.equal(s1.to, '+36301234567');
		assert.equal(s1.body, expected);
		assert.deepEqual([s1.encoding, s1.characters, s1.segments, s1.per_segment, s1.transliterated, s1.non_gsm_characters], ['GSM-7', 181, 2, 153, true, undefined]);
		const sent1 = acceptedFor('+36301234567');
		assert.equal(sent1.length, 1);
		assert.deepEqual(sent1[0].params, { To: '+36301234567', From: '+36209990000', Body: expected });
		assert.equal(s1.provider_id, sent1[0].sid);
		assert.deepEqual(hintsOf(r1), []);
	});

	test('an accented name with Avoid Costly Characters off: UCS-2 in 3 segments and a cost hint; on (default): "Dora", GSM-7, 2 segments', async () => {
		const off = await makeCart(env.store, { phone: '+36 70 765 4321', customerId: 'seg-2', firstName: 'Dóra' });
		const r1 = await runSend('smsSend', params({ transliterate: false }), [item(off)], credentials);
		const s1 = delivery(outcomes(r1).sent[0]);
		assert.match(String(s1.body), /^Szia, Dóra! Még megvan a kosarad/);
		assert.deepEqual([s1.encoding, s1.segments, s1.per_segment, s1.transliterated, s1.non_gsm_characters], ['UCS-2', 3, 67, false, 'ó']);
		assert.equal(acceptedFor('+36707654321')[0].params.Body, s1.body);
		const [hint] = hintsOf(r1);
		assert.match(hint ?? '', /^An SMS took more than 2 segments \(up to 3\); each segment is billed as one SMS\. ó made it UCS-2 \(70 characters per segment instead of 160\): switch on Avoid Costly Characters/);

		const on = await makeCart(env.store, { phone: '+36 70 765 4322', customerId: 'seg-3', firstName: 'Dóra' });
		const r2 = await runSend('smsSend', params(), [item(on)], credentials);
		const s2 = delivery(outcomes(r2).sent[0]);
		assert.match(String(s2.body), /^Szia, Dora! Még megvan a kosarad \(12 990 Ft\)\./);
		assert.deepEqual([s2.encoding, s2.segments, s2.transliterated], ['GSM-7', 2, true]);
		assert.deepEqual(hintsOf(r2), []);
	});

	test('Max Segments per SMS and Twilio’s 1,600 characters are checked on the final text before sending: not sent, claim given back, the field named', async () => {
		const cartId = await makeCart(env.store, { phone: '+36 30 555 0404', customerId: 'limit-1' });
		const before = tw.requests.length;
		const r = await runSend('smsSend', params({ maxSegments: 1 }), [item(cartId)], credentials, { onError: 'continueErrorOutput' });
		const { errors, sent } = outcomes(r);
		assert.equal(sent.length, 0);
		assert.match(String(errors[0].error), /^The SMS needs 2 segments, more than Max Segments per SMS \(1\): not sent \(181 characters, GSM-7, 2 segments\)$/);
		assert.equal(tw.requests.length, before, 'Twilio was not called');
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released'], 'the claim was given back: the SMS can go out once it fits');
		// Within the limit the same cart's SMS goes out.
		const ok = await runSend('smsSend', params({ maxSegments: 2 }), [item(cartId)], credentials);
		assert.equal(outcomes(ok).sent.length, 1, ok.error?.message);

		const long = await makeCart(env.store, { phone: '+36 30 555 0405', customerId: 'limit-2' });
		const smsTextHu = `${'Nagyon hosszú bevezető. '.repeat(70)}{{restore_url}}`;
		const tooLong = await runSend('smsSend', params({ maxSegments: 10, smsTextHu }), [item(long)], credentials);
		assert.equal(tooLong.status, 'error');
		assert.match(String(tooLong.error?.message), /^The SMS is too long for Twilio \(\d{4} characters, GSM-7, \d+ segments; at most 1600 characters\): not sent$/);
		assert.deepEqual((await messageRows(env, long)).map((m) => m.status), ['released']);
	});

	test('a typical Hungarian cart with the node’s defaults: at most 2 segments at every stage', async () => {
		// Accents everywhere a real shop has them: the customer's name, the products, the shop's name; a real code and
		// the cart's own restore link (about 60 characters).
		const code = generateDiscountCode('KOSAR-');
		for (const stage of [1, 2, 3]) {
			const cartId = await makeCart(env.store, {
				phone: `+36 30 555 07${stage}0`,
				customerId: `typical-${stage}`,
				firstName: 'Ágnes',
				items: [
					{ name: 'Etióp szemes kávé, 1 kg', quantity: 1, price: 8990 },
					{ name: 'Kotyogós kávéfőző', quantity: 1, price: 12990 },
					{ name: 'Kerámia bögre', quantity: 2, price: 2490 },
				],
			});
			// Only what a marketer sets: the cart, the stage, the code (from Discount Code) and the shop's name.
			const r = await runSend('smsSend', { cartId: '={{ $json.cart_id }}', stage, quietHours: false, options: { shopName: 'Kávémanufaktúra' } }, [{ cart_id: cartId, discount: { code, amount_text: '10%' } }], credentials);
			const s = delivery(outcomes(r).sent[0] ?? {});
			assert.equal(s.outcome, 'sent', `stage ${stage}: ${r.error?.message ?? JSON.stringify(outcomes(r))}`);
			assert.ok(String(s.body).includes(code) && String(s.body).includes('/cart/restore/'), `stage ${stage}: code and link in ${s.body}`);
			assert.deepEqual([s.encoding, s.transliterated], ['GSM-7', true], `stage ${stage}`);
			assert.ok(Number(s.segments) <= 2, `stage ${stage}: ${s.segments} segments for\n${s.body}`);
		}
	});

	test('stage 3 (final offer): the shipped text says it is the last reminder, without pressure, still GSM-7', async () => {
		const cartId = await makeCart(env.store, { phone: '+36 30 555 0303', customerId: 'final-1' });
		const r = await runSend('smsSend', params({ stage: 3, transliterate: false }), [{ cart_id: cartId, discount: { code: 'KOSAR-20FINAL', amount_text: '20%' } }], credentials);
		const s = delivery(outcomes(r).sent[0]);
		assert.equal(
			s.body,
			'Szia, Anna! Még egyszer emlékeztetünk a kosaradra (12 990 Ft), többet nem zavarunk vele.\n20% kedvezményt kapsz ezzel a kuponnal: KOSAR-20FINAL\nItt folytathatod: https://shop.example.hu/r/abc\nLeiratkozhatsz egy STOP üzenettel.',
		);
		assert.deepEqual([s.encoding, s.segments], ['GSM-7', 2]);
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
		const onSent = [...outcomes(a).sent, ...outcomes(b).sent];
		const sent = onSent.filter((s) => delivery(s).outcome === 'sent');
		const skipped = onSent.filter((s) => delivery(s).outcome === 'skipped').map((s) => delivery(s).reason).sort();
		assert.equal(sent.length, 1);
		assert.equal(outcomes(a).skipped.length + outcomes(b).skipped.length, 0, 'no item takes the fallback output');
		// Which run wins the claim is a race; the losers send nothing and leave on Sent either way: 'in_progress' while
		// the winner is still retrying, 'already_sent' once it has finished (e.g. the winner's own second item).
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
				result = await runSend('smsSend', params({ quietHours: true, quietSpreadMinutes: 0 }), [item(cartId)], credentials);
			} finally {
				mock.timers.reset();
			}
			assert.equal(result.status, 'success', result.error?.message);
			const d = delivery(outcomes(result).deferred[0]);
			assert.deepEqual([d.reason, d.sendAt], ['quiet_hours', sendAt]);
			assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed while deferred');
		});
	}

	test('held overnight, the SMS are released over the quarter of an hour after 08:00 (the default), each cart at its own fixed moment', async () => {
		const carts = await Promise.all(Array.from({ length: 12 }, (_, i) => makeCart(env.store, { customerId: `spread-${i}` })));
		const end = new Date('2026-10-25T07:00:00Z').getTime();
		const deferredAt = async (at: string) => {
			mock.timers.enable({ apis: ['Date'], now: new Date(at) });
			try {
				const result = await runSend('smsSend', params({ quietHours: true }), carts.map(item), credentials);
				assert.equal(result.status, 'success', result.error?.message);
				return outcomes(result).deferred.map((json) => delivery(json));
			} finally {
				mock.timers.reset();
			}
		};
		const night = await deferredAt('2026-10-24T22:00:00Z');
		assert.equal(night.length, carts.length);
		const times = night.map((d) => new Date(String(d.sendAt)).getTime());
		for (const [i, t] of times.entries()) assert.ok(t >= end && t < end + 15 * 60_000, `cart ${i}: ${night[i].sendAt} is within 08:00–08:15 CET`);
		assert.ok(new Set(times).size >= 10, `the carts go out at different moments: ${night.map((d) => d.sendAt).join(', ')}`);
		// A re-run later that night (a restarted flow, a retry) keeps each cart's moment.
		const later = await deferredAt('2026-10-25T04:10:00Z');
		assert.deepEqual(later.map((d) => d.sendAt), night.map((d) => d.sendAt));
		for (const cartId of carts) assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed while deferred');
		// At its moment, each goes out (the quiet hours are over): here the first cart's.
		mock.timers.enable({ apis: ['Date'], now: new Date(String(night[0].sendAt)) });
		try {
			const released = await runSend('smsSend', params({ quietHours: true }), [item(carts[0])], credentials);
			assert.equal(outcomes(released).sent.length, 1, released.error?.message);
		} finally {
			mock.timers.reset();
		}
	});

	test('a spread longer than the time the quiet hours leave is kept inside it; a spread that is not a whole number is refused, naming the field', async () => {
		const cartId = await makeCart(env.store, { customerId: 'spread-short' });
		// Quiet 09:00–08:00 leaves one hour to send in: a 90-minute spread releases within 08:00–09:00 CET.
		mock.timers.enable({ apis: ['Date'], now: new Date('2026-01-15T06:30:00Z') });
		let result;
		try {
			result = await runSend('smsSend', params({ quietHours: true, quietStart: '09:00', quietEnd: '08:00', quietSpreadMinutes: 90 }), [item(cartId)], credentials);
		} finally {
			mock.timers.reset();
		}
		const at = new Date(String(delivery(outcomes(result).deferred[0]).sendAt)).getTime();
		assert.ok(at >= Date.parse('2026-01-15T07:00:00Z') && at < Date.parse('2026-01-15T08:00:00Z'), `released within the hour left: ${new Date(at).toISOString()}`);
		const bad = await runSend('smsSend', params({ quietHours: true, quietSpreadMinutes: 200 }), [item(cartId)], credentials);
		assert.equal(bad.status, 'error');
		assert.match(String(bad.error?.message), /Spread Held Messages Over \(Minutes\) must be a whole number from 0 to 120 \(got 200\)/);
	});

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

// The delivery building blocks on their own: quiet hours (luxon, DST), Retry-After, GSM-7 / UCS-2 segments,
// transliteration, E.164, money formatting, the atomic cap + claim on PGlite as on Postgres, the pipeline's
// release-on-render-failure, and the provider credential Tests against the fakes.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { phoneRecipient } from '../../lib/channels/sms';
import { parseRetryAfter } from '../../lib/delivery/errors';
import { deliver } from '../../lib/delivery/pipeline';
import { quietHoursEnd, quietHoursRelease } from '../../lib/delivery/quietHours';
import type { ChannelAdapter } from '../../lib/delivery/types';
import { SENDGRID_HOSTS, sendGridBaseUrl, testSendGridCredentials } from '../../lib/channels/email/transport';
import { TwilioSmsClient } from '../../lib/channels/sms/transport';
import { CartRecoveryStore, EmbeddedTransport } from '../../lib/store';
import { deliveryEnv } from './setup';
import { analyseSms, formatMoney, transliterateToGsm7 } from '../../lib/templates';
import { startSendGridFake } from '../fakes/sendgrid';
import { startTwilioFake } from '../fakes/twilio';
import { makeCart } from './setup';

const BUDAPEST = { start: '20:00', end: '08:00', timezone: 'Europe/Budapest' };
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('quiet hours (Europe/Budapest, luxon)', () => {
	test('inside and outside the window, both DST changes, a custom window, start = end means none', () => {
		assert.equal(quietHoursEnd(new Date('2026-07-01T10:00:00Z'), BUDAPEST), null, '12:00 CEST is not quiet');
		assert.equal(quietHoursEnd(new Date('2026-07-01T17:59:00Z'), BUDAPEST), null, '19:59 CEST is not quiet');
		assert.equal(iso(quietHoursEnd(new Date('2026-07-01T18:00:00Z'), BUDAPEST)), '2026-07-02T06:00:00.000Z', '20:00 CEST → 08:00 CEST');
		assert.equal(iso(quietHoursEnd(new Date('2026-01-15T05:59:00Z'), BUDAPEST)), '2026-01-15T07:00:00.000Z', '06:59 CET → 08:00 CET');
		assert.equal(quietHoursEnd(new Date('2026-01-15T07:00:00Z'), BUDAPEST), null, '08:00 CET sharp is allowed');
		// spring forward: the night is an hour shorter in UTC
		assert.equal(iso(quietHoursEnd(new Date('2026-03-28T19:00:00Z'), BUDAPEST)), '2026-03-29T06:00:00.000Z');
		// fall back: an hour longer
		assert.equal(iso(quietHoursEnd(new Date('2026-10-24T18:00:00Z'), BUDAPEST)), '2026-10-25T07:00:00.000Z');
		assert.equal(iso(quietHoursEnd(new Date('2026-10-25T00:30:00Z'), BUDAPEST)), '2026-10-25T07:00:00.000Z', '02:30 CEST (first pass)');
		assert.equal(iso(quietHoursEnd(new Date('2026-10-25T01:30:00Z'), BUDAPEST)), '2026-10-25T07:00:00.000Z', '02:30 CET (second pass)');
		const lunch = { start: '12:00', end: '13:30', timezone: 'Europe/Budapest' };
		assert.equal(iso(quietHoursEnd(new Date('2026-07-01T10:15:00Z'), lunch)), '2026-07-01T11:30:00.000Z');
		assert.equal(quietHoursEnd(new Date('2026-07-01T12:00:00Z'), lunch), null);
		assert.equal(quietHoursEnd(new Date('2026-07-01T22:00:00Z'), { ...BUDAPEST, end: '20:00' }), null);
		assert.throws(() => quietHoursEnd(new Date(), { ...BUDAPEST, timezone: 'Europe/Budapes' }), /not an IANA time zone/);
		assert.throws(() => quietHoursEnd(new Date(), { ...BUDAPEST, start: '8pm' }), /Quiet hours start "8pm"/);
		// Released over the spread: each key at its own fixed moment within [end, end + spread).
		const spread = { ...BUDAPEST, spreadMinutes: 15 };
		const night = new Date('2026-01-15T02:00:00Z');
		const releases = Array.from({ length: 200 }, (_, i) => quietHoursRelease(night, spread, `cart-${i}:2:sms`)!.getTime());
		const end = Date.parse('2026-01-15T07:00:00Z');
		assert.ok(releases.every((t) => t >= end && t < end + 15 * 60_000));
		assert.ok(new Set(releases).size > 150, 'spread, not bunched');
		assert.ok(Math.max(...releases) - Math.min(...releases) > 12 * 60_000, 'over most of the quarter hour');
		assert.equal(quietHoursRelease(new Date('2026-01-15T05:00:00Z'), spread, 'cart-7:2:sms')!.getTime(), releases[7], 'the same key, the same moment');
		assert.equal(iso(quietHoursRelease(night, BUDAPEST, 'cart-7:2:sms')), '2026-01-15T07:00:00.000Z', 'no spread: at the end');
		assert.equal(quietHoursRelease(new Date('2026-01-15T10:00:00Z'), spread, 'cart-7:2:sms'), null, 'outside the quiet hours');
		assert.throws(() => quietHoursRelease(night, { ...BUDAPEST, spreadMinutes: 121 }, 'k'), /whole number from 0 to 120/);
		assert.throws(() => quietHoursRelease(night, { ...BUDAPEST, spreadMinutes: 2.5 }, 'k'), /whole number from 0 to 120/);
	});
});

describe('provider pacing', () => {
	test('Retry-After as seconds or HTTP date; SendGrid X-RateLimit-Reset as epoch seconds', () => {
		const now = Date.parse('2026-11-25T10:00:00Z');
		assert.equal(parseRetryAfter({ 'retry-after': '3' }, now), 3000);
		assert.equal(parseRetryAfter({ 'Retry-After': 'Wed, 25 Nov 2026 10:00:30 GMT' }, now), 30_000);
		assert.equal(parseRetryAfter({ 'x-ratelimit-reset': String(now / 1000 + 5) }, now), 5000);
		assert.equal(parseRetryAfter({}, now), undefined);
	});
});

describe('SMS encoding and segments', () => {
	test('GSM-7 160/153, UCS-2 70/67, extension characters count double; é ö ü are GSM-7, á í ó ú ő ű are not', () => {
		const seg = (s: string) => [analyseSms(s).encoding, analyseSms(s).segments];
		assert.deepEqual(seg('a'.repeat(160)), ['GSM-7', 1]);
		assert.deepEqual(seg('a'.repeat(161)), ['GSM-7', 2]);
		assert.deepEqual(seg('a'.repeat(306)), ['GSM-7', 2]);
		assert.deepEqual(seg('a'.repeat(307)), ['GSM-7', 3]);
		assert.deepEqual(seg('€'.repeat(80)), ['GSM-7', 1]);
		assert.deepEqual(seg('€'.repeat(81)), ['GSM-7', 2]);
		assert.deepEqual(seg('éöüÉÖÜ'.repeat(20)), ['GSM-7', 1]);
		for (const c of ['á', 'í', 'ó', 'ú', 'ő', 'ű']) assert.equal(analyseSms(`Szia ${c}`).encoding, 'UCS-2', c);
		assert.deepEqual(seg('á'.repeat(70)), ['UCS-2', 1]);
		assert.deepEqual(seg('á'.repeat(71)), ['UCS-2', 2]);
		assert.deepEqual(seg('á'.repeat(134)), ['UCS-2', 2]);
		assert.deepEqual(seg('á'.repeat(135)), ['UCS-2', 3]);
		assert.equal(analyseSms('🛒').units, 2, 'an emoji is two UTF-16 units');
	});

	test('transliteration: ő→ö ű→ü á→a í→i ó→o ú→u, emoji dropped, typography flattened', () => {
		assert.equal(transliterateToGsm7('Árvíztűrő tükörfúrógép'), 'Arviztürö tükörfurogép');
		assert.equal(transliterateToGsm7('🛒 Vár rád a kosarad 🎉 – „most” …'), 'Var rad a kosarad - "most" ...');
		assert.equal(analyseSms(transliterateToGsm7('Őszi szélben ÚJ ÁRAK')).encoding, 'GSM-7');
	});

	test('phone numbers to E.164, default region HU', () => {
		assert.deepEqual(phoneRecipient('06 30 123 4567'), { ok: true, e164: '+36301234567' });
		assert.deepEqual(phoneRecipient('+36 (20) 555-1234'), { ok: true, e164: '+36205551234' });
		assert.deepEqual(phoneRecipient('07911 123456', 'GB'), { ok: true, e164: '+447911123456' });
		assert.equal(phoneRecipient('06 12').ok, false);
		assert.equal((phoneRecipient('') as { reason: string }).reason, 'no_address');
	});

	test('money through Intl: HUF without decimals and grouped, other currencies with cents', () => {
		const n = (s: string) => s.replace(/\u00a0|\u202f/g, ' ');
		assert.equal(n(formatMoney(12990, 'HUF', 'hu')), '12 990 Ft');
		assert.equal(n(formatMoney(6495, 'HUF', 'hu-HU')), '6 495 Ft');
		assert.equal(n(formatMoney(12.5, 'EUR', 'hu-HU')), '12,50 EUR');
		assert.equal(n(formatMoney(12990, 'HUF', 'en-GB')), 'HUF 12,990');
	});
});

describe('store: frequency cap + claim on PGlite (same SQL as Postgres)', () => {
	let store: CartRecoveryStore;
	before(() => {
		store = new CartRecoveryStore(new EmbeddedTransport(mkdtempSync(path.join(tmpdir(), 'cr-delivery-'))));
	});
	after(() => store.close());

	test('one claim per key, the cap blocks the second cart of the same customer, released frees the slot', async () => {
		const a = await makeCart(store, { customerId: 'pg-lite-1', phone: '+36301231231' });
		const b = await makeCart(store, { customerId: 'pg-lite-1', phone: '+36301231231' });
		const cap = { capMax: 1, capWindowSeconds: 86400 };
		const first = await store.claimDelivery({ cartId: a, stage: 1, channel: 'sms', ...cap });
		assert.equal(first.claimed, true);
		const again = await store.claimDelivery({ cartId: a, stage: 1, channel: 'sms', ...cap });
		assert.deepEqual([again.claimed, again.reason], [false, 'already_claimed']);
		const capped = await store.claimDelivery({ cartId: b, stage: 1, channel: 'sms', ...cap });
		assert.deepEqual([capped.claimed, capped.reason], [false, 'frequency_cap']);
		assert.ok(capped.reason === 'frequency_cap' && new Date(capped.next_allowed_at).getTime() > Date.now() + 23 * 3600_000);
		assert.equal((await store.claimDelivery({ cartId: b, stage: 1, channel: 'email', ...cap })).claimed, true, 'the cap is per channel');
		if (!first.claimed) throw new Error('unreachable');
		await store.completeMessage({ messageId: first.message_id, claimToken: first.claim_token, status: 'released' });
		assert.equal((await store.claimDelivery({ cartId: b, stage: 1, channel: 'sms', ...cap })).claimed, true, 'a released message does not count');
	});

	test('pipeline: a render failure after the claim gives the claim back (nothing was sent)', async () => {
		const cartId = await makeCart(store, { customerId: 'pg-lite-render' });
		let sends = 0;
		const adapter: ChannelAdapter<string> = {
			channel: 'email',
			provider: 'Test',
			recipient: (cart) => ({ ok: true, address: cart.email!, subject: { email: cart.email } }),
			render: () => {
				throw new Error('boom');
			},
			send: async () => {
				sends++;
				return { providerId: 'x' };
			},
		};
		const policy = { quietHours: null, frequencyCap: null, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
		await assert.rejects(deliver(store, adapter, { cartId, stage: 1 }, policy), /boom/);
		const cart = await store.getCart(cartId);
		assert.deepEqual(cart!.messages.map((m) => [m.status, m.error]), [['released', 'render failed: boom']]);
		assert.equal(sends, 0);
		const ok = await deliver(store, { ...adapter, render: () => 'fine' }, { cartId, stage: 1 }, policy);
		assert.equal(ok.outcome, 'sent');
		assert.equal(sends, 1);
	});
});

describe('credential Tests', () => {
	test('SendGrid: valid key with mail.send, bad key, key without mail.send, EU host', async () => {
		const fake = await startSendGridFake();
		try {
			const base = { fromEmail: 'bolt@shop.example.hu', region: 'custom' as const, baseUrl: fake.url };
			assert.deepEqual(await testSendGridCredentials({ ...base, apiKey: fake.apiKey }), { ok: true, message: `Connected to ${fake.url}; the key may send mail` });
			assert.match((await testSendGridCredentials({ ...base, apiKey: 'SG.wrong' })).message, /rejected the API key: The provided authorization grant is invalid/);
			fake.scopes = ['scopes.read'];
			assert.match((await testSendGridCredentials({ ...base, apiKey: fake.apiKey })).message, /lacks the "Mail Send" permission/);
			assert.equal(sendGridBaseUrl({ apiKey: 'x', fromEmail: 'y', region: 'eu' }), SENDGRID_HOSTS.eu);
			assert.equal(SENDGRID_HOSTS.eu, 'https://api.eu.sendgrid.com');
		} finally {
			await fake.close();
		}
	});

	test('Twilio: auth token, API key, wrong secret, missing sender', async () => {
		const fake = await startTwilioFake();
		try {
			const base = { accountSid: fake.accountSid, baseUrl: fake.url, from: '+36209990000' };
			assert.equal((await new TwilioSmsClient({ ...base, authToken: fake.authToken }).test()).ok, true);
			assert.equal((await new TwilioSmsClient({ ...base, authType: 'apiKey', apiKeySid: fake.apiKeySid, apiKeySecret: fake.apiKeySecret }).test()).ok, true);
			assert.match((await new TwilioSmsClient({ ...base, authToken: 'nope' }).test()).message, /Twilio rejected the credentials/);
			assert.match((await new TwilioSmsClient({ ...base, from: '', authToken: fake.authToken }).test()).message, /needs a From number or a Messaging Service SID/);
		} finally {
			await fake.close();
		}
	});
});

describe('store: frequency cap under concurrency (Postgres server)', () => {
	test('12 workers claim SMS for 12 carts of one customer at once: exactly one wins, 11 are capped', async () => {
		const env = await deliveryEnv('delivery_cap_race');
		try {
			const carts: string[] = [];
			for (let i = 0; i < 12; i++) carts.push(await makeCart(env.store, { customerId: 'race-1', phone: '+36304440000' }));
			const results = await Promise.all(carts.map((cartId) => env.store.claimDelivery({ cartId, stage: 1, channel: 'sms', capMax: 1, capWindowSeconds: 86400 })));
			assert.equal(results.filter((r) => r.claimed).length, 1);
			assert.equal(results.filter((r) => !r.claimed && r.reason === 'frequency_cap').length, 11);
			const { rows } = await env.db.pool.query("select count(*)::int as n from cart_recovery.messages where channel = 'sms'");
			assert.equal(rows[0].n, 1, 'one message row');
		} finally {
			await env.close();
		}
	});
});

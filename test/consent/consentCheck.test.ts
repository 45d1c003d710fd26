// Consent Check inside n8n's engine (n8n-core WorkflowExecute), store on the Postgres server: per-channel
// routing, the consent register, every way of withdrawing, GDPR export / erasure (scanning every column of
// every table for what is left) and purge.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createUnsubscribeToken } from '../../lib/consent';
import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { startWooFake } from '../fakes/woocommerce';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { webhookItem } from '../helpers/webhookItem';

let db: TestDatabase;
let store: CartRecoveryStore;

before(async () => {
	db = await freshDatabase('consent_engine');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
});
after(async () => {
	await closeAllStores();
	await store.close();
	await db.drop();
});

type Params = Record<string, unknown>;

async function run(parameters: Params, items: Params[], extra: Params = {}) {
	return runWorkflow({
		nodes: [manualTrigger(), node('Consent Check', 'consentCheck', parameters as never, extra)],
		connections: connect(['Start', 'Consent Check']),
		pinData: { Start: items.map((json) => ({ json })) as never },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
}

const check = (channels: string[], mode = 'any') => ({ resource: 'consent', operation: 'check', channels, mode });
// The register's rules without a webshop in front (Verify Webshop Signature, on by default, is tested below).
const record = (channel: string, address: string, extra: Params = {}) => ({
	resource: 'consent',
	operation: 'record',
	verifySignature: false,
	channel,
	address,
	source: 'checkout_checkbox',
	wordingVersion: 'checkout-2026-11',
	...extra,
});

describe('check and record', () => {
	test('Allowed / Blocked per channel with reasons; "all" mode needs every channel', async () => {
		const customer = { customer_id: 'c-anna', email: 'Anna@Example.hu', phone: '06 30 111 2222' };
		const before = await run(check(['email', 'sms']), [customer]);
		assert.equal(before.output('Consent Check', 0).length, 0);
		const blocked = before.output('Consent Check', 1)[0].consent as { channels: Record<string, { reason: string }> };
		assert.deepEqual([blocked.channels.email.reason, blocked.channels.sms.reason], ['no_consent', 'no_consent']);

		const rec = await run(record('email', '={{ $json.email }}', { options: { customerId: 'c-anna', ip: '192.0.2.10' } }), [customer]);
		assert.equal(rec.status, 'success', rec.error?.message);
		assert.equal((rec.output('Consent Check')[0].consent as Params).recorded, true);

		const any = await run(check(['email', 'sms']), [customer]);
		const allowed = any.output('Consent Check', 0)[0].consent as { allowed_channels: string[]; blocked_channels: string[]; channels: Record<string, Params> };
		assert.deepEqual([allowed.allowed_channels, allowed.blocked_channels], [['email'], ['sms']]);
		assert.equal(allowed.channels.email.source, 'checkout_checkbox');
		const all = await run(check(['email', 'sms'], 'all'), [customer]);
		assert.equal(all.output('Consent Check', 1).length, 1, 'all mode: SMS has no consent');
	});

	test('record needs the wording or its version; unknown subject is a clear error', async () => {
		const noWording = await run(record('sms', '+36301112222', { wordingVersion: '' }), [{}]);
		assert.match(noWording.error!.message, /"Wording" and "Wording Version" are both empty/);
		const empty = await run(check(['email']), [{}]);
		assert.match(empty.error!.message, /Customer ID, Email, Phone and Messenger PSID are all empty/);
	});

	test('Record Consent: a grant dated at or before the last withdrawal is not recorded, and the item says why', async () => {
		const givenAt = new Date(Date.now() - 86_400_000).toISOString();
		const grant = record('email', 'late.retry@example.hu', { options: { occurredAt: givenAt } });
		assert.equal(((await run(grant, [{}])).output('Consent Check')[0].consent as Params).recorded, true);
		await store.withdrawConsent({ channel: 'email', address: 'late.retry@example.hu', source: 'keyword' });

		const retried = await run(grant, [{}]);
		assert.equal(retried.status, 'success', retried.error?.message);
		const consent = retried.output('Consent Check')[0].consent as Params;
		assert.deepEqual(
			[consent.channel, consent.recorded, consent.changed, consent.status, consent.reason],
			['email', false, false, 'withdrawn', 'withdrawn_later'],
		);
		assert.ok(new Date(String(consent.withdrawn_at)).getTime() > new Date(givenAt).getTime(), 'names the withdrawal that outranks the grant');
		assert.equal((await store.checkConsent({ email: 'late.retry@example.hu' }, ['email']))[0].reason, 'withdrawn');

		const future = await run(record('email', 'from.the.future@example.hu', { options: { occurredAt: new Date(Date.now() + 86_400_000).toISOString() } }), [{}]);
		assert.match(future.error!.message, /consent given at .* is in the future/);
	});

	test('Record Consent with Verify Webshop Signature: a missing X-Signature records nothing', async () => {
		const body = { channel: 'email', address: 'unsigned@example.hu' };
		const result = await runWorkflow({
			nodes: [
				manualTrigger(),
				node('Consent Check', 'consentCheck', record('email', '={{ $json.body.address }}', { verifySignature: true }) as never, {
					credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' }, webshopApi: { id: 'shop', name: 'Webshop' } },
				}),
			],
			connections: connect(['Start', 'Consent Check']),
			pinData: { Start: [{ json: { headers: { 'content-type': 'application/json', 'x-cart-recovery-key': 'not a signature' }, body } }] },
			credentials: { cartRecoveryStoreApi: db.credentials, webshopApi: { platform: 'generic', shopUrl: 'http://127.0.0.1:9', webhookSecret: 'whsec' } },
		});
		assert.equal(result.status, 'error');
		assert.match(result.error!.message, /^Webshop signature check failed: the X-Signature header is missing/);
		assert.equal((await store.checkConsent({ email: body.address }, ['email']))[0].reason, 'no_consent');
	});

	test('Record Consent behind a Webhook node records what the shop signed, not what n8n parsed', async () => {
		const secret = 'whsec_consent_engine_9f8e7d6c5b4a3b2c';
		const signedBody = { channel: 'email', address: 'signed-owner@example.hu', wording: 'Kérek emlékeztetőt a kosaramról.' };
		// The shipped workflow's mapping; n8n's parse (a multipart form's fields) names someone else.
		const item = webhookItem({ endpoint: 'cart-recovery/consent', body: signedBody, secret, parsed: { ...signedBody, address: 'stranger@example.org' } });
		const parameters = { resource: 'consent', operation: 'record', channel: '={{ $json.body.channel }}', address: '={{ $json.body.address }}', source: 'checkout_checkbox', wording: '={{ $json.body.wording }}' };
		const result = await runWorkflow({
			nodes: [
				manualTrigger(),
				node('Consent Check', 'consentCheck', parameters, {
					credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' }, webshopApi: { id: 'shop', name: 'Webshop' } },
				}),
			],
			connections: connect(['Start', 'Consent Check']),
			pinData: { Start: [item] },
			credentials: { cartRecoveryStoreApi: db.credentials, webshopApi: { platform: 'generic', shopUrl: 'http://127.0.0.1:9', webhookSecret: secret } },
		});
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal((result.output('Consent Check')[0].consent as Params).recorded, true);
		assert.equal((await store.checkConsent({ email: 'signed-owner@example.hu' }, ['email']))[0].reason, 'granted');
		assert.equal((await store.checkConsent({ email: 'stranger@example.org' }, ['email']))[0].reason, 'no_consent');
	});

	test('a failing check with continue-on-fail goes to Blocked, never Allowed', async () => {
		const result = await run(check(['email']), [{}], { onError: 'continueRegularOutput' });
		assert.equal(result.output('Consent Check', 0).length, 0);
		assert.match(String(result.output('Consent Check', 1)[0].error), /all empty/);
	});
});

describe('withdraw', () => {
	const withdraw = (method: string, extra: Params = {}) => ({ resource: 'consent', operation: 'withdraw', method, ...extra });
	const emailState = async (email: string) => (await store.checkConsent({ email }, ['email']))[0].reason;

	test('Build Unsubscribe URL → link token withdraws that address; tampered and foreign tokens are rejected', async () => {
		await store.recordConsent({ channel: 'email', address: 'bela@example.hu', source: 'checkout', wordingVersion: 'v1' });
		const built = await run({ resource: 'consent', operation: 'unsubscribeUrl', baseUrl: 'https://n8n.example.hu/webhook/unsubscribe', channel: 'email' }, [{ email: 'bela@example.hu' }]);
		const url = String(built.output('Consent Check')[0].unsubscribe_url);
		assert.match(url, /^https:\/\/n8n\.example\.hu\/webhook\/unsubscribe\?token=[\w-]+$/);
		assert.ok(!url.includes('bela'), 'no readable address in the link');
		const token = new URL(url).searchParams.get('token')!;

		const byDefault = await run({ resource: 'consent', operation: 'unsubscribeUrl', baseUrl: '', channel: 'email' }, [{ email: 'bela@example.hu' }]);
		const defaultUrl = new URL(String(byDefault.output('Consent Check')[0].unsubscribe_url));
		assert.equal(`${defaultUrl.origin}${defaultUrl.pathname}`, 'http://127.0.0.1:5678/webhook/cart-recovery/unsubscribe', 'empty Base URL: this n8n’s shipped unsubscribe webhook');
		assert.equal(defaultUrl.searchParams.get('token'), token, 'the same address gets the same token');

		const tampered = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA');
		const bad = await run(withdraw('token'), [{ query: { token: tampered } }]);
		assert.equal(bad.status, 'error');
		assert.match(bad.error!.message, /"Token or URL" is not a valid unsubscribe token/);
		const foreign = createUnsubscribeToken({ secret: 'f'.repeat(64), channel: 'email', address: 'bela@example.hu' });
		const bad2 = await run(withdraw('token'), [{ query: { token: foreign } }]);
		assert.match(bad2.error!.message, /not a valid unsubscribe token/);
		assert.equal(await emailState('bela@example.hu'), 'granted', 'nothing withdrawn by bad tokens');

		const good = await run(withdraw('token', { unsubscribeToken: '={{ $json.url }}' }), [{ url }]);
		assert.equal(good.status, 'success', good.error?.message);
		const w = good.output('Consent Check')[0].withdrawal as Params;
		assert.deepEqual([w.channel, w.address, w.withdrawn, w.changed], ['email', 'bela@example.hu', true, true]);
		assert.equal(w.masked_address, 'b***@example.hu', 'what an unsubscribe page may show');
		assert.equal(await emailState('bela@example.hu'), 'withdrawn');
	});

	test('RFC 8058 one-click POST: only the List-Unsubscribe=One-Click body withdraws', async () => {
		await store.recordConsent({ channel: 'email', address: 'cili@example.hu', source: 'checkout', wordingVersion: 'v1' });
		const { unsubscribe_secret } = await store.consentSecret();
		const token = createUnsubscribeToken({ secret: unsubscribe_secret, channel: 'email', address: 'cili@example.hu' });
		const wrongBody = await run(withdraw('oneClick'), [{ query: { token }, body: { foo: 'bar' } }]);
		assert.match(wrongBody.error!.message, /"Request Body" is not List-Unsubscribe=One-Click/);
		const ok = await run(withdraw('oneClick'), [{ query: { token }, body: { 'List-Unsubscribe': 'One-Click' } }]);
		assert.equal(ok.status, 'success', ok.error?.message);
		assert.equal(await emailState('cili@example.hu'), 'withdrawn');
		const events = (await store.exportCustomer({ email: 'cili@example.hu' })).tables.consent_events as Array<{ source: string; action: string }>;
		assert.deepEqual(events.map((e) => `${e.action}:${e.source}`), ['granted:checkout', 'withdrawn:one_click']);
	});

	test('inbound keywords: STOP / LEIRATKOZÁS / leiratkozom withdraw the sender on that channel, other texts do not', async () => {
		const messages: Array<[string, string, boolean]> = [
			['+36301000001', 'STOP', true],
			['+36301000002', 'leiratkozás', true],
			['+36301000003', 'LEIRATKOZOM kérem', true],
			['+36301000004', 'Leiratkozas!', true],
			['+36301000005', 'Mikor jön a csomag?', false],
			['+36301000006', 'stopper', false],
		];
		for (const [phone] of messages) await store.recordConsent({ channel: 'sms', address: phone, source: 'checkout', wordingVersion: 'v1' });
		const result = await run(withdraw('keyword', { channel: 'sms' }), messages.map(([from, text]) => ({ from, text })));
		assert.equal(result.status, 'success', result.error?.message);
		const out = result.output('Consent Check').map((i) => (i.withdrawal as Params).matched);
		assert.deepEqual(out, messages.map(([, , m]) => m));
		for (const [phone, , matched] of messages) {
			const [d] = await store.checkConsent({ phone }, ['sms', 'whatsapp']);
			assert.equal(d.reason, matched ? 'withdrawn' : 'granted', phone);
		}
	});

	test('inbound keywords inside n8n: "Cancel my order please" and "quit smoking tips?" keep consent; "CANCEL" and "Quit." withdraw it', async () => {
		const messages: Array<[string, string, boolean]> = [
			['+36301000021', 'Cancel my order please', false],
			['+36301000022', 'quit smoking tips?', false],
			['+36301000023', 'STOP please', false],
			['+36301000024', 'CANCEL', true],
			['+36301000025', 'Quit.', true],
			['+36301000026', 'NE KÜLDJENEK több SMS-t', true],
		];
		for (const [phone] of messages) await store.recordConsent({ channel: 'sms', address: phone, source: 'checkout', wordingVersion: 'v1' });
		const result = await run(withdraw('keyword', { channel: 'sms' }), messages.map(([from, text]) => ({ from, text })));
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual(result.output('Consent Check').map((i) => (i.withdrawal as Params).matched), messages.map(([, , m]) => m));
		for (const [phone, text, matched] of messages) {
			const [d] = await store.checkConsent({ phone }, ['sms']);
			assert.equal(d.reason, matched ? 'withdrawn' : 'granted', text);
		}
	});

	test('by customer and channels; by address (idempotent)', async () => {
		await store.recordConsent({ channel: 'email', address: 'dani@example.hu', source: 'checkout', customerId: 'c-dani', wordingVersion: 'v1' });
		await store.recordConsent({ channel: 'sms', address: '+36301000010', source: 'checkout', customerId: 'c-dani', wordingVersion: 'v1' });
		const byCustomer = await run(withdraw('customer', { channels: ['sms'] }), [{ customer_id: 'c-dani' }]);
		assert.equal((byCustomer.output('Consent Check')[0].withdrawal as Params).changed, true);
		const decisions = await store.checkConsent({ customerId: 'c-dani' }, ['email', 'sms']);
		assert.deepEqual(decisions.map((d) => d.reason), ['granted', 'withdrawn']);
		const first = await run(withdraw('address', { channel: 'email', address: 'DANI@example.hu' }), [{}]);
		const second = await run(withdraw('address', { channel: 'email', address: 'dani@example.hu' }), [{}]);
		assert.deepEqual(
			[first, second].map((r) => (r.output('Consent Check')[0].withdrawal as Params).changed),
			[true, false],
		);
	});
});

describe('GDPR', () => {
	const ERIKA = {
		customer_id: 'cust-erika-7731',
		email: 'erika.kiss@example.hu',
		phone: '+36305551234',
		first_name: 'Erzsébet',
		last_name: 'Kisslakatos',
		ip: '198.51.100.23',
		psid: '7712345678901234',
	};
	const personal = [ERIKA.customer_id, ERIKA.email, ERIKA.phone, '30 555 1234', ERIKA.first_name, ERIKA.last_name, ERIKA.ip, ERIKA.psid];

	before(async () => {
		// Erika: two carts (one with her phone in the Hungarian domestic form), messages, consents on three
		// channels, a consent withdrawal, a discount code with a redemption, and a row in a table another
		// engineer adds later (found through information_schema, not known to the erasure code).
		for (const [cartId, phone] of [
			['cart-erika-1', ERIKA.phone],
			['cart-erika-2', '06 30 555 1234'],
		]) {
			await store.recordCartEvent({
				source: 'generic',
				event_id: `${cartId}-e`,
				type: 'cart',
				cart_id: cartId,
				customer_id: cartId.endsWith('1') ? ERIKA.customer_id : null,
				email: ERIKA.email,
				phone,
				first_name: ERIKA.first_name,
				last_name: ERIKA.last_name,
				currency: 'HUF',
				value: 24990,
				items: [{ name: 'Kávéfőző', quantity: 1, price: 24990 }],
				restore_url: `https://shop.example.hu/cart/restore?email=${encodeURIComponent(ERIKA.email)}`,
			});
			const claim = await store.claimMessage({ cartId, stage: 1, channel: 'sms' });
			if (claim.claimed) {
				await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'failed', error: `21610: ${ERIKA.phone} is unsubscribed` });
			}
		}
		await store.recordConsent({ channel: 'email', address: ERIKA.email, source: 'checkout', customerId: ERIKA.customer_id, wording: 'Kérek emailt', ip: ERIKA.ip });
		await store.recordConsent({ channel: 'sms', address: ERIKA.phone, source: 'checkout', customerId: ERIKA.customer_id, wordingVersion: 'v1', ip: ERIKA.ip });
		await store.recordConsent({ channel: 'messenger', address: ERIKA.psid, source: 'messenger_optin', customerId: ERIKA.customer_id, wordingVersion: 'v1' });
		await store.withdrawConsent({ channel: 'sms', address: ERIKA.phone, source: 'twilio_21610', detail: `from ${ERIKA.phone}` });
		const issued = await store.issueDiscountCode({
			code: 'KOSAR-ERIKATEST1',
			kind: 'percent',
			amount: 10,
			validUntil: new Date(Date.now() + 86_400_000),
			cartId: 'cart-erika-1',
			stage: 2,
			customerRef: ERIKA.customer_id,
			customerEmail: ERIKA.email,
		});
		await store.redeemDiscountCode({ code: issued.code!.code, customerId: ERIKA.customer_id, orderId: 'order-erika' });
		await db.pool.query(`create table cart_recovery.channel_events_future (
			id serial primary key, recipient text, payload jsonb, note varchar(200), received_at timestamptz default now())`);
		await db.pool.query(`insert into cart_recovery.channel_events_future (recipient, payload, note) values
			($1, $2, 'delivered'), ('+36209990000', '{"to": "+36209990000"}', 'someone else')`, [ERIKA.phone, JSON.stringify({ from: { id: ERIKA.psid }, text: 'STOP' })]);

		// Someone else, who must survive the erasure untouched.
		await store.recordCartEvent({
			source: 'generic', event_id: 'cart-other-e', type: 'cart', cart_id: 'cart-other', customer_id: 'cust-other',
			email: 'joerika.kiss@example.hu', phone: '+36209990000', first_name: 'Olga', currency: 'HUF', value: 9990,
			items: [{ name: 'Bögre', quantity: 2, price: 4995 }],
		});
		await store.recordConsent({ channel: 'email', address: 'joerika.kiss@example.hu', source: 'checkout', wordingVersion: 'v1' });
	});

	test('Export: everything about the customer, from every table', async () => {
		const result = await run({ resource: 'customerData', operation: 'export' }, [{ customer_id: ERIKA.customer_id, email: '', phone: '' }]);
		assert.equal(result.status, 'success', result.error?.message);
		const data = result.output('Consent Check')[0].export as { tables: Record<string, unknown[]>; identifiers: Record<string, string[]> };
		const counts = Object.fromEntries(Object.entries(data.tables).map(([t, rows]) => [t, rows.length]));
		assert.deepEqual(
			{ carts: counts.carts, messages: counts.messages, consents: counts.consents, consent_events: counts.consent_events, discount_codes: counts.discount_codes, discount_redemptions: counts.discount_redemptions, channel_events_future: counts.channel_events_future },
			{ carts: 2, messages: 2, consents: 3, consent_events: 4, discount_codes: 1, discount_redemptions: 1, channel_events_future: 1 },
		);
		assert.deepEqual(data.identifiers.emails, [ERIKA.email]);
		assert.ok(!JSON.stringify(data).includes('joerika'), 'nothing of the other customer');
	});

	test('Erase: no personal data left in any column of any table; only salted hashes; later contact is suppressed', async () => {
		const result = await run({ resource: 'customerData', operation: 'erase' }, [{ customer_id: ERIKA.customer_id, email: '', phone: '' }]);
		assert.equal(result.status, 'success', result.error?.message);
		const erasure = result.output('Consent Check')[0].erasure as { deleted: Record<string, number>; suppressed: number };
		assert.equal(erasure.deleted.carts, 2);
		assert.equal(erasure.deleted.channel_events_future, 1);
		assert.ok(erasure.suppressed >= 4);
		assert.ok(!JSON.stringify(result.output('Consent Check')[0]).includes(ERIKA.email), 'the output holds no personal data');

		// Scan every column of every table in the schema, cast to text, for every personal value.
		const { rows: columns } = await db.pool.query(
			`select table_name, column_name from information_schema.columns where table_schema = 'cart_recovery' order by 1, 2`,
		);
		assert.ok(columns.length > 60, `scanned ${columns.length} columns`);
		// Whole-token matches: the other customer's joerika.kiss@… legitimately contains erika.kiss@….
		const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		const patterns = personal.map((v) => new RegExp(`(^|[^\\w.%+@-])${escape(v)}($|[^\\w.%+@-])`, 'i'));
		const hits: string[] = [];
		for (const { table_name, column_name } of columns) {
			const { rows } = await db.pool.query(`select t.${column_name}::text v from cart_recovery.${table_name} t where t.${column_name} is not null`);
			const n = rows.filter((r) => patterns.some((p) => p.test(r.v))).length;
			if (n) hits.push(`${table_name}.${column_name}: ${n}`);
		}
		assert.deepEqual(hits, [], 'personal data left behind');

		// The other customer is untouched.
		assert.ok(await store.getCart('cart-other'));
		const { rows: others } = await db.pool.query(`select count(*)::int n from cart_recovery.channel_events_future where note = 'someone else'`);
		assert.equal(others[0].n, 1);
		assert.equal((await store.checkConsent({ email: 'joerika.kiss@example.hu' }, ['email']))[0].reason, 'granted');

		// A later import / consent / check for any of her identifiers is suppressed.
		const later = await run({ ...check(['email', 'sms', 'messenger']), messengerPsid: '={{ $json.psid }}' }, [{ email: ERIKA.email, phone: '06 30 555 1234', psid: ERIKA.psid }]);
		const blocked = later.output('Consent Check', 1)[0].consent as { channels: Record<string, { reason: string }> };
		assert.deepEqual(Object.values(blocked.channels).map((c) => c.reason), ['suppressed', 'suppressed', 'suppressed']);
		const decisions = await store.checkConsent({ email: ERIKA.email, phone: '06 30 555 1234', messengerPsid: ERIKA.psid }, ['email', 'sms', 'messenger']);
		assert.deepEqual(decisions.map((d) => d.reason), ['suppressed', 'suppressed', 'suppressed']);
		const reimport = await run(record('email', ERIKA.email, { source: 'import' }), [{}]);
		assert.deepEqual(
			[(reimport.output('Consent Check')[0].consent as Params).recorded, (reimport.output('Consent Check')[0].consent as Params).reason],
			[false, 'suppressed'],
		);
		const { rows: hashes } = await db.pool.query(`select hash from cart_recovery.suppressions`);
		assert.ok(hashes.every((h) => /^[0-9a-f]{64}$/.test(h.hash)));
	});

	test('Purge: carts past 60 days go with their messages, delivery ids received that long ago too', async () => {
		await store.recordCartEvent({
			source: 'generic', event_id: 'old-e', type: 'cart', cart_id: 'cart-old', email: 'old@example.hu', currency: 'HUF', value: 9000,
			occurred_at: new Date(Date.now() - 70 * 86_400_000).toISOString(), items: [{ name: 'x', quantity: 1, price: 9000 }],
		});
		await store.claimMessage({ cartId: 'cart-old', stage: 1, channel: 'email' });
		await db.pool.query(`update cart_recovery.carts set updated_at = now() - interval '70 days' where cart_id = 'cart-old'`);
		await db.pool.query(`update cart_recovery.inbound_events set received_at = now() - interval '70 days' where event_id = 'old-e'`);
		const { rows: kept } = await db.pool.query(`select count(*)::int as n from cart_recovery.inbound_events where event_id <> 'old-e'`);
		const result = await run({ resource: 'customerData', operation: 'purge' }, [{}, {}]);
		assert.equal(result.status, 'success', result.error?.message);
		const items = result.output('Consent Check');
		assert.equal(items.length, 1, 'runs once, not per item');
		assert.deepEqual([(items[0].purge as Params).carts, (items[0].purge as Params).messages, (items[0].purge as Params).retention_days], [1, 1, 60]);
		assert.equal((items[0].purge as Params).inbound_events, 1, 'the dedup register goes after the same retention');
		const { rows: left } = await db.pool.query(`select count(*)::int as n, count(*) filter (where event_id = 'old-e')::int as old from cart_recovery.inbound_events`);
		assert.deepEqual([left[0].n, left[0].old], [kept[0].n, 0], 'younger delivery ids stay');
		assert.equal(await store.getCart('cart-old'), null);
		assert.ok(await store.getCart('cart-other'));
	});
});

describe('Erase removes the customer’s synced codes from the shop', () => {
	let woo: Awaited<ReturnType<typeof startWooFake>>;
	before(async () => {
		woo = await startWooFake();
	});
	after(async () => {
		await woo.close();
	});
	const wooCred = () => ({ platform: 'woocommerce', shopUrl: woo.url, wooConsumerKey: woo.consumerKey, wooConsumerSecret: woo.consumerSecret });

	/** A code issued for the customer and synced to the WooCommerce fake (email_restrictions = their email). */
	async function syncedCode(code: string, customerId: string, email: string, inShop = true) {
		await store.issueDiscountCode({ code, kind: 'percent', amount: 10, validUntil: new Date(Date.now() + 86_400_000), cartId: `cart-${code}`, stage: 2, customerRef: customerId, customerEmail: email });
		const coupon = woo.seed(code, { email_restrictions: [email] });
		await store.markDiscountSynced(code, 'woocommerce', String(coupon.id));
		if (!inShop) woo.coupons.splice(woo.coupons.indexOf(coupon), 1); // deleted in the shop by hand
		return coupon;
	}

	async function erase(customerId: string, webshop: object | null) {
		return runWorkflow({
			nodes: [
				manualTrigger(),
				node('Consent Check', 'consentCheck', { resource: 'customerData', operation: 'erase' } as never, {
					credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' }, ...(webshop ? { webshopApi: { id: 'shop', name: 'Webshop' } } : {}) },
				}),
			],
			connections: connect(['Start', 'Consent Check']),
			pinData: { Start: [{ json: { customer_id: customerId, email: '', phone: '' } }] },
			credentials: { cartRecoveryStoreApi: db.credentials, ...(webshop ? { webshopApi: webshop } : {}) },
		});
	}

	test('with the Webshop credential: every synced coupon is deleted (404 = already gone), counts in erasure.shop', async () => {
		const email = 'bea.toth@example.hu';
		const a = await syncedCode('KOSAR-BEATESZT01', 'cust-bea', email);
		const b = await syncedCode('KOSAR-BEATESZT02', 'cust-bea', email);
		await syncedCode('KOSAR-BEATESZT03', 'cust-bea', email, false);
		await store.recordConsent({ channel: 'email', address: email, source: 'checkout', customerId: 'cust-bea', wordingVersion: 'v1' });
		const result = await erase('cust-bea', wooCred());
		assert.equal(result.status, 'success', result.error?.message);
		const erasure = result.output('Consent Check')[0].erasure as { deleted: Record<string, number>; shop: Params };
		assert.deepEqual(erasure.shop, { synced_codes: 3, removed: 3, already_gone: 1, failed: 0, failures: [], skipped: null });
		assert.equal(erasure.deleted.discount_codes, 3);
		assert.ok([a.id, b.id].every((id) => woo.deletedCoupons.includes(id)));
		assert.equal(woo.coupons.filter((c) => c.email_restrictions.includes(email)).length, 0, 'the email is gone from the shop too');
		assert.ok(woo.requests.filter((r) => r.method === 'DELETE').every((r) => /\?force=true$/.test(r.path)));
		assert.ok(!JSON.stringify(result.output('Consent Check')[0]).includes(email), 'the output holds no personal data');
	});

	test('the shop is down: our data is erased all the same; the coupon left in the shop is reported (ref, no personal data)', async () => {
		const email = 'cecil.nagy@example.hu';
		const c1 = await syncedCode('KOSAR-CECILTESZT1', 'cust-cecil', email);
		await syncedCode('KOSAR-CECILTESZT2', 'cust-cecil', email);
		for (let n = 0; n < 4; n++) woo.script.push({ status: 503, body: { code: 'http_503', message: 'Service Unavailable', data: { status: 503 } } });
		const deletesBefore = woo.requests.filter((r) => r.method === 'DELETE').length;
		const result = await erase('cust-cecil', wooCred());
		assert.equal(result.status, 'success', result.error?.message);
		const erasure = result.output('Consent Check')[0].erasure as { erased: boolean; deleted: Record<string, number>; shop: Params & { failures: Params[] } };
		assert.equal(erasure.deleted.discount_codes, 2);
		assert.deepEqual([erasure.shop.synced_codes, erasure.shop.removed, erasure.shop.failed], [2, 0, 2]);
		assert.deepEqual(erasure.shop.failures[0], { platform: 'woocommerce', shop_ref: String(c1.id), reason: 'HTTP 503 http_503' });
		assert.match(String(erasure.shop.failures[1].reason), /shop unavailable, not tried/);
		assert.equal(woo.requests.filter((r) => r.method === 'DELETE').length - deletesBefore, 4, 'one round of retries, not one per code');
		const left = await store.exportCustomer({ customerId: 'cust-cecil', email });
		assert.deepEqual(Object.values(left.tables).flat(), [], 'nothing about Cecil is left here');
		assert.ok(!JSON.stringify(result.output('Consent Check')[0]).includes(email));
	});

	test('no Webshop credential: erasure works, the synced codes left in the shop are counted', async () => {
		await syncedCode('KOSAR-DORATESZT1', 'cust-dora', 'dora@example.hu');
		const result = await erase('cust-dora', null);
		assert.equal(result.status, 'success', result.error?.message);
		const shop = (result.output('Consent Check')[0].erasure as { shop: Params }).shop;
		assert.deepEqual([shop.synced_codes, shop.removed, shop.skipped], [1, 0, 'no Webshop credential selected']);
	});
});

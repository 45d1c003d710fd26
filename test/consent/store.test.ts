// Consent register, erasure and purge at the store level, on the Postgres server and on PGlite (the same SQL
// must run on both). Node-level behaviour is tested inside n8n in consentCheck.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStore, EmbeddedTransport, PostgresTransport } from '../../lib/store';
import { freshDatabase } from '../helpers/postgres';

const setups: Array<[string, () => Promise<{ store: CartRecoveryStore; teardown(): Promise<void> }>]> = [
	[
		'postgres',
		async () => {
			const db = await freshDatabase('consent_store');
			const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: 10 }));
			return { store, teardown: async () => (await store.close(), await db.drop()) };
		},
	],
	[
		'embedded (PGlite)',
		async () => {
			const store = new CartRecoveryStore(new EmbeddedTransport(mkdtempSync(path.join(tmpdir(), 'cr-consent-'))));
			return { store, teardown: () => store.close() };
		},
	],
];

for (const [name, setup] of setups) {
	describe(`consent store on ${name}`, () => {
		let store: CartRecoveryStore;
		let teardown: () => Promise<void>;
		before(async () => ({ store, teardown } = await setup()));
		after(() => teardown());

		test('no consent → blocked per channel with the reason; granted → allowed', async () => {
			const subject = { customerId: 'c-1', email: 'Anna@Example.HU', phone: '06 30 123 4567' };
			let decisions = await store.checkConsent(subject, ['email', 'sms', 'whatsapp', 'messenger']);
			assert.deepEqual(
				decisions.map((d) => [d.channel, d.allowed, d.reason, d.address]),
				[
					['email', false, 'no_consent', 'anna@example.hu'],
					['sms', false, 'no_consent', '+36301234567'],
					['whatsapp', false, 'no_consent', '+36301234567'],
					['messenger', false, 'no_address', null],
				],
			);
			const recorded = await store.recordConsent({
				channel: 'sms',
				address: '+36 30 123 4567',
				source: 'checkout_checkbox',
				customerId: 'c-1',
				wordingVersion: 'sms-2026-11',
				ip: '192.0.2.10',
			});
			assert.equal(recorded.recorded, true);
			decisions = await store.checkConsent(subject, ['email', 'sms', 'whatsapp']);
			assert.deepEqual(
				decisions.map((d) => [d.channel, d.reason]),
				[
					['email', 'no_consent'],
					['sms', 'granted'],
					['whatsapp', 'no_consent'], // channel-specific: SMS consent is not WhatsApp consent
				],
			);
			assert.equal(decisions[1].source, 'checkout_checkbox');
			assert.ok(decisions[1].granted_at);
			// A customer id alone finds the address of the customer's consent.
			const byId = await store.checkConsent({ customerId: 'c-1' }, ['sms']);
			assert.equal(byId[0].reason, 'granted');
		});

		test('consent needs source and wording; unknown channel is an invalid-input error', async () => {
			await assert.rejects(
				store.recordConsent({ channel: 'email', address: 'x@example.hu', source: 'form' }),
				/wording/,
			);
			await assert.rejects(store.checkConsent({ email: 'x@example.hu' }, ['fax' as never]), /unknown channel/);
		});

		test('withdraw is idempotent and appends one event; re-consent appends another', async () => {
			await store.recordConsent({ channel: 'email', address: 'bela@example.hu', source: 'newsletter', wording: 'Kérek hírlevelet' });
			const first = await store.withdrawConsent({ channel: 'email', address: 'BELA@example.hu', source: 'one_click' });
			const second = await store.withdrawConsent({ channel: 'email', address: 'bela@example.hu', source: 'one_click' });
			assert.deepEqual([first.withdrawn, first.changed, second.withdrawn, second.changed], [true, true, true, false]);
			const [d] = await store.checkConsent({ email: 'bela@example.hu' }, ['email']);
			assert.equal(d.reason, 'withdrawn');
			const exported = await store.exportCustomer({ email: 'bela@example.hu' });
			const events = exported.tables.consent_events as Array<{ action: string; source: string }>;
			assert.deepEqual(
				events.map((e) => [e.action, e.source]),
				[
					['granted', 'newsletter'],
					['withdrawn', 'one_click'],
				],
			);
		});

		test('an opt-out before any consent is on record', async () => {
			const r = await store.withdrawConsent({ channel: 'sms', address: '+36701112233', source: 'twilio_21610' });
			assert.equal(r.changed, true);
			const [d] = await store.checkConsent({ phone: '+36701112233' }, ['sms']);
			assert.equal(d.reason, 'withdrawn');
		});

		test('withdraw by customer id covers all of the customer\'s channels', async () => {
			await store.recordConsent({ channel: 'email', address: 'cili@example.hu', source: 'checkout', customerId: 'c-3', wording: 'w' });
			await store.recordConsent({ channel: 'whatsapp', address: '+36209998877', source: 'checkout', customerId: 'c-3', wording: 'w' });
			const r = await store.withdrawCustomerConsent({ customerId: 'c-3', source: 'manual' });
			assert.equal(r.consents.length, 2);
			const decisions = await store.checkConsent({ customerId: 'c-3' }, ['email', 'whatsapp']);
			assert.deepEqual(decisions.map((d) => d.reason), ['withdrawn', 'withdrawn']);
		});

		test('the consent event log is append-only', async () => {
			await store.recordConsent({ channel: 'email', address: 'ev@example.hu', source: 'checkout', wording: 'w' });
			const sql = "update cart_recovery.consent_events set source = 'forged'";
			const raw = store.transport as unknown as { pool?: { query(q: string): Promise<unknown> }; open(): Promise<{ query(q: string): Promise<unknown> }> };
			await assert.rejects(raw.pool ? raw.pool.query(sql) : (await raw.open()).query(sql), /append-only/);
		});

		test('the unsubscribe secret exists, is 64 hex chars and stable', async () => {
			const a = await store.consentSecret();
			const b = await store.consentSecret();
			assert.match(a.unsubscribe_secret, /^[0-9a-f]{64}$/);
			assert.equal(a.unsubscribe_secret, b.unsubscribe_secret);
		});

		test('erasure suppresses: later consent is refused unless explicitly lifted', async () => {
			await store.recordCartEvent({
				source: 'generic',
				event_id: `e-${name}-1`,
				type: 'cart',
				cart_id: `cart-${name}-dora`,
				customer_id: 'c-dora',
				email: 'dora@example.hu',
				phone: '+36305556677',
				first_name: 'Dóra',
				currency: 'HUF',
				value: 12990,
				items: [{ name: 'Kávéfőző', quantity: 1, price: 12990 }],
			});
			await store.recordConsent({ channel: 'email', address: 'dora@example.hu', source: 'checkout', wording: 'w' });
			const erased = await store.eraseCustomer({ customerId: 'c-dora' });
			assert.equal(erased.erased, true);
			assert.equal(erased.deleted.carts, 1);
			assert.equal(erased.deleted.consents, 1);
			assert.ok(erased.suppressed >= 3, `suppressed ${erased.suppressed}`);
			const decisions = await store.checkConsent({ email: 'dora@example.hu', phone: '+36305556677' }, ['email', 'sms']);
			assert.deepEqual(decisions.map((d) => d.reason), ['suppressed', 'suppressed']);
			const again = await store.recordConsent({ channel: 'email', address: 'dora@example.hu', source: 'import', wording: 'w' });
			assert.deepEqual([again.recorded, again.reason], [false, 'suppressed']);
			const lifted = await store.recordConsent({
				channel: 'email',
				address: 'dora@example.hu',
				source: 'double_opt_in',
				wording: 'w',
				liftSuppression: true,
			});
			assert.equal(lifted.recorded, true);
			assert.equal((await store.checkConsent({ email: 'dora@example.hu' }, ['email']))[0].reason, 'granted');
		});

		test('purge deletes carts past retention with their messages, keeps younger ones', async () => {
			const old = new Date(Date.now() - 61 * 86400_000).toISOString();
			for (const [id, at] of [
				[`old-${name}`, old],
				[`new-${name}`, new Date().toISOString()],
			]) {
				await store.recordCartEvent({
					source: 'generic',
					event_id: `p-${id}`,
					type: 'cart',
					cart_id: id,
					occurred_at: at,
					email: `${id}@example.hu`,
					currency: 'HUF',
					value: 9000,
					items: [{ name: 'x', quantity: 1, price: 9000 }],
				});
				await store.claimMessage({ cartId: id, stage: 1, channel: 'email' });
			}
			// created_at/updated_at are now(); age the old cart as if it had sat there 61 days.
			if (name === 'postgres') {
				const pool = (store.transport as unknown as { pool: { query(sql: string, p: unknown[]): Promise<unknown> } }).pool;
				await pool.query('update cart_recovery.carts set updated_at = $1 where cart_id = $2', [old, `old-${name}`]);
			} else {
				const db = await (store.transport as unknown as { open(): Promise<{ query(sql: string, p: unknown[]): Promise<unknown> }> }).open();
				await db.query('update cart_recovery.carts set updated_at = $1 where cart_id = $2', [old, `old-${name}`]);
			}
			const purged = await store.purge(60);
			assert.deepEqual([purged.carts, purged.messages], [1, 1]);
			assert.equal(await store.getCart(`old-${name}`), null);
			assert.ok(await store.getCart(`new-${name}`));
			await assert.rejects(store.purge(0), /at least 1 day/);
		});
	});
}

// One store suite, three transports: the Postgres server (pg), PGlite in-process, and supabase-js through a
// loopback PostgREST that calls the real SQL functions. Server-only cases (concurrency) follow.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
	CartRecoveryStore,
	EmbeddedTransport,
	latestSchemaVersion,
	loadMigrations,
	PostgresTransport,
	StoreError,
	testStoreConnection,
	type CartEvent,
} from '../../lib/store';
import { startPostgrestFake, type PostgrestFake } from '../fakes/postgrest';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { storeTransports, type TransportSetup } from '../helpers/transports';

let seq = 0;
function cartEvent(overrides: Partial<CartEvent> = {}): CartEvent {
	seq++;
	return {
		source: 'generic',
		event_id: `evt-${process.pid}-${seq}-${Math.random()}`,
		type: 'cart',
		cart_id: `cart-${seq}-${Math.random().toString(36).slice(2)}`,
		email: `vevo${seq}@example.hu`,
		currency: 'HUF',
		value: 12990,
		items: [{ name: 'Kávéfőző', quantity: 1, price: 12990 }],
		...overrides,
	};
}

const transports = storeTransports('store');

for (const [name, setup] of transports) {
	describe(`store on ${name}`, () => {
		let s: TransportSetup;
		before(async () => {
			s = await setup();
		});
		after(async () => s.teardown());

		test('is at the latest schema version', async () => {
			assert.equal(await s.store.ready(), latestSchemaVersion());
			const v = await s.store.schemaVersion();
			assert.equal(v.version, latestSchemaVersion());
			assert.equal(v.migrations[0].name, 'cart_recovery_init');
		});

		test('a first cart event enrolls the cart; its redelivery is a duplicate', async () => {
			const event = cartEvent();
			const first = await s.store.recordCartEvent(event);
			assert.deepEqual(first, { duplicate: false, enrolled: true, outcome: 'enrolled', cart_status: 'recovering' });
			const again = await s.store.recordCartEvent(event);
			assert.equal(again.duplicate, true);
			assert.equal(again.enrolled, false);
			const cart = await s.store.getCart(event.cart_id);
			assert.equal(cart?.status, 'recovering');
			assert.equal(cart?.value, 12990);
			assert.equal(cart?.items[0].name, 'Kávéfőző');
		});

		test('later updates refresh the cart without enrolling it again, and never go back in time', async () => {
			const first = cartEvent({ occurred_at: '2026-11-25T10:00:00Z' });
			await s.store.recordCartEvent(first);
			const newer = await s.store.recordCartEvent(
				cartEvent({ cart_id: first.cart_id, occurred_at: '2026-11-25T10:05:00Z', value: 25980, items: [{ name: 'Kávéfőző', quantity: 2, price: 12990 }], phone: '+36301234567', email: null }),
			);
			assert.equal(newer.enrolled, false);
			assert.equal(newer.outcome, 'updated');
			const stale = await s.store.recordCartEvent(cartEvent({ cart_id: first.cart_id, occurred_at: '2026-11-25T09:00:00Z', value: 1, email: null }));
			assert.equal(stale.enrolled, false);
			const cart = await s.store.getCart(first.cart_id);
			assert.equal(cart?.value, 25980);
			assert.equal(cart?.items[0].quantity, 2);
			assert.equal(cart?.phone, '+36301234567');
			assert.equal(cart?.email, first.email, 'contacts are kept when an update omits them');
			assert.equal(new Date(cart!.last_activity_at).toISOString(), '2026-11-25T10:05:00.000Z');
		});

		test('the same customer does not re-enter recovery with another cart inside the cooldown', async () => {
			const a = cartEvent({ customer_id: `cust-${Math.random()}` });
			assert.equal((await s.store.recordCartEvent(a)).enrolled, true);
			const b = await s.store.recordCartEvent(cartEvent({ customer_id: a.customer_id }));
			assert.equal(b.outcome, 'cooldown');
			const c = await s.store.recordCartEvent(cartEvent({ customer_id: a.customer_id }), { cooldownSeconds: 0 });
			assert.equal(c.enrolled, true);
		});

		test('an empty cart is recorded but not enrolled', async () => {
			const r = await s.store.recordCartEvent(cartEvent({ items: [], value: 0 }));
			assert.equal(r.outcome, 'ignored');
		});

		test('an anonymous cart waits for a contact before it enters recovery', async () => {
			const anonymous = cartEvent({ email: null, phone: null });
			assert.equal((await s.store.recordCartEvent(anonymous)).outcome, 'no_contact');
			assert.equal((await s.store.getCart(anonymous.cart_id))?.status, 'active');
			const named = await s.store.recordCartEvent(cartEvent({ cart_id: anonymous.cart_id, email: 'kesobb@example.hu' }));
			assert.deepEqual([named.enrolled, named.outcome], [true, 'enrolled']);
		});

		test('an erased customer is stored again without personal data and never enrolled', async () => {
			const first = cartEvent({ customer_id: `erased-${Math.random()}`, phone: '+36301234999', first_name: 'Erika' });
			await s.store.recordCartEvent(first);
			await s.store.eraseCustomer({ email: first.email, phone: first.phone, customerId: first.customer_id });
			const again = cartEvent({ email: first.email, first_name: 'Erika', last_name: 'Kiss' });
			const r = await s.store.recordCartEvent(again);
			assert.deepEqual([r.enrolled, r.outcome], [false, 'suppressed']);
			const cart = await s.store.getCart(again.cart_id);
			assert.deepEqual([cart?.email, cart?.phone, cart?.first_name, cart?.last_name, cart?.customer_id], [null, null, null, null, null]);
			assert.equal(cart?.value, again.value, 'the business facts are kept');
			const byPhone = await s.store.recordCartEvent(cartEvent({ email: null, phone: '06 30 123 4999' }));
			assert.equal(byPhone.outcome, 'suppressed', 'the phone matches in any notation');
		});

		test('an order without a prior follow-up converts; after a sent follow-up it is recovered with the order value', async () => {
			const plain = cartEvent();
			await s.store.recordCartEvent(plain);
			const converted = await s.store.recordCartEvent(cartEvent({ cart_id: plain.cart_id, type: 'order', order_id: 'o-1', order_value: 12990 }));
			assert.equal(converted.outcome, 'converted');
			assert.equal(converted.enrolled, false);

			const followed = cartEvent();
			await s.store.recordCartEvent(followed);
			const claim = await s.store.claimMessage({ cartId: followed.cart_id, stage: 1, channel: 'email' });
			assert.ok(claim.claimed);
			await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: 'sg-1' });
			const recovered = await s.store.recordCartEvent(cartEvent({ cart_id: followed.cart_id, type: 'order', order_id: 'o-2', order_value: 15990 }));
			assert.equal(recovered.outcome, 'recovered');
			assert.equal(Number(recovered.recovered_value), 15990);
			const cart = await s.store.getCart(followed.cart_id);
			assert.equal(cart?.status, 'recovered');
			assert.equal(cart?.recovered_value, 15990);
			assert.equal(cart?.order_id, 'o-2');
		});

		test('an order outside the attribution window is a plain conversion', async () => {
			const e = cartEvent();
			await s.store.recordCartEvent(e);
			const claim = await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' });
			assert.ok(claim.claimed);
			await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent' });
			const late = new Date(Date.now() + 6 * 86400_000).toISOString();
			const r = await s.store.recordCartEvent(cartEvent({ cart_id: e.cart_id, type: 'order', occurred_at: late }));
			assert.equal(r.outcome, 'converted');
		});

		test('a message is claimed once per (cart, stage, channel); completion is idempotent; release allows one re-claim', async () => {
			const e = cartEvent();
			await s.store.recordCartEvent(e);
			const first = await s.store.claimMessage({ cartId: e.cart_id, stage: 2, channel: 'sms', campaign: 'c1' });
			assert.equal(first.claimed, true);
			const second = await s.store.claimMessage({ cartId: e.cart_id, stage: 2, channel: 'sms' });
			assert.equal(second.claimed, false);
			assert.equal(second.message_id, first.message_id);
			assert.equal((await s.store.claimMessage({ cartId: e.cart_id, stage: 2, channel: 'email' })).claimed, true, 'another channel is another message');
			if (!first.claimed) return;

			const released = await s.store.completeMessage({ messageId: first.message_id, claimToken: first.claim_token, status: 'released', error: 'HTTP 503' });
			assert.equal(released.status, 'released');
			const retry = await s.store.claimMessage({ cartId: e.cart_id, stage: 2, channel: 'sms' });
			assert.equal(retry.claimed, true);
			assert.equal(retry.attempts, 2);
			if (!retry.claimed) return;
			await assert.rejects(
				s.store.completeMessage({ messageId: first.message_id, claimToken: first.claim_token, status: 'sent' }),
				(error: StoreError) => error instanceof StoreError && /claim token/.test(error.message),
				'the superseded claim can no longer complete',
			);
			const sent = await s.store.completeMessage({ messageId: retry.message_id, claimToken: retry.claim_token, status: 'sent', providerId: 'SM123' });
			assert.deepEqual([sent.completed, sent.status, sent.provider_id], [true, 'sent', 'SM123']);
			const twice = await s.store.completeMessage({ messageId: retry.message_id, claimToken: retry.claim_token, status: 'failed', error: 'late' });
			assert.deepEqual([twice.completed, twice.status], [false, 'sent']);
			const cart = await s.store.getCart(e.cart_id);
			assert.deepEqual(
				cart?.messages.map((m) => [m.stage, m.channel, m.status]),
				[
					[2, 'email', 'queued'],
					[2, 'sms', 'sent'],
				],
			);
		});

		test('bad input is refused by the store with a clear error and writes nothing', async () => {
			const e = cartEvent({ type: 'refund' as 'cart' });
			await assert.rejects(s.store.recordCartEvent(e), (error: StoreError) => error.isInvalidInput && /unknown cart event type refund/.test(error.message));
			assert.equal(await s.store.getCart(e.cart_id), null);
			const again = await s.store.recordCartEvent({ ...e, type: 'cart' });
			assert.equal(again.duplicate, false, 'the refused event id was not registered');
			await assert.rejects(s.store.claimMessage({ cartId: 'no-such-cart', stage: 1, channel: 'email' }), /unknown cart/);
			await assert.rejects(
				s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'fax' as 'email' }),
				(error: StoreError) => error instanceof StoreError && error.code === '23514',
			);
		});

		test('an unknown cart reads as null', async () => {
			assert.equal(await s.store.getCart('never-seen'), null);
		});
	});
}

describe('store on the Postgres server under concurrency', () => {
	let db: TestDatabase;
	let store: CartRecoveryStore;
	before(async () => {
		db = await freshDatabase('store_race');
		store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: 60 }));
		await store.ready();
	});
	after(async () => (await store.close(), await db.drop()));

	test('Supabase roles: service_role reaches every store function through the grants, anon reaches none', async () => {
		const client = await db.pool.connect();
		try {
			await client.query('begin');
			await client.query('set local role service_role');
			const version = await client.query('select public.cart_recovery_schema_version() as v');
			assert.ok(version.rows[0].v.version >= 4);
			const e = cartEvent();
			await client.query('select public.cart_recovery_record_cart_event(p_event => $1)', [JSON.stringify(e)]);
			const claimed = await client.query(`select public.cart_recovery_claim_message(p_cart_id => $1, p_stage => 1, p_channel => 'email') as r`, [e.cart_id]);
			assert.equal(claimed.rows[0].r.claimed, true);
			await client.query('rollback');
			await client.query('begin');
			await client.query('set local role anon');
			await assert.rejects(client.query(`select public.cart_recovery_get_cart('x')`), (error: { code?: string }) => error.code === '42501');
		} finally {
			await client.query('rollback').catch(() => undefined);
			client.release();
		}
	});

	test('50 concurrent claims of one (cart, stage, channel): exactly one wins', async () => {
		const e = cartEvent();
		await store.recordCartEvent(e);
		const claims = await Promise.all(Array.from({ length: 50 }, () => store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' })));
		assert.equal(claims.filter((c) => c.claimed).length, 1);
		assert.equal(new Set(claims.map((c) => c.message_id)).size, 1);
		const rows = await db.pool.query('select count(*)::int as n from cart_recovery.messages where cart_id = $1', [e.cart_id]);
		assert.equal(rows.rows[0].n, 1);
	});

	test('50 concurrent first events for one new cart: exactly one enrollment', async () => {
		const base = cartEvent();
		const results = await Promise.all(
			Array.from({ length: 50 }, (_, i) => store.recordCartEvent({ ...base, event_id: `${base.event_id}-${i}` })),
		);
		assert.equal(results.filter((r) => r.enrolled).length, 1);
		assert.equal(results.filter((r) => r.outcome === 'updated').length, 49);
	});

	test('two processes applying migrations at once: each migration runs exactly once', async () => {
		const fresh = await freshDatabase('store_migrate');
		try {
			const a = new PostgresTransport({ connectionString: fresh.url });
			const b = new PostgresTransport({ connectionString: fresh.url });
			const versions = await Promise.all([a.migrate(), b.migrate()]);
			assert.deepEqual(versions, [latestSchemaVersion(), latestSchemaVersion()]);
			const rows = await fresh.pool.query('select version from cart_recovery.schema_migrations order by version');
			assert.deepEqual(rows.rows.map((r) => r.version), loadMigrations().map((m) => m.version));
			await Promise.all([a.close(), b.close()]);
		} finally {
			await fresh.drop();
		}
	});
});

describe('embedded store lifecycle', () => {
	test('data survives a restart of the embedded database', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'cr-pglite-restart-'));
		const first = new CartRecoveryStore(new EmbeddedTransport(dir));
		const e = cartEvent();
		await first.recordCartEvent(e);
		await first.close();
		const second = new CartRecoveryStore(new EmbeddedTransport(dir));
		assert.equal((await second.getCart(e.cart_id))?.status, 'recovering');
		await second.close();
	});
});

describe('credential test (Cart Recovery Store)', () => {
	let db: TestDatabase;
	let fake: PostgrestFake;
	before(async () => {
		db = await freshDatabase('store_cred');
		fake = await startPostgrestFake({ databaseUrl: db.url, serviceRoleKey: 'k' });
	});
	after(async () => (await fake.close(), await db.drop()));

	test('Postgres: reports the schema version, and changes nothing itself', async () => {
		const fresh = await testStoreConnection(db.credentials);
		assert.deepEqual([fresh.ok, fresh.version], [true, 0]);
		assert.match(fresh.message, /schema version 0; the schema will be created on first use/);
		const tables = await db.pool.query(`select count(*)::int as n from information_schema.tables where table_schema = 'cart_recovery'`);
		assert.equal(tables.rows[0].n, 0, 'the Test ran no DDL');

		const migrator = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
		await migrator.ready();
		await migrator.close();
		const r = await testStoreConnection(db.credentials);
		assert.deepEqual([r.ok, r.version], [true, latestSchemaVersion()]);
		assert.match(r.message, /Connected \(postgres\)\. Cart Recovery schema version \d+\.$/);
	});

	test('Postgres: a wrong password is named as such', async () => {
		const r = await testStoreConnection({ ...db.credentials, user: 'cr_pw_check', password: 'wrong' });
		assert.equal(r.ok, false);
		assert.match(r.message, /Wrong password for user "cr_pw_check"|password authentication failed|role "cr_pw_check" does not exist/);
	});

	test('Postgres: nothing listening is named as such', async () => {
		const r = await testStoreConnection({ ...db.credentials, port: 1 });
		assert.equal(r.ok, false);
		assert.match(r.message, /Nothing accepts connections on 127\.0\.0\.1:1/);
	});

	test('Supabase: a missing schema names the migration files to run', async () => {
		const empty = await freshDatabase('store_cred_empty');
		const emptyFake = await startPostgrestFake({ databaseUrl: empty.url, serviceRoleKey: 'k' });
		try {
			const r = await testStoreConnection({ transport: 'supabase', supabaseUrl: emptyFake.url, serviceRoleKey: 'k' });
			assert.equal(r.ok, false);
			assert.match(r.message, /schema is missing.*supabase\/migrations\/20261125000001_cart_recovery_init\.sql/);
		} finally {
			await emptyFake.close();
			await empty.drop();
		}
	});

	test('Supabase: a wrong key is refused', async () => {
		const r = await testStoreConnection({ transport: 'supabase', supabaseUrl: fake.url, serviceRoleKey: 'wrong' });
		assert.equal(r.ok, false);
		assert.match(r.message, /JWSInvalidSignature|Invalid API key|401/);
	});
});

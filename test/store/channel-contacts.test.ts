// Migration 6 (issue 12) on the three transports: per-channel contacts on carts (stored from generic and Supabase
// events in the one record_cart_event call), enrollment of carts reachable only on Messenger or WhatsApp, the
// customer service window from recorded inbound messages (idempotent per message id), and erasure and purge of
// the new data. Plus: migration 6 applies on top of a store at version 5 with data in it (Postgres and PGlite).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DEFAULT_MAPPING, receiveDelivery, type IntakeSource } from '../../lib/intake';
import { CartRecoveryStore, EmbeddedTransport, latestSchemaVersion, loadMigrations, PostgresTransport, StoreError, type CartEvent } from '../../lib/store';
import { freshDatabase } from '../helpers/postgres';
import { storeTransports, type TransportSetup } from '../helpers/transports';
import { fixture, INTAKE_PATH, signed, SUPABASE_HEADER, SUPABASE_SECRET, WEBHOOK_SECRET, type Fixture } from '../trigger/support';

const HOUR = 3600_000;
let seq = 0;
const unique = () => `${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
/** Digits only, like a real PSID, and different in every test. */
const psid = () => `2468${Date.now()}${String(++seq).padStart(4, '0')}`;
const bsuid = () => `HU.${Date.now()}${String(++seq).padStart(6, '0')}`;
const waNumber = () => `+3670${String(1_000_000 + ((Date.now() + ++seq * 7919) % 8_999_999)).slice(0, 7)}`;

function cartEvent(overrides: Partial<CartEvent> = {}): CartEvent {
	return {
		source: 'generic',
		event_id: `contacts-${unique()}`,
		type: 'cart',
		cart_id: `cart-contacts-${unique()}`,
		currency: 'HUF',
		value: 6495,
		items: [{ name: 'Kerámia bögre', quantity: 1, price: 6495 }],
		...overrides,
	};
}

/** A webshop delivery through the trigger's intake, as the trigger hands it to the store. */
function intake(source: IntakeSource, f: Fixture): CartEvent {
	const { raw, headers } = signed(source, f);
	const result = receiveDelivery(
		{ path: INTAKE_PATH, headers, rawBody: raw },
		{
			source,
			verification: 'signature',
			secrets: { webhookSecret: WEBHOOK_SECRET, supabaseHeaderName: SUPABASE_HEADER, supabaseHeaderSecret: SUPABASE_SECRET },
			maxBodyBytes: 512 * 1024,
			mapping: DEFAULT_MAPPING,
		},
	);
	assert.equal(result.kind, 'event');
	return (result as { event: CartEvent }).event;
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

for (const [name, setup] of storeTransports('contacts')) {
	describe(`channel contacts and the service window on ${name}`, () => {
		let s: TransportSetup;
		before(async () => {
			s = await setup();
		});
		after(async () => s?.teardown());

		test('generic and Supabase events store the PSID, WhatsApp number and BSUID in the one record_cart_event call', async () => {
			const calls: string[] = [];
			await s.store.ready();
			const transport = s.store.transport;
			const call = transport.call.bind(transport);
			transport.call = <T>(fn: string, args: Record<string, unknown>) => (calls.push(fn), call<T>(fn, args));
			try {
				const [p, b, w] = [psid(), bsuid(), waNumber()];
				const g = fixture('generic/cart');
				Object.assign(g.body, { event_id: `g-${unique()}`, cart_id: `g-${unique()}`, messenger_psid: p, whatsapp_phone: w.replace('+36', '06 '), whatsapp_bsuid: b });
				const generic = intake('generic', g);
				assert.equal((await s.store.recordCartEvent(generic)).outcome, 'enrolled');
				assert.deepEqual(calls, ['cart_recovery_record_cart_event'], 'no extra round trip');

				const sb = fixture('supabase/insert');
				const [p2, b2] = [psid(), bsuid()];
				Object.assign(sb.body.record as object, { session_id: `sb-${unique()}`, customer_id: `sb-cust-${unique()}`, messenger_psid: p2, whatsapp_phone: '+36 30 999 8877', whatsapp_bsuid: b2 });
				const supa = intake('supabase', sb);
				await s.store.recordCartEvent(supa);

				const cart = await s.store.getCart(generic.cart_id);
				assert.deepEqual([cart?.messenger_psid, cart?.whatsapp_phone, cart?.whatsapp_bsuid, cart?.phone], [p, w, b, '+36301112233']);
				const fromSupabase = await s.store.getCart(supa.cart_id);
				assert.deepEqual([fromSupabase?.messenger_psid, fromSupabase?.whatsapp_phone, fromSupabase?.whatsapp_bsuid], [p2, '+36309998877', b2]);

				// Contacts only get filled in: a later event without them keeps them; a new one replaces its own.
				const b3 = bsuid();
				await s.store.recordCartEvent(cartEvent({ cart_id: generic.cart_id, whatsapp_bsuid: b3 }));
				const later = await s.store.getCart(generic.cart_id);
				assert.deepEqual([later?.messenger_psid, later?.whatsapp_phone, later?.whatsapp_bsuid], [p, w, b3]);
			} finally {
				transport.call = call;
			}
		});

		test('a cart with only a Messenger PSID, only a WhatsApp number or only a BSUID enrols; with no contact at all it waits', async () => {
			for (const contact of [{ messenger_psid: psid() }, { whatsapp_phone: waNumber() }, { whatsapp_bsuid: bsuid() }]) {
				const e = cartEvent(contact);
				const r = await s.store.recordCartEvent(e);
				assert.deepEqual([r.enrolled, r.outcome, r.cart_status], [true, 'enrolled', 'recovering'], JSON.stringify(contact));
			}
			const anonymous = cartEvent();
			assert.equal((await s.store.recordCartEvent(anonymous)).outcome, 'no_contact');
			const p = psid();
			const named = await s.store.recordCartEvent(cartEvent({ cart_id: anonymous.cart_id, messenger_psid: p }));
			assert.deepEqual([named.enrolled, named.outcome], [true, 'enrolled'], 'enrols with the first event that names a PSID');

			// The PSID is the customer for the cooldown too: their next cart within 24 h does not enter recovery again.
			const second = await s.store.recordCartEvent(cartEvent({ messenger_psid: p }));
			assert.equal(second.outcome, 'cooldown');
			const [row] = await s.sql<{ customer_key: string }>('select customer_key from cart_recovery.carts where cart_id = $1', [anonymous.cart_id]);
			assert.equal(row.customer_key, `messenger:${p}`);
		});

		test('the service window is open within 24 hours of the last inbound message and closed after; the same message twice counts once', async () => {
			const [number, user] = [waNumber(), bsuid()];
			const closedWindow = await s.store.serviceWindow('whatsapp', number);
			assert.deepEqual(closedWindow, { channel: 'whatsapp', open: false, last_inbound_at: null, open_until: null }, 'never wrote');

			const at = new Date(Date.now() - 23 * HOUR);
			const first = await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: `wamid.${unique()}`, address: number.slice(1), bsuid: user, receivedAt: at });
			assert.deepEqual([first.recorded, first.duplicate, first.reason, first.address, first.bsuid], [true, false, 'recorded', number, user], 'wa_id without + is stored in E.164');
			const open = await s.store.serviceWindow('whatsapp', number);
			assert.equal(open.open, true);
			assert.equal(new Date(open.last_inbound_at!).getTime(), at.getTime());
			assert.equal(new Date(open.open_until!).getTime(), at.getTime() + 24 * HOUR);
			assert.equal((await s.store.serviceWindow('whatsapp', null, { bsuid: user })).open, true, 'found by the BSUID');
			assert.equal((await s.store.serviceWindow('whatsapp', user)).open, true, 'a BSUID given as the address');
			assert.equal((await s.store.serviceWindow('whatsapp', `06${number.slice(3)}`)).open, true, 'the number in any notation');

			// Meta delivers a webhook again: the same wamid counts once and changes nothing.
			const messageId = `wamid.${unique()}`;
			const older = new Date(Date.now() - 25 * HOUR);
			const [p] = [psid()];
			assert.equal((await s.store.recordInboundMessage({ channel: 'messenger', messageId, address: p, receivedAt: older })).recorded, true);
			const again = await s.store.recordInboundMessage({ channel: 'messenger', messageId, address: p, receivedAt: new Date() });
			assert.deepEqual([again.recorded, again.duplicate, again.reason], [false, true, 'duplicate']);
			assert.equal(new Date(again.received_at!).getTime(), older.getTime(), 'the first delivery’s time stands');
			const [count] = await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.inbound_messages where message_id = $1', [messageId]);
			assert.equal(count.n, 1);
			const closed = await s.store.serviceWindow('messenger', p);
			assert.deepEqual([closed.open, new Date(closed.open_until!).getTime()], [false, older.getTime() + 24 * HOUR], 'closed 24 h after the last message');

			// A newer message opens it again; a redelivery may fill in the BSUID the first one lacked.
			const fresh = `wamid.${unique()}`;
			const loneNumber = waNumber();
			await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: fresh, address: loneNumber });
			const filled = await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: fresh, address: loneNumber, bsuid: 'HU.777000111' });
			assert.deepEqual([filled.duplicate, filled.bsuid], [true, 'HU.777000111']);
			assert.equal((await s.store.serviceWindow('whatsapp', 'HU.777000111')).open, true);

			await rejectsWith(s.store.recordInboundMessage({ channel: 'sms' as 'whatsapp', messageId: 'x', address: number }), '22023', /whatsapp or messenger, not "sms"/);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'whatsapp', messageId: ' ', address: number }), '22023', /needs the provider's message id/);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'whatsapp', messageId: 'x1' }), '22023', /needs the sender \(number or business-scoped user id\)/);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'whatsapp', messageId: 'x2', address: 'not a number' }), '22023', /WhatsApp number "not a number" is not a phone number/);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'whatsapp', messageId: 'x3', bsuid: 'nope' }), '22023', /not a business-scoped user id/);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'messenger', messageId: 'x4', address: p, bsuid: user }), '22023', /Messenger message has no WhatsApp user id/);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'messenger', messageId: 'x5', address: p, receivedAt: new Date(Date.now() + 2 * HOUR) }), '22023', /is in the future/);
			await rejectsWith(s.store.serviceWindow('email' as 'whatsapp', 'a@b.hu'), '22023', /for whatsapp or messenger, not "email"/);
			await rejectsWith(s.store.serviceWindow('messenger', ''), '22023', /needs the customer's messenger address/);
		});

		test('erasure removes the new contacts and inbound messages, hashes PSID, number and BSUID, and suppresses them afterwards', async () => {
			const [p, number, user] = [psid(), waNumber(), bsuid()];
			const email = `wa-${unique()}@example.hu`;
			const cart = cartEvent({ email, whatsapp_phone: number, whatsapp_bsuid: user, messenger_psid: p, first_name: 'Vera' });
			await s.store.recordCartEvent(cart);
			// An inbound message that carried only the BSUID, one with the number only, one on Messenger.
			await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: `wamid.${unique()}`, bsuid: user });
			await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: `wamid.${unique()}`, address: number });
			await s.store.recordInboundMessage({ channel: 'messenger', messageId: `mid.${unique()}`, address: p });
			const other = cartEvent({ messenger_psid: psid() });
			await s.store.recordCartEvent(other);

			// By the PSID alone: the cart it names leads to the email, the number and the BSUID.
			const exported = await s.store.exportCustomer({ messengerPsid: p });
			assert.deepEqual(exported.identifiers.cart_ids, [cart.cart_id]);
			assert.deepEqual([exported.identifiers.emails, exported.identifiers.phones, exported.identifiers.psids, exported.identifiers.bsuids], [[email], [number], [p], [user]]);
			assert.equal(exported.tables.inbound_messages.length, 3);
			assert.equal(exported.tables.carts[0].whatsapp_bsuid, user);

			const erased = await s.store.eraseCustomer({ messengerPsid: p }, 'art17-contacts');
			assert.deepEqual([erased.deleted.carts, erased.deleted.inbound_messages, erased.suppressed], [1, 3, 4], 'hashes: email, number, PSID, BSUID');
			for (const [column, value] of [
				['messenger_psid', p],
				['whatsapp_phone', number],
				['whatsapp_bsuid', user],
			]) {
				const [row] = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.carts where ${column} = $1`, [value]);
				assert.equal(row.n, 0, `a cart still holds ${column}`);
			}
			const [left] = await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.inbound_messages where address in ($1, $2) or bsuid = $3', [number, p, user]);
			assert.equal(left.n, 0, 'no inbound message of the person is left');
			const kinds = await s.sql<{ kind: string }>(`select kind from cart_recovery.suppressions where reason = 'art17-contacts' order by kind`);
			assert.deepEqual(kinds.map((k) => k.kind), ['bsuid', 'email', 'phone', 'psid']);
			assert.ok(await s.store.getCart(other.cart_id), 'another customer’s cart stays');

			// Suppressed from now on, by any one of them: stored without contacts, never enrolled; messages not kept.
			for (const contact of [{ messenger_psid: p }, { whatsapp_bsuid: user }, { whatsapp_phone: number }]) {
				const again = cartEvent({ ...contact, first_name: 'Vera' });
				const r = await s.store.recordCartEvent(again);
				assert.deepEqual([r.enrolled, r.outcome], [false, 'suppressed'], JSON.stringify(contact));
				const stored = await s.store.getCart(again.cart_id);
				assert.deepEqual([stored?.messenger_psid, stored?.whatsapp_phone, stored?.whatsapp_bsuid, stored?.first_name], [null, null, null, null]);
			}
			const refused = await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: `wamid.${unique()}`, bsuid: user });
			assert.deepEqual([refused.recorded, refused.reason], [false, 'suppressed']);
			assert.equal((await s.store.serviceWindow('whatsapp', null, { bsuid: user })).open, false);
			const byBsuid = await s.store.exportCustomer({ whatsappBsuid: user });
			assert.equal(byBsuid.suppressed, true, 'a BSUID alone is recognised as erased');

			// Erasure by a BSUID alone works too, and finds the number it came with.
			const [n2, u2] = [waNumber(), bsuid()];
			await s.store.recordInboundMessage({ channel: 'whatsapp', messageId: `wamid.${unique()}`, address: n2, bsuid: u2 });
			const c2 = cartEvent({ whatsapp_phone: n2 });
			await s.store.recordCartEvent(c2);
			const byUser = await s.store.eraseCustomer({ whatsappBsuid: u2 });
			assert.deepEqual([byUser.deleted.carts, byUser.deleted.inbound_messages, byUser.suppressed], [1, 1, 2]);
		});

		test('purge removes inbound messages past the retention period or older than 7 days; younger ones stay', async () => {
			const p = psid();
			const ids = { old: `mid.old-${unique()}`, week: `mid.week-${unique()}`, fresh: `mid.fresh-${unique()}` };
			await s.store.recordInboundMessage({ channel: 'messenger', messageId: ids.old, address: p, receivedAt: new Date(Date.now() - 90 * 24 * HOUR) });
			await s.store.recordInboundMessage({ channel: 'messenger', messageId: ids.week, address: p, receivedAt: new Date(Date.now() - 8 * 24 * HOUR) });
			await s.store.recordInboundMessage({ channel: 'messenger', messageId: ids.fresh, address: p, receivedAt: new Date(Date.now() - HOUR) });
			const purged = await s.store.purge(60);
			assert.ok(purged.inbound_messages >= 2, `purged ${purged.inbound_messages}`);
			const left = await s.sql<{ message_id: string }>('select message_id from cart_recovery.inbound_messages where address = $1', [p]);
			assert.deepEqual(left.map((r) => r.message_id), [ids.fresh]);
			assert.equal((await s.store.serviceWindow('messenger', p)).open, true, 'the window is intact');
			assert.equal((await s.store.purge(60)).inbound_messages, 0, 'a second purge finds nothing');
		});
	});
}

// ── Migration 6 on top of a store at version 5 that holds data ───────────────────────────────────────────

const V5 = loadMigrations().filter((m) => m.version <= 5);
const V5_EVENT = {
	source: 'generic',
	event_id: 'v5-event',
	type: 'cart',
	cart_id: 'v5-cart',
	email: 'regi@example.hu',
	items: [{ name: 'Bögre', quantity: 1, price: 6495 }],
	value: 6495,
};

async function afterUpgrade(store: CartRecoveryStore): Promise<void> {
	assert.equal(await store.ready(), latestSchemaVersion());
	const cart = await store.getCart('v5-cart');
	assert.deepEqual([cart?.status, cart?.email, cart?.messenger_psid, cart?.whatsapp_phone, cart?.whatsapp_bsuid], ['recovering', 'regi@example.hu', null, null, null]);
	const dup = await store.recordCartEvent({ ...V5_EVENT, type: 'cart' } as CartEvent);
	assert.equal(dup.outcome, 'duplicate', 'the dedup register of version 5 still holds');
	assert.equal((await store.recordCartEvent({ ...V5_EVENT, event_id: 'v6-event', messenger_psid: '9988776655' } as CartEvent)).outcome, 'updated');
	assert.equal((await store.getCart('v5-cart'))?.messenger_psid, '9988776655');
	assert.deepEqual(
		(await store.schemaVersion()).migrations.map((m) => m.version),
		loadMigrations().map((m) => m.version),
	);
}

describe('migration 6 applies on top of version 5', () => {
	test('Postgres: a store migrated to version 5 with a cart in it upgrades to the latest version and keeps its data', async () => {
		const db = await freshDatabase('contacts_upgrade');
		try {
			for (const m of V5) await db.pool.query(m.sql);
			await db.pool.query('select public.cart_recovery_record_cart_event($1::jsonb)', [JSON.stringify(V5_EVENT)]);
			const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
			try {
				await afterUpgrade(store);
			} finally {
				await store.close();
			}
		} finally {
			await db.drop();
		}
	});

	test('PGlite: an embedded store at version 5 upgrades to the latest version when it is opened', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'cr-contacts-v5-'));
		const { PGlite } = await import('@electric-sql/pglite');
		const old = await PGlite.create(dir);
		for (const m of V5) await old.exec(m.sql);
		await old.query('select public.cart_recovery_record_cart_event($1::jsonb)', [JSON.stringify(V5_EVENT)]);
		await old.close();
		const store = new CartRecoveryStore(new EmbeddedTransport(dir));
		try {
			await afterUpgrade(store);
		} finally {
			await store.close();
		}
	});
});

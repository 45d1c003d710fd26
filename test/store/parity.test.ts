// Store parity: every CartRecoveryStore method of migrations 2 and 3 (consent, GDPR, discount codes, delivery
// claim) on all three transports — the Postgres server (pg), PGlite in-process, and supabase-js through the
// loopback PostgREST over real Postgres — asserting results, state changes and errors with their codes.
// Guards: every public.cart_recovery_* function in the migrations has a CartRecoveryStore method calling it,
// and every one of them is called on every transport here (so a new migration cannot leave Supabase untested);
// result shapes (keys and JSON types) are the same on the three transports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';

import { latestSchemaVersion, loadMigrations, StoreError, type CartEvent, type DiscountUseInput } from '../../lib/store';
import { storeTransports, type TransportKind, type TransportSetup } from '../helpers/transports';

const ROOT = path.resolve(__dirname, '..', '..');

// ── Guard: SQL functions ↔ store methods ─────────────────────────────────────────────────────────────────

/** The public.cart_recovery_* functions these migration texts leave behind (a later drop removes one). */
function sqlFunctionsIn(migrationSql: string[]): string[] {
	const live = new Set<string>();
	for (const text of migrationSql) {
		const sql = text.replace(/--[^\n]*/g, '').toLowerCase();
		const statement = /\b(create\s+(?:or\s+replace\s+)?function|drop\s+function\s+(?:if\s+exists\s+)?)\s*"?public"?\s*\.\s*"?(cart_recovery_[a-z0-9_]+)"?/g;
		for (const m of sql.matchAll(statement)) {
			if (m[1].startsWith('drop')) live.delete(m[2]);
			else live.add(m[2]);
		}
	}
	return [...live];
}

/** `revoke all on function public.cart_recovery_x(<types>) from …` statements: the signature and the roles. */
function revokesIn(migrationSql: string[]): Array<{ signature: string; roles: string[] }> {
	const out: Array<{ signature: string; roles: string[] }> = [];
	// A signature a later migration drops (to change its parameters) was revoked while it existed; its successor's
	// own revoke is checked instead.
	const dropped = new Set<string>();
	for (const text of migrationSql) {
		const sql = text.replace(/--[^\n]*/g, '').toLowerCase();
		for (const m of sql.matchAll(/drop\s+function\s+(?:if\s+exists\s+)?(public\.cart_recovery_[a-z0-9_]+\s*\([^)]*\))/g)) dropped.add(m[1].replace(/\s+/g, ' '));
		for (const m of sql.matchAll(/revoke\s+all\s+on\s+function\s+(public\.cart_recovery_[a-z0-9_]+\s*\([^)]*\))\s+from\s+([^;]+);/g)) {
			out.push({ signature: m[1].replace(/\s+/g, ' '), roles: m[2].split(',').map((r) => r.trim()) });
		}
	}
	return out.filter((r) => !dropped.has(r.signature));
}

/** For each SQL function name passed to `this.call(...)` inside a CartRecoveryStore method: those methods. */
function storeMethodsBySqlFunction(): Map<string, string[]> {
	const file = path.join(ROOT, 'lib', 'store', 'CartRecoveryStore.ts');
	const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
	const found = new Map<string, string[]>();
	const visitClass = (cls: ts.ClassDeclaration) => {
		for (const member of cls.members) {
			if (!ts.isMethodDeclaration(member) || !member.body) continue;
			const isPublic = !member.modifiers?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
			if (!isPublic) continue;
			const method = member.name.getText(source);
			const visit = (node: ts.Node) => {
				if (
					ts.isCallExpression(node) &&
					ts.isPropertyAccessExpression(node.expression) &&
					node.expression.expression.kind === ts.SyntaxKind.ThisKeyword &&
					node.expression.name.text === 'call' &&
					node.arguments[0] &&
					ts.isStringLiteralLike(node.arguments[0])
				) {
					const fn = node.arguments[0].text;
					found.set(fn, [...(found.get(fn) ?? []), method]);
				}
				ts.forEachChild(node, visit);
			};
			visit(member.body);
		}
	};
	source.forEachChild((node) => {
		if (ts.isClassDeclaration(node) && node.name?.text === 'CartRecoveryStore') visitClass(node);
	});
	return found;
}

const MIGRATION_SQL = loadMigrations().map((m) => m.sql);
const SQL_FUNCTIONS = sqlFunctionsIn(MIGRATION_SQL);

describe('guard: every store SQL function has a CartRecoveryStore method', () => {
	test('the migrations define the store functions and the parser finds them', () => {
		// Sanity for the parser itself: functions of each of the first three migrations.
		for (const fn of ['cart_recovery_record_cart_event', 'cart_recovery_check_consent', 'cart_recovery_claim_delivery']) {
			assert.ok(SQL_FUNCTIONS.includes(fn), `${fn} not found by the migration parser`);
		}
		assert.ok(!SQL_FUNCTIONS.some((fn) => fn.startsWith('cart_recovery_') && /normalise_address|subject_/.test(fn)), 'helpers in schema cart_recovery are not store functions');
	});

	test('the parser sees functions a new migration adds (also quoted, in any case) and forgets dropped ones', () => {
		const later = [
			'-- create or replace function public.cart_recovery_commented_out() is not a function',
			'CREATE FUNCTION "public"."cart_recovery_new_op"(p_x text) returns jsonb language sql as $$ select null::jsonb $$;',
			'create or replace function cart_recovery.helper_not_public() returns int language sql as $$ select 1 $$;',
			'drop function if exists public.cart_recovery_purge(integer);',
		].join('\n');
		const fns = sqlFunctionsIn([...MIGRATION_SQL, later]);
		assert.ok(fns.includes('cart_recovery_new_op'));
		assert.ok(!fns.includes('cart_recovery_purge'));
		assert.ok(!fns.includes('cart_recovery_commented_out'));
		assert.ok(!fns.some((fn) => fn.includes('helper_not_public')));
		const methods = storeMethodsBySqlFunction();
		assert.deepEqual(
			fns.filter((fn) => !methods.has(fn)),
			['cart_recovery_new_op'],
			'a function without a store method is what the guard below reports',
		);
	});

	test('each public.cart_recovery_* function is called by a public CartRecoveryStore method, and only existing ones are called', () => {
		const methods = storeMethodsBySqlFunction();
		const uncovered = SQL_FUNCTIONS.filter((fn) => !methods.has(fn));
		assert.deepEqual(uncovered, [], `SQL functions without a CartRecoveryStore method calling them: ${uncovered.join(', ')}`);
		const unknown = [...methods.keys()].filter((fn) => !SQL_FUNCTIONS.includes(fn));
		assert.deepEqual(unknown, [], `CartRecoveryStore calls functions no migration defines: ${unknown.join(', ')}`);
	});
});

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────────────

let seq = 0;
function cartEvent(overrides: Partial<CartEvent> = {}): CartEvent {
	seq++;
	return {
		source: 'generic',
		event_id: `parity-${process.pid}-${seq}-${Math.random().toString(36).slice(2)}`,
		type: 'cart',
		cart_id: `cart-parity-${seq}-${Math.random().toString(36).slice(2)}`,
		currency: 'HUF',
		value: 12990,
		items: [{ name: 'Kávéfőző', quantity: 1, price: 12990 }],
		...overrides,
	};
}

/** Asserts a StoreError with this SQLSTATE and message — the same on every transport. */
async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<StoreError> {
	let caught: unknown;
	try {
		await promise;
	} catch (error) {
		caught = error;
	}
	assert.ok(caught instanceof StoreError, `expected a StoreError, got ${caught === undefined ? 'success' : String(caught)}`);
	assert.equal(caught.code, code, `code of "${caught.message}"`);
	assert.match(caught.message, message);
	return caught;
}

function assertInstant(actual: string | null | undefined, expected: Date | string, toleranceMs = 0, label = 'timestamp'): void {
	assert.ok(actual, `${label} is missing`);
	const delta = Math.abs(new Date(actual).getTime() - new Date(expected).getTime());
	assert.ok(delta <= toleranceMs, `${label} ${actual} is ${delta} ms from ${new Date(expected).toISOString()}`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOUR = 3600_000;

/** Keys and JSON types of a result, recursively: what must not differ between transports. */
function shape(value: unknown): unknown {
	if (value === null || value === undefined) return String(value);
	if (Array.isArray(value)) return value.map(shape);
	if (typeof value === 'object') {
		return Object.fromEntries(
			Object.keys(value)
				.sort()
				.map((k) => [k, shape((value as Record<string, unknown>)[k])]),
		);
	}
	return typeof value;
}

const shapes = new Map<string, Map<TransportKind, unknown>>();
function keep<T>(kind: TransportKind, key: string, value: T): T {
	if (!shapes.has(key)) shapes.set(key, new Map());
	shapes.get(key)!.set(kind, shape(value));
	return value;
}

// ── The scenarios, on each transport ─────────────────────────────────────────────────────────────────────

const transports = storeTransports('parity');
const calledOn = new Map<TransportKind, Set<string>>();

for (const [name, setup] of transports) {
	describe(`store parity on ${name}`, () => {
		let s: TransportSetup;
		let called: Set<string>;
		before(async () => {
			s = await setup();
			// Record every SQL function the store runs through this transport (for the coverage guard below).
			called = new Set();
			calledOn.set(s.kind, called);
			const transport = s.store.transport;
			const call = transport.call.bind(transport);
			transport.call = <T>(fn: string, args: Record<string, unknown>) => (called.add(fn), call<T>(fn, args));
		});
		after(async () => s?.teardown());

		test('schema is at the latest version; migration 1 round trip (record, get, claim, complete)', async () => {
			const v = keep(s.kind, 'schemaVersion', await s.store.schemaVersion());
			assert.equal(v.version, latestSchemaVersion());
			assert.deepEqual(
				v.migrations.map((m) => m.version),
				loadMigrations().map((m) => m.version),
			);
			const e = cartEvent({ email: 'm1@example.hu' });
			assert.equal((await s.store.recordCartEvent(e)).outcome, 'enrolled');
			const claim = keep(s.kind, 'claimMessage', await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' }));
			assert.ok(claim.claimed);
			const done = keep(s.kind, 'completeMessage', await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: 'p-1' }));
			assert.deepEqual([done.completed, done.status, done.provider_id], [true, 'sent', 'p-1']);
			const cart = keep(s.kind, 'getCart', await s.store.getCart(e.cart_id));
			assert.deepEqual(cart?.messages.map((m) => [m.stage, m.channel, m.status]), [[1, 'email', 'sent']]);
		});

		// ── Consent ────────────────────────────────────────────────────────────────────────────────────────

		test('consentSecret: 64 hex characters, the same on every call', async () => {
			const a = keep(s.kind, 'consentSecret', await s.store.consentSecret());
			assert.deepEqual(Object.keys(a), ['unsubscribe_secret']);
			assert.match(a.unsubscribe_secret, /^[0-9a-f]{64}$/);
			assert.equal((await s.store.consentSecret()).unsubscribe_secret, a.unsubscribe_secret);
			const [row] = await s.sql<{ value: string }>(`select value from cart_recovery.settings where key = 'unsubscribe_secret'`);
			assert.equal(row.value, a.unsubscribe_secret);
		});

		test('checkConsent: one decision per channel in the order asked; no_consent / no_address; bad channel → 22023', async () => {
			const decisions = keep(
				s.kind,
				'checkConsent:none',
				await s.store.checkConsent({ customerId: 'cc-1', email: ' Ana@Example.HU ', phone: '06 30 111 2233' }, ['whatsapp', 'email', 'messenger', 'sms']),
			);
			assert.deepEqual(decisions, [
				{ channel: 'whatsapp', allowed: false, reason: 'no_consent', address: '+36301112233', granted_at: null, source: null },
				{ channel: 'email', allowed: false, reason: 'no_consent', address: 'ana@example.hu', granted_at: null, source: null },
				{ channel: 'messenger', allowed: false, reason: 'no_address', address: null, granted_at: null, source: null },
				{ channel: 'sms', allowed: false, reason: 'no_consent', address: '+36301112233', granted_at: null, source: null },
			]);
			assert.deepEqual(await s.store.checkConsent({ email: 'ana@example.hu' }, []), []);
			const error = await rejectsWith(s.store.checkConsent({ email: 'ana@example.hu' }, ['email', 'fax' as 'email']), '22023', /unknown channel "fax"/);
			assert.equal(error.isInvalidInput, true);
		});

		test('recordConsent: granted with its proof; again is unchanged; consent found by customer id; bad input → 22023', async () => {
			const at = '2026-11-20T08:30:00.000Z';
			const first = keep(
				s.kind,
				'recordConsent',
				await s.store.recordConsent({
					channel: 'sms',
					address: '+36 30 444 5566',
					source: 'checkout_checkbox',
					customerId: 'rc-1',
					wording: 'Kérek SMS-t a kosaramról.',
					wordingVersion: 'sms-v1',
					ip: '192.0.2.7',
					occurredAt: at,
				}),
			);
			assert.deepEqual([first.recorded, first.changed, first.status, first.reason], [true, true, 'granted', 'granted']);
			assert.match(first.consent_id!, UUID);
			assertInstant(first.granted_at, at, 0, 'granted_at');

			const again = await s.store.recordConsent({ channel: 'sms', address: '06304445566', source: 'import', wordingVersion: 'sms-v1' });
			assert.deepEqual([again.recorded, again.changed, again.consent_id], [true, false, first.consent_id], 'the same (channel, address), unchanged');

			const [decision] = keep(s.kind, 'checkConsent:granted', await s.store.checkConsent({ customerId: 'rc-1' }, ['sms']));
			assert.deepEqual([decision.allowed, decision.reason, decision.address, decision.source], [true, 'granted', '+36304445566', 'import']);
			assert.ok(decision.granted_at);

			const rows = await s.sql<{ action: string; source: string; wording_version: string; ip: string | null }>(
				'select action, source, wording_version, ip from cart_recovery.consent_events where consent_id = $1 order by event_id',
				[first.consent_id],
			);
			assert.deepEqual(
				rows.map((r) => [r.action, r.source, r.wording_version, r.ip]),
				[
					['granted', 'checkout_checkbox', 'sms-v1', '192.0.2.7'],
					['granted', 'import', 'sms-v1', null],
				],
			);

			await rejectsWith(s.store.recordConsent({ channel: 'email', address: 'x@example.hu', source: 'form' }), '22023', /needs the wording shown or its version/);
			await rejectsWith(s.store.recordConsent({ channel: 'email', address: 'x@example.hu', source: ' ', wording: 'w' }), '22023', /needs its source/);
			await rejectsWith(s.store.recordConsent({ channel: 'fax' as 'email', address: 'x', source: 'form', wording: 'w' }), '22023', /unknown channel "fax"/);
			const none = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.consents where address = 'x@example.hu'`);
			assert.equal(none[0].n, 0, 'refused consents write nothing');
		});

		test('withdrawConsent: withdraws, is idempotent (one event), records an opt-out before any consent; bad input → 22023', async () => {
			const granted = await s.store.recordConsent({ channel: 'email', address: 'Wanda@example.hu', source: 'newsletter_form', wording: 'w' });
			const first = keep(s.kind, 'withdrawConsent', await s.store.withdrawConsent({ channel: 'email', address: 'WANDA@example.hu', source: 'one_click', detail: 'List-Unsubscribe-Post' }));
			assert.deepEqual(first, { withdrawn: true, changed: true, consents: [{ consent_id: granted.consent_id, channel: 'email', changed: true }] });
			const second = await s.store.withdrawConsent({ channel: 'email', address: 'wanda@example.hu', source: 'unsubscribe_link' });
			assert.deepEqual(second, { withdrawn: true, changed: false, consents: [{ consent_id: granted.consent_id, channel: 'email', changed: false }] });
			const events = await s.sql<{ action: string; source: string; detail: string | null }>(
				'select action, source, detail from cart_recovery.consent_events where consent_id = $1 order by event_id',
				[granted.consent_id],
			);
			assert.deepEqual(
				events.map((e) => [e.action, e.source, e.detail]),
				[
					['granted', 'newsletter_form', null],
					['withdrawn', 'one_click', 'List-Unsubscribe-Post'],
				],
			);
			const [decision] = await s.store.checkConsent({ email: 'wanda@example.hu' }, ['email']);
			assert.deepEqual([decision.allowed, decision.reason, decision.granted_at], [false, 'withdrawn', null]);

			const optOut = await s.store.withdrawConsent({ channel: 'sms', address: '06 70 999 0000', source: 'twilio_21610' });
			assert.deepEqual([optOut.withdrawn, optOut.changed, optOut.consents.length, optOut.consents[0].channel], [true, true, 1, 'sms']);
			assert.equal((await s.store.checkConsent({ phone: '+36709990000' }, ['sms']))[0].reason, 'withdrawn');

			const back = await s.store.recordConsent({ channel: 'email', address: 'wanda@example.hu', source: 'double_opt_in', wording: 'w' });
			assert.deepEqual([back.recorded, back.changed, back.consent_id], [true, true, granted.consent_id], 'a fresh opt-in after withdrawal changes the state again');

			await rejectsWith(s.store.withdrawConsent({ channel: 'email', address: 'wanda@example.hu', source: '' }), '22023', /withdrawal needs its source/);
			await rejectsWith(s.store.withdrawConsent({ channel: 'pigeon' as 'email', address: 'x', source: 'manual' }), '22023', /unknown channel "pigeon"/);
		});

		test('recordConsent after a withdrawal: a grant dated at or before it is refused and writes nothing; a newer grant is recorded; a future date → 22023', async () => {
			const address = `replay-${s.kind}@example.hu`;
			const givenAt = new Date(Date.now() - 2 * HOUR).toISOString();
			const grant = { channel: 'email' as const, address, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt.', occurredAt: givenAt };
			const first = await s.store.recordConsent(grant);
			assert.equal(first.recorded, true);
			await s.store.withdrawConsent({ channel: 'email', address, source: 'one_click' });
			const [withdrawal] = await s.sql<{ occurred_at: Date | string }>(
				`select occurred_at from cart_recovery.consent_events where consent_id = $1 and action = 'withdrawn'`,
				[first.consent_id],
			);
			const countEvents = async () =>
				(await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.consent_events where consent_id = $1', [first.consent_id]))[0].n;

			// The same grant replayed (or the shop's delayed retry), and one dated exactly at the withdrawal.
			const replayed = keep(s.kind, 'recordConsent:withdrawn_later', await s.store.recordConsent(grant));
			assert.deepEqual(
				[replayed.recorded, replayed.changed, replayed.consent_id, replayed.status, replayed.reason],
				[false, false, first.consent_id, 'withdrawn', 'withdrawn_later'],
			);
			assertInstant(replayed.withdrawn_at, new Date(withdrawal.occurred_at), 0, 'withdrawn_at');
			const atWithdrawal = await s.store.recordConsent({ ...grant, occurredAt: new Date(withdrawal.occurred_at).toISOString() });
			assert.deepEqual([atWithdrawal.recorded, atWithdrawal.reason], [false, 'withdrawn_later'], 'at the withdrawal is not after it');
			assert.equal((await s.store.checkConsent({ email: address }, ['email']))[0].reason, 'withdrawn');
			assert.equal(await countEvents(), 2, 'a refused grant appends no event');

			// A grant given after the withdrawal (a fresh opt-in) is recorded; the old one stays refused after it too.
			const fresh = await s.store.recordConsent({ ...grant, source: 'double_opt_in', occurredAt: null });
			assert.deepEqual([fresh.recorded, fresh.changed, fresh.status], [true, true, 'granted']);
			const again = await s.store.recordConsent(grant);
			assert.deepEqual([again.recorded, again.status, again.reason], [false, 'granted', 'withdrawn_later'], 'the register keeps the withdrawal a later grant cleared');
			assert.equal(await countEvents(), 3);

			const future = new Date(Date.now() + 24 * HOUR).toISOString();
			await rejectsWith(s.store.recordConsent({ ...grant, address: `future-${s.kind}@example.hu`, occurredAt: future }), '22023', /consent given at .* is in the future/);
			const soon = await s.store.recordConsent({ ...grant, address: `skew-${s.kind}@example.hu`, occurredAt: new Date(Date.now() + 60_000).toISOString() });
			assert.equal(soon.recorded, true, 'a shop clock a minute ahead is fine');
		});

		test('withdrawCustomerConsent: by channel, then every channel; an unknown customer withdraws nothing', async () => {
			await s.store.recordConsent({ channel: 'email', address: 'cili@example.hu', source: 'checkout', customerId: 'wc-1', wording: 'w' });
			await s.store.recordConsent({ channel: 'whatsapp', address: '+36209998877', source: 'checkout', customerId: 'wc-1', wording: 'w' });
			await s.store.recordConsent({ channel: 'sms', address: '+36209998877', source: 'checkout', customerId: 'wc-1', wording: 'w' });

			const onlySms = keep(s.kind, 'withdrawCustomerConsent', await s.store.withdrawCustomerConsent({ customerId: 'wc-1', channels: ['sms'], source: 'manual', detail: 'phone call' }));
			assert.deepEqual([onlySms.withdrawn, onlySms.changed, onlySms.consents.map((c) => [c.channel, c.changed])], [true, true, [['sms', true]]]);
			assert.deepEqual(
				(await s.store.checkConsent({ customerId: 'wc-1' }, ['email', 'sms', 'whatsapp'])).map((d) => d.reason),
				['granted', 'withdrawn', 'granted'],
			);

			const all = await s.store.withdrawCustomerConsent({ customerId: 'wc-1', source: 'manual' });
			assert.equal(all.withdrawn, true);
			assert.equal(all.changed, true);
			assert.deepEqual(
				all.consents.map((c) => [c.channel, c.changed]).sort(),
				[
					['email', true],
					['sms', false],
					['whatsapp', true],
				],
			);
			assert.deepEqual(
				(await s.store.checkConsent({ customerId: 'wc-1' }, ['email', 'sms', 'whatsapp'])).map((d) => d.reason),
				['withdrawn', 'withdrawn', 'withdrawn'],
			);
			const twice = await s.store.withdrawCustomerConsent({ customerId: 'wc-1', channels: ['email', 'whatsapp'], source: 'manual' });
			assert.deepEqual([twice.withdrawn, twice.changed, twice.consents.length], [true, false, 2]);

			assert.deepEqual(await s.store.withdrawCustomerConsent({ customerId: 'nobody-here', source: 'manual' }), { withdrawn: false, changed: false, consents: [] });
		});

		test('recordCartEvent with dedup_keys: a duplicate when any id was seen, and then none of its new ids is recorded', async () => {
			const first = cartEvent({ source: 'shopify', email: 'dedup@example.hu', dedup_keys: [`webhook:w-${s.kind}`, `body:sha256:b-${s.kind}`] });
			assert.equal((await s.store.recordCartEvent(first)).outcome, 'enrolled');
			const ids = async () =>
				(
					await s.sql<{ event_id: string }>(`select event_id from cart_recovery.inbound_events where source = 'shopify' and (event_id like $1 or event_id = $2)`, [
						`%-${s.kind}`,
						first.event_id,
					])
				)
					.map((r) => r.event_id)
					.sort();
			assert.deepEqual(await ids(), [`body:sha256:b-${s.kind}`, first.event_id, `webhook:w-${s.kind}`].sort());

			// A replay with a new event id but the same webhook id, or with both new but the same body: duplicates.
			const sameWebhook = keep(s.kind, 'recordCartEvent:duplicate', await s.store.recordCartEvent({ ...first, event_id: `replay-1-${s.kind}`, dedup_keys: [`webhook:w-${s.kind}`, `body:sha256:x-${s.kind}`] }));
			assert.deepEqual(sameWebhook, { duplicate: true, enrolled: false, outcome: 'duplicate', cart_status: 'recovering' });
			const sameBody = await s.store.recordCartEvent({ ...first, event_id: `replay-2-${s.kind}`, dedup_keys: [`webhook:w2-${s.kind}`, `body:sha256:b-${s.kind}`] });
			assert.equal(sameBody.duplicate, true);
			assert.deepEqual(await ids(), [`body:sha256:b-${s.kind}`, first.event_id, `webhook:w-${s.kind}`].sort(), 'a replay marks none of its new ids as seen');

			// A genuinely new delivery records all of its ids; keys repeated or empty are harmless.
			const next = cartEvent({ source: 'shopify', cart_id: first.cart_id, dedup_keys: [`webhook:w3-${s.kind}`, `webhook:w3-${s.kind}`, ''] });
			assert.deepEqual([(await s.store.recordCartEvent(next)).duplicate], [false]);
			assert.equal((await s.store.recordCartEvent({ ...next, event_id: `replay-3-${s.kind}` })).duplicate, true);
			await rejectsWith(s.store.recordCartEvent({ ...cartEvent(), dedup_keys: 'not-a-list' as unknown as string[] }), '22023', /dedup_keys must be an array/);
		});

		test('withdrawEnrolment: the enrolment n8n could not start is undone (its ids too), so the retry enrols again; never once the sequence began', async () => {
			const e = cartEvent({ source: 'shopify', email: 'withdraw@example.hu', dedup_keys: [`webhook:wd-${s.kind}`] });
			assert.equal((await s.store.recordCartEvent(e)).outcome, 'enrolled');
			const undone = keep(s.kind, 'withdrawEnrolment', await s.store.withdrawEnrolment(e));
			assert.deepEqual(undone, { withdrawn: true, reason: 'withdrawn', cart_status: 'active' });
			const left = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.inbound_events where event_id in ($1, $2)`, [e.event_id, `webhook:wd-${s.kind}`]);
			assert.equal(left[0].n, 0, 'the event id and its dedup key are forgotten');
			// The shop's retry of the same delivery is not a duplicate: it enrols the cart again.
			assert.deepEqual(await s.store.recordCartEvent(e), { duplicate: false, enrolled: true, outcome: 'enrolled', cart_status: 'recovering' });
			// A later event of the same cart did not enrol it: withdrawing with it changes nothing.
			const update = cartEvent({ source: 'shopify', cart_id: e.cart_id });
			assert.equal((await s.store.recordCartEvent(update)).outcome, 'updated');
			assert.deepEqual(await s.store.withdrawEnrolment(update), { withdrawn: false, reason: 'not_enrolled_by_event', cart_status: 'recovering' });
			// Once the flow did something (a message claimed), the enrolment stands.
			await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' });
			assert.deepEqual(await s.store.withdrawEnrolment(e), { withdrawn: false, reason: 'sequence_started', cart_status: 'recovering' });
			assert.deepEqual(await s.store.withdrawEnrolment(cartEvent()), { withdrawn: false, reason: 'unknown_event', cart_status: null });
			await rejectsWith(s.store.withdrawEnrolment({ ...cartEvent(), event_id: undefined as unknown as string }), '22023', /needs source, event_id and cart_id/);
		});

		test('checkCart notes the run of a cart\'s flow; restartFlow turns that run, once stopped, back into the cart and the stage to go on from', async () => {
			const e = cartEvent({ email: 'restart@example.hu' });
			assert.equal((await s.store.recordCartEvent(e)).outcome, 'enrolled');
			const run = `exec-${s.kind}-${e.cart_id}`;
			const cart = keep(s.kind, 'checkCart', await s.store.checkCart(e.cart_id, run));
			assert.equal(cart?.cart_id, e.cart_id);
			assert.equal(await s.store.checkCart('no-such-cart', run), null, 'an unknown cart notes nothing');
			// Stopped before anything reached the customer: from the first reminder.
			const first = keep(s.kind, 'restartFlow', await s.store.restartFlow(run));
			assert.deepEqual(
				{ ...first, cart: first.cart?.cart_id },
				{ restarted: true, reason: 'restarted', cart_id: e.cart_id, cart_status: 'recovering', resume_stage: 1, restarts: 1, cart: e.cart_id },
			);
			assert.deepEqual(await s.store.restartFlow(run), { restarted: false, reason: 'already_restarted', cart_id: e.cart_id }, 'once per stopped run');
			// The restarted run checks the cart at its stage and dies in turn after its first reminder was claimed (never
			// confirmed) and a released claim of the second: it goes on from the second reminder.
			const second = `${run}-again`;
			await s.store.checkCart(e.cart_id, second);
			await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' });
			const released = await s.store.claimMessage({ cartId: e.cart_id, stage: 2, channel: 'sms' });
			assert.ok(released.claimed);
			await s.store.completeMessage({ messageId: released.message_id, claimToken: released.claim_token, status: 'released', providerId: null, error: 'not accepted' });
			assert.deepEqual(
				(({ restarted, resume_stage, restarts }) => ({ restarted, resume_stage, restarts }))(await s.store.restartFlow(second)),
				{ restarted: true, resume_stage: 2, restarts: 2 },
			);
			// A run no cart's flow reached Cart Check in, and a cart bought meanwhile, are not restarted.
			assert.deepEqual(await s.store.restartFlow('exec-unknown'), { restarted: false, reason: 'unknown_execution', cart_id: null });
			const third = `${run}-third`;
			await s.store.checkCart(e.cart_id, third);
			await s.store.recordCartEvent(cartEvent({ type: 'order', cart_id: e.cart_id, order_id: `o-${e.cart_id}`, order_value: 1000 }));
			const bought = await s.store.restartFlow(third);
			assert.equal(bought.restarted, false);
			assert.equal(bought.reason, 'bought');
			await rejectsWith(s.store.restartFlow(' '), '22023', /execution id is empty/);
		});

		// ── GDPR: export, erase, purge ───────────────────────────────────────────────────────────────────────

		test('exportCustomer and eraseCustomer: every row about the person, then nothing but suppression hashes', async () => {
			const cust = `gdpr-${s.kind}`;
			const e = cartEvent({ customer_id: cust, email: 'Dora@Example.hu', phone: '+36305556677', first_name: 'Dóra' });
			await s.store.recordCartEvent(e);
			const other = cartEvent({ email: 'someone.else@example.hu' });
			await s.store.recordCartEvent(other);
			const claim = await s.store.claimDelivery({ cartId: e.cart_id, stage: 1, channel: 'email' });
			assert.ok(claim.claimed);
			await s.store.recordConsent({ channel: 'email', address: 'dora@example.hu', source: 'checkout', customerId: cust, wording: 'w' });
			await s.store.recordConsent({ channel: 'sms', address: '+36305556677', source: 'checkout', wording: 'w' });
			const code = await s.store.issueDiscountCode({ code: `GDPR${s.kind.toUpperCase()}01`, kind: 'percent', amount: 10, validUntil: new Date(Date.now() + HOUR), cartId: e.cart_id, stage: 1, customerRef: cust });
			assert.ok(code.created);
			assert.equal((await s.store.redeemDiscountCode({ code: code.code!.code, orderId: 'gdpr-order', customerId: cust })).redeemed, true);

			// By email only: the export widens to the customer id, the phone and the cart.
			const exported = keep(s.kind, 'exportCustomer', await s.store.exportCustomer({ email: 'DORA@example.hu' }));
			assert.equal(exported.suppressed, false);
			assertInstant(exported.exported_at, new Date(), 60_000, 'exported_at');
			assert.deepEqual(exported.identifiers.emails, ['dora@example.hu']);
			assert.deepEqual(exported.identifiers.phones, ['+36305556677']);
			assert.deepEqual(exported.identifiers.customer_ids, [cust]);
			assert.deepEqual(exported.identifiers.cart_ids, [e.cart_id]);
			assert.deepEqual(exported.tables.carts.map((r) => r.cart_id), [e.cart_id], 'not the other customer’s cart');
			assert.equal(exported.tables.carts[0].first_name, 'Dóra');
			assert.deepEqual(exported.tables.messages.map((r) => [r.stage, r.channel]), [[1, 'email']]);
			assert.deepEqual(exported.tables.consents.map((r) => r.channel).sort(), ['email', 'sms']);
			assert.equal(exported.tables.consent_events.length, 2);
			assert.deepEqual(exported.tables.discount_codes.map((r) => r.code), [code.code!.code]);
			assert.deepEqual(exported.tables.discount_redemptions.map((r) => r.order_id), ['gdpr-order']);

			const erased = keep(s.kind, 'eraseCustomer', await s.store.eraseCustomer({ customerId: cust }, 'art17-request'));
			assert.equal(erased.erased, true);
			assert.equal(erased.deleted.carts, 1);
			assert.equal(erased.deleted.consents, 2);
			assert.equal(erased.deleted.discount_codes, 1);
			assert.equal(erased.suppressed, 3, 'one hash each for the email, the phone and the customer id');
			for (const [table, column, value] of [
				['carts', 'cart_id', e.cart_id],
				['messages', 'cart_id', e.cart_id],
				['consents', 'customer_id', cust],
				['consent_events', 'address', 'dora@example.hu'],
				['discount_codes', 'customer_ref', cust],
				['discount_redemptions', 'order_id', 'gdpr-order'],
			]) {
				const [row] = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.${table} where ${column} = $1`, [value]);
				assert.equal(row.n, 0, `${table} still holds ${value}`);
			}
			const reasons = await s.sql<{ reason: string }>('select distinct reason from cart_recovery.suppressions');
			assert.deepEqual(reasons.map((r) => r.reason), ['art17-request']);
			assert.ok(await s.store.getCart(other.cart_id), 'another customer’s cart stays');

			const afterErasure = await s.store.exportCustomer({ customerId: cust, email: 'dora@example.hu' });
			assert.equal(afterErasure.suppressed, true);
			assert.deepEqual(Object.values(afterErasure.tables).flat(), []);
			assert.deepEqual(
				(await s.store.checkConsent({ customerId: cust, email: 'dora@example.hu', phone: '+36305556677' }, ['email', 'sms'])).map((d) => [d.allowed, d.reason]),
				[
					[false, 'suppressed'],
					[false, 'suppressed'],
				],
			);
			const refused = keep(s.kind, 'recordConsent:suppressed', await s.store.recordConsent({ channel: 'email', address: 'dora@example.hu', source: 'import', wording: 'w' }));
			assert.deepEqual(refused, { recorded: false, changed: false, consent_id: null, status: null, reason: 'suppressed' });
			const lifted = await s.store.recordConsent({ channel: 'email', address: 'dora@example.hu', source: 'double_opt_in', wording: 'w', liftSuppression: true });
			assert.deepEqual([lifted.recorded, lifted.reason], [true, 'granted']);
			assert.equal((await s.store.checkConsent({ email: 'dora@example.hu' }, ['email']))[0].reason, 'granted');

			const again = await s.store.eraseCustomer({ phone: '+36305556677' });
			assert.deepEqual([again.erased, again.suppressed], [true, 0], 'the phone was already suppressed');
			await rejectsWith(s.store.eraseCustomer({}), '22023', /erasure needs a customer id, email, phone or Messenger id/);
		});

		test('purge: carts past retention with their messages, codes expired that long ago; younger ones stay; < 1 day → 22023', async () => {
			const old = new Date(Date.now() - 100 * 86400_000).toISOString();
			const stale = cartEvent({ email: 'old@example.hu', occurred_at: old });
			const fresh = cartEvent({ email: 'new@example.hu' });
			for (const e of [stale, fresh]) {
				await s.store.recordCartEvent(e);
				assert.ok((await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' })).claimed);
			}
			await s.sql('update cart_recovery.inbound_events set received_at = $1 where event_id = $2', [old, stale.event_id]);
			const expired = await s.store.issueDiscountCode({ code: 'PURGE-OLD-01', kind: 'percent', amount: 5, validUntil: new Date(Date.now() + HOUR) });
			const live = await s.store.issueDiscountCode({ code: 'PURGE-NEW-01', kind: 'percent', amount: 5, validUntil: new Date(Date.now() + HOUR) });
			assert.ok(expired.created && live.created);
			// The API cannot make rows old: age them as if they had sat there 100 days.
			await s.sql('update cart_recovery.carts set updated_at = $1, created_at = $1 where cart_id = $2', [old, stale.cart_id]);
			await s.sql('update cart_recovery.discount_codes set valid_until = $1 where code = $2', [old, 'PURGE-OLD-01']);

			const purged = keep(s.kind, 'purge', await s.store.purge(60));
			assert.deepEqual([purged.carts, purged.messages, purged.discount_codes, purged.inbound_events], [1, 1, 1, 1]);
			const events = await s.sql<{ event_id: string }>('select event_id from cart_recovery.inbound_events where event_id in ($1, $2)', [stale.event_id, fresh.event_id]);
			assert.deepEqual(events.map((r) => r.event_id), [fresh.event_id], 'the dedup register goes after the same retention');
			assertInstant(purged.cutoff, new Date(Date.now() - 60 * 86400_000), 60_000, 'cutoff');
			assert.equal(await s.store.getCart(stale.cart_id), null);
			assert.equal((await s.store.getCart(fresh.cart_id))?.messages.length, 1);
			assert.equal(await s.store.getDiscountCode('PURGE-OLD-01'), null);
			assert.ok(await s.store.getDiscountCode('PURGE-NEW-01'));
			const [left] = await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.messages where cart_id = $1', [stale.cart_id]);
			assert.equal(left.n, 0);

			const nothing = await s.store.purge();
			assert.deepEqual([nothing.carts, nothing.messages, nothing.discount_codes, nothing.inbound_events], [0, 0, 0, 0], 'a second purge finds nothing (default retention 60 days)');
			await rejectsWith(s.store.purge(0), '22023', /retention must be at least 1 day/);
		});

		// ── Channel contacts and the service window (migration 6) ──────────────────────────────────────────

		test('recordInboundMessage + serviceWindow: recorded once per message id; open for 24 hours after the last one; bad input → 22023', async () => {
			const psid = `7${Date.now()}`;
			const at = new Date(Date.now() - 2 * HOUR);
			const first = keep(s.kind, 'recordInboundMessage', await s.store.recordInboundMessage({ channel: 'messenger', messageId: `mid.parity-${s.kind}`, address: psid, receivedAt: at }));
			assert.deepEqual([first.recorded, first.duplicate, first.reason, first.channel, first.address, first.bsuid], [true, false, 'recorded', 'messenger', psid, null]);
			assertInstant(first.received_at, at, 0, 'received_at');
			const again = keep(s.kind, 'recordInboundMessage:duplicate', await s.store.recordInboundMessage({ channel: 'messenger', messageId: `mid.parity-${s.kind}`, address: psid }));
			assert.deepEqual([again.recorded, again.duplicate], [false, true]);
			const open = keep(s.kind, 'serviceWindow', await s.store.serviceWindow('messenger', psid));
			assert.equal(open.open, true);
			assertInstant(open.open_until, new Date(at.getTime() + 24 * HOUR), 0, 'open_until');
			const never = keep(s.kind, 'serviceWindow:never', await s.store.serviceWindow('whatsapp', '+36701112233'));
			assert.deepEqual(never, { channel: 'whatsapp', open: false, last_inbound_at: null, open_until: null });
			const e = cartEvent({ messenger_psid: psid });
			assert.equal((await s.store.recordCartEvent(e)).outcome, 'enrolled', 'a PSID alone is a contact');
			assert.equal((await s.store.getCart(e.cart_id))?.messenger_psid, psid);
			await rejectsWith(s.store.recordInboundMessage({ channel: 'whatsapp', messageId: 'm', address: 'no phone' }), '22023', /is not a phone number/);
			await rejectsWith(s.store.serviceWindow('sms' as 'whatsapp', '+36701112233'), '22023', /for whatsapp or messenger/);
		});

		// ── Discount codes ───────────────────────────────────────────────────────────────────────────────────

		// ── Channel events (migration 7) ───────────────────────────────────────────────────────────────────

		test('recordChannelEvent: a status moves the message forward once; a replay is a duplicate; an opt-out withdraws; bad input → 22023', async () => {
			const e = cartEvent({ email: `events-${s.kind}@example.hu` });
			await s.store.recordCartEvent(e);
			const claim = await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' });
			assert.ok(claim.claimed);
			await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `xid-${s.kind}` });
			const base = { provider: 'sendgrid', channel: 'email', at: new Date(Date.now() - 1000).toISOString(), address: null } as const;
			const event = {
				...base,
				eventId: `sg-parity-${s.kind}`,
				kind: 'status',
				status: 'delivered',
				messageId: null,
				providerId: `xid-${s.kind}.filterdrecv-1`,
				errorCode: null,
				errorDetail: null,
				permanent: false,
				machine: false,
			} as const;
			const first = keep(s.kind, 'recordChannelEvent:status', await s.store.recordChannelEvent(event));
			assert.deepEqual([first.duplicate, first.effect, first.message?.message_id, first.message?.status], [false, 'status_advanced', claim.message_id, 'delivered']);
			const again = keep(s.kind, 'recordChannelEvent:duplicate', await s.store.recordChannelEvent(event));
			assert.deepEqual([again.duplicate, again.effect], [true, 'duplicate']);
			const out = keep(
				s.kind,
				'recordChannelEvent:opt_out',
				await s.store.recordChannelEvent({ ...base, eventId: `sg-parity-out-${s.kind}`, address: e.email!, kind: 'opt_out', source: 'sendgrid_unsubscribe', detail: 'unsubscribe', messageId: claim.message_id, cartId: null }),
			);
			assert.deepEqual([out.effect, out.consent_withdrawn, out.cart?.cart_id], ['consent_withdrawn', true, e.cart_id]);
			await rejectsWith(s.store.recordChannelEvent({ ...event, provider: 'mailgun' as 'sendgrid' }), '22023', /"provider"/);

			// claimReply: the opt-out is a customer's message; one answer to it, given back after a failed send.
			const claim1 = keep(s.kind, 'claimReply', await s.store.claimReply({ provider: 'sendgrid', eventId: `sg-parity-out-${s.kind}` }));
			assert.deepEqual([claim1.claimed, claim1.reason], [true, 'claimed']);
			assert.deepEqual((await s.store.claimReply({ provider: 'sendgrid', eventId: `sg-parity-out-${s.kind}` })).reason, 'already_answered');
			assert.deepEqual((await s.store.claimReply({ provider: 'sendgrid', eventId: `sg-parity-out-${s.kind}`, release: true })).reason, 'released');
			assert.equal((await s.store.claimReply({ provider: 'sendgrid', eventId: `sg-parity-out-${s.kind}` })).claimed, true);
			assert.deepEqual((await s.store.claimReply({ provider: 'sendgrid', eventId: `sg-parity-${s.kind}` })).reason, 'not_a_message', 'a delivery report is not answered');
			assert.deepEqual((await s.store.claimReply({ provider: 'meta', eventId: 'nothing' })).reason, 'unknown_event');
		});

		test('getAiCopy + recordAiCopy: nothing stored, then the first copy kept for (cart, stage) whoever writes second; bad input → 22023', async () => {
			const e = cartEvent({ email: `ai-${s.kind}@example.hu` });
			await s.store.recordCartEvent(e);
			assert.deepEqual(keep(s.kind, 'getAiCopy:none', await s.store.getAiCopy(e.cart_id, 2)), { found: false });
			const first = keep(
				s.kind,
				'recordAiCopy',
				await s.store.recordAiCopy({ cartId: e.cart_id, stage: 2, language: 'hu', channels: ['email', 'sms'], copy: { subject: 'Megvan még a kosarad', sms: 'Szia!' }, model: 'gpt-4o-mini', promptTokens: 410, completionTokens: 120, attempts: 2 }),
			);
			assert.deepEqual([first.created, first.found, first.copy?.subject, first.model, first.prompt_tokens, first.attempts, first.channels], [true, true, 'Megvan még a kosarad', 'gpt-4o-mini', 410, 2, ['email', 'sms']]);
			const second = await s.store.recordAiCopy({ cartId: e.cart_id, stage: 2, language: 'hu', channels: ['email'], copy: { subject: 'Más szöveg' }, model: 'other' });
			assert.deepEqual([second.created, second.copy?.subject, second.model], [false, 'Megvan még a kosarad', 'gpt-4o-mini'], 'a second writer gets the stored copy');
			const got = keep(s.kind, 'getAiCopy', await s.store.getAiCopy(e.cart_id, 2));
			assert.equal(got.copy?.sms, 'Szia!');
			await rejectsWith(s.store.recordAiCopy({ cartId: e.cart_id, stage: 3, language: 'hu', channels: [], copy: { subject: 5 } as never, model: 'm' }), '22023', /"copy"/);
			await rejectsWith(s.store.recordAiCopy({ cartId: 'no-such-cart', stage: 1, language: 'hu', channels: [], copy: {}, model: 'm' }), '22023', /unknown cart/);
		});

		test('analytics: assignVariant (stable, validated), recordSkip, report, experimentResults, searchCarts, cartTimeline; bad input → 22023', async () => {
			const started = new Date(Date.now() - 1000);
			const e = cartEvent({ email: `analytics-${s.kind}-${seq}@example.hu`, first_name: 'Ildikó', customer_id: `an-${s.kind}-${seq}` });
			await s.store.recordCartEvent(e);
			const experiment = `exp-${s.kind}-${seq}`;
			const variants = [{ name: 'A', weight: 1 }, { name: 'B', weight: 1 }, { name: 'Holdout', weight: 1, holdout: true }];
			const first = keep(s.kind, 'assignVariant', await s.store.assignVariant({ cartId: e.cart_id, experiment, variants }));
			assert.equal(first.created, true);
			assert.ok(['A', 'B', 'Holdout'].includes(first.variant) && first.holdout === (first.variant === 'Holdout'));
			const again = await s.store.assignVariant({ cartId: e.cart_id, experiment, variants: [{ name: 'Z', weight: 5 }] });
			assert.deepEqual([again.created, again.variant, again.bucket], [false, first.variant, first.bucket], 'assigned once, whatever the list says later');
			await rejectsWith(s.store.assignVariant({ cartId: e.cart_id, experiment: 'x', variants: [{ name: 'A', weight: 0 }] }), '22023', /weight must be a number above 0/);
			await rejectsWith(s.store.assignVariant({ cartId: e.cart_id, experiment: 'x', variants: [{ name: 'A', weight: 1 }, { name: 'A', weight: 1 }] }), '22023', /used twice/);
			await rejectsWith(s.store.assignVariant({ cartId: e.cart_id, experiment: 'x', variants: [{ name: 'A', weight: 1, holdout: true }, { name: 'B', weight: 1, holdout: true }] }), '22023', /one variant can be the holdout/);
			await rejectsWith(s.store.assignVariant({ cartId: 'no-such-cart', experiment: 'x', variants }), 'P0002', /unknown cart/);

			assert.deepEqual(keep(s.kind, 'recordSkip', await s.store.recordSkip({ cartId: e.cart_id, stage: 2, channel: 'sms', outcome: 'skipped', reason: 'no_consent', detail: 'No SMS consent' })), { recorded: true });
			await s.store.recordSkip({ cartId: e.cart_id, stage: 2, channel: 'sms', outcome: 'skipped', reason: 'no_consent' });
			assert.deepEqual(await s.store.recordSkip({ cartId: 'no-such-cart', outcome: 'skipped', reason: 'cart_not_found' }), { recorded: false });
			await rejectsWith(s.store.recordSkip({ cartId: e.cart_id, outcome: 'skipped', reason: 'No Consent!' }), '22023', /snake_case/);
			await rejectsWith(s.store.recordSkip({ cartId: e.cart_id, outcome: 'lost' as 'skipped', reason: 'x' }), '22023', /outcome/);

			const claim = await s.store.claimDelivery({ cartId: e.cart_id, stage: 1, channel: 'email', campaign: experiment });
			assert.ok(claim.claimed);
			const done = await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `an-${s.kind}`, copySource: 'ai' });
			assert.equal(done.copy_source, 'ai');

			// The campaign keeps other tests' carts (on a shared database) out of this report.
			const report = await s.store.report({ from: started, to: new Date(Date.now() + 60_000), campaign: experiment });
			// The split by segment holds the cart's variant, drawn per transport (its nullable parts differ with it): compared by value.
			keep(s.kind, 'report', { ...report, segments: undefined });
			assert.deepEqual(
				report.segments?.map((row) => [row.segment, row.carts + row.held_out_carts, row.recovered, row.discount_cost, row.lift]),
				[['unknown', 1, 0, 0, null]],
				'one cart, never checked: no segment',
			);
			assert.deepEqual([report.totals.carts_enrolled, report.totals.carts_abandoned, report.totals.messages_sent, report.totals.abandoned_value], [1, 1, 1, 12990]);
			assert.deepEqual(report.funnel.map((f) => [f.stage, f.channel, f.sent, f.ai_copy]), [[1, 'email', 1, 1]]);
			assert.deepEqual(report.skips, [{ reason: 'no_consent', outcome: 'skipped', stage: 2, channel: 'sms', count: 1 }]);
			assert.deepEqual(report.experiments, [experiment]);
			assert.deepEqual([report.range.currency, report.range.attribution_days, report.range.timezone], ['HUF', 5, 'Europe/Budapest']);
			assert.ok(report.daily.length >= 1 && report.daily.reduce((n, d) => n + d.enrolled, 0) === 1);
			await rejectsWith(s.store.report({ from: new Date(), to: started }), '22023', /From must be before To/);
			await rejectsWith(s.store.report({ from: started, to: new Date(), timezone: 'Mars/Olympus' }), '22023', /Time zone "Mars\/Olympus"/);
			await rejectsWith(s.store.report({ from: started, to: new Date(), timezone: 'UTC+3' }), '22023', /Time zone "UTC\+3"/);
			// Whole hours: the rollups' path (migration 11) runs on every transport — an empty month long ago.
			const empty = await s.store.report({ from: new Date('2000-12-31T23:00:00Z'), to: new Date('2001-01-31T23:00:00Z') }); // January 2001 in Budapest
			assert.deepEqual([empty.totals.carts_enrolled, empty.totals.messages_sent, empty.funnel.length, empty.daily.length], [0, 0, 0, 31]);
			await rejectsWith(s.store.report({ from: started, to: new Date(), currency: 'forint' }), '22023', /Currency/);

			const results = keep(s.kind, 'experimentResults', await s.store.experimentResults({ experiment, from: started, to: new Date(Date.now() + 60_000) }));
			assert.deepEqual(results.variants.map((v) => [v.variant, v.carts, v.conversion.count]), [[first.variant, 1, 0]]);
			assert.equal(results.winner, null);
			await rejectsWith(s.store.experimentResults({ experiment: ' ', from: started, to: new Date() }), '22023', /Experiment name/);

			const found = keep(s.kind, 'searchCarts', await s.store.searchCarts(e.email!.toUpperCase()));
			assert.deepEqual(found.carts.map((c) => [c.cart_id, c.customer]), [[e.cart_id, `Ildikó · a***@example.hu`]]);
			await rejectsWith(s.store.searchCarts('x'), '22023', /at least 2 characters/);

			const timeline = keep(s.kind, 'cartTimeline', await s.store.cartTimeline(e.cart_id));
			assert.ok(timeline.found);
			assert.deepEqual(timeline.entries.map((x) => x.kind), ['cart', 'enrolled', 'variant', 'skip', 'message']);
			assert.match(timeline.entries[4].detail, /^email, stage 1: sent \(AI-written copy\)$/);
			assert.match(timeline.entries[3].detail, /^Not sent: No SMS consent \(2 times\)$/);
			assert.deepEqual(await s.store.cartTimeline('no-such-cart'), { found: false, cart: null, entries: [] });
		});

		test('issueDiscountCode + getDiscountCode: created, upper-cased, numbers as numbers; same cart + stage → same code; collision; bad input → 22023', async () => {
			const until = new Date(Date.now() + 48 * HOUR);
			const e = cartEvent({ customer_id: 'dc-1', email: 'dc1@example.hu' });
			await s.store.recordCartEvent(e);
			const issued = keep(
				s.kind,
				'issueDiscountCode',
				await s.store.issueDiscountCode({ code: ' spar-abcd2345 ', kind: 'percent', amount: 12.5, validUntil: until, cartId: e.cart_id, stage: 1, customerRef: 'dc-1', customerEmail: 'DC1@Example.hu' }),
			);
			assert.deepEqual([issued.created, issued.collision], [true, false]);
			const c = issued.code!;
			assert.deepEqual(
				[c.code, c.kind, c.amount, c.currency, c.minimum_order, c.usage_limit, c.used_count, c.remaining_uses, c.status, c.status_reason],
				['SPAR-ABCD2345', 'percent', 12.5, null, null, 1, 0, 1, 'active', null],
			);
			assert.deepEqual([c.cart_id, c.stage, c.customer_ref, c.customer_email, c.shop_platform, c.shop_ref, c.synced_at], [e.cart_id, 1, 'dc-1', 'dc1@example.hu', null, null, null]);
			assertInstant(c.valid_until, until, 0, 'valid_until');
			assertInstant(c.valid_from, new Date(), 60_000, 'valid_from');

			const retry = await s.store.issueDiscountCode({ code: 'SPAR-ZZZZ9999', kind: 'percent', amount: 12.5, validUntil: until, cartId: e.cart_id, stage: 1 });
			assert.deepEqual([retry.created, retry.collision, retry.code?.code], [false, false, 'SPAR-ABCD2345'], 'a retry for the same cart + stage gets the code already issued');
			const collision = keep(s.kind, 'issueDiscountCode:collision', await s.store.issueDiscountCode({ code: 'SPAR-ABCD2345', kind: 'percent', amount: 5, validUntil: until }));
			assert.deepEqual(collision, { created: false, collision: true, code: null });

			const fixed = await s.store.issueDiscountCode({ code: 'FIX-HUF-0001', kind: 'fixed', amount: 1500.5, currency: 'huf', minimumOrder: 10000, usageLimit: 2, validUntil: until.toISOString() });
			assert.deepEqual(
				[fixed.created, fixed.code?.amount, fixed.code?.currency, fixed.code?.minimum_order, fixed.code?.usage_limit, fixed.code?.remaining_uses, fixed.code?.customer_ref, fixed.code?.customer_email],
				[true, 1500.5, 'HUF', 10000, 2, 2, null, null],
			);

			const got = keep(s.kind, 'getDiscountCode', await s.store.getDiscountCode(' spar-abcd2345'));
			assert.deepEqual(got, c, 'getDiscountCode reads back exactly what issue returned');
			assert.equal(await s.store.getDiscountCode('NO-SUCH-CODE-1'), null);

			await rejectsWith(s.store.issueDiscountCode({ code: 'short', kind: 'percent', amount: 5, validUntil: until }), '22023', /must be at least 8 letters, digits/);
			await rejectsWith(s.store.issueDiscountCode({ code: 'BADKIND-0001', kind: 'bogo' as 'fixed', amount: 5, validUntil: until }), '22023', /percent or fixed, not bogo/);
			await rejectsWith(s.store.issueDiscountCode({ code: 'TOOMUCH-0001', kind: 'percent', amount: 120, validUntil: until }), '22023', /discount amount 120 is out of range/);
			await rejectsWith(s.store.issueDiscountCode({ code: 'NOCURR-00001', kind: 'fixed', amount: 500, validUntil: until }), '22023', /needs a 3-letter currency/);
			await rejectsWith(s.store.issueDiscountCode({ code: 'PAST-0000001', kind: 'percent', amount: 5, validUntil: new Date(Date.now() - 1000) }), '22023', /must end in the future/);
			await rejectsWith(s.store.issueDiscountCode({ code: 'HALF-0000001', kind: 'percent', amount: 5, validUntil: until, cartId: e.cart_id }), '22023', /cart id and stage go together/);
			const [none] = await s.sql<{ n: number }>(`select count(*)::int as n from cart_recovery.discount_codes where code in ('SHORT', 'BADKIND-0001', 'TOOMUCH-0001', 'NOCURR-00001', 'PAST-0000001', 'HALF-0000001')`);
			assert.equal(none.n, 0);
		});

		test('customer history (migration 16): checkCart gives the customer and their segment; a code keeps its rule and worth; a budget refuses past it', async () => {
			const until = new Date(Date.now() + 48 * HOUR);
			const earlier = cartEvent({ customer_id: `hist-${s.kind}`, email: `hist-${s.kind}@example.hu` });
			await s.store.recordCartEvent(earlier, { cooldownSeconds: 0 });
			await s.store.recordCartEvent({ source: earlier.source, event_id: `${earlier.event_id}-o`, type: 'order', cart_id: earlier.cart_id, order_value: 9990 });
			const e = cartEvent({ customer_id: `hist-${s.kind}`, email: `hist-${s.kind}@example.hu` });
			assert.equal((await s.store.recordCartEvent(e, { cooldownSeconds: 0 })).outcome, 'enrolled');
			const cart = keep(s.kind, 'checkCart:customer', await s.store.checkCart(e.cart_id, null, { loyal_orders: 2 }));
			assert.deepEqual(
				[cart?.segment, cart?.customer?.segment, cart?.customer?.orders, cart?.customer?.revenue, cart?.customer?.carts_abandoned, cart?.customer?.comeback_rate],
				['returning', 'returning', 1, { HUF: 9990 }, 2, 0],
			);
			await rejectsWith(s.store.checkCart(e.cart_id, null, { seeker_share: 2 }), '22023', /seeker_share must be a share between 0 and 1/);

			const rule = { tier: 'fallback', segment: 'returning', text: '10% for every cart' };
			const issued = keep(s.kind, 'issueDiscountCode:rule', await s.store.issueDiscountCode({ code: `RULE-${s.kind.toUpperCase()}-01`, kind: 'percent', amount: 10, validUntil: until, cartId: e.cart_id, stage: 2, rule, worth: 2498, worthCurrency: 'huf', budget: 3000 }));
			assert.deepEqual([issued.created, issued.code?.rule, issued.code?.worth, issued.code?.worth_currency], [true, rule, 2498, 'HUF']);
			const over = keep(s.kind, 'issueDiscountCode:over_budget', await s.store.issueDiscountCode({ code: `RULE-${s.kind.toUpperCase()}-02`, kind: 'fixed', amount: 1000, currency: 'HUF', validUntil: until, cartId: e.cart_id, stage: 3, worth: 1000, worthCurrency: 'HUF', budget: 3000 }));
			assert.deepEqual(over, { created: false, collision: false, over_budget: true, budget_left: 502, code: null });
			await rejectsWith(s.store.issueDiscountCode({ code: `RULE-${s.kind.toUpperCase()}-03`, kind: 'percent', amount: 5, validUntil: until, cartId: e.cart_id, stage: 4, budget: 3000 }), '22023', /a budget needs a cart, the code's worth/);
		});

		test('catalogue (migration 17): recommendProducts from what other customers bought together; welcomeBack greets a cart in recovery once per request, nothing for a mismatch', async () => {
			const tag = `${s.kind}-${seq}`;
			const line = (id: string, price: number) => ({ product_id: `${tag}-${id}`, name: `Termék ${id}`, quantity: 1, price, image_url: `https://shop.example/${id}.jpg` });
			for (const [i, pair] of [['A', 'B'], ['A', 'B'], ['A', 'C']].entries()) {
				const order = cartEvent({ customer_id: `buyer-${tag}-${i}`, items: [line(pair[0], 5000), line(pair[1], 4000)] });
				await s.store.recordCartEvent(order, { cooldownSeconds: 0 });
				await s.store.recordCartEvent({ source: order.source, event_id: `${order.event_id}-o`, type: 'order', cart_id: order.cart_id, order_value: 9000 });
			}
			const e = cartEvent({ customer_id: `visitor-${tag}`, email: `visitor-${tag}@example.hu`, first_name: 'Anna', items: [line('A', 5000)] });
			assert.equal((await s.store.recordCartEvent(e, { cooldownSeconds: 0 })).outcome, 'enrolled');
			const recommended = keep(s.kind, 'recommendProducts', await s.store.recommendProducts(e.cart_id, 2));
			assert.deepEqual(recommended.products.map((p) => [p.product_id, p.reason, p.price]), [[`${tag}-B`, 'bought_together', 4000], [`${tag}-C`, 'bought_together', 4000]]);
			assert.deepEqual(await s.store.recommendProducts('no-such-cart', 2), { found: false, products: [] });
			await rejectsWith(s.store.recommendProducts(e.cart_id, 11), '22023', /from 1 to 10/);

			// Not back before a reminder went out: a shopper still filling their cart is not greeted.
			assert.deepEqual(await s.store.welcomeBack({ customer_id: `visitor-${tag}` }, `req-${tag}-0`, 1), { greet: false, reason: 'no_reminder' });
			const claim = await s.store.claimMessage({ cartId: e.cart_id, stage: 1, channel: 'email' });
			assert.ok(claim.claimed);
			await s.store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: `p-${tag}` });
			const greeted = keep(s.kind, 'welcomeBack', await s.store.welcomeBack({ customer_id: `visitor-${tag}` }, `req-${tag}-1`, 1));
			assert.ok(greeted.greet);
			assert.deepEqual([greeted.returned_now, greeted.cart.cart_id, greeted.discount, greeted.recommendations.map((p) => p.product_id)], [true, e.cart_id, null, [`${tag}-B`]]);
			assert.deepEqual(await s.store.welcomeBack({ customer_id: `visitor-${tag}` }, `req-${tag}-1`, 1), { greet: false, reason: 'replay' });
			const again = await s.store.welcomeBack({ cart_id: e.cart_id, email: `VISITOR-${tag}@example.hu` }, `req-${tag}-2`, 0);
			assert.deepEqual(again.greet && [again.returned_now, again.recommendations], [false, []]);
			keep(s.kind, 'welcomeBack:mismatch', await s.store.welcomeBack({ cart_id: e.cart_id, customer_id: 'someone-else' }, `req-${tag}-3`, 1));
			assert.deepEqual(await s.store.welcomeBack({ cart_id: e.cart_id, customer_id: 'someone-else' }, `req-${tag}-4`, 1), { greet: false, reason: 'unknown' });
			await rejectsWith(s.store.welcomeBack({}, `req-${tag}-5`, 1), '22023', /needs cart_id, customer_id or email/);
			await rejectsWith(s.store.welcomeBack({ cart_id: e.cart_id }, `req-${tag}-6`, 1, 0), '22023', /days after the last reminder must be from 1 to 365/);
		});

		test('validateDiscountCode: valid for the customer id or the bound email; every refusal reason; never uses the code up', async () => {
			const until = new Date(Date.now() + HOUR);
			await s.store.issueDiscountCode({ code: 'VAL-BOUND-01', kind: 'percent', amount: 10, validUntil: until, customerRef: 'vc-1', customerEmail: 'vc1@example.hu' });
			await s.store.issueDiscountCode({ code: 'VAL-FIXED-01', kind: 'fixed', amount: 2000, currency: 'HUF', minimumOrder: 10000, validUntil: until });

			const ok = keep(s.kind, 'validateDiscountCode', await s.store.validateDiscountCode({ code: 'val-bound-01', customerId: 'vc-1' }));
			assert.deepEqual([ok.valid, ok.reason, ok.code?.code, ok.code?.used_count], [true, null, 'VAL-BOUND-01', 0]);
			assert.equal((await s.store.validateDiscountCode({ code: 'VAL-BOUND-01', email: 'VC1@example.hu' })).valid, true, 'a guest checkout with the bound email');
			const cases: Array<[DiscountUseInput, string]> = [
				[{ code: 'VAL-BOUND-01', customerId: 'vc-2' }, 'wrong_customer'],
				[{ code: 'VAL-BOUND-01' }, 'wrong_customer'],
				[{ code: 'VAL-FIXED-01', orderTotal: 12000, currency: 'EUR' }, 'wrong_currency'],
				[{ code: 'VAL-FIXED-01', orderTotal: 9999.99, currency: 'HUF' }, 'below_minimum'],
				[{ code: 'VAL-FIXED-01', currency: 'HUF' }, 'below_minimum'],
			];
			for (const [input, reason] of cases) {
				const r = await s.store.validateDiscountCode(input);
				assert.deepEqual([r.valid, r.reason, r.code?.code], [false, reason, input.code], JSON.stringify(input));
			}
			const fine = await s.store.validateDiscountCode({ code: 'VAL-FIXED-01', orderTotal: 10000, currency: 'huf' });
			assert.deepEqual([fine.valid, fine.reason, fine.code?.amount, fine.code?.minimum_order], [true, null, 2000, 10000]);
			const unknown = keep(s.kind, 'validateDiscountCode:unknown', await s.store.validateDiscountCode({ code: 'NOPE-NOPE-01' }));
			assert.deepEqual(unknown, { valid: false, reason: 'unknown', code: null });

			await s.sql(`update cart_recovery.discount_codes set valid_from = now() + interval '1 hour' where code = 'VAL-BOUND-01'`);
			assert.equal((await s.store.validateDiscountCode({ code: 'VAL-BOUND-01', customerId: 'vc-1' })).reason, 'not_yet_valid');
			await s.sql(`update cart_recovery.discount_codes set valid_from = now() - interval '2 hours', valid_until = now() - interval '1 second' where code = 'VAL-BOUND-01'`);
			assert.equal((await s.store.validateDiscountCode({ code: 'VAL-BOUND-01', customerId: 'vc-1' })).reason, 'expired');
			assert.deepEqual(
				[(await s.store.getDiscountCode('VAL-FIXED-01'))?.used_count, (await s.store.getDiscountCode('VAL-BOUND-01'))?.used_count],
				[0, 0],
				'validation never counts a use',
			);
		});

		test('redeemDiscountCode: unknown code; counts uses up to the limit; idempotent per order id; refusals use nothing', async () => {
			const until = new Date(Date.now() + HOUR);
			const unknown = keep(s.kind, 'redeemDiscountCode:unknown', await s.store.redeemDiscountCode({ code: 'NEVER-ISSUED-1', orderId: 'o-0' }));
			assert.deepEqual(unknown, { redeemed: false, duplicate: false, reason: 'unknown', code: null, redeemed_at: null });

			await s.store.issueDiscountCode({ code: 'RED-TWICE-01', kind: 'fixed', amount: 1000, currency: 'HUF', usageLimit: 2, minimumOrder: 5000, validUntil: until, customerRef: 'rd-1' });
			const below = await s.store.redeemDiscountCode({ code: 'RED-TWICE-01', orderId: 'o-small', customerId: 'rd-1', orderTotal: 4999, currency: 'HUF' });
			assert.deepEqual([below.redeemed, below.reason, below.code?.used_count], [false, 'below_minimum', 0]);
			const stranger = await s.store.redeemDiscountCode({ code: 'RED-TWICE-01', orderId: 'o-x', customerId: 'rd-2', orderTotal: 9000 });
			assert.deepEqual([stranger.redeemed, stranger.reason], [false, 'wrong_customer']);

			const first = keep(s.kind, 'redeemDiscountCode', await s.store.redeemDiscountCode({ code: 'red-twice-01', orderId: 'o-1', customerId: 'rd-1', orderTotal: 9000, currency: 'HUF' }));
			assert.deepEqual([first.redeemed, first.duplicate, first.reason, first.code?.used_count, first.code?.remaining_uses], [true, false, null, 1, 1]);
			assertInstant(first.redeemed_at, new Date(), 60_000, 'redeemed_at');
			const repeat = await s.store.redeemDiscountCode({ code: 'RED-TWICE-01', orderId: ' o-1 ', customerId: 'rd-1', orderTotal: 9000 });
			assert.deepEqual([repeat.redeemed, repeat.duplicate, repeat.code?.used_count], [true, true, 1], 'the same order again counts no second use');
			assert.equal(repeat.redeemed_at, first.redeemed_at, 'the repeat returns the first redemption');
			const second = await s.store.redeemDiscountCode({ code: 'RED-TWICE-01', orderId: 'o-2', customerId: 'rd-1', orderTotal: 5000 });
			assert.deepEqual([second.redeemed, second.duplicate, second.code?.used_count, second.code?.remaining_uses], [true, false, 2, 0]);
			const third = await s.store.redeemDiscountCode({ code: 'RED-TWICE-01', orderId: 'o-3', customerId: 'rd-1', orderTotal: 5000 });
			assert.deepEqual([third.redeemed, third.duplicate, third.reason, third.code?.used_count], [false, false, 'used_up', 2]);
			assert.equal((await s.store.redeemDiscountCode({ code: 'RED-TWICE-01', orderId: 'o-1', customerId: 'rd-1' })).duplicate, true, 'still idempotent once used up');

			const rows = await s.sql<{ order_id: string; customer_ref: string; order_total: string | number }>(
				`select order_id, customer_ref, order_total from cart_recovery.discount_redemptions where code = 'RED-TWICE-01' order by order_id`,
			);
			// Without an order id a replayed request (or a validate body sent to redeem) would count another use.
			await s.store.issueDiscountCode({ code: 'RED-THRICE-1', kind: 'percent', amount: 10, usageLimit: 3, validUntil: until });
			for (const orderId of [undefined, null, '', '   ']) {
				await rejectsWith(s.store.redeemDiscountCode({ code: 'RED-THRICE-1', orderId: orderId as string }), '22023', /redeeming a code needs the order id/);
			}
			const once = await Promise.all([0, 1, 2].map(() => s.store.redeemDiscountCode({ code: 'RED-THRICE-1', orderId: 'o-same', orderTotal: 9000 })));
			assert.deepEqual(once.map((r) => r.redeemed), [true, true, true]);
			assert.deepEqual(once.map((r) => r.duplicate).sort(), [false, true, true], 'three identical calls: one redemption, two repeats');
			assert.equal(new Set(once.map((r) => r.redeemed_at)).size, 1);
			assert.deepEqual([(await s.store.getDiscountCode('RED-THRICE-1'))?.used_count, (await s.store.getDiscountCode('RED-THRICE-1'))?.remaining_uses], [1, 2]);
			assert.deepEqual(rows.map((r) => [r.order_id, r.customer_ref, Number(r.order_total)]), [
				['o-1', 'rd-1', 9000],
				['o-2', 'rd-1', 5000],
			]);
		});

		test('deactivateDiscountCode: deactivated (idempotent) or rejected (cart + stage gets a fresh code); unknown code', async () => {
			const until = new Date(Date.now() + HOUR);
			await s.store.issueDiscountCode({ code: 'DEACT-0000001', kind: 'percent', amount: 15, validUntil: until });
			const first = keep(s.kind, 'deactivateDiscountCode', await s.store.deactivateDiscountCode('deact-0000001', 'campaign ended'));
			assert.deepEqual([first.deactivated, first.changed, first.code?.status, first.code?.status_reason], [true, true, 'deactivated', 'campaign ended']);
			const again = await s.store.deactivateDiscountCode('DEACT-0000001', 'other reason');
			assert.deepEqual([again.deactivated, again.changed, again.code?.status_reason], [true, false, 'campaign ended']);
			assert.equal((await s.store.validateDiscountCode({ code: 'DEACT-0000001' })).reason, 'deactivated');
			assert.equal((await s.store.redeemDiscountCode({ code: 'DEACT-0000001', orderId: 'o-d' })).reason, 'deactivated');
			const unknown = keep(s.kind, 'deactivateDiscountCode:unknown', await s.store.deactivateDiscountCode('NOT-A-CODE-1'));
			assert.deepEqual(unknown, { deactivated: false, changed: false, reason: 'unknown', code: null });

			const e = cartEvent({ email: 'rej@example.hu' });
			await s.store.recordCartEvent(e);
			await s.store.issueDiscountCode({ code: 'REJ-0000001', kind: 'percent', amount: 10, validUntil: until, cartId: e.cart_id, stage: 2 });
			const rejected = await s.store.deactivateDiscountCode('REJ-0000001', 'woocommerce_rest_coupon_code_already_exists', true);
			assert.deepEqual([rejected.deactivated, rejected.changed, rejected.code?.status], [true, true, 'rejected']);
			const fresh = await s.store.issueDiscountCode({ code: 'REJ-0000002', kind: 'percent', amount: 10, validUntil: until, cartId: e.cart_id, stage: 2 });
			assert.deepEqual([fresh.created, fresh.code?.code, fresh.code?.status], [true, 'REJ-0000002', 'active'], 'a rejected code makes way for a fresh one');
			await s.store.deactivateDiscountCode('REJ-0000002', 'manual');
			const kept = await s.store.issueDiscountCode({ code: 'REJ-0000003', kind: 'percent', amount: 10, validUntil: until, cartId: e.cart_id, stage: 2 });
			assert.deepEqual([kept.created, kept.code?.code, kept.code?.status], [false, 'REJ-0000002', 'deactivated'], 'a deactivated (not rejected) code still holds its cart + stage');
		});

		test('markDiscountSynced: platform, shop reference and time recorded; unknown code → P0002', async () => {
			await s.store.issueDiscountCode({ code: 'SYNC-0000001', kind: 'percent', amount: 20, validUntil: new Date(Date.now() + HOUR) });
			const synced = keep(s.kind, 'markDiscountSynced', await s.store.markDiscountSynced('sync-0000001', 'woocommerce', '4711'));
			assert.deepEqual([synced.code, synced.shop_platform, synced.shop_ref, synced.amount], ['SYNC-0000001', 'woocommerce', '4711', 20]);
			assertInstant(synced.synced_at, new Date(), 60_000, 'synced_at');
			assert.deepEqual(await s.store.getDiscountCode('SYNC-0000001'), synced);
			const again = await s.store.markDiscountSynced('SYNC-0000001', 'shopify');
			assert.deepEqual([again.shop_platform, again.shop_ref], ['shopify', null]);
			await rejectsWith(s.store.markDiscountSynced('UNKNOWN-CODE-1', 'shopify', 'gid://1'), 'P0002', /unknown discount code UNKNOWN-CODE-1/);
		});

		// ── Delivery (migration 3) ────────────────────────────────────────────────────────────────────────────

		test('claimDelivery: claim, already claimed, over the frequency cap (next_allowed_at), released frees a slot, no cap; unknown cart/channel', async () => {
			const customer = `cap-${s.kind}`;
			const [a, b, c] = [0, 1, 2].map(() => cartEvent({ customer_id: customer, email: `${customer}@example.hu` }));
			for (const e of [a, b, c]) await s.store.recordCartEvent(e, { cooldownSeconds: 0 });
			const cap = { capMax: 1, capWindowSeconds: 3600 };

			const before = Date.now();
			const first = keep(s.kind, 'claimDelivery:claimed', await s.store.claimDelivery({ cartId: a.cart_id, stage: 1, channel: 'email', campaign: 'bf', variant: 'A', ...cap }));
			assert.ok(first.claimed);
			assert.deepEqual([first.reason, first.status, first.attempts], ['claimed', 'queued', 1]);
			assert.match(first.message_id, UUID);
			assert.match(first.claim_token, UUID);

			const dup = keep(s.kind, 'claimDelivery:already_claimed', await s.store.claimDelivery({ cartId: a.cart_id, stage: 1, channel: 'email', ...cap }));
			assert.deepEqual(dup, { claimed: false, reason: 'already_claimed', message_id: first.message_id, status: 'queued', attempts: 1, provider_id: null });

			const capped = keep(s.kind, 'claimDelivery:frequency_cap', await s.store.claimDelivery({ cartId: b.cart_id, stage: 1, channel: 'email', ...cap }));
			assert.equal(capped.claimed, false);
			assert.equal(capped.reason, 'frequency_cap');
			if (capped.reason !== 'frequency_cap') return;
			assert.equal(capped.recent, 1);
			assertInstant(capped.next_allowed_at, new Date(before + 3600_000), 60_000, 'next_allowed_at');
			const [none] = await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.messages where cart_id = $1', [b.cart_id]);
			assert.equal(none.n, 0, 'a capped claim writes no message');

			assert.equal((await s.store.claimDelivery({ cartId: b.cart_id, stage: 1, channel: 'sms', ...cap })).reason, 'claimed', 'the cap is per channel');
			assert.equal((await s.store.claimDelivery({ cartId: b.cart_id, stage: 1, channel: 'email', capMax: 2, capWindowSeconds: 3600 })).reason, 'claimed', 'a higher cap lets it through');
			assert.equal((await s.store.claimDelivery({ cartId: c.cart_id, stage: 1, channel: 'email', capMax: 0, capWindowSeconds: 3600 })).reason, 'claimed', 'cap 0 turns the check off');
			assert.equal((await s.store.claimDelivery({ cartId: c.cart_id, stage: 2, channel: 'email' })).reason, 'claimed', 'no cap given: no check');
			const overFour = await s.store.claimDelivery({ cartId: c.cart_id, stage: 3, channel: 'email', capMax: 4, capWindowSeconds: 3600 });
			assert.deepEqual([overFour.reason, overFour.claimed ? null : (overFour as { recent?: number }).recent], ['frequency_cap', 4]);

			// Releasing (the provider certainly did not accept it) frees its slot; re-claiming the released key passes the cap check again.
			const released = await s.store.completeMessage({ messageId: first.message_id, claimToken: first.claim_token, status: 'released', error: 'HTTP 503' });
			assert.equal(released.status, 'released');
			const reclaim = await s.store.claimDelivery({ cartId: a.cart_id, stage: 1, channel: 'email', capMax: 4, capWindowSeconds: 3600 });
			assert.ok(reclaim.claimed);
			assert.deepEqual([reclaim.reason, reclaim.message_id, reclaim.attempts], ['claimed', first.message_id, 2]);
			const cappedAgain = await s.store.claimDelivery({ cartId: c.cart_id, stage: 4, channel: 'email', capMax: 4, capWindowSeconds: 3600 });
			assert.deepEqual([cappedAgain.reason, (cappedAgain as { recent?: number }).recent], ['frequency_cap', 4]);

			await rejectsWith(s.store.claimDelivery({ cartId: 'no-such-cart', stage: 1, channel: 'email', ...cap }), 'P0002', /unknown cart no-such-cart/);
			await rejectsWith(s.store.claimDelivery({ cartId: a.cart_id, stage: 1, channel: 'fax' as 'email', ...cap }), '22023', /unknown channel fax/);
		});

		test('claimChecked: claimed with the cart; check only; address needed for a national number; purchased, no consent, quiet hours and the cap refused and recorded; bad input → 22023', async () => {
			const who = `cc-${s.kind}-${seq}`;
			const skipsOf = (cartId: string) => s.sql<{ outcome: string; reason: string; times: number }>('select outcome, reason, times from cart_recovery.skips where cart_id = $1 order by reason, outcome', [cartId]);
			const e = cartEvent({ customer_id: who, email: `${who}@example.hu`, phone: '+36301112233' });
			await s.store.recordCartEvent(e, { cooldownSeconds: 0 });
			await s.store.recordConsent({ channel: 'email', address: `${who}@example.hu`, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt', customerId: who });

			const checked = keep(s.kind, 'claimChecked:checked', await s.store.claimChecked({ cartId: e.cart_id, stage: 1, channel: 'email', claim: false }));
			assert.deepEqual([checked.outcome, checked.outcome === 'checked' && checked.address, checked.outcome === 'checked' && checked.cart.cart_id], ['checked', `${who}@example.hu`, e.cart_id]);
			const claimed = keep(s.kind, 'claimChecked:claimed', await s.store.claimChecked({ cartId: e.cart_id, stage: 1, channel: 'email', campaign: 'bf', capMax: 2, capWindowSeconds: 3600 }));
			assert.equal(claimed.outcome, 'claimed');
			if (claimed.outcome !== 'claimed') return;
			assert.match(claimed.claim_token, UUID);
			assert.deepEqual([claimed.address, claimed.cart.value, claimed.status, claimed.attempts], [`${who}@example.hu`, 12990, 'queued', 1]);
			const again = keep(s.kind, 'claimChecked:already', await s.store.claimChecked({ cartId: e.cart_id, stage: 1, channel: 'email' }));
			assert.deepEqual([again.outcome, again.outcome === 'skipped' && again.reason, again.outcome === 'skipped' && again.message_id], ['skipped', 'in_progress', claimed.message_id]);

			const noSms = keep(s.kind, 'claimChecked:no_consent', await s.store.claimChecked({ cartId: e.cart_id, stage: 1, channel: 'sms' }));
			assert.deepEqual([noSms.outcome, noSms.outcome === 'skipped' && noSms.reason, noSms.outcome === 'skipped' && noSms.recorded], ['skipped', 'no_consent', true]);
			const until = new Date(Date.now() + 2 * HOUR);
			const quiet = keep(s.kind, 'claimChecked:quiet_hours', await s.store.claimChecked({ cartId: e.cart_id, stage: 2, channel: 'email', quietUntil: until, quietDetail: 'Quiet hours 20:00–08:00 Europe/Budapest' }));
			assert.deepEqual([quiet.outcome, quiet.outcome === 'deferred' && quiet.detail], ['deferred', 'Quiet hours 20:00–08:00 Europe/Budapest']);
			if (quiet.outcome === 'deferred') assertInstant(quiet.send_after, until, 1000, 'send_after');
			const capped = keep(s.kind, 'claimChecked:frequency_cap', await s.store.claimChecked({ cartId: e.cart_id, stage: 3, channel: 'email', capMax: 1, capWindowSeconds: 7200 }));
			assert.deepEqual([capped.outcome, capped.outcome === 'deferred' && capped.reason, capped.outcome === 'deferred' && capped.detail], ['deferred', 'frequency_cap', '1 email message(s) to this customer in the last 2 h (cap 1)']);
			const cappedSkip = await s.store.claimChecked({ cartId: e.cart_id, stage: 3, channel: 'email', capMax: 1, capWindowSeconds: 7200, capWhen: 'skip' });
			assert.deepEqual([cappedSkip.outcome, cappedSkip.outcome === 'skipped' && cappedSkip.reason], ['skipped', 'frequency_cap']);
			assert.deepEqual(
				(await skipsOf(e.cart_id)).map((r) => [r.outcome, r.reason, r.times]),
				[['deferred', 'frequency_cap', 1], ['skipped', 'frequency_cap', 1], ['skipped', 'in_progress', 1], ['skipped', 'no_consent', 1], ['deferred', 'quiet_hours', 1]],
				'every refusal recorded by the call itself',
			);
			const [messages] = await s.sql<{ n: number }>('select count(*)::int as n from cart_recovery.messages where cart_id = $1', [e.cart_id]);
			assert.equal(messages.n, 1, 'only the claim wrote a message');

			// A national number only the package can read: nothing checked, nothing recorded, the cart comes back.
			const national = cartEvent({ customer_id: `${who}-hu`, phone: '06 30 111 2244' });
			await s.store.recordCartEvent(national, { cooldownSeconds: 0 });
			const needed = keep(s.kind, 'claimChecked:address_needed', await s.store.claimChecked({ cartId: national.cart_id, stage: 1, channel: 'sms' }));
			assert.deepEqual([needed.outcome, needed.outcome === 'address_needed' && needed.cart.phone], ['address_needed', '06 30 111 2244']);
			await s.store.recordConsent({ channel: 'sms', address: '+36301112244', source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt', customerId: `${who}-hu` });
			const given = await s.store.claimChecked({ cartId: national.cart_id, stage: 1, channel: 'sms', address: '06 30 111 2244' });
			assert.deepEqual([given.outcome, given.outcome === 'claimed' && given.address], ['claimed', '+36301112244']);

			await s.store.recordCartEvent({ ...cartEvent({ customer_id: who }), cart_id: e.cart_id, type: 'order', order_id: `o-${who}`, order_value: 12990 } as CartEvent);
			const bought = keep(s.kind, 'claimChecked:purchased', await s.store.claimChecked({ cartId: e.cart_id, stage: 4, channel: 'email' }));
			assert.deepEqual([bought.outcome, bought.outcome === 'skipped' && bought.reason], ['skipped', 'purchased']);
			assert.deepEqual(await s.store.claimChecked({ cartId: 'no-such-cart', stage: 1, channel: 'email' }), {
				outcome: 'skipped',
				reason: 'cart_not_found',
				recorded: false,
				detail: 'Cart "no-such-cart" is not in the store (erased, purged, or a wrong Cart ID)',
			});
			await rejectsWith(s.store.claimChecked({ cartId: e.cart_id, stage: 1, channel: 'fax' as 'email' }), '22023', /unknown channel fax/);
			await rejectsWith(s.store.claimChecked({ cartId: e.cart_id, stage: 1, channel: 'email', capWhen: 'drop' as 'skip' }), '22023', /cap_when must be skip or defer/);
		});

		// ── Stuck claims (migration 12) ────────────────────────────────────────────────────────────────────────

		test('settleStuckMessages: dry run lists only; proved → sent, else unknown and still claimed; young ones untouched; a late event moves an unknown on; bad threshold/max → 22023', async () => {
			const a = cartEvent({ email: `stuck-${s.kind}@example.hu`, first_name: 'Zsófia', phone: '+36301234567' });
			const b = cartEvent({ email: `young-${s.kind}@example.hu` });
			for (const e of [a, b]) await s.store.recordCartEvent(e, { cooldownSeconds: 0 });
			const proved = await s.store.claimMessage({ cartId: a.cart_id, stage: 1, channel: 'email' });
			const unproved = await s.store.claimMessage({ cartId: a.cart_id, stage: 2, channel: 'sms' });
			const young = await s.store.claimMessage({ cartId: b.cart_id, stage: 1, channel: 'email' });
			const reported = await s.store.claimMessage({ cartId: a.cart_id, stage: 3, channel: 'whatsapp' });
			assert.ok(proved.claimed && unproved.claimed && young.claimed && reported.claimed);
			// A delivery status on record for a message still queued (recorded by hand, or a store restored from a backup
			// taken between the two): the settle applies it as it would have applied on arrival.
			await s.sql(`insert into cart_recovery.channel_events (provider, event_id, channel, kind, status, message_id, cart_id, occurred_at, effect)
				values ('meta', $1, 'whatsapp', 'status', 'delivered', $2, $3, now() - interval '30 minutes', 'recorded_by_hand')`, [`wamid.stuck-${s.kind}:delivered`, reported.message_id, a.cart_id]);
			// Both senders "died" an hour ago, after the claim; SendGrid then reported the customer's unsubscribe from the first (custom_args name it).
			await s.sql(`update cart_recovery.messages set claimed_at = now() - interval '1 hour' where cart_id = $1`, [a.cart_id]);
			await s.store.recordChannelEvent({ provider: 'sendgrid', channel: 'email', eventId: `sg-stuck-${s.kind}`, kind: 'opt_out', at: new Date(Date.now() - 60_000).toISOString(), address: a.email!, source: 'sendgrid_unsubscribe', detail: 'unsubscribe', messageId: proved.message_id, cartId: null });
			const mine = <T extends { cart_id: string }>(r: { messages: T[] }) => r.messages.filter((m) => m.cart_id === a.cart_id || m.cart_id === b.cart_id);
			const statuses = async () => (await s.sql<{ stage: number; status: string }>('select stage, status from cart_recovery.messages where cart_id in ($1, $2) order by cart_id = $2, stage', [a.cart_id, b.cart_id])).map((r) => `${r.stage}:${r.status}`);

			const dry = await s.store.settleStuckMessages({ olderThanSeconds: 600, max: 1000, dryRun: true });
			keep(s.kind, 'settleStuckMessages:dry', { ...dry, messages: mine(dry) });
			assert.deepEqual([dry.dry_run, dry.sent, dry.unknown], [true, 0, 0]);
			assert.deepEqual(mine(dry).map((m) => [m.stage, m.channel, m.outcome, m.settled]), [[1, 'email', 'sent', false], [2, 'sms', 'unknown', false], [3, 'whatsapp', 'sent', false]]);
			assert.deepEqual(await statuses(), ['1:queued', '2:queued', '3:queued', '1:queued'], 'a dry run changes nothing');

			const done = await s.store.settleStuckMessages({ olderThanSeconds: 600, max: 1000 });
			const [sent, unknown, delivered] = keep(s.kind, 'settleStuckMessages', { ...done, messages: mine(done) }).messages;
			assert.deepEqual([sent.message_id, sent.outcome, sent.settled, sent.customer, sent.evidence?.kind, sent.evidence?.provider, sent.evidence?.what], [proved.message_id, 'sent', true, `Zsófia · s***@example.hu`, 'customer_answer', 'sendgrid', 'unsubscribe']);
			assert.match(sent.reason, /^Confirmed sent: the customer answered it \(SendGrid: unsubscribe at \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\. The sender stopped before recording it\.$/);
			assert.ok(sent.age_seconds >= 3590 && sent.age_seconds < 3700, String(sent.age_seconds));
			assert.deepEqual([unknown.message_id, unknown.outcome, unknown.evidence], [unproved.message_id, 'unknown', null]);
			assert.match(unknown.reason, /^Outcome unknown: claimed 60 min ago, .* It is not sent again automatically/);
			assert.deepEqual([delivered.outcome, delivered.evidence?.kind, delivered.evidence?.what], ['sent', 'provider_status', 'delivered']);
			assert.match(delivered.reason, /^Confirmed sent: Meta reported it delivered at /);
			assert.deepEqual(await statuses(), ['1:sent', '2:unknown', '3:delivered', '1:queued'], 'the young claim is left to its sender; the recorded delivery applied');
			const [row] = await s.sql<{ sent: boolean; error: string }>('select sent_at is not null as sent, error from cart_recovery.messages where message_id = $1', [unproved.message_id]);
			assert.deepEqual([row.sent, row.error], [false, unknown.reason], 'unknown is not sent; its reason shows on the timeline');

			// Never re-sent: the key stays claimed, and the next run finds nothing of these.
			const retry = await s.store.claimDelivery({ cartId: a.cart_id, stage: 2, channel: 'sms' });
			assert.deepEqual([retry.claimed, retry.reason, retry.reason === 'already_claimed' ? retry.status : null], [false, 'already_claimed', 'unknown']);
			assert.deepEqual(mine(await s.store.settleStuckMessages({ olderThanSeconds: 600, max: 1000 })), []);
			// The sender's own record, late: ignored for the settled one (its claim token changed).
			assert.equal((await s.store.completeMessage({ messageId: proved.message_id, claimToken: proved.claim_token, status: 'sent', providerId: 'late' }).catch((e: StoreError) => e.code)), 'P0002');

			// Twilio's status callback arriving after the settle: the unknown message is delivered after all.
			const late = await s.store.recordChannelEvent({ provider: 'twilio', channel: 'sms', eventId: `SMstuck${s.kind}:delivered`, kind: 'status', status: 'delivered', at: new Date().toISOString(), address: '+36301234567', messageId: unproved.message_id, providerId: `SMstuck${s.kind}`, errorCode: null, errorDetail: null, permanent: false, machine: false });
			assert.deepEqual([late.effect, late.message?.status, late.message?.previous_status], ['completed_queued', 'delivered', 'unknown']);
			const [after] = await s.sql<{ sent: boolean; error: string | null; note: string }>('select sent_at is not null as sent, error, settle_note as note from cart_recovery.messages where message_id = $1', [unproved.message_id]);
			assert.deepEqual([after.sent, after.error], [true, null]);
			assert.match(after.note, /Twilio reported delivered later\.$/);

			await rejectsWith(s.store.settleStuckMessages({ olderThanSeconds: 10 }), '22023', /older than must be at least 60 seconds/);
			await rejectsWith(s.store.settleStuckMessages({ olderThanSeconds: 600, max: 0 }), '22023', /max messages must be between 1 and 1000, not 0/);
		});

		test('Supabase hardening: every store function is revoked from anon and authenticated, by a signature that exists', async () => {
			const revokes = revokesIn(MIGRATION_SQL);
			const revoked = new Set<number>();
			for (const { signature, roles } of revokes) {
				const [row] = await s.sql<{ oid: number | null }>('select to_regprocedure($1)::oid::int as oid', [signature]);
				assert.ok(row.oid, `revoke names a function that does not exist (the migration would fail on Supabase): ${signature}`);
				// PUBLIC too: Postgres grants EXECUTE to PUBLIC by default, and anon would inherit it from there.
				for (const role of ['public', 'anon', 'authenticated']) assert.ok(roles.includes(role), `${signature} is not revoked from ${role}`);
				revoked.add(Number(row.oid));
			}
			const functions = await s.sql<{ oid: number; signature: string }>(
				`select p.oid::int as oid, p.oid::regprocedure::text as signature from pg_proc p join pg_namespace n on n.oid = p.pronamespace
				 where n.nspname = 'public' and p.proname like 'cart\\_recovery\\_%' order by 2`,
			);
			assert.deepEqual(
				functions.map((f) => f.signature.replace(/^public\./, '').replace(/\(.*/, '')).sort(),
				[...SQL_FUNCTIONS].sort(),
				'the functions in the database are the ones the migration parser found',
			);
			const open = functions.filter((f) => !revoked.has(f.oid)).map((f) => f.signature);
			assert.deepEqual(open, [], 'store functions anon/authenticated could call on Supabase');
		});

		// ── Coverage guard for this transport ──────────────────────────────────────────────────────────────

		test('every public.cart_recovery_* function of the migrations was called through this transport', () => {
			const missing = SQL_FUNCTIONS.filter((fn) => !called.has(fn));
			assert.deepEqual(missing, [], `add a parity scenario for: ${missing.join(', ')}`);
			if (s.rpcRequests) {
				const overHttp = new Set(s.rpcRequests.map((r) => r.fn));
				const notRpc = SQL_FUNCTIONS.filter((fn) => !overHttp.has(fn));
				assert.deepEqual(notRpc, [], `never reached PostgREST through supabase-js: ${notRpc.join(', ')}`);
				assert.ok(s.rpcRequests.every((r) => r.headers.apikey && /^Bearer /.test(String(r.headers.authorization))), 'supabase-js sends apikey + bearer');
			}
		});
	});
}

describe('parity of result shapes across the three transports', () => {
	test('every recorded result has the same keys and JSON types on postgres, embedded and supabase', () => {
		let compared = 0;
		const incomplete: string[] = [];
		for (const [key, byKind] of shapes) {
			if (byKind.size < 3) {
				incomplete.push(key);
				continue;
			}
			const [pg, embedded, supabase] = [byKind.get('postgres'), byKind.get('embedded'), byKind.get('supabase')];
			assert.deepEqual(embedded, pg, `${key}: PGlite differs from Postgres`);
			assert.deepEqual(supabase, pg, `${key}: supabase-js differs from Postgres`);
			compared++;
		}
		assert.ok(compared >= 20, `only ${compared} results compared (incomplete on some transport: ${incomplete.join(', ')})`);
		assert.deepEqual(incomplete, [], 'results recorded on some transports only (a scenario failed there)');
	});
});

// Every Cart Check outcome inside n8n's engine (WorkflowExecute), the store on real Postgres: carts recorded
// through the store as the trigger records them, then routed by the node placed after a Wait.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, PostgresTransport, type CartEvent } from '../../lib/store';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

let db: TestDatabase;
let store: CartRecoveryStore;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function cart(id: string, minutes: number, value: number, extra: Partial<CartEvent> = {}) {
	const result = await store.recordCartEvent({
		source: 'generic',
		event_id: `${id}-${minutes}-${value}`,
		type: 'cart',
		cart_id: id,
		occurred_at: minutesAgo(minutes),
		email: `${id}@example.hu`,
		phone: '+36301234567',
		customer_id: id,
		currency: 'HUF',
		value,
		items: value > 0 ? [{ name: 'Bögre', quantity: 1, price: value }] : [],
		...extra,
	});
	return result;
}

before(async () => {
	db = await freshDatabase('cartcheck_outcomes');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await cart('abandoned', 45, 12990);
	await cart('active', 10, 12990);
	await cart('active-small', 5, 1990); // still shopping: checked again later, not dropped
	await cart('small', 45, 3990);
	await cart('emptied', 40, 12990);
	await store.recordCartEvent({ source: 'generic', event_id: 'emptied-2', type: 'cart', cart_id: 'emptied', occurred_at: minutesAgo(35), items: [], value: 0 });
	await cart('bought', 45, 12990);
	await store.recordCartEvent({ source: 'generic', event_id: 'bought-order', type: 'order', cart_id: 'bought', order_value: 12990 });
	await cart('won-back', 180, 15990);
	const claim = await store.claimMessage({ cartId: 'won-back', stage: 1, channel: 'email' });
	assert.ok(claim.claimed);
	await store.completeMessage({ messageId: claim.message_id, claimToken: claim.claim_token, status: 'sent', providerId: 'sg-1' });
	await store.recordCartEvent({ source: 'generic', event_id: 'won-back-order', type: 'order', cart_id: 'won-back', order_id: 'W-1', order_value: 15990 });
	await cart('euro-big', 60, 40, { currency: 'EUR' });
	await cart('euro-small', 60, 9, { currency: 'EUR' });
	await cart('usd', 60, 3, { currency: 'USD' });
	// returned: a customer who came back 5 minutes ago to a cart already in recovery
	await cart('returned', 120, 12990);
	await store.recordCartEvent({ source: 'generic', event_id: 'returned-2', type: 'cart', cart_id: 'returned', occurred_at: minutesAgo(5) });
});

after(async () => {
	await closeAllStores();
	await store.close();
	await db.drop();
});

const cartCheck = (parameters: Record<string, unknown> = {}) =>
	node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}', inactivityMinutes: 30, minimumValue: 5000, minimumCurrency: 'HUF', ...parameters });

async function route(cartIds: string[], parameters: Record<string, unknown> = {}) {
	const result = await runWorkflow({
		nodes: [manualTrigger(), cartCheck(parameters)],
		connections: connect(['Start', 'Cart Check']),
		pinData: { Start: cartIds.map((cart_id) => ({ json: { cart_id, from_trigger: true } })) },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(result.status, 'success', result.error?.message);
	const [stillAbandoned, activeAgain, purchased, notEligible] = result.outputs('Cart Check');
	const ids = (items: Array<Record<string, unknown>> = []) => items.map((i) => i.cart_id);
	return { stillAbandoned, activeAgain, purchased, notEligible, ids: { stillAbandoned: ids(stillAbandoned), activeAgain: ids(activeAgain), purchased: ids(purchased), notEligible: ids(notEligible) } };
}

test('each outcome: still abandoned, active again, purchased (converted and recovered), not eligible', async () => {
	const r = await route(['abandoned', 'active', 'active-small', 'small', 'emptied', 'bought', 'won-back', 'returned']);
	assert.deepEqual(r.ids, {
		stillAbandoned: ['abandoned'],
		activeAgain: ['active', 'active-small', 'returned'],
		purchased: ['bought', 'won-back'],
		notEligible: ['small', 'emptied'],
	});
	const abandoned = r.stillAbandoned[0] as any;
	assert.equal(abandoned.email, 'abandoned@example.hu', 'contacts passed on');
	assert.equal(abandoned.phone, '+36301234567');
	assert.deepEqual(abandoned.items, [{ name: 'Bögre', quantity: 1, price: 12990 }], 'items passed on');
	assert.equal(abandoned.from_trigger, true, 'the incoming item’s fields are kept');
	assert.equal(abandoned.cart_check.inactive_minutes, 45);

	const active = r.activeAgain[0] as any;
	const next = new Date(active.cart_check.next_check_at).getTime();
	assert.ok(Math.abs(next - (Date.now() + 20 * 60_000)) < 60_000, 'next check when 30 min of quiet are reached');
	assert.ok(Math.abs(active.cart_check.wait_seconds - 20 * 60) < 60);

	const returned = r.activeAgain.find((i: any) => i.cart_id === 'returned') as any;
	assert.equal(returned.status, 'recovering');
	assert.ok(returned.returned_at, 'the store noted the return');

	const wonBack = r.purchased.find((i: any) => i.cart_id === 'won-back') as any;
	assert.equal(wonBack.status, 'recovered');
	assert.equal(wonBack.recovered_value, 15990);
	assert.equal((r.purchased.find((i: any) => i.cart_id === 'bought') as any).status, 'converted');
	assert.match((r.notEligible[0] as any).cart_check.reason, /below the minimum 5000 HUF/);
	assert.equal((r.notEligible[1] as any).cart_check.reason, 'Cart is empty');
});

test('minimums are per currency: other currencies use their own minimum, or none', async () => {
	const none = await route(['euro-big', 'euro-small', 'usd']);
	assert.deepEqual(none.ids.stillAbandoned, ['euro-big', 'euro-small', 'usd'], 'the HUF minimum does not apply to EUR/USD carts');
	const eur = await route(['euro-big', 'euro-small', 'usd'], { otherMinimums: { minimum: [{ currency: 'eur', value: 15 }] } });
	assert.deepEqual(eur.ids, { stillAbandoned: ['euro-big', 'usd'], activeAgain: [], purchased: [], notEligible: ['euro-small'] });
	assert.equal((eur.notEligible[0] as any).cart_check.minimum_value, 15);
});

test('the threshold is a parameter: 60 minutes keeps a 45-minute-old cart active', async () => {
	const r = await route(['abandoned'], { inactivityMinutes: 60 });
	assert.deepEqual(r.ids.activeAgain, ['abandoned']);
});

test('an unknown cart fails the node; with Continue On Fail it goes to Not Eligible, never to Still Abandoned', async () => {
	const failing = await runWorkflow({
		nodes: [manualTrigger(), cartCheck()],
		connections: connect(['Start', 'Cart Check']),
		pinData: { Start: [{ json: { cart_id: 'nope' } }] },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(failing.status, 'error');
	assert.match(failing.error!.message, /Cart "nope" is not in the store/);

	const tolerant = await runWorkflow({
		nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}' }, { continueOnFail: true } as never)],
		connections: connect(['Start', 'Cart Check']),
		pinData: { Start: [{ json: { cart_id: 'nope' } }, { json: { cart_id: 'abandoned' } }] },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(tolerant.status, 'success', tolerant.error?.message);
	const [stillAbandoned, , , notEligible] = tolerant.outputs('Cart Check');
	assert.deepEqual(stillAbandoned.map((i) => i.cart_id), ['abandoned']);
	assert.deepEqual(notEligible.map((i) => i.cart_id), ['nope']);
	assert.match(String(notEligible[0].error), /not in the store/);
});

test('a cart whose customer was erased while the run waited ends quietly on Not Eligible, carrying no personal data', async () => {
	await cart('erased', 45, 12990, { phone: '+36309998877' }); // the other carts here share a phone, which erasure would take too
	const triggerItem = { cart_id: 'erased', email: 'erased@example.hu', phone: '+36309998877', customer_id: 'erased', first_name: 'Erika' };
	const erasure = await store.eraseCustomer({ customerId: 'erased', email: 'erased@example.hu' });
	assert.ok(erasure, 'erased');
	assert.equal(await store.getCart('erased'), null, 'the erasure removed the cart');
	const run = await runWorkflow({
		nodes: [manualTrigger(), cartCheck()],
		connections: connect(['Start', 'Cart Check']),
		pinData: { Start: [{ json: triggerItem }] },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(run.status, 'success', run.error?.message);
	const [stillAbandoned, , , notEligible] = run.outputs('Cart Check');
	assert.equal(stillAbandoned.length, 0);
	assert.equal(notEligible.length, 1);
	assert.deepEqual(Object.keys(notEligible[0]), ['result', 'cart_id', 'cart_check'], 'no email, phone or name goes on');
	assert.equal(notEligible[0].result, 'Stopped: the customer’s data was erased');
	assert.match(String((notEligible[0].cart_check as { reason: string }).reason), /erased/);
});

test('currencies are ISO 4217 codes: "Ft" fails the node naming the field before any cart is read; lower case is accepted', async () => {
	const run = (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}, credentials: object = db.credentials) =>
		runWorkflow({
			nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}', ...parameters }, extra as never)],
			connections: connect(['Start', 'Cart Check']),
			pinData: { Start: [{ json: { cart_id: 'abandoned' } }] },
			credentials: { cartRecoveryStoreApi: credentials },
		});

	const ft = await run({ minimumCurrency: 'Ft' });
	assert.equal(ft.status, 'error');
	assert.equal(ft.error!.message, "Minimum Value Currency: 'Ft' is not an ISO 4217 currency code, e.g. HUF");
	const empty = await run({ minimumCurrency: '' });
	assert.equal(empty.status, 'error');
	assert.match(empty.error!.message, /^Minimum Value Currency is empty/);
	const other = await run({ otherMinimums: { minimum: [{ currency: 'Euro', value: 15 }] } });
	assert.equal(other.status, 'error');
	assert.equal(other.error!.message, "Minimums in Other Currencies → Currency: 'Euro' is not an ISO 4217 currency code, e.g. HUF");
	// Continue On Fail: the item goes to Not Eligible with the reason, never to Still Abandoned.
	const tolerant = await run({ minimumCurrency: 'XYZ' }, { continueOnFail: true });
	assert.equal(tolerant.status, 'success', tolerant.error?.message);
	const [stillAbandoned, , , notEligible] = tolerant.outputs('Cart Check');
	assert.deepEqual([stillAbandoned.length, notEligible.length], [0, 1]);
	assert.match(String(notEligible[0].error), /'XYZ' is not an ISO 4217 currency code/);
	// Checked before the store is used: with an unreachable store the error is still the currency's.
	const unreachable = await run({ minimumCurrency: 'Ft' }, {}, { transport: 'postgres', host: '127.0.0.1', port: 1, database: 'none', user: 'none', password: 'x', ssl: 'disable' });
	assert.equal(unreachable.status, 'error');
	assert.match(unreachable.error!.message, /^Minimum Value Currency: 'Ft'/);

	const lower = await run({ minimumCurrency: 'huf', minimumValue: 20000 });
	assert.equal(lower.status, 'success', lower.error?.message);
	assert.match(String((lower.outputs('Cart Check')[3][0] as any).cart_check.reason), /below the minimum 20000 HUF/);
});

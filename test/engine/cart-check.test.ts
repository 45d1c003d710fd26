// Cart Check inside n8n's engine: a Manual Trigger feeds cart ids, Cart Check reads the store (Postgres)
// and routes each cart to one of its outputs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

let db: TestDatabase;
let store: CartRecoveryStore;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

before(async () => {
	db = await freshDatabase('engine_cartcheck');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	const cart = (id: string, minutes: number, value: number, items = 1) =>
		store.recordCartEvent({
			source: 'generic',
			event_id: `${id}-e`,
			type: 'cart',
			cart_id: id,
			occurred_at: minutesAgo(minutes),
			email: `${id}@example.hu`,
			currency: 'HUF',
			value,
			items: Array.from({ length: items }, () => ({ name: 'Bögre', quantity: 1, price: value })),
		});
	await cart('abandoned', 45, 12990);
	await cart('active', 10, 12990);
	await cart('small', 45, 3990);
	await cart('bought', 45, 12990);
	await store.recordCartEvent({ source: 'generic', event_id: 'bought-order', type: 'order', cart_id: 'bought', order_value: 12990 });
});
after(async () => {
	await closeAllStores();
	await store.close();
	await db.drop();
});

const workflow = {
	nodes: [manualTrigger(), node('Cart Check', 'cartCheck', { cartId: '={{ $json.cart_id }}', inactivityMinutes: 30, minimumValue: 5000 })],
	connections: connect(['Start', 'Cart Check']),
};

test('routes each cart to its output', async () => {
	const result = await runWorkflow({
		...workflow,
		pinData: { Start: ['abandoned', 'active', 'small', 'bought'].map((cart_id) => ({ json: { cart_id } })) },
		credentials: { cartRecoveryStoreApi: db.credentials },
	});
	assert.equal(result.status, 'success', result.error?.message);
	const [stillAbandoned, activeAgain, purchased, notEligible] = result.outputs('Cart Check');
	assert.deepEqual(stillAbandoned.map((i) => i.cart_id), ['abandoned']);
	assert.deepEqual(activeAgain.map((i) => i.cart_id), ['active']);
	assert.deepEqual(purchased.map((i) => i.cart_id), ['bought']);
	assert.deepEqual(notEligible.map((i) => i.cart_id), ['small']);
	const next = new Date((activeAgain[0].cart_check as { next_check_at: string }).next_check_at).getTime();
	assert.ok(Math.abs(next - (Date.now() + 20 * 60_000)) < 120_000, 'active again carries when it would next count as abandoned');
	assert.equal(stillAbandoned[0].email, 'abandoned@example.hu', 'the cart with contacts is passed on');
});

test('an unknown cart fails the node with an error naming the cart id', async () => {
	const result = await runWorkflow({ ...workflow, pinData: { Start: [{ json: { cart_id: 'nope' } }] }, credentials: { cartRecoveryStoreApi: db.credentials } });
	assert.equal(result.status, 'error');
	assert.match(result.error!.message, /Cart "nope" is not in the store/);
});

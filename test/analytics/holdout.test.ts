// A send node and the Split Test's assignment on the item: a holdout cart gets no message, whatever the canvas wires
// to the node (Skipped `holdout`, recorded among the report's skip reasons, no provider call); any other variant is
// recorded on the message it sends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { makeCart, outcomes, runSend, smsEnv, type SmsEnv } from '../delivery/setup';

let sms: SmsEnv;

before(async () => {
	sms = await smsEnv('analytics_holdout');
});
after(async () => {
	await sms.close();
});

const params = { cartId: '={{ $json.cart_id }}', stage: 2, campaign: 'abandoned-cart', quietHours: false };

test('a holdout cart is skipped before anything else, and the skip is kept for the report', async () => {
	const cartId = await makeCart(sms.env.store, { phone: '+36 30 555 0101', customerId: 'holdout-1' });
	const before = sms.tw.accepted.length;
	const r = await runSend('smsSend', params, [{ cart_id: cartId, experiment: { name: 'kupon-teszt', variant: 'Kontroll', holdout: true } }], sms.credentials);
	assert.equal(r.status, 'success', r.error?.message);
	const [skipped] = outcomes(r).skipped;
	const delivery = skipped.delivery as Record<string, unknown>;
	assert.deepEqual([delivery.outcome, delivery.reason], ['skipped', 'holdout']);
	assert.match(String(delivery.detail), /holdout group \(Kontroll\) of the experiment kupon-teszt/);
	assert.match(String(skipped.result), /holdout group of the split test/);
	assert.equal(sms.tw.accepted.length, before, 'no SMS');
	const { rows } = await sms.env.db.pool.query('select reason, outcome, stage, channel from cart_recovery.skips where cart_id = $1', [cartId]);
	assert.deepEqual(rows, [{ reason: 'holdout', outcome: 'skipped', stage: 2, channel: 'sms' }]);
	const messages = await sms.env.db.pool.query('select count(*)::int as n from cart_recovery.messages where cart_id = $1', [cartId]);
	assert.equal(messages.rows[0].n, 0, 'nothing claimed');
});

test('another variant is sent and recorded on its message', async () => {
	const cartId = await makeCart(sms.env.store, { phone: '+36 30 555 0102', customerId: 'holdout-2' });
	const r = await runSend('smsSend', params, [{ cart_id: cartId, experiment: { name: 'kupon-teszt', variant: 'B', holdout: false } }], sms.credentials);
	assert.equal(outcomes(r).sent.length, 1, r.error?.message);
	const { rows } = await sms.env.db.pool.query('select variant, campaign, copy_source from cart_recovery.messages where cart_id = $1', [cartId]);
	assert.deepEqual(rows, [{ variant: 'B', campaign: 'abandoned-cart', copy_source: 'template' }]);
});

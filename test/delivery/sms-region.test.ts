// SMS Send's Default Country inside n8n's engine: an ISO 3166 region libphonenumber-js knows, checked before
// anything is claimed or sent ("XX" used to skip every SMS as "not a valid phone number").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { TwilioFake } from '../fakes/twilio';
import { makeCart, messageRows, outcomes, runSend, smsEnv, type DeliveryEnv, type SmsEnv } from './setup';

let env: DeliveryEnv;
let tw: TwilioFake;
let credentials: Record<string, object>;

const params = (extra: Record<string, unknown> = {}) => ({
	cartId: '={{ $json.cart_id }}',
	stage: 2,
	campaign: 'abandoned-cart',
	discountCode: '',
	discountText: '',
	quietHours: false,
	options: { restoreUrl: 'https://shop.example.hu/r/abc' },
	...extra,
});

let sms: SmsEnv;
before(async () => {
	sms = await smsEnv('delivery_sms_region');
	({ env, tw, credentials } = sms);
});
after(() => sms.close());

test('Default Country "XX" fails the node naming the field; nothing claimed, nothing sent', async () => {
	const cartId = await makeCart(env.store, { phone: '06 30 123 9999', customerId: 'region-xx' });
	const before = tw.requests.length;
	const r = await runSend('smsSend', params({ region: 'XX' }), [{ cart_id: cartId }], credentials);
	assert.equal(r.status, 'error');
	assert.equal(r.error!.message, "Default Country: 'XX' is not an ISO 3166 country code, e.g. HU");
	assert.equal(tw.requests.length, before, 'Twilio not called');
	assert.deepEqual(await messageRows(env, cartId), [], 'no message claimed');

	// Continue On Fail: the item fails alone, to Skipped with the reason (never to Sent); still nothing sent.
	const tolerant = await runSend('smsSend', params({ region: 'Hungary' }), [{ cart_id: cartId }], credentials, { onError: 'continueRegularOutput' });
	assert.equal(tolerant.status, 'success', tolerant.error?.message);
	const { sent, skipped } = outcomes(tolerant);
	assert.equal(sent.length, 0);
	assert.equal(skipped.length, 1);
	assert.match(String(skipped[0].error), /^Default Country: 'Hungary' is not an ISO 3166 country code, e\.g\. HU/);
	assert.equal(tw.requests.length, before);
	assert.deepEqual(await messageRows(env, cartId), []);
});

test('lower case "at" reads Austrian national numbers; empty still means HU', async () => {
	// The store reads stored numbers with its own default (HU), so the consent is recorded as E.164 here.
	const vienna = await makeCart(env.store, { phone: '0664 1234567', customerId: 'region-at', consent: ['email'] });
	await env.store.recordConsent({ channel: 'sms', address: '+436641234567', source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt', customerId: 'region-at' });
	const at = await runSend('smsSend', params({ region: 'at' }), [{ cart_id: vienna }], credentials);
	assert.equal(at.status, 'success', at.error?.message);
	assert.equal(outcomes(at).sent.length, 1, JSON.stringify(outcomes(at)));
	assert.equal((outcomes(at).sent[0].delivery as Record<string, unknown>).to, '+436641234567');

	const budapest = await makeCart(env.store, { phone: '06 30 765 1111', customerId: 'region-empty' });
	const hu = await runSend('smsSend', params({ region: '' }), [{ cart_id: budapest }], credentials);
	assert.equal(hu.status, 'success', hu.error?.message);
	assert.equal((outcomes(hu).sent[0].delivery as Record<string, unknown>).to, '+36307651111');
});

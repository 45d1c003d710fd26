// The send nodes with the AI Offer Writer's copy on the item (ai_copy): Email Send uses its subject, preview text and
// opening paragraph, SMS Send its text — only when the model wrote it for this stage and the message's language; an
// SMS text that would not fit the node's limits after the opt-out line goes out as the template instead, so the model
// never stops a send. Each message's output says whose words went out (copy), and the store keeps it (copy_source).
// WhatsApp and Messenger: test/delivery/whatsapp.test.ts, messenger.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { closeAllStores } from '../../lib/store';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { deliveryEnv, makeCart, outcomes, runSend, smsEnv, type DeliveryEnv, type SmsEnv } from './setup';

let sms: SmsEnv;
let env: DeliveryEnv;
let sg: SendGridFake;
let emailCredentials: Record<string, object>;

before(async () => {
	sms = await smsEnv('delivery_ai_copy_sms');
	env = await deliveryEnv('delivery_ai_copy_email');
	sg = await startSendGridFake();
	emailCredentials = {
		cartRecoveryStoreApi: env.db.credentials,
		sendGridCartRecoveryApi: { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', fromName: 'Chatbuddy Shop', region: 'custom', baseUrl: sg.url },
	};
});
after(async () => {
	await sms.close();
	await sg.close();
	await closeAllStores();
	await env.close();
});

const discount = { code: 'KOSAR-7K3M9Q', amount_text: '10%' };
const params = (extra: Record<string, unknown> = {}) => ({
	cartId: '={{ $json.cart_id }}',
	stage: 2,
	campaign: 'abandoned-cart',
	discountCode: '={{ $json.discount.code }}',
	discountText: '={{ $json.discount.amount_text }}',
	quietHours: false,
	options: { restoreUrl: 'https://shop.example.hu/r/abc' },
	...extra,
});
const aiCopy = (extra: Record<string, unknown> = {}) => ({
	source: 'model',
	stage: 2,
	language: 'hu',
	channels: ['email', 'sms'],
	subject: 'Anna, még vár rád a kávéd',
	preheader: 'A KOSAR-7K3M9Q kóddal 10% kedvezményt kapsz',
	email_intro: 'Szia Anna! Félretettük a kávédat, hátha még kell.',
	sms: 'Szia Anna! Még vár a kávéd. A KOSAR-7K3M9Q kóddal 10% kedvezmény: https://shop.example.hu/r/abc',
	...extra,
});

test('SMS Send sends the AI text (with its opt-out line) when the model wrote it for this stage', async () => {
	const cartId = await makeCart(sms.env.store, { phone: '+36 30 444 0001', customerId: 'ai-sms-1' });
	const r = await runSend('smsSend', params(), [{ cart_id: cartId, discount, ai_copy: aiCopy() }], sms.credentials);
	assert.equal(r.status, 'success', r.error?.message);
	const body = String((outcomes(r).sent[0].delivery as Record<string, unknown>).body);
	// Avoid Costly Characters (on by default) applies to it as to the template: á, ó → a, o; é stays (GSM-7 has it).
	assert.equal(body, 'Szia Anna! Még var a kavéd. A KOSAR-7K3M9Q koddal 10% kedvezmény: https://shop.example.hu/r/abc\nLeiratkozhatsz egy STOP üzenettel.');
	assert.equal((outcomes(r).sent[0].delivery as Record<string, unknown>).copy, 'ai');
	assert.equal(await copySource(sms.env, cartId), 'ai', 'the message is stored as sent with the AI copy');
});

test('SMS Send uses its template when the AI text is for another stage, a template fallback, or too long for the segment limit', async () => {
	for (const [name, copy] of [
		['another stage', aiCopy({ stage: 3 })],
		['the templates were used', { source: 'template', stage: 2, reason: 'timeout: no answer within 10 s' }],
		['too long', aiCopy({ sms: `KOSAR-7K3M9Q ${'hosszú szöveg, '.repeat(60)}` })],
	] as const) {
		const cartId = await makeCart(sms.env.store, { phone: `+36 30 444 00${String(10 + name.length).padStart(2, '0')}`, customerId: `ai-sms-${name}` });
		const r = await runSend('smsSend', params({ maxSegments: 2 }), [{ cart_id: cartId, discount, ai_copy: copy }], sms.credentials);
		assert.equal(r.status, 'success', `${name}: ${r.error?.message}`);
		const delivery = outcomes(r).sent[0].delivery as Record<string, unknown>;
		assert.match(String(delivery.body), /^Szia, Anna! Még megvan a kosarad/, `${name}: the shipped template`);
		assert.equal(delivery.copy, 'template', name);
		// Only a written text that was set aside is explained; another stage's copy or a fallback is simply not this message's.
		if (name === 'too long') assert.match(String(delivery.copy_note), /^The AI Offer Writer’s text was not used: .*segment/, String(delivery.copy_note));
		else assert.equal(delivery.copy_note, undefined, name);
		assert.equal(await copySource(sms.env, cartId), 'template', name);
	}
});

test('SMS Send uses its template for a cart in another language than the written text', async () => {
	const cartId = await makeCart(sms.env.store, { phone: '+36 30 444 0099', customerId: 'ai-sms-en', locale: 'en-GB' });
	const r = await runSend('smsSend', params(), [{ cart_id: cartId, discount, ai_copy: aiCopy() }], sms.credentials);
	const delivery = outcomes(r).sent[0].delivery as Record<string, unknown>;
	assert.match(String(delivery.body), /^Hi Anna/, r.error?.message);
	assert.equal(delivery.copy, 'template');
});

test('Email Send uses the AI subject, preview text and opening paragraph', async () => {
	const cartId = await makeCart(env.store, { email: 'ai-email@example.hu', customerId: 'ai-email-1' });
	const copy = aiCopy();
	const r = await runSend('emailSend', params({ unsubscribeBaseUrl: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe' }), [{ cart_id: cartId, discount, ai_copy: copy }], emailCredentials);
	assert.equal(r.status, 'success', r.error?.message);
	const [mail] = sg.accepted.filter((m) => m.body.personalizations[0].to[0].email === 'ai-email@example.hu');
	assert.equal(mail.body.personalizations[0].subject ?? mail.body.subject, copy.subject);
	const html = mail.body.content.find((c) => c.type === 'text/html')!.value;
	assert.ok(html.includes(copy.preheader) && html.includes('Félretettük a kávédat'), 'the preview text and the intro are in the email');
	const delivery = outcomes(r).sent[0].delivery as Record<string, unknown>;
	assert.deepEqual([delivery.subject, delivery.preheader, delivery.intro, delivery.copy], [copy.subject, copy.preheader, copy.email_intro, 'ai'], 'the output shows the words that went out');
	assert.equal(await copySource(env, cartId), 'ai');
});

const copySource = async (e: DeliveryEnv, cartId: string) => (await e.db.pool.query('select copy_source from cart_recovery.messages where cart_id = $1', [cartId])).rows[0]?.copy_source;

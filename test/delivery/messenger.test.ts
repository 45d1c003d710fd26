// Messenger Send inside n8n's engine, store on Postgres, Meta's Send API as the loopback Graph fake
// (test/fakes/meta.ts: documented bodies, code 10 / subcode 2018278 outside the window, tags refused).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INodeTypeDescription } from 'n8n-workflow';

import { closeAllStores } from '../../lib/store';
import { startMetaFake, type MetaFake } from '../fakes/meta';
import { connect, loadPackage, manualTrigger, node, runWorkflow, type RunResult } from '../harness/engine';
import { deliveryEnv, messageRows, outcomes, SEND, type DeliveryEnv } from './setup';

let env: DeliveryEnv;
let meta: MetaFake;
let credentials: Record<string, object>;
let seq = 0;

before(async () => {
	env = await deliveryEnv('delivery_messenger');
	meta = await startMetaFake();
	credentials = { cartRecoveryStoreApi: env.db.credentials, metaCartRecoveryApi: meta.credentials() };
});
after(async () => {
	await closeAllStores();
	await meta?.close();
	await env?.close();
});

const CODE = 'KOSAR-7K3M9Q';
const params = (extra: Record<string, unknown> = {}) => ({
	cartId: '={{ $json.cart_id }}',
	stage: 2,
	campaign: 'abandoned-cart',
	discountCode: '={{ $json.discount.code }}',
	discountText: '={{ $json.discount.amount_text }}',
	quietHours: false,
	...extra,
});
const item = (cartId: string) => ({ cart_id: cartId, discount: { code: CODE, amount_text: '10%' } });
const delivery = (json: IDataObject) => json.delivery as Record<string, unknown>;
const psid = () => `${Date.now()}${String(++seq).padStart(4, '0')}`;
const sentTo = (id: string) => meta.messengerSent.filter((m) => (m.body.recipient as { id: string }).id === id);
const callsTo = (id: string) => meta.requests.filter((r) => r.method === 'POST' && (r.body as { recipient?: { id?: string } })?.recipient?.id === id);

interface MessengerCart {
	cartId: string;
	psid: string;
}

/** A cart in recovery with a Messenger PSID; Messenger consent unless `consent: false`; the window opened when `window`. */
async function makeMessengerCart(options: { items?: Array<{ name: string; quantity: number; price: number; image_url?: string }>; consent?: boolean; window?: boolean; locale?: string } = {}): Promise<MessengerCart> {
	const id = psid();
	const cartId = `mcart-${process.pid}-${id}`;
	const items = options.items ?? [
		{ name: 'Kotyogós kávéfőző', quantity: 1, price: 12990, image_url: 'https://shop.example.hu/img/kavefozo.jpg' },
		{ name: 'Kerámia bögre', quantity: 2, price: 2495 },
	];
	const customerId = `cust-${cartId}`;
	await env.store.recordCartEvent(
		{
			source: 'generic',
			event_id: `${cartId}-e1`,
			type: 'cart',
			cart_id: cartId,
			customer_id: customerId,
			email: null,
			phone: null,
			messenger_psid: id,
			first_name: 'Anna',
			locale: options.locale ?? 'hu-HU',
			currency: 'HUF',
			value: items.reduce((s, i) => s + i.price * i.quantity, 0),
			items,
			restore_url: `https://shop.example.hu/cart/restore/${cartId}`,
			occurred_at: new Date(Date.now() - 45 * 60_000).toISOString(),
		},
		{ cooldownSeconds: 0 },
	);
	if (options.consent !== false) await env.store.recordConsent({ channel: 'messenger', address: id, source: 'messenger_optin', wording: 'Kérek emlékeztetőt Messengeren', customerId });
	if (options.window !== false) {
		await env.store.recordInboundMessage({ channel: 'messenger', messageId: `mid.${id}`, address: id, receivedAt: new Date(Date.now() - 2 * 3600_000) });
		meta.messengerWindowOpen.add(id);
	}
	return { cartId, psid: id };
}

async function runMessenger(parameters: IDataObject, items: IDataObject[], extra: IDataObject = {}): Promise<RunResult> {
	const send = node(SEND, 'n8n-nodes-cart-recovery.messengerSend', parameters, {
		credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' }, metaCartRecoveryApi: { id: 'meta', name: 'Meta' } },
		...extra,
	});
	return runWorkflow({ nodes: [manualTrigger(), send], connections: connect(['Start', SEND]), pinData: { Start: items.map((json) => ({ json })) }, credentials });
}

describe('Messenger Send: the cart carousel inside the 24-hour window', () => {
	test('Cart Carousel (default): one card per item, a button to the restore link and a “Kérem a kódot” postback with the code; RESPONSE, no tag; then exactly once', async () => {
		const cart = await makeMessengerCart();
		const r = await runMessenger(params(), [item(cart.cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const d = delivery(outcomes(r).sent[0]);
		const [sent] = sentTo(cart.psid);
		assert.ok(sent, 'Meta accepted one message');
		assert.equal(d.provider_id, sent.id);
		assert.deepEqual([d.message_kind, d.cards, d.items_left_out, d.to], ['carousel', 2, 0, cart.psid]);
		const restore = `https://shop.example.hu/cart/restore/${cart.cartId}`;
		const codePayload = JSON.stringify({ kind: 'discount_code', code: CODE, cart_id: cart.cartId });
		const buttons = [
			{ type: 'web_url', url: restore, title: 'Vissza a kosárhoz' },
			{ type: 'postback', title: 'Kérem a kódot', payload: codePayload },
		];
		assert.deepEqual(sent.body, {
			recipient: { id: cart.psid },
			messaging_type: 'RESPONSE',
			message: {
				attachment: {
					type: 'template',
					payload: {
						template_type: 'generic',
						elements: [
							{ title: 'Kotyogós kávéfőző', subtitle: '12\u00a0990\u00a0Ft', image_url: 'https://shop.example.hu/img/kavefozo.jpg', default_action: { type: 'web_url', url: restore }, buttons },
							{ title: 'Kerámia bögre', subtitle: '2 × 2\u00a0495\u00a0Ft', default_action: { type: 'web_url', url: restore }, buttons },
						],
					},
				},
			},
		});
		assert.equal('tag' in sent.body, false);
		const [row] = await messageRows(env, cart.cartId);
		assert.deepEqual([row.channel, row.status, row.provider_id], ['messenger', 'sent', sent.id]);

		const again = await runMessenger(params(), [item(cart.cartId)]);
		assert.equal(delivery(outcomes(again).sent[0]).reason, 'already_sent', 'already sent: the Sent output, not the fallback');
		assert.equal(sentTo(cart.psid).length, 1, 'sent once');
	});

	test('a cart of 11 items: the carousel keeps the first 10 and the output says 1 item was left out', async () => {
		const items = Array.from({ length: 11 }, (_, i) => ({ name: `Termék ${i + 1}`, quantity: 1, price: 1000 + i }));
		const cart = await makeMessengerCart({ items });
		const r = await runMessenger(params(), [item(cart.cartId)]);
		const d = delivery(outcomes(r).sent[0]);
		assert.deepEqual([d.cards, d.items_left_out], [10, 1]);
		const elements = ((sentTo(cart.psid)[0].body.message as IDataObject).attachment as { payload: { elements: Array<{ title: string }> } }).payload.elements;
		assert.deepEqual(elements.map((e) => e.title), items.slice(0, 10).map((i) => i.name));
	});

	test('Quick Replies in English: the text with the link, the code, “Maybe later” and “Unsubscribe” replies', async () => {
		const cart = await makeMessengerCart({ locale: 'en-GB' });
		const r = await runMessenger(params({ messageKind: 'quickReplies' }), [item(cart.cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const message = sentTo(cart.psid)[0].body.message as { text: string; quick_replies: Array<{ title: string; payload: string }> };
		assert.equal(message.text, `Hi Anna! Your cart (HUF\u00a017,980) is still waiting for you.\nGet 10% off with this code: ${CODE}\nPick up where you left off: https://shop.example.hu/cart/restore/${cart.cartId}`);
		assert.deepEqual(message.quick_replies.map((q) => q.title), ['Send me the code', 'Maybe later', 'Unsubscribe']);
	});
});

describe('Messenger Send: outside the window, errors, limits, consent', () => {
	test('closed window (the customer never wrote) → Skipped window_closed: no claim, no call to Meta', async () => {
		const cart = await makeMessengerCart({ window: false });
		const r = await runMessenger(params(), [item(cart.cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const d = delivery(outcomes(r).skipped[0]);
		assert.equal(d.reason, 'window_closed');
		assert.match(String(d.detail), /has not written to the page/);
		assert.deepEqual(await messageRows(env, cart.cartId), [], 'nothing claimed');
		assert.equal(callsTo(cart.psid).length, 0, 'Meta was not called');
	});

	test('a window that closed 25 hours ago → Skipped window_closed, naming when it closed', async () => {
		const cart = await makeMessengerCart({ window: false });
		await env.store.recordInboundMessage({ channel: 'messenger', messageId: `mid.old.${cart.psid}`, address: cart.psid, receivedAt: new Date(Date.now() - 25 * 3600_000) });
		const r = await runMessenger(params(), [item(cart.cartId)]);
		const d = delivery(outcomes(r).skipped[0]);
		assert.equal(d.reason, 'window_closed');
		assert.match(String(d.detail), /window closed at/);
		assert.equal(callsTo(cart.psid).length, 0);
	});

	test('Meta answers code 10 / subcode 2018278 (its window closed) → Skipped window_closed, recorded failed, not retried', async () => {
		const cart = await makeMessengerCart();
		meta.messengerWindowOpen.delete(cart.psid); // the store thinks it is open; Meta does not
		const r = await runMessenger(params(), [item(cart.cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const d = delivery(outcomes(r).skipped[0]);
		assert.equal(d.reason, 'window_closed');
		assert.match(String(d.detail), /last 24 hours/);
		assert.deepEqual(callsTo(cart.psid).map((c) => c.answer), [400], 'one call, not retried');
		const [row] = await messageRows(env, cart.cartId);
		assert.equal(row.status, 'failed');
		assert.match(row.error!, /code 10|2018278|24 hours/);
		const again = await runMessenger(params(), [item(cart.cartId)]);
		assert.equal(delivery(outcomes(again).skipped[0]).reason, 'previously_failed');
		assert.equal(callsTo(cart.psid).length, 1);
	});

	test('a quick reply title over 20 characters → node error naming the field, nothing sent, the claim given back', async () => {
		const cart = await makeMessengerCart();
		const long = 'Most nem, talán majd később';
		const r = await runMessenger(params({ messageKind: 'quickReplies', laterReplyHu: long }), [item(cart.cartId)], { onError: 'continueErrorOutput' });
		const { sent, errors } = outcomes(r);
		assert.equal(sent.length, 0);
		assert.equal(String(errors[0].error), `Later Reply Title (Hungarian) "${long}" is ${[...long].length} characters; Messenger allows at most 20: not sent`);
		assert.equal(callsTo(cart.psid).length, 0, 'Meta was not called');
		const [row] = await messageRows(env, cart.cartId);
		assert.equal(row.status, 'released', 'the claim was given back');
		// Fixed, it goes out.
		const fixed = await runMessenger(params({ messageKind: 'quickReplies' }), [item(cart.cartId)]);
		assert.equal(outcomes(fixed).sent.length, 1, fixed.error?.message);
	});

	test('no Messenger consent → Skipped no_consent, nothing sent', async () => {
		const cart = await makeMessengerCart({ consent: false });
		const r = await runMessenger(params(), [item(cart.cartId)]);
		assert.equal(delivery(outcomes(r).skipped[0]).reason, 'no_consent');
		assert.equal(callsTo(cart.psid).length, 0);
		assert.deepEqual(await messageRows(env, cart.cartId), []);
	});
});

describe('Messenger Send: the node', () => {
	test('credentials labelled for what each is for, tested by the Meta test; Cart Carousel, quiet hours and one message a day by default', async () => {
		const { loader } = await loadPackage();
		const description = (loader.nodeTypes.messengerSend.type as { description: INodeTypeDescription }).description;
		assert.deepEqual(
			description.credentials!.map((c) => [c.name, c.displayName, c.testedBy]),
			[
				['cartRecoveryStoreApi', 'Cart Recovery Store', 'cartRecoveryStoreTest'],
				['metaCartRecoveryApi', 'Meta Account (Sends as Your Facebook Page)', 'metaCartRecoveryTest'],
			],
		);
		const param = (name: string) => description.properties.find((p) => p.name === name);
		assert.deepEqual([param('messageKind')?.default, param('quietHours')?.default, param('capMax')?.default], ['carousel', true, 1]);
		assert.deepEqual(
			description.properties.filter((p) => p.name === 'codeButtonHu' || p.name === 'codeButtonEn').map((p) => p.default),
			['Kérem a kódot', 'Send me the code'],
		);
		assert.equal(description.properties.filter((p) => p.name === 'messengerTextHu').length, 3, 'one Message Text per stage kind');
	});

	test('Preview Only: the sample cart as a carousel in both languages; nothing claimed, nothing sent', async () => {
		const before = meta.requests.length;
		const r = await runMessenger({ mode: 'preview', stage: 2, quietHours: false }, [{}]);
		assert.equal(r.status, 'success', r.error?.message);
		const previews = outcomes(r).sent.map((item) => item.preview as Record<string, unknown>);
		assert.deepEqual(previews.map((p) => [p.language, p.message_kind, p.cards]), [
			['hu', 'carousel', 2],
			['en', 'carousel', 2],
		]);
		const elements = ((previews[0].message as IDataObject).attachment as { payload: { elements: Array<{ buttons: Array<{ title: string }> }> } }).payload.elements;
		assert.deepEqual(elements[0].buttons.map((b) => b.title), ['Vissza a kosárhoz', 'Kérem a kódot']);
		assert.equal(meta.requests.length, before, 'Meta was not called');
	});
});

describe('Messenger Send: the AI Offer Writer’s text', () => {
	const written = (extra: IDataObject = {}) => ({
		source: 'stored',
		stage: 2,
		language: 'hu',
		channels: ['messenger'],
		messenger: `Szia Anna! A kávéfőződ még vár rád. A ${CODE} kóddal 10% kedvezményt kapsz.`,
		...extra,
	});
	const copySource = async (cartId: string) => (await env.db.pool.query('select copy_source from cart_recovery.messages where cart_id = $1', [cartId])).rows[0]?.copy_source;

	test('Quick Replies: the written text with the link to the cart on its own line, the replies as always; recorded as AI copy', async () => {
		const cart = await makeMessengerCart();
		const r = await runMessenger(params({ messageKind: 'quickReplies' }), [{ ...item(cart.cartId), ai_copy: written() }]);
		assert.equal(delivery(outcomes(r).sent[0] ?? {}).copy, 'ai', r.error?.message);
		const message = sentTo(cart.psid)[0].body.message as { text: string; quick_replies: Array<{ title: string }> };
		assert.equal(message.text, `${written().messenger}\nhttps://shop.example.hu/cart/restore/${cart.cartId}`);
		assert.deepEqual(message.quick_replies.map((q) => q.title), ['Kérem a kódot', 'Majd később', 'Leiratkozom']);
		assert.equal(await copySource(cart.cartId), 'ai');
	});

	test('Cart Carousel has no text: the cards go out, copy template, and the output says where the written text is used', async () => {
		const cart = await makeMessengerCart();
		const r = await runMessenger(params(), [{ ...item(cart.cartId), ai_copy: written() }]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.deepEqual([d.message_kind, d.copy], ['carousel', 'template'], r.error?.message);
		assert.match(String(d.copy_note), /Cart Carousel has no text/);
		assert.equal(await copySource(cart.cartId), 'template');
	});
});

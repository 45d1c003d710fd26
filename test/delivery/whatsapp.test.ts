// WhatsApp Send inside n8n's engine, store on Postgres, Meta's Graph API as a loopback fake (Cloud API request
// and response bodies, Graph error shapes, message_templates). The 24-hour window is opened the way the events
// issue will: store.recordInboundMessage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode } from 'n8n-workflow';

import { closeAllStores } from '../../lib/store';
import { metaErrors, startMetaFake, type MetaFake } from '../fakes/meta';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { deliveryEnv, makeCart, messageRows, outcomes, SEND, type DeliveryEnv } from './setup';
import { productRowId } from '../../lib/channels/whatsapp/tapped';

let env: DeliveryEnv;
let meta: MetaFake;
let credentials: Record<string, object>;

before(async () => {
	env = await deliveryEnv('delivery_whatsapp');
	meta = await startMetaFake();
	credentials = { cartRecoveryStoreApi: env.db.credentials, metaCartRecoveryApi: meta.credentials() };
});
after(async () => {
	await closeAllStores();
	await meta.close();
	await env.close();
});

const params = (extra: IDataObject = {}): IDataObject => ({
	cartId: '={{ $json.cart_id }}',
	stage: 2,
	discountCode: '={{ $json.discount.code }}',
	discountText: '={{ $json.discount.amount_text }}',
	quietHours: false,
	templateHu: 'kosar_emlekezteto|hu',
	templateEn: 'cart_reminder|en',
	...extra,
});
const item = (cartId: string) => ({ cart_id: cartId, discount: { code: 'KOSAR-7K3M9Q', amount_text: '10%' } });
const delivery = (json: IDataObject) => json.delivery as Record<string, unknown>;
const image = 'https://cdn.shop.example.hu/kavefozo.jpg';
const items = [{ name: 'Kávéfőző', quantity: 1, price: 12990, image_url: image }];

function runSend(parameters: IDataObject, input: IDataObject[], extra: Partial<INode> = {}) {
	const send = node(SEND, 'whatsAppSend', parameters, {
		credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' }, metaCartRecoveryApi: { id: 'meta', name: 'Meta' } },
		...extra,
	});
	return runWorkflow({ nodes: [manualTrigger(), send], connections: connect(['Start', SEND]), pinData: { Start: input.map((json) => ({ json })) }, credentials });
}

const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
const messageCalls = () => meta.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages')).length;
const sentTo = (digits: string) => meta.whatsappSent.filter((m) => m.body.to === digits);

/** Opens the customer's 24-hour window: in the store (a message they sent, as the webhook records it) and at the fake Meta. */
async function customerWrote(phone: string) {
	await env.store.recordInboundMessage({ channel: 'whatsapp', messageId: `wamid.in-${phone}-${Date.now()}`, address: phone });
	meta.whatsappWindowOpen.add(phone.replace(/^\+/, ''));
}

describe('WhatsApp Send: message kinds and the 24-hour window', () => {
	test('Auto outside the window: the approved template, image header from the first item, coupon button with the Discount Code, link button with the restore path', async () => {
		const cartId = await makeCart(env.store, { phone: '06 30 200 0001', customerId: 'wa-tpl', consent: ['whatsapp'], items });
		const r = await runSend(params(), [item(cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const d = delivery(outcomes(r).sent[0]);
		assert.deepEqual([d.outcome, d.to, d.kind, d.template, d.whatsapp_status], ['sent', '+36302000001', 'template', 'kosar_emlekezteto (hu)', 'accepted']);
		const [sent] = sentTo('36302000001');
		assert.equal(d.provider_id, sent.id);
		assert.deepEqual(sent.body, {
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '36302000001',
			// Meta echoes it in this message's status webhooks: the Channel Events Trigger finds the message by it.
			biz_opaque_callback_data: d.message_id,
			type: 'template',
			template: {
				name: 'kosar_emlekezteto',
				language: { code: 'hu' },
				components: [
					{ type: 'header', parameters: [{ type: 'image', image: { link: image } }] },
					{
						type: 'body',
						parameters: [
							{ type: 'text', parameter_name: 'cart_total', text: '12 990 Ft' },
							{ type: 'text', parameter_name: 'discount', text: '10%' },
						],
					},
					{ type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'KOSAR-7K3M9Q' }] },
					{ type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: `restore/${cartId}` }] },
				],
			},
		});
		const [row] = await messageRows(env, cartId);
		assert.deepEqual([row.channel, row.status, row.provider_id], ['whatsapp', 'sent', sent.id]);
	});

	test('Auto inside the window (the customer wrote): a message with a link button in the shipped Hungarian copy', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000002', customerId: 'wa-int', consent: ['whatsapp'], items });
		await customerWrote('+36302000002');
		const r = await runSend(params({ options: { shopName: 'Kávémanufaktúra' } }), [item(cartId)]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.equal(d.kind, 'interactive', r.error?.message ?? JSON.stringify(outcomes(r)));
		const [sent] = sentTo('36302000002');
		// Money keeps its non-breaking space ("12 990 Ft" never breaks across lines); compared here as a plain space.
		assert.deepEqual(JSON.parse(plain(JSON.stringify(sent.body.interactive))), {
			type: 'cta_url',
			header: { type: 'image', image: { link: image } },
			body: { text: 'Szia, Anna! Még mindig félretesszük neked a kosaradat (12 990 Ft).\n10% kedvezményt kapsz ezzel a kóddal: KOSAR-7K3M9Q' },
			footer: { text: 'Kávémanufaktúra' },
			action: { name: 'cta_url', parameters: { display_text: 'Vissza a kosárhoz', url: `https://shop.example.hu/cart/restore/${cartId}` } },
		});
	});

	test('Auto when Meta says the window closed meanwhile (131047): the template goes out instead, once', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000003', customerId: 'wa-fallback', consent: ['whatsapp'], items });
		await env.store.recordInboundMessage({ channel: 'whatsapp', messageId: 'wamid.in-fallback', address: '+36302000003' });
		const r = await runSend(params(), [item(cartId)]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.deepEqual([d.kind, d.template, d.fell_back_to_template], ['template', 'kosar_emlekezteto (hu)', true], r.error?.message ?? JSON.stringify(outcomes(r)));
		assert.deepEqual(sentTo('36302000003').map((m) => m.body.type), ['template']);
	});

	test('Interactive Buttons forced with the window closed → Skipped window_closed before any claim or call', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000004', customerId: 'wa-closed', consent: ['whatsapp'], items });
		const calls = messageCalls();
		for (const messageKind of ['interactive', 'text']) {
			const r = await runSend(params({ messageKind }), [item(cartId)]);
			const d = delivery(outcomes(r).skipped[0] ?? {});
			assert.equal(d.reason, 'window_closed', r.error?.message);
			assert.match(String(d.detail), /has not written to you on WhatsApp: WhatsApp allows .* only within 24 hours/);
		}
		assert.equal(messageCalls(), calls, 'Meta was not called');
		assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed');
	});

	test('Text forced inside the window: the shipped text with the link', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000005', customerId: 'wa-text', consent: ['whatsapp'], items, locale: 'en-GB' });
		await customerWrote('+36302000005');
		const r = await runSend(params({ messageKind: 'text', stage: 1 }), [{ cart_id: cartId }]);
		assert.equal(delivery(outcomes(r).sent[0] ?? {}).kind, 'text', r.error?.message);
		assert.deepEqual(JSON.parse(plain(JSON.stringify(sentTo('36302000005')[0].body.text))), {
			body: `Hi Anna! We've saved your cart (HUF 12,990) so you can pick up where you left off.\nPick up where you left off: https://shop.example.hu/cart/restore/${cartId}`,
			preview_url: true,
		});
	});

	test('a US (+1) number with a marketing template → Skipped not_deliverable, nothing claimed or sent', async () => {
		const cartId = await makeCart(env.store, { phone: '+1 646 201 9876', customerId: 'wa-us', consent: ['whatsapp'], items });
		const calls = messageCalls();
		const r = await runSend(params({ messageKind: 'template' }), [item(cartId)]);
		const d = delivery(outcomes(r).skipped[0] ?? {});
		assert.equal(d.reason, 'not_deliverable', r.error?.message);
		assert.match(String(d.detail), /US \(\+1\) numbers/);
		assert.equal(messageCalls(), calls);
		assert.deepEqual(await messageRows(env, cartId), []);
	});

	test('exactly once: the same cart and stage twice → the second run sends nothing and leaves on Sent (already_sent)', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000006', customerId: 'wa-once', consent: ['whatsapp'], items });
		const r1 = await runSend(params(), [item(cartId)]);
		assert.equal(outcomes(r1).sent.length, 1, r1.error?.message);
		const r2 = await runSend(params(), [item(cartId)]);
		assert.equal(delivery(outcomes(r2).sent[0]).reason, 'already_sent');
		assert.equal(outcomes(r2).skipped.length, 0, 'no fallback to SMS for a WhatsApp the customer got');
		assert.equal(sentTo('36302000006').length, 1);
	});

	test('Interactive Buttons forced, the store thinks the window is open but Meta answers 131047 → Skipped window_closed, recorded failed', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000008', customerId: 'wa-131047', consent: ['whatsapp'], items });
		await env.store.recordInboundMessage({ channel: 'whatsapp', messageId: 'wamid.in-131047', address: '+36302000008' });
		const r = await runSend(params({ messageKind: 'interactive' }), [item(cartId)]);
		const d = delivery(outcomes(r).skipped[0] ?? {});
		assert.equal(d.reason, 'window_closed', r.error?.message ?? JSON.stringify(outcomes(r)));
		assert.match(String(d.detail), /131047/);
		assert.deepEqual(sentTo('36302000008'), [], 'no template sent: the node was told to send buttons');
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['failed']);
	});

	test('Preview Only: the button message and the template choice for the item’s cart; nothing claimed, Meta not called', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000009', customerId: 'wa-preview', consent: ['whatsapp'], items });
		const before = meta.requests.length;
		const r = await runSend(params({ mode: 'preview' }), [item(cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const [sent] = outcomes(r).sent;
		const preview = sent.preview as Record<string, unknown>;
		assert.deepEqual(
			{ ...preview, body: plain(String(preview.body)) },
			{
				channel: 'whatsapp',
				language: 'hu',
				stage: 2,
				kind: 'auto',
				body: 'Szia, Anna! Még mindig félretesszük neked a kosaradat (12 990 Ft).\n10% kedvezményt kapsz ezzel a kóddal: KOSAR-7K3M9Q',
				button: 'Vissza a kosárhoz',
				url: `https://shop.example.hu/cart/restore/${cartId}`,
				template: 'kosar_emlekezteto (hu)',
			},
		);
		assert.equal(meta.requests.length, before);
		assert.deepEqual(await messageRows(env, cartId), []);
	});

	test('no WhatsApp consent → Skipped no_consent', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000007', customerId: 'wa-nc', consent: ['sms'], items });
		const r = await runSend(params(), [item(cartId)]);
		assert.equal(delivery(outcomes(r).skipped[0]).reason, 'no_consent');
	});
});

describe('WhatsApp Send: Reply Buttons and Product List (within the 24-hour window)', () => {
	const longName = 'Kotyogós kávéfőző indukciós lapra, 6 személyes';
	const twoItems = [
		{ name: longName, quantity: 1, price: 12990, image_url: image },
		{ name: 'Kerámia bögre', quantity: 2, price: 2495 },
	];

	test('Reply Buttons inside the window: the text with the link, three reply buttons whose ids carry the action and the cart', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000030', customerId: 'wa-reply', consent: ['whatsapp'], items });
		await customerWrote('+36302000030');
		const r = await runSend(params({ messageKind: 'replyButtons', options: { shopName: 'Kávémanufaktúra' } }), [item(cartId)]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.equal(d.kind, 'replyButtons', r.error?.message ?? JSON.stringify(outcomes(r)));
		const [sent] = sentTo('36302000030');
		assert.equal(d.provider_id, sent.id);
		assert.deepEqual(JSON.parse(plain(JSON.stringify(sent.body))), {
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '36302000030',
			biz_opaque_callback_data: d.message_id,
			type: 'interactive',
			interactive: {
				type: 'button',
				header: { type: 'image', image: { link: image } },
				body: {
					text: `Szia, Anna! Még mindig félretesszük neked a kosaradat (12 990 Ft).\n10% kedvezményt kapsz ezzel a kóddal: KOSAR-7K3M9Q\nItt találod a kosaradat: https://shop.example.hu/cart/restore/${cartId}`,
				},
				footer: { text: 'Kávémanufaktúra' },
				action: {
					buttons: [
						{ type: 'reply', reply: { id: `code:${cartId}`, title: 'Kérem a kódot' } },
						{ type: 'reply', reply: { id: `later:${cartId}`, title: 'Majd később' } },
						{ type: 'reply', reply: { id: `stop:${cartId}`, title: 'Leiratkozom' } },
					],
				},
			},
		});
		assert.deepEqual((await messageRows(env, cartId)).map((m) => [m.status, m.provider_id]), [['sent', sent.id]]);
	});

	test('Reply Buttons in English without a discount code: no code button, the English titles', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000031', customerId: 'wa-reply-en', consent: ['whatsapp'], items, locale: 'en-GB' });
		await customerWrote('+36302000031');
		const r = await runSend(params({ messageKind: 'replyButtons', stage: 1 }), [{ cart_id: cartId }]);
		assert.equal(delivery(outcomes(r).sent[0] ?? {}).kind, 'replyButtons', r.error?.message ?? JSON.stringify(outcomes(r)));
		const interactive = sentTo('36302000031')[0].body.interactive as { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } };
		assert.equal(
			plain(interactive.body.text),
			`Hi Anna! We've saved your cart (HUF 12,990) so you can pick up where you left off.\nHere’s your cart: https://shop.example.hu/cart/restore/${cartId}`,
		);
		assert.deepEqual(
			interactive.action.buttons.map((b) => b.reply),
			[
				{ id: `later:${cartId}`, title: 'Maybe later' },
				{ id: `stop:${cartId}`, title: 'Unsubscribe' },
			],
		);
	});

	test('Product List inside the window: one row per cart item, a long name shortened to 24 with an ellipsis, quantity and price under it', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000032', customerId: 'wa-list', consent: ['whatsapp'], items: twoItems });
		await customerWrote('+36302000032');
		const r = await runSend(params({ messageKind: 'list' }), [item(cartId)]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.equal(d.kind, 'list', r.error?.message ?? JSON.stringify(outcomes(r)));
		const [sent] = sentTo('36302000032');
		const interactive = JSON.parse(plain(JSON.stringify(sent.body.interactive)));
		assert.deepEqual(interactive, {
			type: 'list',
			body: {
				text: `Szia, Anna! Még mindig félretesszük neked a kosaradat (17 980 Ft).\n10% kedvezményt kapsz ezzel a kóddal: KOSAR-7K3M9Q\nItt találod a kosaradat: https://shop.example.hu/cart/restore/${cartId}`,
			},
			action: {
				button: 'Termékeid',
				sections: [
					{
						rows: [
							{ id: productRowId('item', cartId, 1, twoItems[0]), title: 'Kotyogós kávéfőző induk…', description: '1 db · 12 990 Ft' },
							{ id: productRowId('item', cartId, 2, twoItems[1]), title: 'Kerámia bögre', description: '2 db · 4 990 Ft' },
						],
					},
				],
			},
		});
		assert.equal([...interactive.action.sections[0].rows[0].title].length, 24);
		assert.ok(longName.startsWith(interactive.action.sections[0].rows[0].title.slice(0, -1)));
	});

	test('Reply Buttons and Product List with the window closed → Skipped window_closed before any claim or call', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000033', customerId: 'wa-closed-new', consent: ['whatsapp'], items });
		const calls = messageCalls();
		for (const [messageKind, noun] of [
			['replyButtons', 'a message with buttons'],
			['list', 'a product list'],
		]) {
			const r = await runSend(params({ messageKind }), [item(cartId)]);
			const d = delivery(outcomes(r).skipped[0] ?? {});
			assert.equal(d.reason, 'window_closed', r.error?.message ?? JSON.stringify(outcomes(r)));
			assert.match(String(d.detail), new RegExp(`has not written to you on WhatsApp: WhatsApp allows ${noun} only within 24 hours`));
		}
		assert.equal(messageCalls(), calls, 'Meta was not called');
		assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed');
	});

	test('a reply button title over 20 characters → node error naming the field, nothing sent, the claim given back', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000034', customerId: 'wa-reply-limit', consent: ['whatsapp'], items });
		await customerWrote('+36302000034');
		const calls = messageCalls();
		const r = await runSend(params({ messageKind: 'replyButtons', whatsappReplyLaterHu: 'Talán majd később, köszi' }), [item(cartId)]);
		assert.equal(r.status, 'error');
		assert.equal(r.error?.message, 'Later Button Title (Hungarian) "Talán majd később, köszi" is 24 characters; WhatsApp allows at most 20');
		assert.equal(messageCalls(), calls);
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released']);
	});

	test('two reply buttons with the same title → node error naming both fields, nothing sent', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000035', customerId: 'wa-reply-dup', consent: ['whatsapp'], items });
		await customerWrote('+36302000035');
		const calls = messageCalls();
		const r = await runSend(params({ messageKind: 'replyButtons', whatsappReplyStopHu: 'majd később' }), [item(cartId)]);
		assert.equal(r.status, 'error');
		assert.equal(r.error?.message, 'Unsubscribe Button Title (Hungarian) "majd később" is the same as Later Button Title (Hungarian); WhatsApp needs each button title to be different');
		assert.equal(messageCalls(), calls);
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released']);
	});

	test('a list button text over 20 characters → node error naming the field, nothing sent', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000036', customerId: 'wa-list-limit', consent: ['whatsapp'], items: twoItems });
		await customerWrote('+36302000036');
		const calls = messageCalls();
		const r = await runSend(params({ messageKind: 'list', whatsappListButtonHu: 'A kosaradban lévő termékek' }), [item(cartId)]);
		assert.equal(r.status, 'error');
		assert.equal(r.error?.message, 'List Button Text (Hungarian) "A kosaradban lévő termékek" is 26 characters; WhatsApp allows at most 20');
		assert.equal(messageCalls(), calls);
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released']);
	});

	test('Preview Only with Product List: the text, the list button and the rows; nothing claimed, Meta not called', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000037', customerId: 'wa-list-preview', consent: ['whatsapp'], items: twoItems });
		const before = meta.requests.length;
		const r = await runSend(params({ mode: 'preview', messageKind: 'list' }), [item(cartId)]);
		assert.equal(r.status, 'success', r.error?.message);
		const preview = outcomes(r).sent[0].preview as Record<string, unknown>;
		assert.deepEqual(JSON.parse(plain(JSON.stringify([preview.kind, preview.button, preview.items]))), ['list', 'Termékeid', ['Kotyogós kávéfőző induk… (1 db · 12 990 Ft)', 'Kerámia bögre (2 db · 4 990 Ft)']]);
		assert.equal(meta.requests.length, before);
		assert.deepEqual(await messageRows(env, cartId), []);
	});
});

describe('WhatsApp Send: Meta errors by code', () => {
	test('131050 (the customer stopped marketing messages) → WhatsApp consent withdrawn, Skipped opted_out, next stage blocked', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000010', customerId: 'wa-stop', consent: ['whatsapp', 'sms'], items });
		meta.script(metaErrors.optedOut());
		const r = await runSend(params(), [item(cartId)]);
		const d = delivery(outcomes(r).skipped[0] ?? {});
		assert.equal(d.reason, 'opted_out', r.error?.message);
		assert.match(String(d.detail), /131050/);
		const [row] = await messageRows(env, cartId);
		assert.equal(row.status, 'failed');
		const [wa, sms] = await env.store.checkConsent({ whatsappPhone: '+36302000010', phone: '+36302000010' }, ['whatsapp', 'sms']);
		assert.deepEqual([wa.allowed, wa.reason], [false, 'withdrawn']);
		assert.equal(sms.allowed, true, 'only WhatsApp consent is withdrawn');
		const next = await runSend(params({ stage: 3 }), [item(cartId)]);
		assert.equal(delivery(outcomes(next).skipped[0]).reason, 'withdrawn');
	});

	test('131049 (Meta’s marketing cap) → Deferred at least a day, the claim given back, not retried now', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000011', customerId: 'wa-cap', consent: ['whatsapp'], items });
		const calls = messageCalls();
		meta.script(metaErrors.marketingCap());
		const started = Date.now();
		const r = await runSend(params(), [item(cartId)]);
		const d = delivery(outcomes(r).deferred[0] ?? {});
		assert.equal(d.outcome, 'deferred', r.error?.message ?? JSON.stringify(outcomes(r)));
		assert.match(String(d.detail), /131049/);
		assert.ok(new Date(String(d.sendAt)).getTime() >= started + 24 * 3600_000, `sendAt ${d.sendAt} is a day or more later`);
		assert.equal(messageCalls(), calls + 1, 'one call, no retry');
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released']);
	});

	test('130429 (throughput) is retried: the second try is accepted', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000012', customerId: 'wa-rate', consent: ['whatsapp'], items });
		meta.script(metaErrors.rateLimited());
		const r = await runSend(params({ options: { maxRetryWaitSeconds: 2 } }), [item(cartId)]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.equal(d.attempts, 2, r.error?.message ?? JSON.stringify(outcomes(r)));
	});

	test('131026 (undeliverable) → recorded failed with Meta’s code, item on the error output', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000013', customerId: 'wa-undeliv', consent: ['whatsapp'], items });
		meta.script(metaErrors.undeliverable());
		const r = await runSend(params(), [item(cartId)], { onError: 'continueErrorOutput' });
		assert.match(String(outcomes(r).errors[0]?.error), /WhatsApp 400 \(code 131026\): WhatsApp cannot deliver to this number/);
		assert.equal((await messageRows(env, cartId))[0].status, 'failed');
	});

	test('132001 (template missing at Meta) → named for the marketer', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000014', customerId: 'wa-132001', consent: ['whatsapp'], items });
		meta.script(metaErrors.templateMissing('kosar_emlekezteto', 'hu'));
		const r = await runSend(params(), [item(cartId)], { onError: 'continueErrorOutput' });
		assert.match(String(outcomes(r).errors[0]?.error), /Template "kosar_emlekezteto" \(hu\) is not approved in this WhatsApp Business Account/);
	});
});

describe('WhatsApp Send: limits before the call', () => {
	test('a link button text over 20 characters → node error naming the field, nothing sent, the claim given back', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000020', customerId: 'wa-limit', consent: ['whatsapp'], items });
		await customerWrote('+36302000020');
		const calls = messageCalls();
		const r = await runSend(params({ messageKind: 'interactive', whatsappButtonHu: 'Vissza a kosaradhoz most' }), [item(cartId)]);
		assert.equal(r.status, 'error');
		assert.equal(r.error?.message, 'Link Button Text (Hungarian) "Vissza a kosaradhoz most" is 24 characters; WhatsApp allows at most 20');
		assert.equal(messageCalls(), calls);
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released']);
	});

	test('a template not approved in the account → the node fails naming the field before anything is claimed', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000021', customerId: 'wa-draft', consent: ['whatsapp'], items });
		const r = await runSend(params({ templateHu: 'draft_offer|hu' }), [item(cartId)]);
		assert.equal(r.status, 'error');
		assert.equal(r.error?.message, 'Template (Hungarian): "draft_offer" (hu) is not an approved template in this WhatsApp Business Account');
		assert.deepEqual(await messageRows(env, cartId), []);
	});

	test('a discount code longer than the copy-code button takes → error naming it, nothing sent', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000022', customerId: 'wa-coupon', consent: ['whatsapp'], items });
		const calls = messageCalls();
		const r = await runSend(params(), [{ cart_id: cartId, discount: { code: 'KOSAR-TUL-HOSSZU-KOD', amount_text: '10%' } }]);
		assert.equal(r.status, 'error');
		assert.match(String(r.error?.message), /^Coupon code "KOSAR-TUL-HOSSZU-KOD" is 20 characters; WhatsApp allows at most 15$/);
		assert.equal(messageCalls(), calls);
		assert.deepEqual((await messageRows(env, cartId)).map((m) => m.status), ['released']);
	});
});

describe('WhatsApp Send: the AI Offer Writer’s body', () => {
	const written = (extra: IDataObject = {}) => ({
		source: 'model',
		stage: 2,
		language: 'hu',
		channels: ['whatsapp'],
		whatsapp: 'Szia Anna! Félretettük a kávéfőződet. A KOSAR-7K3M9Q kóddal 10% kedvezményt kapsz rá.',
		...extra,
	});
	const copySource = async (cartId: string) => (await env.db.pool.query('select copy_source from cart_recovery.messages where cart_id = $1', [cartId])).rows[0]?.copy_source;

	test('inside the window: the written body on the link-button message, recorded as AI copy', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000230', customerId: 'wa-ai-int', consent: ['whatsapp'], items });
		await customerWrote('+36302000230');
		const r = await runSend(params(), [{ ...item(cartId), ai_copy: written() }]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.deepEqual([d.kind, d.copy], ['interactive', 'ai'], r.error?.message ?? JSON.stringify(outcomes(r)));
		const interactive = sentTo('36302000230')[0].body.interactive as { body: { text: string }; action: { parameters: { url: string } } };
		assert.equal(interactive.body.text, written().whatsapp);
		assert.equal(interactive.action.parameters.url, `https://shop.example.hu/cart/restore/${cartId}`, 'the link stays on the button');
		assert.equal(await copySource(cartId), 'ai');
	});

	test('Message Kind Text: the written text with the link to the cart below it when the text has none', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000231', customerId: 'wa-ai-text', consent: ['whatsapp'], items });
		await customerWrote('+36302000231');
		const r = await runSend(params({ messageKind: 'text' }), [{ ...item(cartId), ai_copy: written() }]);
		assert.equal(delivery(outcomes(r).sent[0] ?? {}).copy, 'ai', r.error?.message);
		const text = (sentTo('36302000231')[0].body.text as { body: string }).body;
		assert.equal(text, `${written().whatsapp}\nItt találod a kosaradat: https://shop.example.hu/cart/restore/${cartId}`);
	});

	test('outside the window the approved template goes out as approved: copy template, and the output says why the written body waited', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000232', customerId: 'wa-ai-tpl', consent: ['whatsapp'], items });
		const r = await runSend(params(), [{ ...item(cartId), ai_copy: written() }]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.deepEqual([d.kind, d.copy], ['template', 'template'], r.error?.message);
		assert.match(String(d.copy_note), /approved template’s words cannot change/);
		assert.equal(await copySource(cartId), 'template');
	});

	test('copy written in another language than the message’s is not used', async () => {
		const cartId = await makeCart(env.store, { phone: '+36302000233', customerId: 'wa-ai-en', consent: ['whatsapp'], items, locale: 'en-GB' });
		await customerWrote('+36302000233');
		const r = await runSend(params(), [{ ...item(cartId), ai_copy: written() }]);
		const d = delivery(outcomes(r).sent[0] ?? {});
		assert.deepEqual([d.kind, d.copy, d.copy_note], ['interactive', 'template', undefined], r.error?.message);
		assert.match((sentTo('36302000233')[0].body.interactive as { body: { text: string } }).body.text, /^Hi Anna!/);
	});
});

// The demo outbox's WhatsApp and Messenger views: request bodies built with the package's own builders (the
// shapes Meta documents and the send nodes post) turn into what the customer sees — template text with its
// values, header image, copy-code button with the code, link button with the whole URL; interactive buttons,
// list rows and link button; Messenger carousel cards, button template, quick replies, text. Then the outbox
// itself: messages posted to its Meta fake are listed and its page shows them escaped, in a real Chromium.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import { buildMessengerButtons, buildMessengerCarousel, buildMessengerText, cartCarouselElements } from '../../lib/channels/messenger/messages';
import { buildWhatsAppButtons, buildWhatsAppCtaUrl, buildWhatsAppList, buildWhatsAppTemplate, buildWhatsAppText } from '../../lib/channels/whatsapp/messages';
import { fillVariables, messengerRecipient, messengerView, whatsappRecipient, whatsappView, type TemplateDefinition } from '../../scripts/demo/chat';
import { startOutbox, type OutboxMessenger, type OutboxWhatsApp } from '../../scripts/demo/outbox';
import { defaultTemplates } from '../fakes/meta';

const TO = '+36 30 123 4567';
const PSID = '6789012345678901';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const json = (v: object) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

/** A positional marketing template as message_templates lists it: image header, body, footer, coupon, link. */
const POSITIONAL: TemplateDefinition = {
	name: 'cart_offer',
	language: 'en_US',
	components: [
		{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://scontent.whatsapp.net/example.jpg'] } },
		{ type: 'BODY', text: 'Hi {{1}}! Your cart ({{2}}) is waiting. Get {{3}} off, {{1}}.', example: { body_text: [['Anna', '€42.00', '10%']] } },
		{ type: 'FOOTER', text: 'Reply STOP to opt out' },
		{
			type: 'BUTTONS',
			buttons: [
				{ type: 'COPY_CODE', example: 'CART10' },
				{ type: 'URL', text: 'Back to my cart', url: 'https://shop.example.com/cart/{{1}}', example: ['restore/abc'] },
				{ type: 'QUICK_REPLY', text: 'Stop promotions' },
			],
		},
	],
};

describe('WhatsApp messages as the customer sees them', () => {
	test('a positional template: values in the text, header image, copy-code button with the code, link button with the full URL', () => {
		const body = buildWhatsAppTemplate({
			to: TO,
			name: 'cart_offer',
			language: 'en_US',
			body: ['Anna', '24 990 Ft', '10%'],
			headerImageUrl: 'https://cdn.example.com/mug.jpg',
			couponCode: 'ANNA-7Q2K',
			couponButtonIndex: 0,
			urlSuffix: 'restore/demo-anna?utm_source=whatsapp',
			urlButtonIndex: 1,
		});
		const view = whatsappView(json(body), [...defaultTemplates(), POSITIONAL]);
		assert.deepEqual(view, {
			messageType: 'template',
			template: { name: 'cart_offer', language: 'en_US', found: true },
			header: { imageUrl: 'https://cdn.example.com/mug.jpg' },
			text: 'Hi Anna! Your cart (24 990 Ft) is waiting. Get 10% off, Anna.',
			footer: 'Reply STOP to opt out',
			buttons: [
				{ kind: 'copy_code', label: 'Copy code', code: 'ANNA-7Q2K' },
				{ kind: 'url', label: 'Back to my cart', url: 'https://shop.example.com/cart/restore/demo-anna?utm_source=whatsapp' },
				{ kind: 'reply', label: 'Stop promotions' },
			],
		});
		assert.equal(whatsappRecipient(json(body)), '+36301234567');
	});

	test('a named template (the shipped Hungarian one) is looked up by name and language and filled by name', () => {
		const templates = defaultTemplates();
		const body = buildWhatsAppTemplate({
			to: TO,
			name: 'kosar_emlekezteto',
			language: 'hu',
			body: { discount: '15%', cart_total: '18 490 Ft' },
			headerImageUrl: 'https://kavemanufaktura.example.hu/img/bab.jpg',
			couponCode: 'KOSAR15',
			couponButtonIndex: 0,
			urlSuffix: 'demo-eszter',
			urlButtonIndex: 1,
		});
		const view = whatsappView(json(body), templates);
		assert.equal(view.text, 'Szia! Elmentettük a kosaradat (18 490 Ft). 15% kedvezményt kapsz rá, a kódot a lenti gombbal másolhatod.');
		assert.deepEqual(view.header, { imageUrl: 'https://kavemanufaktura.example.hu/img/bab.jpg' });
		assert.deepEqual(view.buttons, [
			{ kind: 'copy_code', label: 'Copy code', code: 'KOSAR15' },
			{ kind: 'url', label: 'Vissza a kosárhoz', url: 'https://shop.example.hu/cart/demo-eszter' },
		]);
		// Same name, other language: not this template.
		const other = whatsappView(json({ ...body, template: { ...body.template, language: { code: 'en' } } }), templates);
		assert.equal(other.template?.found, false);
		assert.match(other.text, /kosar_emlekezteto \(en\)/);
		assert.deepEqual(other.buttons, []);
	});

	test('interactive reply buttons, list and link button: header, body, footer and what is tapped', () => {
		const buttons = whatsappView(
			json(buildWhatsAppButtons({ to: TO, headerText: 'Your cart', body: 'Still thinking about it?', footer: 'Kávémanufaktúra', buttons: [{ id: 'cart_restore', title: 'Open my cart' }, { id: 'marketing_stop', title: 'Stop' }] })),
			[],
		);
		assert.deepEqual(buttons, {
			messageType: 'interactive button',
			header: { text: 'Your cart' },
			text: 'Still thinking about it?',
			footer: 'Kávémanufaktúra',
			buttons: [{ kind: 'reply', label: 'Open my cart' }, { kind: 'reply', label: 'Stop' }],
		});

		const list = whatsappView(json(buildWhatsAppList({ to: TO, body: 'Your items', button: 'See items', sections: [{ title: 'Cart', rows: [{ id: 'item_1', title: 'Espresso beans', description: '2 × 4 990 Ft' }, { id: 'item_2', title: 'Mug' }] }] })), []);
		assert.deepEqual(list.list, { button: 'See items', sections: [{ title: 'Cart', rows: [{ title: 'Espresso beans', description: '2 × 4 990 Ft' }, { title: 'Mug' }] }] });
		assert.equal(list.text, 'Your items');

		const cta = whatsappView(json(buildWhatsAppCtaUrl({ to: TO, headerImageUrl: 'https://cdn.example.com/a.png', body: 'Come back', displayText: 'Open my cart', url: 'https://shop.example.com/cart/abc' })), []);
		assert.deepEqual(cta.header, { imageUrl: 'https://cdn.example.com/a.png' });
		assert.deepEqual(cta.buttons, [{ kind: 'url', label: 'Open my cart', url: 'https://shop.example.com/cart/abc' }]);
	});

	test('a text message is its text', () => {
		assert.deepEqual(whatsappView(json(buildWhatsAppText(TO, 'Szia Anna!\nA kosarad vár.')), []), { messageType: 'text', text: 'Szia Anna!\nA kosarad vár.', buttons: [] });
	});

	test('variables without a value stay as written', () => {
		assert.equal(fillVariables('{{1}} and {{2}} and {{ name }} and {{other}}', { positional: ['one'], named: { name: 'N' } }), 'one and {{2}} and N and {{other}}');
	});
});

describe('Messenger messages as the customer sees them', () => {
	test('the cart carousel: cards with image, title, subtitle and buttons, quick replies as pills', () => {
		const elements = cartCarouselElements(
			[
				{ name: 'Etióp Yirgacheffe szemes kávé 250 g', quantity: 2, priceText: '4 990 Ft', imageUrl: 'https://kavemanufaktura.example.hu/img/yirga.jpg' },
				{ name: 'Kerámia bögre', priceText: '3 490 Ft' },
			],
			{ restoreUrl: 'https://kavemanufaktura.example.hu/kosar/demo-anna', openLabel: 'Vissza a kosárhoz', codeLabel: 'Kérem a kódot', code: 'ANNA10' },
		);
		const body = buildMessengerCarousel(PSID, elements, { quickReplies: [{ title: 'Kérem a kódot', payload: '{"kind":"discount_code"}' }, { title: 'Leiratkozom', payload: '{"kind":"marketing_stop"}' }] });
		const view = messengerView(json(body));
		assert.equal(messengerRecipient(json(body)), PSID);
		assert.equal(view.messageType, 'carousel');
		const open = { kind: 'url', label: 'Vissza a kosárhoz', url: 'https://kavemanufaktura.example.hu/kosar/demo-anna' };
		const code = { kind: 'postback', label: 'Kérem a kódot', payload: JSON.stringify({ kind: 'discount_code', code: 'ANNA10' }) };
		assert.deepEqual(view.cards, [
			{ title: 'Etióp Yirgacheffe szemes kávé 250 g', subtitle: '2 × 4 990 Ft', imageUrl: 'https://kavemanufaktura.example.hu/img/yirga.jpg', url: open.url, buttons: [open, code] },
			{ title: 'Kerámia bögre', subtitle: '3 490 Ft', url: open.url, buttons: [open, code] },
		]);
		assert.deepEqual(view.quickReplies, [{ title: 'Kérem a kódot' }, { title: 'Leiratkozom' }]);
	});

	test('the button template and a text with quick replies', () => {
		const buttons = messengerView(json(buildMessengerButtons(PSID, 'Anna, a kosarad vár.', [{ type: 'web_url', url: 'https://shop.example.hu/kosar/1', title: 'Vissza a kosárhoz' }])));
		assert.deepEqual(buttons, { messageType: 'buttons', text: 'Anna, a kosarad vár.', cards: [], buttons: [{ kind: 'url', label: 'Vissza a kosárhoz', url: 'https://shop.example.hu/kosar/1' }], quickReplies: [] });
		const text = messengerView(json(buildMessengerText(PSID, 'Szia!', [{ title: 'Később', payload: 'later' }])));
		assert.deepEqual(text, { messageType: 'text', text: 'Szia!', cards: [], buttons: [], quickReplies: [{ title: 'Később' }] });
	});
});

describe('the outbox with the Meta fake', () => {
	test('lists accepted WhatsApp and Messenger messages and its page shows them as the apps do, escaped', async (t) => {
		const outbox = await startOutbox();
		try {
			const { meta } = outbox;
			const send = async (path: string, token: string, body: object) => {
				const res = await fetch(`${meta.url}/${meta.version}/${path}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
				assert.equal(res.status, 200, await res.clone().text());
			};
			await send(
				meta.phoneNumberId,
				meta.whatsappToken,
				buildWhatsAppTemplate({ to: TO, name: 'kosar_emlekezteto', language: 'hu', body: { cart_total: '<b>24 990 Ft</b>', discount: '10%' }, headerImageUrl: 'https://127.0.0.1:9/nope.jpg', couponCode: 'KOSAR10', couponButtonIndex: 0, urlSuffix: 'demo-anna', urlButtonIndex: 1 }),
			);
			meta.messengerWindowOpen.add(PSID);
			await send(
				meta.pageId,
				meta.pageToken,
				buildMessengerCarousel(PSID, [
					{ title: 'Bögre <script>alert(1)</script>', subtitle: '3 490 Ft', imageUrl: 'https://127.0.0.1:9/mug.jpg', buttons: [{ type: 'web_url', url: 'https://shop.example.hu/kosar/1', title: 'Vissza a kosárhoz' }] },
					{ title: 'Kávé', buttons: [{ type: 'postback', title: 'Kérem a kódot', payload: 'code' }] },
				], { quickReplies: [{ title: 'Leiratkozom', payload: 'stop' }] }),
			);

			const res = await fetch(new URL('/api/messages', outbox.url));
			const { messages } = (await res.json()) as { messages: Array<OutboxWhatsApp | OutboxMessenger> };
			const wa = messages.find((m): m is OutboxWhatsApp => m.kind === 'whatsapp');
			const ms = messages.find((m): m is OutboxMessenger => m.kind === 'messenger');
			assert.ok(wa && ms, JSON.stringify(messages));
			assert.equal(wa.to, '+36301234567');
			assert.equal(wa.id, meta.whatsappSent[0].id);
			assert.equal(wa.from, meta.displayPhoneNumber);
			assert.match(wa.text, /^Szia! Elmentettük a kosaradat \(<b>24 990 Ft<\/b>\)\. 10% kedvezményt/);
			assert.equal(ms.to, PSID);
			assert.equal(ms.from, meta.pageName);
			assert.equal(ms.cards.length, 2);

			if (!existsSync(CHROMIUM)) {
				t.skip(`no Chromium at ${CHROMIUM}`);
				return;
			}
			const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
			try {
				const page = await browser.newPage();
				await page.goto(outbox.url);
				const whatsapp = page.locator(`article.msg[data-kind="whatsapp"][data-to="+36301234567"][data-id="${wa.id}"]`);
				await whatsapp.waitFor();
				assert.equal(await whatsapp.locator('.wa-bar').innerText(), 'WhatsApp');
				assert.equal(await whatsapp.locator('.wa-text').innerText(), wa.text, 'the value shows as text, not markup');
				assert.equal(await whatsapp.locator('.wa-text b').count(), 0);
				assert.equal(await whatsapp.locator('.copy-code').getAttribute('data-code'), 'KOSAR10');
				assert.match(await whatsapp.locator('.copy-code').innerText(), /KOSAR10/);
				assert.equal(await whatsapp.locator('a.wa-button.url').getAttribute('href'), 'https://shop.example.hu/cart/demo-anna');
				// The header image does not load (nothing listens there): a placeholder box takes its place.
				await whatsapp.locator('.img-ph.wa-header-img').waitFor();

				const messenger = page.locator(`article.msg[data-kind="messenger"][data-to="${PSID}"]`);
				assert.equal(await messenger.locator('.ms-bar').innerText(), 'Messenger');
				assert.equal(await messenger.locator('.ms-carousel .ms-card').count(), 2);
				assert.equal(await messenger.locator('.ms-card').first().locator('.ms-title').innerText(), 'Bögre <script>alert(1)</script>');
				assert.equal(await messenger.locator('script').count(), 0);
				assert.equal(await messenger.locator('.ms-card').nth(1).locator('.img-ph').count(), 1, 'a card without an image shows the placeholder');
				assert.deepEqual(await messenger.locator('.ms-card').nth(1).locator('.ms-button').allInnerTexts(), ['Kérem a kódot']);
				assert.deepEqual(await messenger.locator('.ms-pill').allInnerTexts(), ['Leiratkozom']);
				assert.equal(await page.locator('#n-whatsapp').innerText(), '1');
				assert.equal(await page.locator('#n-messenger').innerText(), '1');
				await page.locator('.tabs button[data-filter="messenger"]').click();
				assert.equal(await whatsapp.isHidden(), true);
				assert.equal(await messenger.isVisible(), true);
			} finally {
				await browser.close();
			}
		} finally {
			await outbox.close();
		}
	});
});

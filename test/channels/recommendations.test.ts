// "You may also like" in every channel: the send nodes read Cart Check's recommended products from the input item
// (`recommendations`, malformed entries dropped), the template context formats their prices in the cart's language and
// keeps only http(s) links, and each channel shows them within its limits — email a block under the cart (escaped, up
// to 4, in the plain-text part too), WhatsApp a second section of the Product List (10 rows in all), Messenger cards
// after the cart's (10 in all). Without recommendations every message is what it was. Pure functions, no engine.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { emailChannel, emailAdapter, type SendGridClient } from '../../lib/channels/email';
import { buildMessengerMessage, describeMessengerMessage, messengerAdapter, messengerSettingsFromFields, type MessengerKind } from '../../lib/channels/messenger';
import { MESSENGER_LIMITS } from '../../lib/channels/messenger/messages';
import { sampleCart, sampleRecommendations } from '../../lib/channels/preview';
import { smsChannel } from '../../lib/channels/sms';
import { LIST_SECTION_TITLES, whatsappAdapter, whatsappListPayload, whatsappTextsFromFields, type WhatsAppMessage } from '../../lib/channels/whatsapp';
import { WHATSAPP_LIMITS, type WhatsAppInteractivePayload } from '../../lib/channels/whatsapp/messages';
import { messengerChannel } from '../../lib/channels/messenger';
import { whatsappChannel } from '../../lib/channels/whatsapp';
import type { ChannelDefinition } from '../../lib/channels/types';
import { readItemRecommendations as readRecommendations, sendNodeProperties } from '../../lib/delivery/node';
import { payloadAction } from '../../lib/channels/meta/events';
import { productRowId } from '../../lib/channels/whatsapp/tapped';
import type { DeliveryStore } from '../../lib/delivery/types';
import type { Cart, RecommendedProduct } from '../../lib/store';
import { buildTemplateContext, emailTemplates, renderEmail, type Language } from '../../lib/templates';

const XSS = '<img src=x onerror=alert(1)>';
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const chars = (s: string) => [...s].length;

function product(n: number, extra: Partial<RecommendedProduct> = {}): RecommendedProduct {
	return {
		product_id: `p-${n}`,
		title: `Ajánlott termék ${n}`,
		price: 1000 * n + 990,
		currency: 'HUF',
		price_text: 'ignored',
		image_url: `https://cdn.shop.example.hu/p${n}.jpg`,
		url: `https://shop.example.hu/termek/p-${n}`,
		category: 'Konyha',
		reason: n % 2 ? 'bought_together' : 'best_seller',
		...extra,
	};
}

function cartWith(count: number, locale = 'hu-HU'): Cart {
	return {
		...sampleCart(),
		cart_id: 'cart-rec-1',
		locale,
		messenger_psid: '1234567890123456',
		items: Array.from({ length: count }, (_, i) => ({ name: `Kosárban lévő termék ${i + 1}`, quantity: 1, price: 2000 + i, image_url: `https://cdn.shop.example.hu/c${i}.jpg` })),
		value: 0,
	};
}

// ── Reading them from the input item ─────────────────────────────────────────────────────────────────────────

describe('the send nodes read `recommendations` from the input item', () => {
	test('malformed entries and repeats are dropped without an error; at most 10 are kept', () => {
		const good = (n: number) => ({ product_id: `p-${n}`, title: `T ${n}`, price: 990, currency: 'HUF', price_text: '990 Ft', image_url: null, url: null, category: null, reason: 'best_seller' });
		const json = {
			recommendations: [
				null,
				'p-1',
				42,
				[good(0)],
				{ title: 'no id' },
				{ product_id: 'no-title' },
				{ product_id: '', title: 'empty id' },
				{ product_id: 'p-x', title: '   ' },
				{ product_id: 7, title: 'numeric id' },
				{ product_id: 'p-y', title: { text: 'object title' } },
				good(1),
				{ ...good(1), title: 'the same product again' },
				{ product_id: ' p-2 ', title: ' Bögre ', price: 'not a number', url: 12, image_url: 'https://cdn.example/b.jpg', reason: 'nonsense' },
				...Array.from({ length: 12 }, (_, i) => good(i + 3)),
			],
		} as unknown as IDataObject;
		const read = readRecommendations(json)!;
		assert.equal(read.length, 10);
		assert.deepEqual(
			read.map((r) => r.product_id),
			['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'p-7', 'p-8', 'p-9', 'p-10'],
		);
		assert.equal(read[0].title, 'T 1', 'a repeated product keeps its first entry');
		const bogre = read[1];
		assert.equal(bogre.title, 'Bögre');
		assert.equal(bogre.url, null, 'a url that is not text is left out');
		assert.equal(bogre.image_url, 'https://cdn.example/b.jpg');
		assert.equal(bogre.reason, 'best_seller');
	});

	test('nothing usable: none (undefined), never an error', () => {
		for (const value of [undefined, null, 'x', 5, {}, [], [null, { title: 'x' }]]) {
			assert.equal(readRecommendations({ recommendations: value } as unknown as IDataObject), undefined, JSON.stringify(value));
		}
		assert.equal(readRecommendations(undefined), undefined);
	});

	test('one shared option, Show Recommended Products (on), on Email, WhatsApp and Messenger Send, not on SMS Send; Options stay sorted', () => {
		const optionsOf = (definition: ChannelDefinition) => sendNodeProperties(definition).find((p) => p.name === 'options')!.options as INodeProperties[];
		for (const definition of [emailChannel, whatsappChannel, messengerChannel] as ChannelDefinition[]) {
			const options = optionsOf(definition);
			const option = options.find((o) => o.name === 'showRecommendations');
			assert.ok(option, definition.name);
			assert.equal(option.displayName, 'Show Recommended Products');
			assert.equal(option.type, 'boolean');
			assert.equal(option.default, true);
			assert.match(String(option.description), /^Whether /);
			const names = options.map((o) => o.displayName);
			assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, 'en')), `${definition.name}: options sorted`);
		}
		assert.equal(optionsOf(smsChannel as ChannelDefinition).find((o) => o.name === 'showRecommendations'), undefined);
	});
});

// ── Template context ─────────────────────────────────────────────────────────────────────────────────────────

describe('template context', () => {
	test('prices formatted again in the cart’s language and currency, links only http(s), empty without recommendations', () => {
		const recs = [product(12, { price: 12990, price_text: '12990 HUF', url: 'javascript:alert(1)', image_url: 'data:image/png;base64,AAAA' })];
		const hu = buildTemplateContext({ cart: cartWith(1), stage: 1, language: 'hu', recommendations: recs });
		assert.equal(plain(hu.recommendations[0].price_text), '12 990 Ft');
		assert.equal(hu.recommendations[0].url, null);
		assert.equal(hu.recommendations[0].image_url, null);
		const en = buildTemplateContext({ cart: cartWith(1, 'en-GB'), stage: 1, language: 'en', recommendations: recs });
		assert.equal(plain(en.recommendations[0].price_text), 'HUF 12,990');
		assert.deepEqual(buildTemplateContext({ cart: cartWith(1), stage: 1 }).recommendations, []);
		const noPrice = buildTemplateContext({ cart: cartWith(1), stage: 1, language: 'hu', recommendations: [{ product_id: 'x', title: 'X', price_text: '5 000 Ft' }] });
		assert.equal(noPrice.recommendations[0].price_text, '5 000 Ft', 'no price: the given price text');
	});
});

// ── Email ────────────────────────────────────────────────────────────────────────────────────────────────────

describe('email: a “You may also like” block under the cart', () => {
	const render = (lang: Language, recommendations?: RecommendedProduct[]) =>
		renderEmail(
			emailTemplates(lang),
			buildTemplateContext({ cart: cartWith(2, lang === 'hu' ? 'hu-HU' : 'en-GB'), stage: 1, language: lang, recommendations, unsubscribeUrl: 'https://n8n.example.hu/unsub?token=t' }),
		);
	const recs = [
		product(1, { title: XSS, url: 'javascript:alert(1)' }),
		product(2, { title: 'Tejhabosító "Pro" & társa', image_url: null }),
		product(3, { url: null }),
		product(4),
		product(5, { title: 'Az ötödik nem fér bele' }),
	];

	test('Hungarian: heading, up to 4 products, every value escaped, a javascript: link dropped; the plain-text part reads it too', () => {
		const { html, text } = render('hu', recs);
		assert.ok(html.includes('Neked ajánljuk'));
		assert.ok(!html.includes('<img src=x'), 'no raw injected tag');
		assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'), 'the title is shown escaped');
		assert.ok(html.includes('Tejhabosító &quot;Pro&quot; &amp; társa'));
		assert.ok(!html.includes('javascript:'));
		assert.ok(html.includes('href="https://shop.example.hu/termek/p-4"'), 'a title links to its product');
		assert.ok(html.includes('src="https://cdn.shop.example.hu/p1.jpg"'));
		assert.ok(!html.includes('Az ötödik'), 'the email shows 4');
		assert.match(plain(html), /Ár: 4 990 Ft/);
		assert.ok(html.indexOf('Neked ajánljuk') > html.indexOf('A kosarad tartalma'), 'after the cart');
		assert.match(text, /\nNeked ajánljuk\n/);
		assert.ok(text.includes(XSS), 'the plain-text part has the title as text');
		assert.match(plain(text), /Ajánlott termék 4 \[https:\/\/shop\.example\.hu\/termek\/p-4\]\nÁr: 4 990 Ft/);
	});

	test('English heading', () => {
		const { html, text } = render('en', recs);
		assert.ok(html.includes('You may also like'));
		assert.match(text, /\nYou may also like\n/);
		assert.match(plain(html), /Price: HUF 4,990/);
	});

	test('no recommendations: no block, the email as before', () => {
		for (const lang of ['hu', 'en'] as const) {
			const without = render(lang);
			const empty = render(lang, []);
			assert.ok(!without.html.includes('recommendations') && !without.html.includes('Neked ajánljuk') && !without.html.includes('You may also like'));
			assert.equal(empty.html, without.html);
			assert.equal(empty.text, without.text);
		}
	});

	test('the email adapter passes the item’s recommendations to the template', async () => {
		const adapter = emailAdapter(
			{
				client: {} as SendGridClient,
				language: 'auto',
				unsubscribe: { baseUrl: 'https://n8n.example.hu/unsub', secret: 's'.repeat(32) },
				campaign: 'abandoned-cart',
				stage: 1,
				recommendations: [product(7)],
			},
			(lang) => emailTemplates(lang),
		);
		const cart = cartWith(1);
		const message = await adapter.render({ cart, address: 'anna@example.hu', messageId: '00000000-0000-4000-8000-000000000001', request: { cartId: cart.cart_id, stage: 1, campaign: null, variant: null, holdout: null } });
		assert.ok(message.mail.html.includes('Neked ajánljuk'));
		assert.ok(message.mail.text.includes('Ajánlott termék 7'));
	});
});

// ── WhatsApp ─────────────────────────────────────────────────────────────────────────────────────────────────

type ListInteractive = Extract<WhatsAppInteractivePayload['interactive'], { type: 'list' }>;
const texts = whatsappTextsFromFields(() => null);
const listOf = (cart: Cart, lang: Language, recommendations?: RecommendedProduct[]) =>
	whatsappListPayload('36301234567', texts(0, lang), buildTemplateContext({ cart, stage: 2, language: lang, recommendations, discount: { code: 'KOSAR-7K3M9Q', text: '10%' } }))
		.interactive as ListInteractive;

describe('WhatsApp: the Product List gets a second section', () => {
	const nine = Array.from({ length: 9 }, (_, i) => product(i + 1, i === 0 ? { title: 'Extra hosszú nevű ajánlott termék, amely nem fér ki', category: 'Nagyon hosszú kategórianév, ami már nem fér el az ár mellett a leírásban' } : {}));

	for (const lang of ['hu', 'en'] as const) {
		test(`${lang}: 3 cart items + 9 recommendations → 10 rows (3 + 7), every limit kept`, () => {
			const list = listOf(cartWith(3), lang, nine);
			const [cart, recommended] = list.action.sections;
			assert.equal(list.action.sections.length, 2);
			assert.equal(cart.title, LIST_SECTION_TITLES[lang].cart);
			assert.equal(recommended.title, LIST_SECTION_TITLES[lang].recommended);
			assert.equal(cart.title, lang === 'hu' ? 'A kosaradban' : 'In your cart');
			assert.equal(recommended.title, lang === 'hu' ? 'Neked ajánljuk' : 'You may also like');
			assert.equal(cart.rows.length, 3);
			assert.equal(recommended.rows.length, 7);
			const rows = list.action.sections.flatMap((s) => s.rows);
			assert.equal(rows.length, WHATSAPP_LIMITS.listRows);
			for (const section of list.action.sections) assert.ok(chars(section.title!) <= WHATSAPP_LIMITS.sectionTitle);
			for (const row of rows) {
				assert.ok(chars(row.title) <= WHATSAPP_LIMITS.rowTitle, row.title);
				assert.ok(chars(row.description ?? '') <= WHATSAPP_LIMITS.rowDescription, row.description);
				assert.ok(chars(row.id) <= WHATSAPP_LIMITS.rowId);
			}
			assert.equal(new Set(rows.map((r) => r.id.toLowerCase())).size, rows.length, 'unique ids');
			assert.deepEqual(
				recommended.rows.map((r) => r.id),
				nine.slice(0, 7).map((p, i) => productRowId('rec', 'cart-rec-1', i + 1, p)),
			);
			assert.match(recommended.rows[0].id, /^rec:cart-rec-1:1:[0-9a-f]{8}$/, 'the cart, the place and a tag naming the product');
			assert.equal(recommended.rows[0].title, 'Extra hosszú nevű ajánl…');
			assert.equal(plain(recommended.rows[0].description!), lang === 'hu' ? '1 990 Ft' : 'HUF 1,990', 'a category that does not fit is left out');
			assert.equal(plain(recommended.rows[1].description!), lang === 'hu' ? '2 990 Ft · Konyha' : 'HUF 2,990 · Konyha');
		});
	}

	test('a cart of 10 items fills the list: no recommendation section; more than 10: the "and N more" row, still none', () => {
		const ten = listOf(cartWith(10), 'hu', nine);
		assert.equal(ten.action.sections.length, 1);
		assert.equal(ten.action.sections[0].title, undefined);
		assert.equal(ten.action.sections[0].rows.length, 10);
		const twelve = listOf(cartWith(12), 'hu', nine);
		assert.equal(twelve.action.sections.length, 1);
		assert.equal(twelve.action.sections[0].rows.at(-1)!.id, 'more:cart-rec-1');
	});

	test('no recommendations: one section without a title, as before', () => {
		const list = listOf(cartWith(3), 'hu');
		assert.equal(list.action.sections.length, 1);
		assert.equal(list.action.sections[0].title, undefined);
		assert.equal(list.action.sections[0].rows.length, 3);
	});

	test('a recommended row names the cart, like the cart’s rows: a tap comes back to the cart', () => {
		const list = listOf(cartWith(1), 'en', [product(1, { product_id: 'x'.repeat(400) }), product(2)]);
		const ids = list.action.sections[1].rows.map((r) => r.id);
		assert.deepEqual(ids.map((id) => id.replace(/:[0-9a-f]{8}$/, '')), ['rec:cart-rec-1:1', 'rec:cart-rec-1:2'], 'a long product id still fits: it is hashed');
		assert.notEqual(ids[0].slice(-8), ids[1].slice(-8));
		assert.deepEqual(payloadAction(ids[1]), { action: null, cartId: 'cart-rec-1' });
		assert.deepEqual(payloadAction('rec:cart-rec-1:2'), { action: null, cartId: 'cart-rec-1' }, 'a row of a list sent before the tag');
		assert.deepEqual(payloadAction('item:shop:cart:7:3:0a1b2c3d'), { action: null, cartId: 'shop:cart:7' }, 'a cart id with colons stays whole');
	});

	const windowStore = (open: boolean) => ({ serviceWindow: async () => ({ open, last_inbound_at: open ? new Date().toISOString() : null, open_until: null }) }) as unknown as DeliveryStore;
	const adapterFor = (kind: 'auto' | 'list') =>
		whatsappAdapter({
			ctx: {} as never,
			credentials: {} as never,
			kind,
			language: 'auto',
			stage: 2,
			texts: (lang) => texts(0, lang),
			template: () => null,
			values: [],
			recommendations: [product(1), product(2)],
		});

	test('the adapter: Product List carries them; Auto in the window still sends the link-button message', async () => {
		const cart = { ...cartWith(2), phone: '+36301234567' };
		const request = { cartId: cart.cart_id, stage: 2, campaign: null, variant: null, holdout: null };
		const list = adapterFor('list');
		const listed = (await list.render({ cart, address: '+36301234567', messageId: 'm', request })) as WhatsAppMessage;
		assert.equal(listed.kind, 'list');
		assert.equal(((listed.payload as WhatsAppInteractivePayload).interactive as ListInteractive).action.sections[1].rows.length, 2);

		const auto = adapterFor('auto');
		assert.equal(await auto.precheck!({ cart, address: '+36301234567', store: windowStore(true), now: new Date() }), undefined);
		const sent = (await auto.render({ cart, address: '+36301234567', messageId: 'm', request })) as WhatsAppMessage;
		assert.equal(sent.kind, 'interactive');
		assert.equal((sent.payload as WhatsAppInteractivePayload).interactive.type, 'cta_url');
	});
});

// ── Messenger ────────────────────────────────────────────────────────────────────────────────────────────────

describe('Messenger: cards of recommended products after the cart’s', () => {
	const settings = (lang: Language, kind: MessengerKind = 'carousel') => ({ ...messengerSettingsFromFields(() => undefined, kind, false)(lang), lang });
	const carousel = (cart: Cart, lang: Language, recommendations?: RecommendedProduct[]) =>
		buildMessengerMessage('1234567890123456', buildTemplateContext({ cart, stage: 1, language: lang, recommendations, discount: { code: 'KOSAR-7K3M9Q' } }), settings(lang));
	type Generic = { attachment: { payload: { elements: Array<{ title: string; subtitle?: string; image_url?: string; default_action?: { url: string }; buttons?: Array<{ type: string; title: string; url?: string }> }> } } };

	test('3 items + 9 recommendations → 10 cards (3 + 7), within every card limit', () => {
		const recs = Array.from({ length: 9 }, (_, i) => product(i + 1, i === 0 ? { title: 'N'.repeat(120), url: 'javascript:alert(1)' } : i === 1 ? { url: null, image_url: null } : {}));
		const message = carousel(cartWith(3), 'hu', recs);
		const elements = (message.payload.message as unknown as Generic).attachment.payload.elements;
		assert.equal(elements.length, MESSENGER_LIMITS.elements);
		assert.equal(message.cards, 10);
		assert.equal(message.recommendedCards, 7);
		assert.equal(message.itemsLeftOut, 0);
		for (const e of elements) {
			assert.ok(chars(e.title) <= MESSENGER_LIMITS.elementTitle);
			assert.ok(chars(e.subtitle ?? '') <= MESSENGER_LIMITS.elementSubtitle);
			assert.ok((e.buttons ?? []).length <= MESSENGER_LIMITS.elementButtons);
			for (const b of e.buttons ?? []) assert.ok(chars(b.title) <= MESSENGER_LIMITS.buttonTitle);
		}
		const [first, second, third] = elements.slice(3);
		assert.equal(chars(first.title), 80);
		assert.equal(plain(first.subtitle!), 'Neked ajánljuk · 1 990 Ft');
		assert.equal(first.buttons, undefined, 'a javascript: link gets no button');
		assert.equal(first.default_action, undefined);
		assert.equal(second.image_url, undefined);
		assert.equal(second.buttons, undefined);
		assert.deepEqual(third.buttons, [{ type: 'web_url', url: 'https://shop.example.hu/termek/p-3', title: 'Megnézem' }]);
		assert.equal(third.default_action?.url, 'https://shop.example.hu/termek/p-3');
		assert.equal(third.image_url, 'https://cdn.shop.example.hu/p3.jpg');
		const described = describeMessengerMessage({ ...message, copy: 'template' });
		assert.equal(described.cards, 10);
		assert.equal(described.recommended_cards, 7);
	});

	test('English words; a cart of 10 leaves no room; without recommendations the carousel is as before', () => {
		const en = carousel(cartWith(1), 'en', [product(4)]);
		const card = (en.payload.message as unknown as Generic).attachment.payload.elements[1];
		assert.equal(plain(card.subtitle!), 'You may also like · HUF 4,990');
		assert.equal(card.buttons![0].title, 'View');
		const full = carousel(cartWith(10), 'hu', [product(1)]);
		assert.equal(full.cards, 10);
		assert.equal(full.recommendedCards, undefined);
		const before = carousel(cartWith(2), 'hu');
		const empty = carousel(cartWith(2), 'hu', []);
		assert.deepEqual(empty, before);
		assert.equal(describeMessengerMessage({ ...before, copy: 'template' }).recommended_cards, undefined);
	});

	test('the other kinds leave them out; the adapter passes them to the carousel', async () => {
		const text = buildMessengerMessage('1234567890123456', buildTemplateContext({ cart: cartWith(2), stage: 1, language: 'hu', recommendations: [product(1)] }), settings('hu', 'text'));
		assert.ok(!JSON.stringify(text.payload).includes('Ajánlott termék'));
		const adapter = messengerAdapter({
			language: 'auto',
			stage: 1,
			settingsFor: (lang) => messengerSettingsFromFields(() => undefined, 'carousel', false)(lang),
			recommendations: sampleRecommendations(),
			send: async () => ({ messageId: 'm', recipientId: 'r' }),
		});
		const cart = cartWith(2);
		const message = await adapter.render({ cart, address: '1234567890123456', messageId: 'm', request: { cartId: cart.cart_id, stage: 1, campaign: null, variant: null, holdout: null } });
		assert.equal(message.cards, 4);
		assert.equal(message.recommendedCards, 2);
	});
});

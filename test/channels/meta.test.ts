// WhatsApp and Messenger message builders: every Meta limit has a named test, numbers go out as E.164 digits,
// US marketing is refused, the shipped HU/EN copy fits every limit, and Graph errors map by code.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { chatBody, CHAT_LABELS } from '../../lib/channels/meta/copy';
import { classifyGraphError, classifyNetworkError, MARKETING_CAP_DEFER_MS, MetaGraphError } from '../../lib/channels/meta/errors';
import { MessageLimitError } from '../../lib/channels/meta/limits';
import { messengerButtonTemplate, messengerCarousel, messengerQuickReplies, messengerText } from '../../lib/channels/messenger/copy';
import { buildMessengerButtons, buildMessengerCarousel, buildMessengerText, buildQuickReplies, MESSENGER_LIMITS } from '../../lib/channels/messenger/messages';
import { SUGGESTED_TEMPLATES, suggestedTemplateValues, whatsappInteractive, whatsappText } from '../../lib/channels/whatsapp/copy';
import {
	buildWhatsAppButtons,
	buildWhatsAppCtaUrl,
	buildWhatsAppList,
	buildWhatsAppTemplate,
	buildWhatsAppText,
	checkTemplateFit,
	marketingBlockedForNumber,
	templateShape,
	toWhatsAppNumber,
} from '../../lib/channels/whatsapp/messages';
import { ProviderError } from '../../lib/delivery/errors';
import { defaultTemplates } from '../fakes/meta';

const TO = '+36 30 123 4567';
const PSID = '6789012345678901';
const x = (n: number) => 'x'.repeat(n);

/** Asserts a MessageLimitError naming the field, its length and the limit. */
function limitError(fn: () => unknown, field: string | RegExp, length: number, limit: number) {
	assert.throws(fn, (error: unknown) => {
		assert.ok(error instanceof MessageLimitError, `a MessageLimitError, got ${String(error)}`);
		if (typeof field === 'string') assert.equal(error.field, field);
		else assert.match(error.field, field);
		assert.equal(error.length, length);
		assert.equal(error.limit, limit);
		return true;
	});
}

describe('WhatsApp numbers', () => {
	test('numbers go out in E.164 without the +, a Hungarian 06 number included', () => {
		assert.equal(toWhatsAppNumber('+36 30 123 4567'), '36301234567');
		assert.equal(toWhatsAppNumber('06 30 123 4567'), '36301234567');
		assert.equal(buildWhatsAppText('06-20-555-1234', 'Szia').to, '36205551234');
	});
	test('a number WhatsApp cannot reach is refused before any call', () => {
		assert.throws(() => toWhatsAppNumber('12'), /not a phone number WhatsApp can reach/);
	});
	test('US (+1) numbers: marketing templates are not delivered by Meta, Canadian +1 numbers are', () => {
		const us = marketingBlockedForNumber('+1 212 555 0134');
		assert.equal(us.blocked, true);
		assert.equal(us.reason, 'us_marketing_not_delivered');
		assert.match(us.message!, /does not deliver WhatsApp marketing templates to US/);
		assert.equal(marketingBlockedForNumber('12125550134').blocked, true, 'digits without + as WhatsApp sends them');
		assert.equal(marketingBlockedForNumber('+1 416 555 0199').blocked, false, 'Toronto');
		assert.equal(marketingBlockedForNumber('36301234567').blocked, false);
	});
});

describe('WhatsApp limits', () => {
	test('text ≤ 4096', () => {
		assert.equal(buildWhatsAppText(TO, x(4096)).text.body.length, 4096);
		limitError(() => buildWhatsAppText(TO, x(4097)), 'Text', 4097, 4096);
	});
	test('interactive body ≤ 1024', () => {
		buildWhatsAppButtons({ to: TO, body: x(1024), buttons: [{ id: 'a', title: 'A' }] });
		limitError(() => buildWhatsAppButtons({ to: TO, body: x(1025), buttons: [{ id: 'a', title: 'A' }] }), 'Body', 1025, 1024);
	});
	test('header ≤ 60 and footer ≤ 60', () => {
		limitError(() => buildWhatsAppButtons({ to: TO, body: 'b', headerText: x(61), buttons: [{ id: 'a', title: 'A' }] }), 'Header', 61, 60);
		limitError(() => buildWhatsAppButtons({ to: TO, body: 'b', footer: x(61), buttons: [{ id: 'a', title: 'A' }] }), 'Footer', 61, 60);
		const ok = buildWhatsAppButtons({ to: TO, body: 'b', headerText: x(60), footer: x(60), buttons: [{ id: 'a', title: 'A' }] });
		assert.equal(ok.interactive.type, 'button');
	});
	test('button title ≤ 20: the seed’s "🛍️ Vásárlás befejezése" is refused, naming the button and its length', () => {
		limitError(() => buildWhatsAppButtons({ to: TO, body: 'b', buttons: [{ id: 'a', title: '🛍️ Vásárlás befejezése' }] }), 'Button 1 title', 22, 20);
		assert.throws(() => buildWhatsAppButtons({ to: TO, body: 'b', buttons: [{ id: 'a', title: '🛍️ Vásárlás befejezése' }] }), /Button 1 title "🛍️ Vásárlás befejezése" is 22 characters; WhatsApp allows at most 20/);
	});
	test('at most 3 reply buttons, at least 1', () => {
		const four = [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `B${i}` }));
		limitError(() => buildWhatsAppButtons({ to: TO, body: 'b', buttons: four }), 'Reply buttons', 4, 3);
		limitError(() => buildWhatsAppButtons({ to: TO, body: 'b', buttons: [] }), 'Reply buttons', 0, 1);
	});
	test('reply button titles must be unique', () => {
		assert.throws(() => buildWhatsAppButtons({ to: TO, body: 'b', buttons: [{ id: 'a', title: 'Igen' }, { id: 'b', title: 'igen' }] }), /Button title "igen" appears twice/);
	});
	test('button id ≤ 256', () => {
		limitError(() => buildWhatsAppButtons({ to: TO, body: 'b', buttons: [{ id: x(257), title: 'A' }] }), 'Button 1 id', 257, 256);
	});
	test('list ≤ 10 rows in all (across sections)', () => {
		const rows = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ id: `${p}${i}`, title: `${p}${i}` }));
		const ok = buildWhatsAppList({ to: TO, body: 'b', button: 'Nézd meg', sections: [{ title: 'A', rows: rows(5, 'a') }, { title: 'B', rows: rows(5, 'b') }] });
		assert.equal(ok.interactive.type, 'list');
		limitError(() => buildWhatsAppList({ to: TO, body: 'b', button: 'Nézd meg', sections: [{ title: 'A', rows: rows(6, 'a') }, { title: 'B', rows: rows(5, 'b') }] }), 'List rows', 11, 10);
	});
	test('list row title ≤ 24', () => {
		limitError(() => buildWhatsAppList({ to: TO, body: 'b', button: 'L', sections: [{ rows: [{ id: 'r', title: x(25) }] }] }), 'Row 1 title', 25, 24);
	});
	test('list row description ≤ 72', () => {
		limitError(() => buildWhatsAppList({ to: TO, body: 'b', button: 'L', sections: [{ rows: [{ id: 'r', title: 't', description: x(73) }] }] }), 'Row 1 description', 73, 72);
	});
	test('list button text ≤ 20, section titles required with more than one section', () => {
		limitError(() => buildWhatsAppList({ to: TO, body: 'b', button: x(21), sections: [{ rows: [{ id: 'r', title: 't' }] }] }), 'List button', 21, 20);
		assert.throws(() => buildWhatsAppList({ to: TO, body: 'b', button: 'L', sections: [{ rows: [{ id: 'r', title: 't' }] }, { rows: [{ id: 's', title: 'u' }] }] }), /Section 1 title is empty/);
	});
	test('CTA URL: display text ≤ 20 and a web address', () => {
		const ok = buildWhatsAppCtaUrl({ to: TO, body: 'b', displayText: 'Vissza a kosárhoz', url: 'https://shop.example.hu/r/abc' });
		assert.deepEqual(ok.interactive.type === 'cta_url' && ok.interactive.action, { name: 'cta_url', parameters: { display_text: 'Vissza a kosárhoz', url: 'https://shop.example.hu/r/abc' } });
		limitError(() => buildWhatsAppCtaUrl({ to: TO, body: 'b', displayText: x(21), url: 'https://a.hu' }), 'Link button text', 21, 20);
		assert.throws(() => buildWhatsAppCtaUrl({ to: TO, body: 'b', displayText: 'Nyisd', url: 'javascript:alert(1)' }), /not a web address/);
	});
	test('template: copy-code coupon ≤ 15, one-line values', () => {
		limitError(() => buildWhatsAppTemplate({ to: TO, name: 'cart_reminder', language: 'en', couponCode: x(16) }), 'Coupon code', 16, 15);
		assert.throws(() => buildWhatsAppTemplate({ to: TO, name: 'cart_reminder', language: 'en', body: ['a\nb'] }), /Template value 1 has a line break/);
	});
});

describe('WhatsApp message bodies', () => {
	test('template with image header, named body values, copy-code coupon and URL suffix — Meta’s documented shape', () => {
		const payload = buildWhatsAppTemplate({
			to: TO,
			name: 'kosar_emlekezteto',
			language: 'hu',
			body: { cart_total: '24 990 Ft', discount: '10%' },
			headerImageUrl: 'https://shop.example.hu/img/bogre.jpg',
			couponCode: 'KOSAR-7KQ2',
			couponButtonIndex: 0,
			urlSuffix: 'restore/abc123',
			urlButtonIndex: 1,
		});
		assert.deepEqual(payload, {
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '36301234567',
			type: 'template',
			template: {
				name: 'kosar_emlekezteto',
				language: { code: 'hu' },
				components: [
					{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://shop.example.hu/img/bogre.jpg' } }] },
					{ type: 'body', parameters: [{ type: 'text', parameter_name: 'cart_total', text: '24 990 Ft' }, { type: 'text', parameter_name: 'discount', text: '10%' }] },
					{ type: 'button', sub_type: 'copy_code', index: '0', parameters: [{ type: 'coupon_code', coupon_code: 'KOSAR-7KQ2' }] },
					{ type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'restore/abc123' }] },
				],
			},
		});
	});
	test('template shape from message_templates: named values, coupon and URL button positions; a mismatch named before Meta answers 132000', () => {
		const [hu, en] = defaultTemplates();
		assert.deepEqual(templateShape(hu), { bodyParameters: { format: 'NAMED', count: 2, names: ['cart_total', 'discount'] }, headerFormat: 'IMAGE', couponButtonIndex: 0, dynamicUrlButtonIndex: 1 });
		assert.equal(templateShape(en).bodyParameters.count, 2);
		assert.throws(() => checkTemplateFit(en, { to: TO, name: en.name, language: 'en', body: ['€42'] }), /expects 2 values in its text; 1 given/);
		assert.throws(() => checkTemplateFit(hu, { to: TO, name: hu.name, language: 'hu', body: { cart_total: '1' }, headerImageUrl: 'https://a.hu/i.jpg' }), /needs the value discount/);
		assert.throws(() => checkTemplateFit(en, { to: TO, name: en.name, language: 'en', body: ['a', 'b'], urlSuffix: 'x' }), /no link button/);
		checkTemplateFit(hu, { to: TO, name: hu.name, language: 'hu', body: { cart_total: '1', discount: '2' }, couponCode: 'A', urlSuffix: 'r', headerImageUrl: 'https://a.hu/i.jpg' });
	});
	test('reply buttons, list and text bodies', () => {
		const buttons = buildWhatsAppButtons({ to: TO, body: 'Szia!', footer: 'Példa Webshop', buttons: [{ id: 'cart_restore', title: 'Vissza a kosárhoz' }] });
		assert.deepEqual(buttons.interactive, { type: 'button', body: { text: 'Szia!' }, footer: { text: 'Példa Webshop' }, action: { buttons: [{ type: 'reply', reply: { id: 'cart_restore', title: 'Vissza a kosárhoz' } }] } });
		assert.deepEqual(buildWhatsAppText(TO, 'Szia').text, { body: 'Szia' });
	});
});

describe('Messenger limits', () => {
	const card = (i: number) => ({ title: `Termék ${i}` });
	test('generic template ≤ 10 elements', () => {
		buildMessengerCarousel(PSID, Array.from({ length: 10 }, (_, i) => card(i)));
		limitError(() => buildMessengerCarousel(PSID, Array.from({ length: 11 }, (_, i) => card(i))), 'Carousel cards', 11, 10);
	});
	test('element title ≤ 80 and subtitle ≤ 80', () => {
		limitError(() => buildMessengerCarousel(PSID, [{ title: x(81) }]), 'Card 1 title', 81, 80);
		limitError(() => buildMessengerCarousel(PSID, [{ title: 't', subtitle: x(81) }]), 'Card 1 subtitle', 81, 80);
	});
	test('≤ 3 buttons per element, button title ≤ 20', () => {
		const b = (i: number) => ({ type: 'postback' as const, title: `B${i}`, payload: 'p' });
		limitError(() => buildMessengerCarousel(PSID, [{ title: 't', buttons: [b(1), b(2), b(3), b(4)] }]), 'Card 1 buttons', 4, 3);
		limitError(() => buildMessengerCarousel(PSID, [{ title: 't', buttons: [{ type: 'web_url', url: 'https://a.hu', title: x(21) }] }]), 'Card 1 button 1 title', 21, 20);
	});
	test('postback payload ≤ 1000', () => {
		limitError(() => buildMessengerButtons(PSID, 'Szia', [{ type: 'postback', title: 'Kód', payload: x(1001) }]), 'Message button 1 payload', 1001, 1000);
	});
	test('quick replies ≤ 13, title ≤ 20, payload ≤ 1000', () => {
		const qr = (i: number) => ({ title: `Q${i}`, payload: `p${i}` });
		assert.equal(buildQuickReplies(Array.from({ length: 13 }, (_, i) => qr(i))).length, 13);
		limitError(() => buildQuickReplies(Array.from({ length: 14 }, (_, i) => qr(i))), 'Quick replies', 14, 13);
		limitError(() => buildQuickReplies([{ title: x(21), payload: 'p' }]), 'Quick reply 1 title', 21, 20);
		limitError(() => buildQuickReplies([{ title: 't', payload: x(1001) }]), 'Quick reply 1 payload', 1001, 1000);
	});
	test('text ≤ 2000 and button template text ≤ 640', () => {
		limitError(() => buildMessengerText(PSID, x(2001)), 'Text', 2001, MESSENGER_LIMITS.text);
		limitError(() => buildMessengerButtons(PSID, x(641), [{ type: 'web_url', url: 'https://a.hu', title: 'Nyisd' }]), 'Text', 641, 640);
	});
	test('always messaging_type RESPONSE, never a message tag', () => {
		for (const payload of [
			buildMessengerText(PSID, 'Szia'),
			buildMessengerCarousel(PSID, [card(1)]),
			buildMessengerButtons(PSID, 'Szia', [{ type: 'web_url', url: 'https://a.hu', title: 'Nyisd' }]),
		]) {
			assert.equal(payload.messaging_type, 'RESPONSE');
			assert.equal('tag' in payload, false);
			assert.deepEqual(payload.recipient, { id: PSID });
		}
	});
	test('a recipient that is not a page-scoped id is refused', () => {
		assert.throws(() => buildMessengerText('anna@example.hu', 'Szia'), /not a Messenger user id/);
	});
});

describe('Shipped copy (HU and EN) fits every limit', () => {
	const data = {
		firstName: 'Anna',
		shopName: 'Példa Webshop',
		totalText: '24 990 Ft',
		discountText: '10%',
		code: 'KOSAR-7KQ2',
		restoreUrl: 'https://shop.example.hu/r/abc',
		items: Array.from({ length: 12 }, (_, i) => ({ name: `Kézzel festett kerámia bögre, 350 ml, kék mintával — ${i + 1}. darab`, quantity: 2, priceText: '4 990 Ft', imageUrl: 'https://shop.example.hu/i.jpg' })),
	};
	for (const language of ['hu', 'en'] as const) {
		for (const stage of ['first', 'second', 'final'] as const) {
			test(`${language} ${stage}: WhatsApp text, buttons, list, CTA and Messenger text, carousel, button template, quick replies build`, () => {
				buildWhatsAppText(TO, whatsappText(language, stage, data));
				const i = whatsappInteractive(language, stage, data);
				buildWhatsAppButtons({ to: TO, body: i.body, footer: i.footer, buttons: i.buttons });
				buildWhatsAppList({ to: TO, body: i.body, button: i.list.button, sections: i.list.sections });
				buildWhatsAppCtaUrl({ to: TO, body: i.body, displayText: i.cta.displayText, url: i.cta.url! });
				buildMessengerText(PSID, messengerText(language, stage, data), messengerQuickReplies(language, data));
				const carousel = buildMessengerCarousel(PSID, messengerCarousel(language, data));
				assert.equal((carousel.message as { attachment: { payload: { elements: unknown[] } } }).attachment.payload.elements.length, 10, 'the first 10 items');
				const bt = messengerButtonTemplate(language, stage, data);
				buildMessengerButtons(PSID, bt.text, bt.buttons);
			});
		}
	}
	test('Hungarian copy reads naturally: no "a(z)", the name in the greeting, the code on its own line', () => {
		const text = chatBody('hu', 'first', data);
		assert.equal(text, 'Szia, Anna! Elmentettük a kosaradat (24 990 Ft), ott folytathatod, ahol abbahagytad.\n10% kedvezményt kapsz ezzel a kóddal: KOSAR-7KQ2');
		const all = JSON.stringify([CHAT_LABELS.hu, SUGGESTED_TEMPLATES.hu, ...(['first', 'second', 'final'] as const).map((s) => chatBody('hu', s, data))]);
		assert.doesNotMatch(all, /a\(z\)/);
	});
	test('every shipped button label is ≤ 20 characters', () => {
		for (const labels of Object.values(CHAT_LABELS)) for (const [key, label] of Object.entries(labels)) assert.ok([...label].length <= 20, `${key} "${label}"`);
	});
	test('suggested templates have the values the package fills in', () => {
		for (const language of ['hu', 'en'] as const) {
			const values = suggestedTemplateValues(data);
			assert.deepEqual(Object.keys(values), SUGGESTED_TEMPLATES[language].parameters);
			for (const p of SUGGESTED_TEMPLATES[language].parameters) assert.ok(SUGGESTED_TEMPLATES[language].body.includes(`{{${p}}}`));
		}
	});
});

describe('Graph errors mapped by code', () => {
	const wa = (code: number, status = 400, extra: object = {}) => classifyGraphError({ channel: 'whatsapp', status, error: { message: `(#${code}) x`, type: 'OAuthException', code, fbtrace_id: 'AbC', error_data: { messaging_product: 'whatsapp', details: 'Meta details' }, ...extra } });
	test('131047 → window closed; Auto falls back to the template', () => {
		const e = wa(131047);
		assert.ok(e instanceof ProviderError);
		assert.equal(e.reason, 'window_closed');
		assert.equal(e.kind, 'permanent');
		assert.equal(e.fallbackToTemplate, true);
	});
	test('130429 → rate limited, retryable (Retry-After kept)', () => {
		const e = classifyGraphError({ channel: 'whatsapp', status: 400, error: { code: 130429 }, retryAfterMs: 5000 });
		assert.equal(e.reason, 'rate_limited');
		assert.equal(e.kind, 'retryable');
		assert.equal(e.retryAfterMs, 5000);
	});
	test('131049 → Meta’s per-user marketing cap: deferred at least a day, not retried soon', () => {
		const e = wa(131049);
		assert.equal(e.reason, 'marketing_cap');
		assert.equal(e.kind, 'permanent');
		assert.ok(e.deferMs! >= MARKETING_CAP_DEFER_MS && MARKETING_CAP_DEFER_MS >= 24 * 3600_000);
	});
	test('131026 → permanent, undeliverable', () => {
		const e = wa(131026);
		assert.equal(e.reason, 'undeliverable');
		assert.equal(e.kind, 'permanent');
	});
	test('131050 → the customer stopped marketing: a WhatsApp consent withdrawal', () => {
		const e = wa(131050);
		assert.equal(e.reason, 'marketing_opt_out');
		assert.equal(e.withdrawConsent, true);
		assert.equal(e.kind, 'permanent');
	});
	test('132000 / 132001 → template value / name errors named for the marketer', () => {
		const p = classifyGraphError({ channel: 'whatsapp', status: 400, error: { code: 132000 }, template: { name: 'kosar_emlekezteto', language: 'hu' } });
		assert.equal(p.reason, 'template_parameters');
		assert.match(p.message, /do not fit template "kosar_emlekezteto" \(hu\)/);
		const m = classifyGraphError({ channel: 'whatsapp', status: 404, error: { code: 132001 }, template: { name: 'nincs_ilyen', language: 'hu' } });
		assert.equal(m.reason, 'template_missing');
		assert.match(m.message, /Template "nincs_ilyen" \(hu\) is not approved/);
	});
	test('Messenger code 10 / subcode 2018278 → window closed; code 10 alone is a permission problem', () => {
		const e = classifyGraphError({ channel: 'messenger', status: 400, error: { code: 10, error_subcode: 2018278 } });
		assert.equal(e.reason, 'window_closed');
		assert.equal(e.kind, 'permanent');
		assert.equal(e.fallbackToTemplate, false);
		assert.equal(classifyGraphError({ channel: 'messenger', status: 400, error: { code: 10 } }).reason, 'access_denied');
	});
	test('other 4xx → permanent; 5xx → retryable; 190 → token rejected', () => {
		assert.equal(wa(100).kind, 'permanent');
		assert.equal(wa(100).reason, 'invalid_request');
		assert.equal(classifyGraphError({ channel: 'messenger', status: 503, error: {} }).kind, 'retryable');
		assert.equal(wa(2, 500).reason, 'provider_unavailable');
		assert.match(wa(190, 401).message, /rejected the WhatsApp access token/);
	});
	test('network: refused → retryable; reset mid-answer → unknown (maybe sent, never resent)', () => {
		assert.equal(classifyNetworkError('whatsapp', { code: 'ECONNREFUSED' }).kind, 'retryable');
		assert.equal(classifyNetworkError('whatsapp', { code: 'ECONNRESET' }).kind, 'unknown');
	});
	test('Meta’s details and trace id travel in the summary; the JSON carries reason, subcode and trace id', () => {
		const e = wa(131026);
		assert.match(e.summary(), /^WhatsApp 400 \(code 131026\): .* — Meta details; Meta trace id AbC$/);
		assert.equal(e.toJSON().reason, 'undeliverable');
		assert.equal(e.toJSON().fbtrace_id, 'AbC');
		assert.ok(e instanceof MetaGraphError);
	});
});

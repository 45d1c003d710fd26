// Email Send inside n8n's engine, store on Postgres, SendGrid as a loopback fake speaking /v3/mail/send.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { verifyUnsubscribeToken, unsubscribeSecret } from '../../lib/consent/unsubscribe';
import { closeAllStores } from '../../lib/store';
import { sendGridErrors, startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { deliveryEnv, makeCart, messageRows, outcomes, runSend, type DeliveryEnv } from './setup';

let env: DeliveryEnv;
let sg: SendGridFake;
let credentials: Record<string, object>;

const UNSUB = 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe';
const params = (extra: Record<string, unknown> = {}) => ({
	cartId: '={{ $json.cart_id }}',
	stage: 1,
	campaign: 'abandoned-cart',
	unsubscribeBaseUrl: UNSUB,
	unsubscribeMailto: 'leiratkozas@shop.example.hu',
	shop: { name: 'Chatbuddy Shop', phone: '+36 1 234 5678', email: 'hello@shop.example.hu' },
	...extra,
});

before(async () => {
	env = await deliveryEnv('delivery_email');
	sg = await startSendGridFake();
	credentials = {
		cartRecoveryStoreApi: env.db.credentials,
		sendGridCartRecoveryApi: { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', fromName: 'Chatbuddy Shop', replyTo: 'hello@shop.example.hu', region: 'custom', baseUrl: sg.url },
	};
});
after(async () => {
	await closeAllStores();
	await sg.close();
	await env.close();
});

const acceptedFor = (email: string) => sg.accepted.filter((a) => a.body.personalizations[0].to[0].email === email);

describe('Email Send renders and sends', () => {
	test('HTML: XSS in a product name escaped, HUF amounts, discount, restore button, unsubscribe link and both headers', async () => {
		const xss = '<img src=x onerror=alert(1)><script>alert("x")</script>Bögre';
		const cartId = await makeCart(env.store, {
			email: 'Anna.Kovacs@Example.hu',
			items: [
				{ name: xss, quantity: 2, price: 6495, image_url: 'javascript:alert(1)' },
				{ name: 'Kávéfőző', quantity: 1, price: 12990, image_url: 'https://cdn.shop.example.hu/kavefozo.jpg' },
			],
		});
		const result = await runSend(
			'emailSend',
			params({ discountCode: '={{ $json.discount.code }}', discountText: '={{ $json.discount.amount_text }}', options: { sandbox: true } }),
			[{ cart_id: cartId, discount: { code: 'KOSAR-7K3M9Q', amount_text: '10%' } }],
			credentials,
		);
		assert.equal(result.status, 'success', result.error?.message);
		const { sent, skipped, deferred } = outcomes(result);
		assert.equal(sent.length, 1, JSON.stringify({ skipped, deferred }));
		const delivery = sent[0].delivery as Record<string, unknown>;
		assert.equal(delivery.outcome, 'sent');

		const mails = acceptedFor('anna.kovacs@example.hu');
		assert.equal(mails.length, 1);
		const body = mails[0].body;
		const html = body.content.find((c) => c.type === 'text/html')!.value;
		const text = body.content.find((c) => c.type === 'text/plain')!.value;
		const nbsp = (s: string) => s.replace(/\u00a0|\u202f/g, ' ');

		// escaped, never executable
		assert.ok(!html.includes('<script>alert'), 'no raw script tag');
		assert.ok(!html.includes('<img src=x'), 'no raw injected img tag');
		assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;Bögre'), 'the product name is shown escaped');
		assert.ok(!html.includes('javascript:'), 'a javascript: image URL never reaches src');
		assert.ok(html.includes('src="https://cdn.shop.example.hu/kavefozo.jpg"'));
		// money and copy
		assert.match(nbsp(html), /Ár: 6 495 Ft/);
		assert.match(nbsp(html), /Összesen: 25 980 Ft/);
		assert.match(nbsp(text), /Összesen: 25 980 Ft/);
		assert.match(html, /Szia, Anna!/);
		// the code on one line: a line break after "KOSAR-" reads like two codes
		assert.match(html, /10% kedvezményt kapsz, ha a pénztárnál megadod ezt a kódot: <strong class="discount-code" style="[^"]*white-space: nowrap;[^"]*">KOSAR-7K3M9Q<\/strong>/);
		assert.match(html, new RegExp(`href="https://shop.example.hu/cart/restore/${cartId}"[^>]*>Vissza a kosaramhoz`));
		// the shop's contacts under a sentence that introduces them, the name above the unsubscribe link
		assert.match(nbsp(text), /Kérdésed van\? Szívesen segítünk\.\nE-mail: hello@shop\.example\.hu\nTelefon: \+36 1 234 5678/);
		assert.match(text, /hozzájárultál, hogy e-mailben megkeressünk,\s+és termékek maradtak a kosaradban\.\nChatbuddy Shop\n/);
		// CSS inlined by juice
		assert.match(html, /<a class="button" href="[^"]+" style="background: #28a745;/);
		// visible unsubscribe link with a token that verifies to this address
		const link = /<a href="([^"]+)"[^>]*>itt leiratkozhatsz<\/a>/.exec(html);
		assert.ok(link, 'visible unsubscribe link');
		// Handlebars escapes = as &#x3D; inside attributes; a browser reads the same URL.
		const unsubscribeUrl = link[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
		assert.ok(unsubscribeUrl.startsWith(`${UNSUB}?token=`));
		const secret = await unsubscribeSecret(env.store);
		assert.deepEqual(verifyUnsubscribeToken(new URL(unsubscribeUrl).searchParams.get('token')!, secret), { channel: 'email', address: 'anna.kovacs@example.hu' });
		assert.match(text, /itt leiratkozhatsz\s*\[https:\/\/n8n\.example\.hu\/webhook\/cart-recovery\/unsubscribe\?token=/);
		// RFC 2369 / RFC 8058 headers
		assert.equal(body.headers?.['List-Unsubscribe'], `<${unsubscribeUrl}>, <mailto:leiratkozas@shop.example.hu?subject=unsubscribe%20${new URL(unsubscribeUrl).searchParams.get('token')}>`);
		assert.equal(body.headers?.['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
		// custom_args: our message id and nothing else; categories; sandbox; sender
		assert.deepEqual(body.custom_args, { cr_message_id: delivery.message_id });
		assert.deepEqual(body.categories, ['abandoned-cart', 'stage-1']);
		assert.deepEqual(body.mail_settings, { sandbox_mode: { enable: true } });
		assert.deepEqual(body.from, { email: 'bolt@shop.example.hu', name: 'Chatbuddy Shop' });
		assert.deepEqual(body.reply_to, { email: 'hello@shop.example.hu' });
		assert.equal(body.subject, '🛒 Ott maradt valami a kosaradban');
		// recorded with SendGrid's X-Message-Id
		const rows = await messageRows(env, cartId);
		assert.deepEqual(rows.map((r) => [r.channel, r.status, r.provider_id]), [['email', 'sent', mails[0].messageId]]);
		assert.equal(delivery.provider_id, mails[0].messageId);
	});

	test('English template for an English cart', async () => {
		const cartId = await makeCart(env.store, { locale: 'en-GB', email: 'john@example.co.uk', firstName: 'John' });
		const result = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials);
		assert.equal(outcomes(result).sent.length, 1, result.error?.message);
		const html = acceptedFor('john@example.co.uk')[0].body.content[1].value;
		assert.match(html, /Hi John!/);
		assert.match(html, /Unsubscribe here<\/a>/);
		assert.match(html.replace(/\u00a0/g, ' '), /Total: HUF 12,990/);
	});

	test('stage-aware copy: stage 2 and the final offer (stage 3) have their own subject and text; stage 3 says it is the last reminder and shows the code’s expiry', async () => {
		const validUntil = '2026-12-03T10:00:00.000Z';
		const discount = { code: 'KOSAR-FINAL20X', amount_text: '20%', valid_until: validUntil };
		const send = async (email: string, stage: number, locale = 'hu-HU') => {
			const cartId = await makeCart(env.store, { email, locale, firstName: 'Anna' });
			const result = await runSend(
				'emailSend',
				params({ stage, discountCode: '={{ $json.discount.code }}', discountText: '={{ $json.discount.amount_text }}', discountValidUntil: '={{ $json.discount.valid_until }}' }),
				[{ cart_id: cartId, discount }],
				credentials,
			);
			assert.equal(outcomes(result).sent.length, 1, result.error?.message);
			const body = acceptedFor(email)[0].body;
			return { subject: body.subject ?? '', html: body.content.find((c) => c.type === 'text/html')!.value, text: body.content.find((c) => c.type === 'text/plain')!.value };
		};
		const first = await send('stage1.copy@example.hu', 1);
		const second = await send('stage2.copy@example.hu', 2);
		const final = await send('stage3.copy@example.hu', 3);
		const finalEn = await send('stage3.copy@example.co.uk', 3, 'en-GB');
		assert.equal(first.subject, '🛒 Ott maradt valami a kosaradban');
		assert.notEqual(second.subject, first.subject);
		assert.notEqual(final.subject, first.subject);
		assert.notEqual(final.subject, second.subject);
		// the final offer: last reminder, the code's expiry in the subject and the body, in the customer's language
		assert.match(final.subject, /Utolsó emlékeztető/);
		assert.equal(final.subject, '🎁 Utolsó emlékeztető a kosaradról: 20% kedvezmény december 3-ig');
		assert.match(final.html, /Ez az utolsó levelünk erről a kosárról/);
		assert.match(final.html, /A kód 2026\. december 3-ig érvényes, újat már nem küldünk\./);
		assert.match(final.html, /20% kedvezményt kapsz, ha a pénztárnál megadod ezt a kódot: <strong class="discount-code"[^>]*>KOSAR-FINAL20X<\/strong>/);
		assert.match(final.text, /utolsó levelünk/);
		assert.ok(!/Ez az utolsó/.test(first.html) && !/Ez az utolsó/.test(second.html), 'only the final offer says it is the last one');
		assert.match(second.html, /a kosarad még megvan/);
		assert.equal(finalEn.subject, '🎁 Last reminder about your cart: 20% off until 3 December'); // en-GB date
		assert.match(finalEn.html, /This is our last email about this cart/);
		// friendly, not pushy: no countdown pressure words in the final offer
		assert.ok(!/siess|azonnal|hurry|now or never/i.test(final.html + finalEn.html));
	});
});

	test('empty Unsubscribe URL: this n8n’s production webhook URL + /cart-recovery/unsubscribe (the unsubscribe workflow’s path)', async () => {
		const cartId = await makeCart(env.store, { email: 'default.unsub@example.hu' });
		const result = await runSend('emailSend', params({ unsubscribeBaseUrl: '', unsubscribeMailto: '' }), [{ cart_id: cartId }], credentials);
		assert.equal(outcomes(result).sent.length, 1, result.error?.message);
		const body = acceptedFor('default.unsub@example.hu')[0].body;
		// The engine harness gives the node webhookBaseUrl http://127.0.0.1:5678/webhook, as n8n does from WEBHOOK_URL.
		const unsubscribeUrl = /^<(.+)>$/.exec(String(body.headers?.['List-Unsubscribe']))![1];
		assert.match(unsubscribeUrl, /^http:\/\/127\.0\.0\.1:5678\/webhook\/cart-recovery\/unsubscribe\?token=[\w-]+$/);
		const unsubscribeWorkflow = JSON.parse(readFileSync(path.resolve(__dirname, '../../workflows/unsubscribe.json'), 'utf8')) as {
			nodes: Array<{ type: string; parameters: { path?: string } }>;
		};
		const unsubscribeWebhook = unsubscribeWorkflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
		assert.equal(new URL(unsubscribeUrl).pathname, `/webhook/${unsubscribeWebhook?.parameters.path}`);
		assert.deepEqual(verifyUnsubscribeToken(new URL(unsubscribeUrl).searchParams.get('token')!, await unsubscribeSecret(env.store)), {
			channel: 'email',
			address: 'default.unsub@example.hu',
		});
	});

describe('Email Send custom templates', () => {
	test('custom HTML, subject and preheader: helpers work, values escaped, CSS-less HTML still gets a text part', async () => {
		const cartId = await makeCart(env.store, { email: 'custom@example.hu', items: [{ name: 'Tea & "Keksz"', quantity: 3, price: 1990 }] });
		const result = await runSend(
			'emailSend',
			params({
				template: 'custom',
				htmlTemplate: '<h1>Kedves {{customer.first_name}}!</h1>\n{{#each items}}<p>{{quantity}} × {{name}} = {{money line_total}}</p>{{/each}}\n<p><a href="{{unsubscribe_url}}">Leiratkozás</a></p>',
				subjectHu: '{{customer.first_name}}, {{total_text}} vár rád',
				preheaderHu: 'Utolsó esély: {{discount.code}}',
				discountCode: 'KOSAR-ABC',
			}),
			[{ cart_id: cartId }],
			credentials,
		);
		assert.equal(outcomes(result).sent.length, 1, result.error?.message);
		const body = acceptedFor('custom@example.hu')[0].body;
		const html = body.content.find((c) => c.type === 'text/html')!.value;
		const text = body.content.find((c) => c.type === 'text/plain')!.value;
		assert.equal(body.subject?.replace(/\u00a0/g, ' '), 'Anna, 5 970 Ft vár rád');
		assert.match(html.replace(/\u00a0/g, ' '), /<p>3 × Tea &amp; &quot;Keksz&quot; = 5 970 Ft<\/p>/);
		assert.match(text.replace(/\u00a0/g, ' '), /3 × Tea & "Keksz" = 5 970 Ft/);
		assert.match(body.headers!['List-Unsubscribe'], /^<https:\/\/n8n\.example\.hu\/webhook\/cart-recovery\/unsubscribe\?token=/);
	});

	test('custom templates see the stage: {{stage}} and {{final_offer}}', async () => {
		const custom = (email: string, stage: number) =>
			makeCart(env.store, { email }).then((cartId) =>
				runSend(
					'emailSend',
					params({
						stage,
						template: 'custom',
						htmlTemplate: '<p>{{#if final_offer}}Utolsó{{else}}Emlékeztető {{stage}}{{/if}}</p><p><a href="{{unsubscribe_url}}">Leiratkozás</a></p>',
						subjectHu: '{{#if final_offer}}Utolsó esély{{else}}{{stage}}. emlékeztető{{/if}}',
					}),
					[{ cart_id: cartId }],
					credentials,
				),
			);
		assert.equal(outcomes(await custom('custom.stage2@example.hu', 2)).sent.length, 1);
		assert.equal(outcomes(await custom('custom.stage3@example.hu', 3)).sent.length, 1);
		assert.equal(acceptedFor('custom.stage2@example.hu')[0].body.subject, '2. emlékeztető');
		assert.match(acceptedFor('custom.stage2@example.hu')[0].body.content[1].value, /<p>Emlékeztető 2<\/p>/);
		assert.equal(acceptedFor('custom.stage3@example.hu')[0].body.subject, 'Utolsó esély');
	});
});

describe('Email Send gates', () => {
	test('no email consent → Skipped no_consent; bought cart → Skipped purchased; nothing reaches SendGrid', async () => {
		const noConsent = await makeCart(env.store, { consent: ['sms'] });
		const bought = await makeCart(env.store);
		await env.store.recordCartEvent({ source: 'generic', event_id: `${bought}-order`, type: 'order', cart_id: bought, order_value: 12990 });
		const before = sg.requests.length;
		const result = await runSend('emailSend', params(), [{ cart_id: noConsent }, { cart_id: bought }], credentials);
		const { sent, skipped } = outcomes(result);
		assert.equal(sent.length, 0);
		assert.deepEqual(skipped.map((s) => (s.delivery as { reason: string }).reason), ['no_consent', 'purchased']);
		assert.equal(sg.requests.length, before);
		assert.deepEqual(await messageRows(env, noConsent), [], 'nothing claimed');
	});

	test('a custom template that does not compile fails the node naming the template and line, before any claim', async () => {
		const cartId = await makeCart(env.store);
		const before = sg.requests.length;
		const result = await runSend(
			'emailSend',
			params({ template: 'custom', htmlTemplate: '<p>Szia {{customer.first_name}}!</p>\n<ul>\n{{#each items}}<li>{{name}}</li>\n{{/if}}\n</ul><a href="{{unsubscribe_url}}">Leiratkozás</a>' }),
			[{ cart_id: cartId }],
			credentials,
		);
		assert.equal(result.status, 'error');
		assert.match(result.error!.message, /Template "HTML Template" line 3: does not compile: each doesn't match if/);
		assert.equal(sg.requests.length, before, 'nothing sent');
		assert.deepEqual(await messageRows(env, cartId), [], 'nothing claimed');

		const noLink = await runSend('emailSend', params({ template: 'custom', htmlTemplate: '<p>Szia {{customer.first_name}}!</p>' }), [{ cart_id: cartId }], credentials);
		assert.equal(noLink.status, 'error');
		assert.match(noLink.error!.message, /Template "HTML Template" has no visible unsubscribe link/);

		const unknownHelper = await runSend('emailSend', params({ subjectHu: 'Szia\n{{shout customer.first_name}}' }), [{ cart_id: cartId }], credentials);
		assert.equal(unknownHelper.status, 'error');
		assert.match(unknownHelper.error!.message, /Template "Subject \(Hungarian\)" line 2: uses the unknown helper "shout"/);
		assert.deepEqual(await messageRows(env, cartId), []);
	});
});

describe('Email Send exactly once', () => {
	test('duplicate input items and a re-run send one email', async () => {
		const cartId = await makeCart(env.store, { email: 'dupla@example.hu' });
		const first = await runSend('emailSend', params(), [{ cart_id: cartId }, { cart_id: cartId }, { cart_id: cartId }], credentials);
		const o1 = outcomes(first);
		// The customer has the email, so every item leaves on Sent (the flow goes on), but only one was sent now.
		assert.deepEqual(o1.sent.map((s) => (s.delivery as { outcome: string }).outcome).sort(), ['sent', 'skipped', 'skipped']);
		assert.deepEqual(o1.sent.filter((s) => (s.delivery as { outcome: string }).outcome === 'skipped').map((s) => (s.delivery as { reason: string }).reason), ['already_sent', 'already_sent']);
		assert.equal(o1.skipped.length, 0, 'an email the customer got never takes the Skipped (fallback) output');
		const second = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials);
		const again = outcomes(second).sent[0];
		assert.equal((again.delivery as { reason: string }).reason, 'already_sent');
		assert.match(String(again.result), /^Already sent: email stage 1 went out in an earlier run, not sent again$/);
		assert.equal(acceptedFor('dupla@example.hu').length, 1);
	});

	test('503 twice, then 202: retried with backoff, one email, one Sent', async () => {
		const cartId = await makeCart(env.store, { email: 'retry@example.hu' });
		sg.script(sendGridErrors.serverError(503), sendGridErrors.serverError(502));
		const result = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials);
		const { sent } = outcomes(result);
		assert.equal(sent.length, 1, result.error?.message);
		assert.equal((sent[0].delivery as { attempts: number }).attempts, 3);
		assert.equal(acceptedFor('retry@example.hu').length, 1);
	});

	test('429 storm with Retry-After, two workflows racing for the same cart: exactly one accepted email', async () => {
		const cartId = await makeCart(env.store, { email: 'storm@example.hu' });
		const start = sg.requests.length;
		sg.script(sendGridErrors.tooManyRequests(1, 1), sendGridErrors.tooManyRequests(1, 1), sendGridErrors.tooManyRequests(1, 1));
		const [a, b] = await Promise.all([
			runSend('emailSend', params(), [{ cart_id: cartId }], credentials),
			runSend('emailSend', params(), [{ cart_id: cartId }], credentials),
		]);
		const all = [outcomes(a), outcomes(b)].flatMap((o) => o.sent).map((s) => s.delivery as { outcome: string; reason?: string });
		assert.deepEqual(all.map((d) => d.outcome).sort(), ['sent', 'skipped'], 'one sent; the racing run leaves on Sent too (the customer gets it)');
		assert.deepEqual(all.filter((d) => d.outcome === 'skipped').map((d) => d.reason), ['in_progress'], 'the racing run saw the claim and did not send');
		assert.equal(acceptedFor('storm@example.hu').length, 1, 'exactly one accepted message at SendGrid');
		const mailRequests = sg.requests.slice(start).filter((r) => r.path === '/v3/mail/send');
		assert.deepEqual(mailRequests.map((r) => r.answer), [429, 429, 429, 202]);
		for (let i = 1; i < mailRequests.length; i++) {
			assert.ok(mailRequests[i].at - mailRequests[i - 1].at >= 950, `Retry-After honoured between attempts ${i} and ${i + 1}`);
		}
		const [row] = await messageRows(env, cartId);
		assert.equal(row.status, 'sent');
	});

	test('rate limit longer than the retry budget: claim released, Deferred; the deferred run sends once', async () => {
		const cartId = await makeCart(env.store, { email: 'later@example.hu' });
		sg.script(sendGridErrors.tooManyRequests(600, 600));
		const first = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials);
		const { deferred } = outcomes(first);
		assert.equal(deferred.length, 1, first.error?.message);
		const d = deferred[0].delivery as { reason: string; sendAt: string };
		assert.equal(d.reason, 'provider_unavailable');
		assert.ok(new Date(d.sendAt).getTime() - Date.now() > 590_000, 'sendAt honours the provider’s Retry-After');
		assert.equal((await messageRows(env, cartId))[0].status, 'released');
		const again = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials);
		assert.equal(outcomes(again).sent.length, 1);
		assert.equal(acceptedFor('later@example.hu').length, 1);
		assert.equal((await messageRows(env, cartId))[0].attempts, 2);
	});

	test('response lost after SendGrid accepted: recorded failed (outcome unknown), never re-sent', async () => {
		const cartId = await makeCart(env.store, { email: 'lost@example.hu' });
		sg.script({ status: 202, acceptThenDrop: true });
		const first = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials, { onError: 'continueErrorOutput' });
		const { errors } = outcomes(first);
		assert.equal(errors.length, 1, JSON.stringify(first.outputs('Send')));
		assert.equal((errors[0].details as { reason: string }).reason, 'outcome_unknown');
		const row = (await messageRows(env, cartId))[0];
		assert.equal(row.status, 'failed');
		assert.match(row.error!, /outcome unknown/);
		const again = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials);
		assert.equal((outcomes(again).skipped[0].delivery as { reason: string }).reason, 'previously_failed');
		assert.equal(acceptedFor('lost@example.hu').length, 1, 'SendGrid got it once; no second attempt');
	});

	test('permanent 400: recorded failed with SendGrid’s error; error output with continue-on-fail, node error without', async () => {
		const cartId = await makeCart(env.store, { email: 'bad@example.hu' });
		sg.script(sendGridErrors.badRequest('The from address does not match a verified Sender Identity.', 'from', 'https://sendgrid.com/docs/for-developers/sending-email/sender-identity/'));
		const result = await runSend('emailSend', params(), [{ cart_id: cartId }], credentials, { onError: 'continueErrorOutput' });
		const { errors, sent } = outcomes(result);
		assert.equal(sent.length, 0);
		assert.equal(errors.length, 1);
		assert.match(String(errors[0].error), /SendGrid 400: The from address does not match a verified Sender Identity\. — field from/);
		assert.equal((errors[0].details as { cart_id: string }).cart_id, cartId, 'the delivery record travels on the error output');
		const [row] = await messageRows(env, cartId);
		assert.equal(row.status, 'failed');
		assert.match(row.error!, /verified Sender Identity/);

		const cart2 = await makeCart(env.store);
		sg.script(sendGridErrors.badRequest('Does not contain a valid address.', 'personalizations.0.to.0.email'));
		const strict = await runSend('emailSend', params(), [{ cart_id: cart2 }], credentials);
		assert.equal(strict.status, 'error');
		assert.match(strict.error!.message, /Does not contain a valid address/);
		assert.equal((await messageRows(env, cart2))[0].status, 'failed');
	});
});

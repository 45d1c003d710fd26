// Copy a marketer can own, inside n8n's engine (store on Postgres, SendGrid and Twilio as loopback fakes):
//  - the text fields: per language, one per stage kind under one name, prefilled from lib/templates/email/copy.json
//    and sms/copy.json; the old Subject / Preheader / Intro Text options are gone; the panel's words are plain;
//  - an edited field is what the customer gets, and the other language keeps its shipped text;
//  - Mode "Preview Only (Send Nothing)": the sample cart or the item's own cart rendered, the email's HTML as binary,
//    the SMS's cost; nothing reaches SendGrid or Twilio and the store records no message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Workflow, type IBinaryData, type IDataObject, type INodeParameters, type INodeProperties, type INodeTypeDescription } from 'n8n-workflow';

import { shippedEmailCopy, shippedSmsText, type EmailPiece, type Language, type StageKind } from '../../lib/templates';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { loadPackage } from '../harness/engine';
import { makeCart, messageRows, outcomes, runSend, SEND, smsEnv, type SmsEnv } from './setup';

let sms: SmsEnv;
let sg: SendGridFake;
let credentials: Record<string, object>;

before(async () => {
	sms = await smsEnv('delivery_preview');
	sg = await startSendGridFake();
	credentials = {
		...sms.credentials,
		sendGridCartRecoveryApi: { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', fromName: 'Bolt', region: 'custom', baseUrl: sg.url },
	};
});
after(async () => {
	await sg.close();
	await sms.close();
});

const nbsp = (s: unknown) => String(s).replace(/[\u00a0\u202f]/g, ' ');
const allMessages = async () => Number((await sms.env.db.pool.query('select count(*) from cart_recovery.messages')).rows[0].count);
const preview = (json: IDataObject) => json.preview as Record<string, unknown>;
const binaries = (result: Awaited<ReturnType<typeof runSend>>) =>
	(result.run.data.resultData.runData[SEND]?.[0]?.data?.main?.[0] ?? []).map((item) => item?.binary?.data as IBinaryData | undefined);
const htmlOf = (binary: IBinaryData | undefined) => Buffer.from(binary?.data ?? '', 'base64').toString('utf8');

describe('the text fields', () => {
	let email: INodeTypeDescription;
	let text: INodeTypeDescription;
	let whatsapp: INodeTypeDescription;
	before(async () => {
		const { loader } = await loadPackage();
		const description = (name: string) => (loader.nodeTypes[name].type as { description: INodeTypeDescription }).description;
		email = description('emailSend');
		text = description('smsSend');
		whatsapp = description('whatsAppSend');
	});

	const STAGES: Array<[StageKind, unknown]> = [
		['first', 1],
		['second', 2],
		['final', { _cnd: { gte: 3 } }],
	];

	test('Email Send: six fields per language, top level, each stage prefilled with its own shipped text from copy.json', () => {
		const pieces: Array<[EmailPiece, string]> = [
			['subject', 'Subject'],
			['preheader', 'Preheader'],
			['headline', 'Headline'],
			['intro', 'Intro'],
			['offer', 'Offer Line'],
			['button', 'Button Label'],
		];
		for (const [lang, suffix, languageName] of [
			['hu', 'Hu', 'Hungarian'],
			['en', 'En', 'English'],
		] as Array<[Language, string, string]>) {
			for (const [piece, label] of pieces) {
				const fields = email.properties.filter((p) => p.name === `${piece}${suffix}`);
				assert.equal(fields.length, 3, `${piece}${suffix}: one per stage kind`);
				for (const [kind, shown] of STAGES) {
					const field = fields.find((f) => JSON.stringify(f.displayOptions?.show?.stage) === JSON.stringify([shown]));
					assert.ok(field, `${piece}${suffix} for ${kind}`);
					assert.equal(field.displayName, `${label} (${languageName})`);
					assert.equal(field.default, shippedEmailCopy(lang, kind)[piece]);
					assert.equal(field.displayOptions?.show?.language, undefined, 'shown whatever the Language says: it may come from Settings');
				}
			}
		}
		const options = email.properties.find((p) => p.name === 'options')!.options as INodeProperties[];
		assert.deepEqual(
			options.filter((o) => ['subject', 'preheader', 'intro'].includes(o.name)),
			[],
			'Subject, Preheader and Intro Text are no longer hidden under Options',
		);
	});

	test('SMS Send: an SMS Text field per language and stage kind, prefilled from sms/copy.json; no custom template any more', () => {
		for (const [lang, suffix] of [
			['hu', 'Hu'],
			['en', 'En'],
		] as Array<[Language, string]>) {
			const fields = text.properties.filter((p) => p.name === `smsText${suffix}`);
			assert.deepEqual(
				fields.map((f) => f.default),
				STAGES.map(([kind]) => shippedSmsText(lang, kind)),
			);
		}
		assert.equal(text.properties.find((p) => p.name === 'smsTemplate' || p.name === 'template'), undefined);
		const options = text.properties.find((p) => p.name === 'options')!.options as INodeProperties[];
		assert.equal(options.find((o) => o.name === 'intro'), undefined);
	});

	test('plain words: no expressions, internal field names or "workers" in what the panel shows; a Preview list and a Mode on both nodes', () => {
		for (const description of [email, text, whatsapp]) {
			const shown: string[] = [];
			const walk = (properties: INodeProperties[]) => {
				for (const p of properties) {
					shown.push(p.displayName, p.description ?? '', p.hint ?? '');
					for (const o of (p.options ?? []) as Array<{ name?: string; description?: string; displayName?: string; options?: INodeProperties[] }>) {
						shown.push(o.name ?? o.displayName ?? '', o.description ?? '');
						if (o.options) walk(o.options);
					}
				}
			};
			walk(description.properties);
			for (const words of shown) {
				assert.doesNotMatch(words, /\$json|\{\{\s*\$|delivery\.reason|next_check_at|sendAt|workers?\b|amount_text|mail_settings/i, `${description.name}: "${words}"`);
			}
			const previewList = description.properties.find((p) => p.name === 'preview');
			assert.ok(previewList?.typeOptions?.loadOptionsMethod, `${description.name} has a Preview list`);
			assert.ok(previewList.typeOptions.loadOptionsDependsOn?.includes('stage'));
			const mode = description.properties.find((p) => p.name === 'mode');
			assert.deepEqual(
				(mode?.options as Array<{ name: string; value: string }>).map((o) => [o.name, o.value]),
				[
					['Send', 'send'],
					['Preview Only (Send Nothing)', 'preview'],
				],
			);
			assert.equal(mode?.default, 'send');
			assert.match(String(description.subtitle), /preview only — sends nothing/);
		}
	});
});

describe('the canvas subtitle', () => {
	test('"stage 2 · Hungarian"; in Preview Only mode it says so first; a stage typed as an expression shows "…"', async () => {
		const { nodeTypes } = await loadPackage();
		const subtitleOf = (type: string, parameters: INodeParameters) => {
			const node = { id: '1', name: 'Send', type: `n8n-nodes-cart-recovery.${type}`, typeVersion: 1, position: [0, 0] as [number, number], parameters };
			const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
			const description = nodeTypes.getByNameAndVersion(node.type, 1).description;
			return workflow.expression.getSimpleParameterValue(workflow.nodes.Send, description.subtitle, 'internal', {});
		};
		assert.equal(subtitleOf('emailSend', { stage: 2, language: 'hu' }), 'stage 2 · Hungarian');
		assert.equal(subtitleOf('emailSend', {}), 'stage 1 · by cart language');
		assert.equal(subtitleOf('smsSend', { mode: 'preview', stage: 3, language: 'en' }), 'preview only — sends nothing · stage 3 · English');
		assert.equal(subtitleOf('smsSend', { stage: '={{ $json.stage }}' }), 'stage … · by cart language');
	});
});

describe('an edited field is what gets sent', () => {
	test('Hungarian subject with the first name: the Hungarian customer gets it, the English customer the English default', async () => {
		const hu = await makeCart(sms.env.store, { email: 'edited.hu@example.hu', firstName: 'Anna' });
		const en = await makeCart(sms.env.store, { email: 'edited.en@example.co.uk', locale: 'en-GB', firstName: 'John' });
		const result = await runSend(
			'emailSend',
			{
				cartId: '={{ $json.cart_id }}',
				stage: 1,
				unsubscribeBaseUrl: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe',
				subjectHu: '{{customer.first_name}}, félretettük neked a kosaradat',
				buttonHu: 'Irány a kosár',
			},
			[{ cart_id: hu }, { cart_id: en }],
			credentials,
		);
		assert.equal(result.status, 'success', result.error?.message);
		assert.equal(outcomes(result).sent.length, 2);
		const to = (address: string) => sg.accepted.find((m) => m.body.personalizations[0].to[0].email === address)!.body;
		assert.equal(to('edited.hu@example.hu').subject, 'Anna, félretettük neked a kosaradat');
		assert.match(to('edited.hu@example.hu').content[1].value, />Irány a kosár<\/a>/);
		assert.equal(to('edited.en@example.co.uk').subject, '🛒 You left something in your cart');
		assert.match(to('edited.en@example.co.uk').content[1].value, />Back to my cart<\/a>/);
	});

	test('a field that does not compile fails the node naming it, before anything is claimed or sent', async () => {
		const cartId = await makeCart(sms.env.store, { email: 'broken.field@example.hu' });
		const before = sg.requests.length;
		const result = await runSend('emailSend', { cartId: '={{ $json.cart_id }}', stage: 2, introEn: 'Hello {{#if discount.code}}there' }, [{ cart_id: cartId }], credentials);
		assert.equal(result.status, 'error');
		assert.match(result.error!.message, /^Template "Intro \(English\)" line 1: does not compile/);
		assert.equal(sg.requests.length, before);
		assert.deepEqual(await messageRows(sms.env, cartId), []);
	});
});

describe('Preview Only (Send Nothing)', () => {
	test('Email, no cart on the item: the sample cart in Hungarian and English, the email as HTML binary; nothing sent, nothing stored', async () => {
		const [sgBefore, messagesBefore] = [sg.requests.length, await allMessages()];
		const result = await runSend('emailSend', { mode: 'preview', cartId: '={{ $json.cart_id }}', stage: 1 }, [{}], credentials);
		assert.equal(result.status, 'success', result.error?.message);
		const { sent, skipped, deferred } = outcomes(result);
		assert.deepEqual([sent.length, skipped.length, deferred.length], [2, 0, 0]);
		const [hu, en] = sent.map(preview);
		assert.deepEqual([hu.language, en.language, sent[0].sample_cart, sent[0].cart_id], ['hu', 'en', true, null]);
		assert.equal(hu.subject, '🛒 Ott maradt valami a kosaradban');
		assert.equal(hu.headline, '🛒 Szia, Anna!');
		assert.match(String(hu.intro), /félbemaradt a vásárlásod/);
		assert.equal(hu.button, 'Vissza a kosaramhoz');
		assert.equal(hu.offer, '', 'the first reminder carries no code');
		assert.equal(hu.subject_characters, 32);
		assert.equal(en.subject, '🛒 You left something in your cart');
		assert.equal(en.headline, '🛒 Hi Anna!');
		const [huBinary, enBinary] = binaries(result);
		assert.deepEqual([huBinary?.mimeType, huBinary?.fileName], ['text/html', 'email.html']);
		const html = htmlOf(huBinary);
		assert.match(html, /<h1[^>]*>🛒 Szia, Anna!<\/h1>/);
		assert.match(nbsp(html), /Ár: 12 990 Ft/);
		assert.match(html, />Vissza a kosaramhoz<\/a>/);
		assert.match(htmlOf(enBinary), /<h1[^>]*>🛒 Hi Anna!<\/h1>/);
		assert.match(nbsp(hu.text), /Összesen: 17 980 Ft/);
		assert.equal(sg.requests.length, sgBefore, 'SendGrid got nothing');
		assert.equal(await allMessages(), messagesBefore, 'the store recorded no message');
	});

	test('Email, the item’s cart from the store at stage 3 with its code: the final offer in the cart’s language; nothing claimed', async () => {
		const cartId = await makeCart(sms.env.store, { email: 'preview.final@example.hu', firstName: 'Réka' });
		const before = sg.requests.length;
		const result = await runSend(
			'emailSend',
			{ mode: 'preview', cartId: '={{ $json.cart_id }}', stage: 3, discountCode: '={{ $json.discount.code }}', discountText: '={{ $json.discount.amount_text }}' },
			[{ cart_id: cartId, discount: { code: 'KOSAR-FINAL20', amount_text: '20%' } }],
			credentials,
		);
		assert.equal(result.status, 'success', result.error?.message);
		const { sent } = outcomes(result);
		assert.equal(sent.length, 1, 'one language: the cart’s');
		const p = preview(sent[0]);
		assert.deepEqual([sent[0].cart_id, sent[0].sample_cart, p.language, p.stage], [cartId, false, 'hu', 3]);
		assert.equal(p.subject, '🎁 Utolsó emlékeztető a kosaradról: 20% kedvezmény');
		assert.equal(p.headline, '🛒 Szia, Réka!');
		assert.equal(p.offer, '20% kedvezményt kapsz, ha a pénztárnál megadod ezt a kódot:');
		assert.match(htmlOf(binaries(result)[0]), /KOSAR-FINAL20/);
		assert.equal(sg.requests.length, before);
		assert.deepEqual(await messageRows(sms.env, cartId), [], 'nothing claimed');
		// The same cart can still be sent afterwards: the preview took no claim.
		const send = await runSend('emailSend', { cartId: '={{ $json.cart_id }}', stage: 3, unsubscribeBaseUrl: 'https://n8n.example.hu/u' }, [{ cart_id: cartId }], credentials);
		assert.equal(outcomes(send).sent.length, 1, send.error?.message);
	});

	test('SMS, sample cart at stage 2: text, characters, GSM-7, segments and what it costs; Twilio got nothing', async () => {
		const [twBefore, messagesBefore] = [sms.tw.requests.length, await allMessages()];
		const result = await runSend('smsSend', { mode: 'preview', cartId: '={{ $json.cart_id }}', stage: 2, quietHours: false }, [{}], credentials);
		assert.equal(result.status, 'success', result.error?.message);
		const [hu, en] = outcomes(result).sent.map(preview);
		assert.match(nbsp(hu.text), /^Szia, Anna! Még megvan a kosarad \(17 980 Ft\)\.\n10% kedvezményt kapsz ezzel a kuponnal: KOSAR-7K3M9Q\nItt folytathatod: https:\/\/\S+\nLeiratkozhatsz egy STOP üzenettel\.$/);
		assert.deepEqual([hu.encoding, hu.segments], ['GSM-7', 2]);
		assert.equal(hu.cost, `${hu.characters} characters · GSM-7 · 2 segments — billed as 2 SMS`);
		assert.equal(hu.warning, undefined);
		assert.match(String(en.text), /^Hi Anna! Your cart is still saved/);
		assert.equal(sms.tw.requests.length, twBefore, 'Twilio got nothing');
		assert.equal(await allMessages(), messagesBefore);
	});

	test('SMS: a text with ő and Avoid Costly Characters off is UCS-2 and says because of which character; over Max Segments it warns', async () => {
		const smsTextHu = 'Szia, {{customer.first_name}}! Ő is szeretné, hogy befejezd a rendelést: {{restore_url}}';
		const result = await runSend('smsSend', { mode: 'preview', stage: 1, language: 'hu', transliterate: false, optOut: false, maxSegments: 1, smsTextHu }, [{}], credentials);
		assert.equal(result.status, 'success', result.error?.message);
		const [p] = outcomes(result).sent.map(preview);
		assert.equal(p.encoding, 'UCS-2');
		assert.equal(p.non_gsm_characters, 'Ő');
		assert.match(String(p.cost), /^\d+ characters · UCS-2 because of ‘Ő’ · 2 segments — billed as 2 SMS$/);
		assert.equal(p.warning, 'More than Max Segments per SMS (1): this SMS would not be sent');
	});
});

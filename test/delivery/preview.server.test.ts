// The Preview list in a real n8n server: the editor asks n8n's own endpoint for the options of Email Send's and
// SMS Send's Preview parameter (POST /rest/dynamic-node-parameters/options, as the node panel does, with the
// panel's current parameters) and gets the text rendered with the sample cart, in Hungarian and English.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { nodeType, startN8n, type N8nServer } from '../harness/server';

describe('Preview list through n8n’s dynamic-node-parameters endpoint', () => {
	let n8n: N8nServer;

	before(async () => {
		n8n = await startN8n({ label: 'delivery-preview' });
	});
	after(async () => {
		await n8n?.stop();
	});

	/** What the panel asks when the Preview list opens: the node's parameters as they stand (expressions unresolved here). */
	const options = (node: 'emailSend' | 'smsSend', currentNodeParameters: Record<string, unknown>) =>
		n8n.rest<Array<{ name: string; value: string }>>('POST', '/dynamic-node-parameters/options', {
			path: 'preview',
			methodName: node === 'emailSend' ? 'emailPreview' : 'smsPreview',
			nodeTypeAndVersion: { name: nodeType(node), version: 1 },
			currentNodeParameters: { cartId: '={{ $json.cart_id }}', discountCode: '={{ $json.discount?.code ?? "" }}', ...currentNodeParameters },
		});
	const names = (list: Array<{ name: string }>) => list.map((o) => o.name.replace(/[\u00a0\u202f]/g, ' '));

	test('Email Send, stage 2, From Cart Locale: every piece in Hungarian and English for Anna, with the stage’s sample code', async () => {
		const list = names(await options('emailSend', { stage: 2, language: 'auto' }));
		assert.equal(list[0], 'Sample cart: Anna, 2 items, 17 980 Ft · discount code KOSAR-7K3M9Q (10%)');
		for (const line of [
			'Hungarian · Subject: 🛒 Még megvan a kosarad – 10% kedvezménnyel',
			'Hungarian · Preheader: 17 980 Ft értékű termék vár a kosaradban, és most kedvezménykódot is kapsz hozzá.',
			'Hungarian · Headline: 🛒 Szia, Anna!',
			'Hungarian · Intro: Csak szólunk, hogy a kosarad még megvan. Ha közbejött valami, ott folytathatod, ahol abbahagytad.',
			'Hungarian · Offer: 10% kedvezményt kapsz, ha a pénztárnál megadod ezt a kódot: KOSAR-7K3M9Q',
			'Hungarian · Button: Vissza a kosaramhoz',
			'English · Subject: 🛒 Your cart is still saved – with 10% off',
			'English · Headline: 🛒 Hi Anna!',
			'English · Button: Back to my cart',
		]) {
			assert.ok(list.includes(line), `${line}\nnot in\n${list.join('\n')}`);
		}
	});

	test('Email Send, Hungarian only, stage 1, an edited subject: the edit rendered for Anna, no discount at the first reminder', async () => {
		const list = names(await options('emailSend', { stage: 1, language: 'hu', subjectHu: '{{customer.first_name}}, félretettük a kosaradat' }));
		assert.equal(list[0], 'Sample cart: Anna, 2 items, 17 980 Ft · no discount code at this stage');
		assert.ok(list.includes('Subject: Anna, félretettük a kosaradat'), list.join('\n'));
		assert.ok(list.includes('Offer: (not shown: no discount code at this stage)'), list.join('\n'));
		assert.ok(!list.some((l) => l.startsWith('English')), 'only the node’s language');
	});

	test('Email Send: a field that does not compile shows which field, instead of failing the list', async () => {
		const list = names(await options('emailSend', { stage: 3, language: 'en', subjectEn: 'Hi {{#if customer.first_name}}' }));
		assert.ok(list.some((l) => /^⚠ Cannot show this text: Subject \(English\), line 1: does not compile/.test(l)), list.join('\n'));
	});

	test('SMS Send, stage 2: the whole text, its characters, GSM-7 and segments, billed as that many SMS', async () => {
		const list = names(await options('smsSend', { stage: 2, language: 'auto' }));
		const hu = list.find((l) => l.startsWith('Hungarian · SMS: '));
		assert.match(hu ?? '', /^Hungarian · SMS: Szia, Anna! Még megvan a kosarad \(17 980 Ft\)\. ⏎ 10% kedvezményt kapsz ezzel a kuponnal: KOSAR-7K3M9Q ⏎ Itt folytathatod: \S+ ⏎ Leiratkozhatsz egy STOP üzenettel\.$/);
		assert.ok(list.some((l) => /^Hungarian · Cost: \d+ characters · GSM-7 · 2 segments — billed as 2 SMS$/.test(l)), list.join('\n'));
		assert.ok(list.some((l) => l.startsWith('English · SMS: Hi Anna! Your cart is still saved')), list.join('\n'));
		assert.ok(!list.some((l) => l.includes('Warning')), 'within Max Segments');
	});

	test('SMS Send: ő with Avoid Costly Characters off says UCS-2 because of ‘ő’, and warns above Max Segments', async () => {
		const list = names(
			await options('smsSend', {
				stage: 1,
				language: 'hu',
				transliterate: false,
				maxSegments: 1,
				smsTextHu: 'Szia, {{customer.first_name}}! Elmentettük a kosaradat, nyugodtan folytathatod később: {{restore_url}}',
			}),
		);
		const cost = list.find((l) => l.startsWith('Cost: '));
		const facts = /^Cost: (\d+) characters · UCS-2 because of ‘ő’ · (\d+) segments — billed as (\d+) SMS$/.exec(cost ?? '');
		assert.ok(facts, list.join('\n'));
		assert.ok(Number(facts[1]) > 70 && Number(facts[2]) === Math.ceil(Number(facts[1]) / 67) && facts[3] === facts[2], cost);
		assert.ok(list.includes('⚠ Warning: More than Max Segments per SMS (1): this SMS would not be sent'), list.join('\n'));
	});
});

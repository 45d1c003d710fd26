// The copy a customer reads, and the one place a marketer sets the shop's details:
//  - every shipped template (HU and EN, email and SMS, stages 1–3, with and without a code) reads naturally with
//    and without shop name / contact email / contact phone: no "a(z)", no sentence that introduces details that
//    are not there, no label without a value, none of the translated-sounding phrases;
//  - the shipped workflow's Settings node reaches the send nodes (run in n8n's engine with the shipped nodes'
//    own parameters): shop name, contacts, sender name and reply-to in the email, the signature in the SMS;
//  - the send nodes label each credential field for what it is for, and SMS Send explains segments and their cost.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { IDataObject, INode, INodeTypeDescription } from 'n8n-workflow';

import { DEFAULT_OPT_OUT } from '../../lib/channels/sms';
import { amountText, REFUSAL_MESSAGE } from '../../nodes/DiscountCode/actions/common';
import type { Cart } from '../../lib/store';
import { analyseSms, buildTemplateContext, emailTemplates, renderEmail, renderSms, smsTemplate, type Language, type ShopInfo } from '../../lib/templates';
import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { connect, loadPackage, manualTrigger, node, runWorkflow } from '../harness/engine';
import { makeCart, smsEnv, type SmsEnv } from './setup';

const ROOT = path.resolve(__dirname, '../..');
const TEMPLATES = path.join(ROOT, 'lib/templates');

const cart = (locale: string): Cart =>
	({
		cart_id: 'copy-1',
		customer_id: 'c-1',
		first_name: 'Anna',
		last_name: 'Kovács',
		email: 'anna@example.hu',
		phone: '+36301234567',
		locale,
		currency: 'HUF',
		value: 24980,
		status: 'abandoned',
		items: [
			{ name: 'Túracipő, 42', quantity: 1, price: 19990 },
			{ name: 'Gyapjú zokni (3 pár)', quantity: 1, price: 4990 },
		],
		restore_url: 'https://cipobolt.example.hu/kosar/copy-1',
	}) as unknown as Cart;

const SHOPS: Record<string, ShopInfo> = {
	'no shop details': {},
	'phone only': { phone: '+36 1 234 5678' },
	'email only': { email: 'hello@cipobolt.example.hu' },
	'name only': { name: 'Cipőbolt' },
	'address only': { address: '1051 Budapest, Fő utca 1.' },
	everything: { name: 'Cipőbolt', email: 'hello@cipobolt.example.hu', phone: '+36 1 234 5678', address: '1051 Budapest, Fő utca 1.' },
};
const DISCOUNTS = {
	'no code': null,
	'code only': { code: 'EXTRA-7K3M9Q' },
	'code, amount, expiry': { code: 'KOSAR-7K3M9Q', text: '10%', valid_until: '2026-12-03T10:00:00Z' },
};
const LABELS: Record<Language, { questions: RegExp; email: string; phone: string; subjectOfFooter: RegExp }> = {
	hu: { questions: /Kérdésed van\?/, email: 'E-mail:', phone: 'Telefon:', subjectOfFooter: /hozzájárultál, hogy e-mailben megkeressünk/ },
	en: { questions: /Questions\?/, email: 'Email:', phone: 'Phone:', subjectOfFooter: /you agreed to hear from us by email/ },
};
/** What the old copy said and a native speaker flagged: a form's article, translated phrases, a call with no number. */
const FLAGGED = [/a\(z\)/i, /Ne hagyd, hogy elmenjenek/, /nagyszerű termékek/, /Befejezés:/, /hívd ügyfélszolgálatunkat/, /Vár rád a kosaradban…/];
/**
 * The second native review: an indefinite subject put first ("Valami a kosaradban maradt"), a greeting without the
 * comma before the name, "email" with a Hungarian suffix (the spelling is e-mail), a hyphen in a two-part compound,
 * calques ("kupon minimuma", "csendes órák", "leiratkozó link", "kézzel leiratkoztatunk"), "emlékeztet vmiről"
 * (it is "vmire"), a suffix glued to a node name, an English word order ("email helyette"), a percentage without -os.
 */
const FLAGGED_HU = [
	/Valami a kosaradban maradt/,
	/Szia [A-ZÁÉÍÓÖŐÚÜŰ{]/,
	/\bemail(?:ben|t|je|ek|-)/,
	/kosár-(?:emlékeztető|esemény)/,
	/Kosárelhagyás – visszaszerzés/,
	/kupon minimumát/,
	/csendes órák/,
	/leiratkozó link/,
	/kézzel leiratkoztatunk/,
	/kosaramról \S+ emlékeztessenek/,
	/\)\*-(?:ben|ban|re|ra)\b/,
	/email helyette/,
	/\d+% kóddal|végső ajánlat \d+% \//,
];

describe('shipped copy reads naturally with and without the shop’s details', () => {
	test('no template source says "a(z)" or any flagged phrase', () => {
		const sources = ['email/hu.hbs', 'email/en.hbs', 'email/copy.json', 'sms/copy.json'].map((f) => readFileSync(path.join(TEMPLATES, f), 'utf8'));
		for (const source of [...sources, DEFAULT_OPT_OUT.hu, DEFAULT_OPT_OUT.en]) {
			for (const flagged of [...FLAGGED, ...FLAGGED_HU]) assert.doesNotMatch(source, flagged);
		}
	});

	test('the Hungarian text around the templates reads natively too: workflow notes, unsubscribe pages, checkout messages, the consent example', () => {
		const workflows = readdirSync(path.join(ROOT, 'workflows')).filter((f) => f.endsWith('.json'));
		const texts: Array<[string, string]> = [
			...workflows.map((f): [string, string] => [f, readFileSync(path.join(ROOT, 'workflows', f), 'utf8')]),
			['refusal message', REFUSAL_MESSAGE.hu],
			['Consent Check: Wording', readFileSync(path.join(ROOT, 'nodes/ConsentCheck/actions/consent/record.operation.ts'), 'utf8')],
			['SMS Send', readFileSync(path.join(ROOT, 'nodes/SmsSend/SmsSend.node.ts'), 'utf8')],
			['Email Send', readFileSync(path.join(ROOT, 'nodes/EmailSend/EmailSend.node.ts'), 'utf8')],
			['WhatsApp Send', readFileSync(path.join(ROOT, 'lib/channels/whatsapp/parameters.ts'), 'utf8')],
		];
		for (const [where, text] of texts) {
			for (const flagged of [...FLAGGED, ...FLAGGED_HU]) assert.doesNotMatch(text, flagged, where);
		}
	});

	test('a fixed discount reads like the prices beside it: "2 000 Ft kedvezményt kapsz", not "2000 Ft"', () => {
		const context = buildTemplateContext({ cart: cart('hu-HU'), stage: 2, language: 'hu', discount: { code: 'KOSAR-7K3M9Q', text: amountText({ kind: 'fixed', amount: 2000, currency: 'HUF' }) } });
		const email = renderEmail(emailTemplates('hu'), context);
		const sms = renderSms(smsTemplate('hu'), context);
		for (const text of [email.text, email.subject, sms.body]) assert.match(text.replace(/[\u00a0\u202f]/g, ' '), /2 000 Ft kedvezm/, text);
		assert.match(email.text.replace(/[\u00a0\u202f]/g, ' '), /Ár: 4 990 Ft/);
	});

	for (const lang of ['hu', 'en'] as const) {
		test(`${lang}: every stage × code × shop details renders without dangling sentences or empty labels`, () => {
			const l = LABELS[lang];
			for (const stage of [1, 2, 3]) {
				for (const [discountName, discount] of Object.entries(DISCOUNTS)) {
					for (const [shopName, shop] of Object.entries(SHOPS)) {
						const where = `${lang} stage ${stage}, ${discountName}, ${shopName}`;
						const context = buildTemplateContext({ cart: cart(lang === 'hu' ? 'hu-HU' : 'en-GB'), stage, language: lang, shop, discount, unsubscribeUrl: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe?token=t' });
						const email = renderEmail(emailTemplates(lang), context);
						const sms = renderSms(smsTemplate(lang), context, { optOutLine: DEFAULT_OPT_OUT[lang] });
						const all = [email.subject, email.preheader, email.text, email.html, sms.body].join('\n');
						for (const flagged of [...FLAGGED, ...FLAGGED_HU]) assert.doesNotMatch(all, flagged, where);
						if (lang === 'hu') assert.ok(email.text.includes('Szia, Anna!') && sms.body.startsWith('Szia, Anna! '), `${where}: the greeting`);
						assert.doesNotMatch(all, /\bundefined\b|\bnull\b|\{\{|\}\}|\[object/, where);
						// A line never ends in a label or an introduction without what it introduces ("E-mail:", "kódot:").
						for (const line of [...email.text.split('\n'), ...sms.body.split('\n'), email.subject, email.preheader]) {
							if (/^-+$/.test(line)) continue; // the <hr> in the text part
							assert.doesNotMatch(line, /:\s*$/, `${where}: "${line}"`);
							assert.doesNotMatch(line, /^\s*[·–-]\s*|\s[·–-]\s*$/, `${where}: a separator with nothing on one side in "${line}"`);
						}
						assert.doesNotMatch(email.subject + email.preheader, /\s[,.;:]|\s{2}/, `${where}: "${email.subject}" / "${email.preheader}"`);
						// The contact paragraph exactly when there is something to contact, with what there is.
						assert.equal(l.questions.test(email.text), !!(shop.email || shop.phone), `${where}: contact paragraph`);
						assert.equal(email.text.includes(l.email), !!shop.email, `${where}: email line`);
						assert.equal(email.text.includes(l.phone), !!shop.phone, `${where}: phone line`);
						// The footer's sentence has its subject whether or not the shop's name is set.
						assert.match(email.text.replace(/\s+/g, ' '), l.subjectOfFooter, where);
						for (const value of [shop.name, shop.address].filter(Boolean)) assert.ok(email.text.includes(value!), `${where}: shows ${value}`);
						// A sentence about "the code below" only when there is a code below.
						assert.equal(/alábbi kód|code below/.test(email.text), !!discount && stage >= 3, where);
						// The SMS: signed when the shop has a name, nothing left of the signature when it has not.
						assert.equal(sms.body.split('\n').includes(shop.name ?? '\u0000'), !!shop.name, `${where}: SMS signature`);
						assert.ok(sms.body.endsWith(DEFAULT_OPT_OUT[lang]), where);
					}
				}
			}
		});
	}

	test('the shipped Hungarian SMS copy uses only GSM-7 characters: an unaccented name stays GSM-7 even with Avoid Costly Characters off', () => {
		for (const stage of [1, 2, 3]) {
			const context = buildTemplateContext({ cart: cart('hu-HU'), stage, language: 'hu', shop: {}, discount: DISCOUNTS['code, amount, expiry'] });
			const sms = renderSms(smsTemplate('hu'), context, { optOutLine: DEFAULT_OPT_OUT.hu, transliterate: false });
			assert.deepEqual([sms.encoding, sms.nonGsmCharacters], ['GSM-7', []], `stage ${stage}: ${sms.body}`);
			assert.ok(sms.segments <= 2, `stage ${stage}: ${sms.segments} segments`);
		}
		assert.equal(analyseSms(DEFAULT_OPT_OUT.hu).encoding, 'GSM-7');
	});
});

describe('the send nodes: credential labels and what an SMS costs', () => {
	let descriptions: Map<string, INodeTypeDescription>;
	before(async () => {
		const { loader } = await loadPackage();
		descriptions = new Map(Object.entries(loader.nodeTypes).map(([name, data]) => [name, (data.type as { description: INodeTypeDescription }).description]));
	});

	test('every node with two credential fields labels each for what it is for (n8n shows "Credential" for each otherwise)', () => {
		const withTwo = [...descriptions].filter(([, d]) => (d.credentials ?? []).length > 1).map(([name]) => name);
		assert.deepEqual(withTwo.sort(), ['abandonedCartTrigger', 'aiOfferWriter', 'channelEventsTrigger', 'consentCheck', 'discountCode', 'emailSend', 'messengerSend', 'recoveryReport', 'replyToCustomer', 'smsSend', 'welcomeBackTrigger', 'whatsAppSend']);
		for (const name of withTwo) {
			const labels = (descriptions.get(name)?.credentials ?? []).map((c) => c.displayName);
			assert.ok(labels.every((l) => l && l !== 'Credential'), `${name}: ${labels.join(', ')}`);
			assert.equal(new Set(labels).size, labels.length, `${name}: ${labels.join(', ')}`);
		}
		assert.deepEqual(
			descriptions.get('smsSend')!.credentials!.map((c) => c.displayName),
			['Cart Recovery Store', 'Twilio Account (Sends the SMS)'],
		);
	});

	test('SMS Send explains segments and their cost, avoids costly characters by default and limits segments', () => {
		const properties = descriptions.get('smsSend')!.properties;
		const notice = properties.find((p) => p.type === 'notice' && /segment/.test(p.displayName));
		assert.ok(notice, 'a notice about segments');
		for (const fact of ['160', '153', '70', '67', 'á, í, ó, ú, ő, ű']) assert.ok(notice.displayName.includes(fact), `the notice says ${fact}`);
		assert.equal(properties.find((p) => p.name === 'transliterate')?.default, true);
		assert.equal(properties.find((p) => p.name === 'maxSegments')?.default, 4);
	});
});

describe('Settings: set once in the shipped workflow, read by every send node', () => {
	let sms: SmsEnv;
	let sg: SendGridFake;
	let credentials: Record<string, object>;
	const shipped = JSON.parse(readFileSync(path.join(ROOT, 'workflows/abandoned-cart-recovery.json'), 'utf8')) as { nodes: INode[] };
	const shippedNode = (pick: (n: INode) => boolean, what: string) => {
		const found = shipped.nodes.find(pick);
		assert.ok(found, `the shipped workflow has ${what}`);
		return structuredClone(found);
	};

	before(async () => {
		sms = await smsEnv('delivery_copy');
		sg = await startSendGridFake();
		credentials = {
			...sms.credentials,
			sendGridCartRecoveryApi: { apiKey: sg.apiKey, fromEmail: 'bolt@cipobolt.example.hu', fromName: 'From the credential', region: 'custom', baseUrl: sg.url },
		};
	});
	after(async () => {
		await sg.close();
		await sms.close();
	});

	test('the shipped workflow stays importable: every node id is its own (n8n refuses a file with a duplicate)', () => {
		const ids = shipped.nodes.map((n) => n.id);
		assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
	});

	/** Start → the shipped Settings (with `values`) → the shipped stage-1 Email Send and the shipped SMS Send. */
	async function runShipped(values: Record<string, string>, cartId: string) {
		const settings = shippedNode((n) => n.name === 'Settings' && n.type === 'n8n-nodes-base.set', 'a Settings node');
		const fields = (settings.parameters.assignments as { assignments: Array<{ name: string; value: unknown }> }).assignments;
		const shop = ['shop_name', 'sender_name', 'contact_email', 'contact_phone', 'postal_address'];
		assert.deepEqual(fields.filter((f) => shop.includes(f.name)).map((f) => [f.name, f.value]), shop.map((name) => [name, '']), 'the shop fields are shipped empty');
		for (const f of fields) if (f.name in values) f.value = values[f.name];
		const email = shippedNode((n) => n.type.endsWith('.emailSend') && n.parameters.stage === 1, 'a stage-1 Email Send');
		const text = shippedNode((n) => n.type.endsWith('.smsSend'), 'an SMS Send');
		// Quiet hours would make the test depend on the time of day; everything else as shipped.
		text.parameters.quietHours = false;
		const asTestNode = (n: INode, name: string, provider: string) =>
			node(name, n.type, n.parameters as IDataObject, { typeVersion: n.typeVersion, credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Store' }, [provider]: { id: 'provider', name: 'Provider' } } });
		return runWorkflow({
			nodes: [
				manualTrigger(),
				node(settings.name, settings.type, settings.parameters as IDataObject, { typeVersion: settings.typeVersion }),
				asTestNode(email, 'Email', 'sendGridCartRecoveryApi'),
				asTestNode(text, 'SMS', 'twilioCartRecoveryApi'),
			],
			connections: connect(['Start', settings.name], [settings.name, 'Email'], [settings.name, 'SMS']),
			pinData: { Start: [{ json: { cart_id: cartId, discount: { code: 'KOSAR-SETTINGS1', amount_text: '10%' } } }] },
			credentials,
		});
	}

	test('filled in: the email shows the name, contacts and address, comes from the sender name, replies go to the contact email; the SMS is signed', async () => {
		const email = 'settings.filled@example.hu';
		const cartId = await makeCart(sms.env.store, { email, phone: '+36305550901', customerId: 'settings-1' });
		const values = { shop_name: 'Cipőbolt', contact_email: 'ugyfelszolgalat@cipobolt.example.hu', contact_phone: '+36 1 555 0100', postal_address: '1051 Budapest, Fő utca 1.', sender_name: 'Cipőbolt Webshop' };
		const result = await runShipped(values, cartId);
		assert.equal(result.status, 'success', result.error?.message);
		const mail = sg.accepted.find((m) => m.body.personalizations[0].to[0].email === email);
		assert.ok(mail, 'the email went out');
		const text = mail.body.content.find((c) => c.type === 'text/plain')!.value;
		assert.deepEqual([mail.body.from.name, mail.body.reply_to?.email], ['Cipőbolt Webshop', 'ugyfelszolgalat@cipobolt.example.hu']);
		assert.match(text, /Kérdésed van\? Szívesen segítünk\.\nE-mail: ugyfelszolgalat@cipobolt\.example\.hu.*\nTelefon: \+36 1 555 0100\n/);
		assert.match(text, /\nCipőbolt · 1051 Budapest, Fő utca 1\.\n/);
		const [sent] = sms.tw.accepted.filter((a) => a.params.To === '+36305550901');
		assert.match(sent.params.Body, /\nCipöbolt\nLeiratkozhatsz egy STOP üzenettel\.$/);
	});

	test('left empty (as shipped): no contact paragraph, no name line, the credential’s sender; the SMS is unsigned', async () => {
		const email = 'settings.empty@example.hu';
		const cartId = await makeCart(sms.env.store, { email, phone: '+36305550902', customerId: 'settings-2' });
		const result = await runShipped({}, cartId);
		assert.equal(result.status, 'success', result.error?.message);
		const mail = sg.accepted.find((m) => m.body.personalizations[0].to[0].email === email);
		assert.ok(mail, 'the email went out');
		const text = mail.body.content.find((c) => c.type === 'text/plain')!.value;
		assert.deepEqual([mail.body.from.name, mail.body.reply_to], ['From the credential', undefined]);
		assert.doesNotMatch(text, /Kérdésed van|E-mail:|Telefon:/);
		assert.match(text, /és termékek maradtak a kosaradban\.\nHa nem szeretnél több ilyen levelet kapni/);
		const [sent] = sms.tw.accepted.filter((a) => a.params.To === '+36305550902');
		assert.match(sent.params.Body, /\nItt folytathatod: https:\/\/shop\.example\.hu\/cart\/restore\/[^\n]+\nLeiratkozhatsz egy STOP üzenettel\.$/);
	});
});

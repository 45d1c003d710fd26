// Sample shoppers of a Hungarian webshop (HUF, Hungarian names and products), each showing one path through the
// recovery sequence. The demo records their consent the way a shop's checkout checkbox would (through n8n, with
// the Consent Check node), then posts their carts to the Abandoned Cart Trigger as signed generic JSON events.
import { randomBytes } from 'node:crypto';

import { signWebshopRequest } from '../../lib/intake/signature';

import type { OutboxMessage } from './outbox';

export interface SampleItem {
	sku: string;
	name: string;
	quantity: number;
	price: number;
}

export interface SampleShopper {
	key: string;
	/** What this shopper shows, for the console. */
	story: string;
	customerId: string;
	firstName: string;
	lastName: string;
	email: string;
	phone: string;
	consent: Array<'email' | 'sms' | 'whatsapp' | 'messenger'>;
	/** The shopper's Messenger id on the shop's Page (page-scoped), for those who wrote to the Page. */
	psid?: string;
	/** What the shopper wrote to the shop's Facebook Page after leaving the cart (Meta's webhook reaches the channel events workflow). */
	writesOnMessenger?: string;
	items: SampleItem[];
	/** Buys after the first reminder arrives (an order event is posted then). */
	buysAfterFirstEmail?: boolean;
	/** What the whole sequence leaves in the outbox for this shopper, one entry per message: "email stage-N", "sms", "whatsapp" or "messenger". */
	expected: string[];
}

export const SHOP = { name: 'Kávémanufaktúra', url: 'https://kavemanufaktura.example.hu', email: 'hello@kavemanufaktura.example.hu', phone: '+36 1 234 5678' };

export const SHOPPERS: SampleShopper[] = [
	{
		key: 'anna',
		expected: ['email stage-1', 'sms', 'email stage-3'],
		story: 'never comes back: reminder email, then SMS with 10 %, then the final 20 % offer',
		customerId: 'cust-1001',
		firstName: 'Anna',
		lastName: 'Kovács',
		email: 'kovacs.anna@example.hu',
		phone: '+36301234567',
		consent: ['email', 'sms'],
		items: [
			{ sku: 'KAVE-ETI-1KG', name: 'Etióp Yirgacheffe szemes kávé, 1 kg', quantity: 1, price: 8990 },
			{ sku: 'KOTYOGO-6', name: 'Kotyogós kávéfőző, 6 személyes', quantity: 1, price: 12990 },
		],
	},
	{
		key: 'bence',
		expected: ['email stage-1'],
		story: 'buys after the first email: the sequence stops, the cart counts as recovered',
		customerId: 'cust-1002',
		firstName: 'Bence',
		lastName: 'Nagy',
		email: 'nagy.bence@example.hu',
		phone: '+36209876543',
		consent: ['email', 'sms'],
		items: [{ sku: 'DARALO-KEZI', name: 'Kézi kávédaráló kerámia őrlővel', quantity: 1, price: 15490 }],
		buysAfterFirstEmail: true,
	},
	{
		key: 'eszter',
		expected: ['email stage-1', 'email stage-2', 'email stage-3'],
		story: 'agreed to email only: every stage goes by email, no SMS',
		customerId: 'cust-1003',
		firstName: 'Eszter',
		lastName: 'Szabó',
		email: 'szabo.eszter@example.hu',
		phone: '+36705551234',
		consent: ['email'],
		items: [
			{ sku: 'BOGRE-2', name: 'Kézműves kerámia bögre (2 db)', quantity: 2, price: 4490 },
			{ sku: 'KAVE-BRAZ-500', name: 'Brazil Santos szemes kávé, 500 g', quantity: 1, price: 4990 },
		],
	},
	{
		key: 'dora',
		expected: ['email stage-1', 'whatsapp', 'email stage-3'],
		story: 'agreed to WhatsApp: the second reminder is the approved WhatsApp template, the code on its copy button',
		customerId: 'cust-1005',
		firstName: 'Dóra',
		lastName: 'Kiss',
		email: 'kiss.dora@example.hu',
		phone: '+36304445566',
		consent: ['email', 'whatsapp'],
		items: [{ sku: 'ESPRESSO-GEP', name: 'Karos eszpresszógép tejhabosítóval', quantity: 1, price: 54990 }],
	},
	{
		key: 'mark',
		expected: ['email stage-1', 'email stage-2', 'messenger', 'email stage-3'],
		story: 'wrote to the shop\'s Facebook Page: Meta\'s webhook opens his 24-hour window, so the final offer also comes on Messenger (a carousel of his cart)',
		customerId: 'cust-1006',
		firstName: 'Márk',
		lastName: 'Horváth',
		email: 'horvath.mark@example.hu',
		phone: '+36201237788',
		psid: '6789012345678901',
		writesOnMessenger: 'Szia! Megvan még a kosaram? Holnap rendelnék.',
		consent: ['email', 'messenger'],
		items: [{ sku: 'KAVE-KOLUMB-1KG', name: 'Kolumbiai Supremo szemes kávé, 1 kg', quantity: 2, price: 9490 }],
	},
	{
		key: 'peter',
		expected: [],
		story: 'a 2 990 Ft cart, under the 5 000 Ft minimum: no message',
		customerId: 'cust-1004',
		firstName: 'Péter',
		lastName: 'Tóth',
		email: 'toth.peter@example.hu',
		phone: '+36301112233',
		consent: ['email', 'sms'],
		items: [{ sku: 'FILTER-100', name: 'Papírfilter (100 db)', quantity: 1, price: 2990 }],
	},
];

export const CONSENT_WORDING: Record<'email' | 'sms' | 'whatsapp' | 'messenger', string> = {
	email: 'Kérem, hogy e-mailben emlékeztessenek a kosaramra, kedvezményes ajánlattal.',
	sms: 'Kérem, hogy SMS-ben emlékeztessenek a kosaramra, kedvezményes ajánlattal.',
	whatsapp: 'Kérem, hogy WhatsAppon emlékeztessenek a kosaramra, kedvezményes ajánlattal.',
	messenger: 'Kérem, hogy Messengeren emlékeztessenek a kosaramra, kedvezményes ajánlattal.',
};

const run = randomBytes(3).toString('hex');
export const cartId = (s: SampleShopper) => `demo-${run}-${s.key}`;

/**
 * A generic cart event: last activity 40 minutes ago (the shop saw the shopper leave). `imageBase`: where the product
 * pictures are (the demo's outbox serves them, so the demo needs no internet).
 */
export function cartEvent(s: SampleShopper, imageBase?: string): Record<string, unknown> {
	return {
		event_id: `evt-${run}-${s.key}-cart`,
		type: 'cart',
		cart_id: cartId(s),
		occurred_at: new Date(Date.now() - 40 * 60_000).toISOString(),
		customer_id: s.customerId,
		email: s.email,
		phone: s.phone,
		...(s.psid ? { messenger_psid: s.psid } : {}),
		first_name: s.firstName,
		last_name: s.lastName,
		locale: 'hu',
		currency: 'HUF',
		value: s.items.reduce((sum, i) => sum + i.price * i.quantity, 0),
		items: s.items.map((i) => ({ ...i, url: `${SHOP.url}/termek/${i.sku.toLowerCase()}`, ...(imageBase ? { image_url: `${imageBase}/${i.sku.toLowerCase()}.svg` } : {}) })),
		restore_url: `${SHOP.url}/kosar/${cartId(s)}`,
	};
}

export function orderEvent(s: SampleShopper): Record<string, unknown> {
	return {
		event_id: `evt-${run}-${s.key}-order`,
		type: 'order',
		cart_id: cartId(s),
		occurred_at: new Date().toISOString(),
		email: s.email,
		currency: 'HUF',
		order_id: `KM-${run.toUpperCase()}-${s.key.toUpperCase()}`,
		order_value: s.items.reduce((sum, i) => sum + i.price * i.quantity, 0),
	};
}

/**
 * Body bytes + headers of a request signed as a shop signs it for the webhook at `path` (the URL path, e.g.
 * /webhook/cart-recovery/consent): X-Signature: t=…,v1=… (README, "Signed webshop requests").
 */
export function signedRequest(path: string, body: unknown, secret: string): { body: string; headers: Record<string, string> } {
	const raw = JSON.stringify(body);
	return { body: raw, headers: { 'content-type': 'application/json', 'x-signature': signWebshopRequest({ secret, path, body: raw }) } };
}

const labelOf = (m: OutboxMessage) => (m.kind === 'email' ? `email ${m.categories.find((c) => c.startsWith('stage-')) ?? 'stage-1'}` : m.kind);
const isFor = (s: SampleShopper) => (m: OutboxMessage) =>
	m.kind === 'email' ? m.to === s.email || m.to.endsWith(`<${s.email}>`) : m.kind === 'messenger' ? m.to === s.psid : m.to === s.phone;

/**
 * Compares the outbox with every shopper's story once the sequences have ended: one line per shopper (✓ or ✗ with
 * what was expected and what arrived), plus any message addressed to nobody in the samples.
 */
export function checkOutbox(messages: OutboxMessage[]): { ok: boolean; lines: string[] } {
	const lines: string[] = [];
	let ok = true;
	for (const s of SHOPPERS) {
		const got = messages.filter(isFor(s)).map(labelOf).sort();
		const want = [...s.expected].sort();
		const same = got.length === want.length && got.every((g, i) => g === want[i]);
		ok &&= same;
		const list = (l: string[]) => (l.length ? l.join(', ') : 'nothing');
		lines.push(same ? `✓ ${s.firstName} ${s.lastName}: ${list(got)}` : `✗ ${s.firstName} ${s.lastName}: expected ${list(want)}, got ${list(got)}`);
	}
	// The shipped SMS copy is written to cost at most two segments for carts like these.
	for (const m of messages) {
		if (m.kind === 'sms' && m.segments > 2) {
			ok = false;
			lines.push(`✗ the SMS to ${m.to} takes ${m.segments} ${m.encoding} segments (at most 2 expected${m.nonGsmCharacters.length ? `; costly characters: ${m.nonGsmCharacters.join(' ')}` : ''})`);
		}
	}
	const strays = messages.filter((m) => !SHOPPERS.some((s) => isFor(s)(m)));
	if (strays.length) {
		ok = false;
		lines.push(`✗ ${strays.length} message(s) to nobody in the samples: ${strays.map((m) => m.to).join(', ')}`);
	}
	return { ok, lines };
}

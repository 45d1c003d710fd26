// The demo's outbox: the loopback SendGrid and Twilio fakes from test/fakes (the same wire handling the tests
// use — auth, validation, documented responses), plus a small web page that shows every accepted message the
// way it would arrive: the email rendered in a sandboxed iframe with its subject, sender and headers; the SMS
// text with its encoding and segment count (the same GSM-7 / UCS-2 rules the SMS Send node counts by). The
// loopback Meta Graph API fake takes WhatsApp and Messenger messages; the page shows them as the chat apps do
// (scripts/demo/chat.ts turns the request bodies into what the customer sees). The AI Offer Writer's model is the
// loopback OpenAI-compatible fake with its offline writer (plain copy built from the cart's data), so the demo
// shows AI-written reminders without a network or an API key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { analyseSms } from '../../lib/templates/gsm';
import { startMetaFake, type MetaFake } from '../../test/fakes/meta';
import { startOpenAiFake, templateWriter, type OpenAiFake } from '../../test/fakes/openai';
import { startSmtpFake, type SmtpFake } from '../../test/fakes/smtp';
import { startSendGridFake, type SendGridFake } from '../../test/fakes/sendgrid';
import { startTwilioFake, type TwilioFake } from '../../test/fakes/twilio';
import { messengerRecipient, messengerView, whatsappRecipient, whatsappView, type MessengerView, type WhatsAppView } from './chat';
import { outboxPage } from './page';

export interface OutboxEmail {
	kind: 'email';
	id: string;
	at: string;
	to: string;
	from: string;
	subject: string;
	html: string;
	text: string;
	headers: Record<string, string>;
	categories: string[];
	customArgs: Record<string, string>;
}

export interface OutboxSms {
	kind: 'sms';
	id: string;
	at: string;
	to: string;
	from: string;
	body: string;
	encoding: string;
	characters: number;
	segments: number;
	perSegment: number;
	nonGsmCharacters: string[];
}

export interface OutboxWhatsApp extends WhatsAppView {
	kind: 'whatsapp';
	/** The wamid Meta answered. */
	id: string;
	at: string;
	/** The customer's number, E.164 with '+' (e.g. +36301234567). */
	to: string;
	/** The business number the message came from. */
	from: string;
}

export interface OutboxMessenger extends MessengerView {
	kind: 'messenger';
	/** The message_id Meta answered. */
	id: string;
	at: string;
	/** The customer's page-scoped id (PSID). */
	to: string;
	/** The Facebook page the message came from. */
	from: string;
}

export type OutboxMessage = OutboxEmail | OutboxSms | OutboxWhatsApp | OutboxMessenger;

export interface Outbox {
	/** The page. */
	url: string;
	sendgrid: SendGridFake;
	twilio: TwilioFake;
	/** WhatsApp Cloud API and Messenger Send API (Meta Graph API). */
	meta: MetaFake;
	/** The AI Offer Writer's model: an OpenAI-compatible server that writes plain copy from the cart's data, offline. */
	openai: OpenAiFake;
	/** The weekly report's mail server (the shop owner's inbox, not a customer's). */
	smtp: SmtpFake;
	/** Every accepted message, oldest first. */
	messages(): OutboxMessage[];
	/** Serves the sample shop's page at /shop?as=<shopper key> (scripts/demo/shop.ts), once n8n's chat bubble URL is known. */
	setShopPage(page: (as: string | null) => string): void;
	close(): Promise<void>;
}

export async function startOutbox(options: { port?: number; host?: string } = {}): Promise<Outbox> {
	const sendgrid = await startSendGridFake();
	const twilio = await startTwilioFake();
	const meta = await startMetaFake();
	const openai = await startOpenAiFake({ writer: templateWriter });
	const smtp = await startSmtpFake();
	const times = new WeakMap<object, string>();
	const stamp = (o: object) => {
		if (!times.has(o)) times.set(o, new Date().toISOString());
		return times.get(o)!;
	};

	const messages = (): OutboxMessage[] => {
		const emails: OutboxEmail[] = sendgrid.accepted.map((m) => {
			const p = m.body.personalizations[0] ?? { to: [] };
			const html = m.body.content.find((c) => c.type === 'text/html')?.value ?? '';
			const text = m.body.content.find((c) => c.type === 'text/plain')?.value ?? '';
			const to = p.to.map((t) => (t.name ? `${t.name} <${t.email}>` : t.email)).join(', ');
			return {
				kind: 'email',
				id: m.messageId,
				at: stamp(m),
				to,
				from: m.body.from.name ? `${m.body.from.name} <${m.body.from.email}>` : m.body.from.email,
				subject: p.subject ?? m.body.subject ?? '',
				html,
				text,
				headers: { ...(m.body.headers ?? {}), ...(p.headers ?? {}) },
				categories: m.body.categories ?? [],
				customArgs: { ...(m.body.custom_args ?? {}), ...(p.custom_args ?? {}) },
			};
		});
		const sms: OutboxSms[] = twilio.accepted.map((m) => {
			const a = analyseSms(m.params.Body ?? '');
			return {
				kind: 'sms',
				id: m.sid,
				at: stamp(m),
				to: m.params.To,
				from: m.params.From ?? m.params.MessagingServiceSid ?? '',
				body: m.params.Body ?? '',
				encoding: a.encoding,
				characters: a.characters,
				segments: a.segments,
				perSegment: a.perSegment,
				nonGsmCharacters: a.nonGsmCharacters,
			};
		});
		const whatsapp: OutboxWhatsApp[] = meta.whatsappSent.map((m) => ({
			kind: 'whatsapp',
			id: m.id,
			at: stamp(m),
			to: whatsappRecipient(m.body),
			from: meta.displayPhoneNumber,
			...whatsappView(m.body, meta.templates),
		}));
		const messenger: OutboxMessenger[] = meta.messengerSent.map((m) => ({
			kind: 'messenger',
			id: m.id,
			at: stamp(m),
			to: messengerRecipient(m.body),
			from: meta.pageName,
			...messengerView(m.body),
		}));
		return [...emails, ...sms, ...whatsapp, ...messenger].sort((x, y) => x.at.localeCompare(y.at));
	};

	let shopPage: ((as: string | null) => string) | undefined;
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://outbox');
		if (req.method === 'GET' && url.pathname === '/shop' && shopPage) {
			res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
			res.end(shopPage(url.searchParams.get('as')));
			return;
		}
		if (req.method === 'GET' && url.pathname === '/api/messages') {
			res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
			res.end(JSON.stringify({ messages: messages() }));
			return;
		}
		if (req.method === 'GET' && /^\/img\/[\w-]+\.svg$/.test(url.pathname)) {
			// The sample shop's product pictures, drawn here: the demo runs offline.
			res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=3600' });
			res.end(productPicture(url.pathname.slice(5, -4)));
			return;
		}
		if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
			res.writeHead(200, {
				'Content-Type': 'text/html; charset=utf-8',
				'Cache-Control': 'no-store',
			});
			res.end(outboxPage());
			return;
		}
		res.writeHead(404, { 'Content-Type': 'text/plain' });
		res.end('not found');
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const { port } = server.address() as AddressInfo;

	return {
		url: `http://127.0.0.1:${port}/`,
		sendgrid,
		twilio,
		meta,
		openai,
		smtp,
		messages,
		setShopPage(page) {
			shopPage = page;
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await Promise.all([sendgrid.close(), twilio.close(), meta.close(), openai.close(), smtp.close()]);
		},
	};
}

const clip = (s: string, n = 70) => {
	const one = s.replace(/\s*\n\s*/g, ' ⏎ ');
	return one.length > n ? `${one.slice(0, n)}…` : one;
};

/** One line per message for the demo's console, every kind (scripts/demo.ts can print with it). */
export function describeMessage(m: OutboxMessage): string {
	switch (m.kind) {
		case 'email':
			return `✉️  email → ${m.to}  “${m.subject}”${m.categories.length ? `  [${m.categories.join(', ')}]` : ''}`;
		case 'sms':
			return `💬 SMS → ${m.to}  ${m.encoding}, ${m.segments} segment${m.segments === 1 ? '' : 's'}: “${clip(m.body)}”`;
		case 'whatsapp': {
			const code = m.buttons.find((b) => b.kind === 'copy_code');
			return `🟢 WhatsApp → ${m.to}  ${m.template ? `template ${m.template.name} (${m.template.language})` : m.messageType}: “${clip(m.text)}”${code && code.kind === 'copy_code' ? `  [code ${code.code}]` : ''}`;
		}
		case 'messenger':
			return `🔵 Messenger → ${m.to}  ${m.messageType}${m.cards.length ? ` (${m.cards.length} card${m.cards.length === 1 ? '' : 's'})` : ''}${m.text ? `: “${clip(m.text)}”` : ''}`;
	}
}

/** A simple product picture for a SKU: a warm-coloured tile with the product's initials. */
function productPicture(sku: string): string {
	let hash = 0;
	for (const c of sku) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
	const hue = 20 + (hash % 40);
	const initials = sku
		.split('-')
		.slice(0, 2)
		.map((part) => part[0]?.toUpperCase() ?? '')
		.join('');
	return `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="160" viewBox="0 0 160 160"><rect width="160" height="160" rx="16" fill="hsl(${hue},45%,82%)"/><circle cx="80" cy="70" r="38" fill="hsl(${hue},40%,55%)"/><text x="80" y="140" font-family="sans-serif" font-size="22" text-anchor="middle" fill="hsl(${hue},45%,25%)">${initials}</text></svg>`;
}

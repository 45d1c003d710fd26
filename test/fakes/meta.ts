import { randomBytes } from 'node:crypto';

import { listen, recordJsonRequest, scriptedReplies, sendJson, type RecordedRequest, type ScriptedResponse } from './http';

/**
 * A loopback Meta Graph API, the parts WhatsApp Send and Messenger Send use, with Meta's documented bodies:
 *   POST /{version}/{phone-number-id}/messages (WhatsApp Cloud API) — success `{ messaging_product: 'whatsapp',
 *     contacts: [{ input, wa_id }], messages: [{ id: 'wamid…', message_status? }] }` (message_status only on
 *     template sends); free-form/interactive to a number whose 24-hour window is closed answers 131047; a
 *     template not approved in the WABA answers 132001; a wrong number of body values answers 132000.
 *   GET /{version}/{waba-id}/message_templates — `{ data: [...], paging: { cursors: { before, after }, next? } }`
 *     honouring `limit`, `after` and `status`.
 *   GET /{version}/{phone-number-id} — the phone number (credential Test).
 *   POST /{version}/{page-id}/messages and /{version}/me/messages (Messenger Send API) — success `{ recipient_id,
 *     message_id }`; outside the 24-hour window code 10 / subcode 2018278; message tags are refused here (the
 *     package must never send one).
 *   GET /{version}/me and /{version}/{page-id} with the Page token — the page.
 * Auth: `Authorization: Bearer <token>`; a wrong token answers 401 with code 190. Errors use Graph's shape
 * `{ error: { message, type, code, error_subcode?, error_data?: { messaging_product, details }, fbtrace_id } }`.
 * Tests script answers with `fake.script(...)`: each replaces the next message send's answer.
 */
export interface MetaFake {
	url: string;
	version: string;
	whatsappToken: string;
	pageToken: string;
	phoneNumberId: string;
	displayPhoneNumber: string;
	businessAccountId: string;
	pageId: string;
	pageName: string;
	/** Another page's token: /me answers that page (a token for the wrong page). */
	otherPageToken: string;
	requests: Array<RecordedRequest & { body: unknown }>;
	/** Messages the fake accepted, by channel, with the body as sent. */
	whatsappSent: Array<{ id: string; body: Record<string, unknown> }>;
	messengerSent: Array<{ id: string; body: Record<string, unknown> }>;
	/** WhatsApp numbers (digits) that wrote in the last 24 hours: free-form and interactive are accepted. */
	whatsappWindowOpen: Set<string>;
	/** Messenger PSIDs that wrote to the page in the last 24 hours. */
	messengerWindowOpen: Set<string>;
	templates: FakeTemplate[];
	script(...responses: ScriptedResponse[]): void;
	credentials(overrides?: Record<string, string>): Record<string, string>;
	close(): Promise<void>;
}

export interface FakeTemplate {
	id: string;
	name: string;
	language: string;
	status: 'APPROVED' | 'PENDING' | 'REJECTED' | 'PAUSED';
	category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
	parameter_format: 'POSITIONAL' | 'NAMED';
	components: Array<{ type: string } & Record<string, unknown>>;
}

const trace = () => randomBytes(9).toString('base64').replace(/[+/=]/g, 'A');

/** A Graph error answer with Meta's shape. */
export function graphError(status: number, code: number, message: string, extra: { subcode?: number; details?: string; type?: string; whatsapp?: boolean } = {}): ScriptedResponse {
	return {
		status,
		body: {
			error: {
				message,
				type: extra.type ?? 'OAuthException',
				code,
				...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
				...(extra.details !== undefined ? { error_data: { ...(extra.whatsapp === false ? {} : { messaging_product: 'whatsapp' }), details: extra.details } } : {}),
				fbtrace_id: trace(),
			},
		},
	};
}

export const metaErrors = {
	windowClosed: () => graphError(400, 131047, '(#131047) Re-engagement message', { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }),
	rateLimited: () => graphError(400, 130429, '(#130429) Rate limit hit', { details: 'Cloud API message throughput has been reached.' }),
	marketingCap: () => graphError(400, 131049, '(#131049) This message was not delivered to maintain healthy ecosystem engagement.', { details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.' }),
	undeliverable: () => graphError(400, 131026, '(#131026) Message undeliverable', { details: 'Unable to deliver message. Reasons can include: The recipient phone number is not a WhatsApp phone number.' }),
	optedOut: () => graphError(400, 131050, '(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.', { details: 'The user has stopped marketing messages from this business.' }),
	templateParams: (expected: number, got: number) => graphError(400, 132000, '(#132000) Number of parameters does not match the expected number of params', { details: `body: number of localizable_params (${got}) does not match the expected number of params (${expected})` }),
	templateMissing: (name: string, language: string) => graphError(404, 132001, '(#132001) Template name does not exist in the translation', { details: `template name (${name}) does not exist in ${language}` }),
	tokenExpired: () => graphError(401, 190, 'Error validating access token: Session has expired.', { subcode: 463 }),
	invalidToken: () => graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token'),
	messengerWindowClosed: () =>
		graphError(400, 10, '(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview', { subcode: 2018278 }),
	serverError: () => graphError(500, 2, 'An unexpected error has occurred. Please retry your request later.', { type: 'OAuthException' }),
	notFound: (id: string) =>
		graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { subcode: 33, type: 'GraphMethodException' }),
};

const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('').replace(/^0/, '1');

export function defaultTemplates(): FakeTemplate[] {
	return [
		{
			id: digits(15),
			name: 'kosar_emlekezteto',
			language: 'hu',
			status: 'APPROVED',
			category: 'MARKETING',
			parameter_format: 'NAMED',
			components: [
				{ type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://scontent.whatsapp.net/example.jpg'] } },
				{ type: 'BODY', text: 'Szia! Elmentettük a kosaradat ({{cart_total}}). {{discount}} kedvezményt kapsz rá, a kódot a lenti gombbal másolhatod.', example: { body_text_named_params: [{ param_name: 'cart_total', example: '24 990 Ft' }, { param_name: 'discount', example: '10%' }] } },
				{ type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'KOSAR10' }, { type: 'URL', text: 'Vissza a kosárhoz', url: 'https://shop.example.hu/cart/{{1}}', example: ['restore/abc'] }] },
			],
		},
		{
			id: digits(15),
			name: 'cart_reminder',
			language: 'en',
			status: 'APPROVED',
			category: 'MARKETING',
			parameter_format: 'POSITIONAL',
			components: [
				{ type: 'BODY', text: "Hi! We've saved your cart ({{1}}). Get {{2}} off: copy your code with the button below.", example: { body_text: [['€42.00', '10%']] } },
				{ type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', example: 'CART10' }] },
			],
		},
		{ id: digits(15), name: 'draft_offer', language: 'hu', status: 'PENDING', category: 'MARKETING', parameter_format: 'POSITIONAL', components: [{ type: 'BODY', text: 'Hamarosan' }] },
	];
}

function bodyParamCount(template: FakeTemplate): number {
	const body = template.components.find((c) => c.type === 'BODY') as { text?: string } | undefined;
	return new Set([...(body?.text ?? '').matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1])).size;
}

export async function startMetaFake(options: { version?: string } = {}): Promise<MetaFake> {
	const version = options.version ?? 'v25.0';
	const queue: ScriptedResponse[] = [];
	const fake = {
		version,
		whatsappToken: `EAAG${randomBytes(24).toString('hex')}`,
		pageToken: `EAAP${randomBytes(24).toString('hex')}`,
		otherPageToken: `EAAO${randomBytes(24).toString('hex')}`,
		phoneNumberId: digits(15),
		displayPhoneNumber: '+36 1 555 0100',
		businessAccountId: digits(15),
		pageId: digits(15),
		pageName: 'Példa Webshop',
		requests: [] as MetaFake['requests'],
		whatsappSent: [] as MetaFake['whatsappSent'],
		messengerSent: [] as MetaFake['messengerSent'],
		whatsappWindowOpen: new Set<string>(),
		messengerWindowOpen: new Set<string>(),
		templates: defaultTemplates(),
		script: (...r: ScriptedResponse[]) => void queue.push(...r),
	};
	const otherPage = { id: digits(15), name: 'Másik oldal' };

	const server = await listen((req, res, raw) => {
		const { url, record } = recordJsonRequest(req, raw);
		fake.requests.push(record);
		const answer = (r: ScriptedResponse) => {
			record.answer = r.status;
			sendJson(res, r.status, r.body, r.headers);
		};
		const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
		const parts = url.pathname.split('/').filter(Boolean);
		if (parts[0] !== version) return answer(graphError(400, 2635, `(#2635) You are calling a deprecated version of the Graph API (${parts[0]}). Please update to ${version}.`));
		const [, id, edge] = parts;
		const isWhatsApp = token === fake.whatsappToken;
		const isPage = token === fake.pageToken || token === fake.otherPageToken;
		if (!isWhatsApp && !isPage) return answer(metaErrors.invalidToken());
		const body = (record.body ?? {}) as Record<string, unknown>;

		// WhatsApp
		if (isWhatsApp && req.method === 'GET' && id === fake.phoneNumberId && !edge) {
			return answer({ status: 200, body: { id: fake.phoneNumberId, display_phone_number: fake.displayPhoneNumber, verified_name: fake.pageName, quality_rating: 'GREEN', code_verification_status: 'VERIFIED' } });
		}
		if (isWhatsApp && req.method === 'GET' && id === fake.businessAccountId && edge === 'message_templates') {
			const status = url.searchParams.get('status');
			const limit = Number(url.searchParams.get('limit') ?? 25);
			const start = Number(url.searchParams.get('after') ? Buffer.from(url.searchParams.get('after')!, 'base64').toString() : 0);
			const all = fake.templates.filter((t) => !status || t.status === status);
			const page = all.slice(start, start + limit);
			const cursor = (n: number) => Buffer.from(String(n)).toString('base64');
			const more = start + limit < all.length;
			return answer({
				status: 200,
				body: {
					data: page,
					paging: { cursors: { before: cursor(start), after: cursor(start + page.length) }, ...(more ? { next: `https://graph.facebook.com/${version}/${id}/message_templates?limit=${limit}&after=${cursor(start + page.length)}` } : {}) },
				},
			});
		}
		if (isWhatsApp && req.method === 'POST' && id === fake.phoneNumberId && edge === 'messages') {
			const scripted = queue.shift();
			const { reply, scriptedAnswered } = scriptedReplies(req, res, record, scripted);
			if (scriptedAnswered) return;
			if (body.messaging_product !== 'whatsapp') return reply(400, graphError(400, 100, '(#100) The parameter messaging_product is required.').body);
			const to = String(body.to ?? '');
			if (!/^\d{7,15}$/.test(to)) return reply(400, graphError(400, 131009, '(#131009) Parameter value is not valid', { details: 'Recipient phone number not in allowed format' }).body);
			const type = String(body.type ?? 'text');
			let messageStatus: string | undefined;
			if (type === 'template') {
				const t = body.template as { name?: string; language?: { code?: string }; components?: Array<{ type: string; parameters?: unknown[] }> };
				const template = fake.templates.find((x) => x.name === t?.name && x.language === t?.language?.code && x.status === 'APPROVED');
				if (!template) return reply(404, metaErrors.templateMissing(String(t?.name), String(t?.language?.code)).body);
				const given = t.components?.find((c) => c.type === 'body')?.parameters?.length ?? 0;
				const expected = bodyParamCount(template);
				if (given !== expected) return reply(400, metaErrors.templateParams(expected, given).body);
				messageStatus = 'accepted';
			} else if (!fake.whatsappWindowOpen.has(to)) {
				return reply(400, metaErrors.windowClosed().body);
			}
			const messageId = `wamid.${Buffer.from(randomBytes(24)).toString('base64').replace(/[+/=]/g, 'A')}`;
			fake.whatsappSent.push({ id: messageId, body });
			return reply(200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to }], messages: [{ id: messageId, ...(messageStatus ? { message_status: messageStatus } : {}) }] });
		}

		// Messenger
		const pageOfToken = token === fake.pageToken ? { id: fake.pageId, name: fake.pageName } : otherPage;
		if (isPage && req.method === 'GET' && id === 'me' && !edge) return answer({ status: 200, body: pageOfToken });
		if (isPage && req.method === 'GET' && id === pageOfToken.id && !edge) return answer({ status: 200, body: pageOfToken });
		if (isPage && req.method === 'POST' && (id === 'me' || id === pageOfToken.id) && edge === 'messages') {
			const scripted = queue.shift();
			const { reply, scriptedAnswered } = scriptedReplies(req, res, record, scripted);
			if (scriptedAnswered) return;
			const psid = String((body.recipient as { id?: string } | undefined)?.id ?? '');
			if (!psid) return reply(400, graphError(400, 100, '(#100) The parameter recipient is required').body);
			if (body.messaging_type === 'MESSAGE_TAG' || body.tag) return reply(400, graphError(400, 100, '(#100) Tag is not allowed for promotional content (test fake: the package must never send a tag)').body);
			if (!body.message) return reply(400, graphError(400, 100, '(#100) param message must be non-empty.').body);
			if (!fake.messengerWindowOpen.has(psid)) return reply(400, metaErrors.messengerWindowClosed().body);
			const messageId = `m_${randomBytes(30).toString('base64url')}`;
			fake.messengerSent.push({ id: messageId, body });
			return reply(200, { recipient_id: psid, message_id: messageId });
		}
		return answer(metaErrors.notFound(id ?? ''));
	});

	return Object.assign(fake, {
		url: server.url,
		close: server.close,
		credentials: (overrides: Record<string, string> = {}) => ({
			whatsappAccessToken: fake.whatsappToken,
			phoneNumberId: fake.phoneNumberId,
			businessAccountId: fake.businessAccountId,
			pageId: fake.pageId,
			pageAccessToken: fake.pageToken,
			appSecret: 'test-app-secret',
			graphVersion: version,
			baseUrl: server.url,
			...overrides,
		}),
	}) as MetaFake;
}

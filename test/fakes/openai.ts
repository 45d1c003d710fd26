import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { analyseSms, transliterateToGsm7 } from '../../lib/templates/gsm';
import { listen, recordJsonRequest, sendJson, type RecordedRequest } from './http';

/**
 * A loopback OpenAI-compatible server: `POST /v1/chat/completions` and `GET /v1/models`, with
 * `Authorization: Bearer <key>`. Chat answers are built by `writer(request)` (the JSON object goes, stringified,
 * into `choices[0].message.content`), with `id`, `model`, `created`, `usage` and `finish_reason: 'stop'`.
 * A `response_format` of type json_schema is checked as OpenAI checks a strict schema (every property required,
 * additionalProperties false), json_object needs the word "json" in the messages. Errors use OpenAI's body
 * `{ error: { message, type, param, code } }`: 400 invalid_request_error, 401 invalid_api_key, 404
 * model_not_found, 429 rate_limit_exceeded (Retry-After and x-ratelimit-* headers), 500 server_error.
 * `script(...)` replaces the next requests' answers (a status and body, a delay, a raw content string).
 */
export interface OpenAiChatRequest {
	model: string;
	messages: Array<{ role: string; content: string | null }>;
	response_format?: { type: 'json_schema'; json_schema: { name: string; strict?: boolean; schema: JsonSchemaObject } } | { type: 'json_object' | 'text' };
	[key: string]: unknown;
}

export interface JsonSchemaObject {
	type: 'object';
	properties: Record<string, { type: string; description?: string }>;
	required?: string[];
	additionalProperties?: boolean;
}

export interface OpenAiScripted {
	/** An error (or any) status with its body; without status the normal answer is built (after delayMs). */
	status?: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Wait this long before answering (a slow model). */
	delayMs?: number;
	/** A 200 answer whose message content is exactly this text (non-JSON, truncated JSON…). */
	content?: string;
	/** A 200 answer with this refusal (structured outputs' refusal) and null content. */
	refusal?: string;
	finishReason?: 'stop' | 'length' | 'content_filter';
	/** Close the socket without answering. */
	destroy?: boolean;
}

export type OpenAiRecordedRequest = RecordedRequest & { body: unknown };

export interface OpenAiFake {
	/** The server root; the client's Base URL is `${url}/v1`. */
	url: string;
	baseUrl: string;
	apiKey: string;
	/** Model ids GET /v1/models lists and chat completions accept. */
	models: string[];
	/** Builds the JSON object of a normal answer. */
	writer: (request: OpenAiChatRequest) => unknown;
	requests: OpenAiRecordedRequest[];
	/** The chat requests only, parsed. */
	chats(): OpenAiChatRequest[];
	script(...responses: OpenAiScripted[]): void;
	close(): Promise<void>;
}

const errorBody = (message: string, type: string, code: string | null, param: string | null = null) => ({ error: { message, type, param, code } });

export const openAiErrors = {
	unauthorized: (key = 'sk-wrong'): OpenAiScripted => ({
		status: 401,
		body: errorBody(`Incorrect API key provided: ${key.slice(0, 3)}***${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'),
	}),
	modelNotFound: (model: string): OpenAiScripted => ({
		status: 404,
		body: errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model'),
	}),
	rateLimited: (retryAfterSeconds = 1): OpenAiScripted => ({
		status: 429,
		body: errorBody('Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again later.', 'requests', 'rate_limit_exceeded'),
		headers: {
			'Retry-After': String(retryAfterSeconds),
			'x-ratelimit-limit-requests': '3',
			'x-ratelimit-remaining-requests': '0',
			'x-ratelimit-reset-requests': `${retryAfterSeconds}s`,
			'x-ratelimit-limit-tokens': '200000',
			'x-ratelimit-remaining-tokens': '199000',
			'x-ratelimit-reset-tokens': '300ms',
		},
	}),
	serverError: (): OpenAiScripted => ({
		status: 500,
		body: errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', 'server_error'),
	}),
	badRequest: (message: string, param: string | null = null): OpenAiScripted => ({ status: 400, body: errorBody(message, 'invalid_request_error', null, param) }),
};

/** What OpenAI refuses in a strict json_schema response_format; null when the schema is acceptable. */
function strictSchemaProblem(format: { name?: string; strict?: boolean; schema?: JsonSchemaObject }): string | null {
	if (!format.name || !/^[a-zA-Z0-9_-]{1,64}$/.test(format.name)) return "Invalid 'response_format.json_schema.name': must match ^[a-zA-Z0-9_-]{1,64}$.";
	const schema = format.schema;
	if (!schema || schema.type !== 'object') return `Invalid schema for response_format '${format.name}': schema must be a JSON Schema of 'type: "object"'.`;
	if (!format.strict) return null;
	if (schema.additionalProperties !== false) {
		return `Invalid schema for response_format '${format.name}': In context=(), 'additionalProperties' is required to be supplied and to be false.`;
	}
	const missing = Object.keys(schema.properties ?? {}).filter((k) => !(schema.required ?? []).includes(k));
	if (missing.length) {
		return `Invalid schema for response_format '${format.name}': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
	}
	return null;
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export async function startOpenAiFake(options: { apiKey?: string; models?: string[]; writer?: (request: OpenAiChatRequest) => unknown } = {}): Promise<OpenAiFake> {
	const apiKey = options.apiKey ?? `sk-test-${randomBytes(8).toString('hex')}`;
	const queue: OpenAiScripted[] = [];
	const timers = new Set<NodeJS.Timeout>();
	const fake: Omit<OpenAiFake, 'url' | 'baseUrl' | 'close'> = {
		apiKey,
		models: options.models ?? ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'o4-mini', 'text-embedding-3-small'],
		writer: options.writer ?? templateWriter,
		requests: [],
		chats: () => fake.requests.filter((r) => r.path === '/v1/chat/completions' && r.method === 'POST').map((r) => r.body as OpenAiChatRequest),
		script: (...r) => queue.push(...r),
	};
	const later = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.add(timer);
		});

	const server = await listen(async (req: IncomingMessage, res, raw) => {
		const { url, record } = recordJsonRequest(req, raw);
		fake.requests.push(record);
		const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
			if (res.destroyed || res.writableEnded) return; // the client gave up (timeout) while we were "thinking"
			record.answer = status;
			sendJson(res, status, body, { 'x-request-id': `req_${randomBytes(8).toString('hex')}`, 'openai-processing-ms': '42', ...headers });
		};
		const auth = req.headers.authorization ?? '';
		if (auth !== `Bearer ${apiKey}`) {
			const given = auth.replace(/^Bearer\s+/i, '');
			return answer(401, given ? openAiErrors.unauthorized(given).body : errorBody("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error', null));
		}
		if (req.method === 'GET' && url.pathname === '/v1/models') {
			return answer(200, { object: 'list', data: fake.models.map((id) => ({ id, object: 'model', created: 1_715_367_049, owned_by: id.startsWith('gpt') || id.startsWith('o') ? 'system' : 'openai' })) });
		}
		if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
			return answer(404, errorBody(`Invalid URL (${req.method} ${url.pathname})`, 'invalid_request_error', null));
		}

		const scripted = queue.shift();
		if (scripted?.delayMs) await later(scripted.delayMs);
		if (scripted?.destroy) {
			record.answer = 'dropped';
			return req.socket.destroy();
		}
		if (scripted?.status !== undefined) return answer(scripted.status, scripted.body, scripted.headers);

		const body = record.body as OpenAiChatRequest;
		if (!body || typeof body !== 'object') return answer(400, errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null));
		if (typeof body.model !== 'string' || !body.model) return answer(400, errorBody('you must provide a model parameter', 'invalid_request_error', null, 'model'));
		if (!Array.isArray(body.messages) || body.messages.length === 0) {
			return answer(400, errorBody("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
		}
		if (!fake.models.includes(body.model)) {
			const notFound = openAiErrors.modelNotFound(body.model);
			return answer(404, notFound.body);
		}
		const format = body.response_format;
		if (format?.type === 'json_schema') {
			const problem = strictSchemaProblem((format as { json_schema: { name: string; strict?: boolean; schema: JsonSchemaObject } }).json_schema ?? {});
			if (problem) return answer(400, errorBody(problem, 'invalid_request_error', null, 'response_format'));
		}
		if (format?.type === 'json_object' && !body.messages.some((m) => /json/i.test(m.content ?? ''))) {
			return answer(400, errorBody("'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'invalid_request_error', null, 'messages'));
		}

		let content: string | null;
		if (scripted?.refusal) content = null;
		else if (scripted?.content !== undefined) content = scripted.content;
		else content = JSON.stringify(fake.writer(body));
		const prompt = tokens(body.messages.map((m) => m.content ?? '').join('\n'));
		const completion = tokens(content ?? scripted?.refusal ?? '');
		return answer(
			200,
			{
				id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
				object: 'chat.completion',
				created: Math.floor(Date.now() / 1000),
				model: body.model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : body.model,
				choices: [{ index: 0, message: { role: 'assistant', content, refusal: scripted?.refusal ?? null }, logprobs: null, finish_reason: scripted?.finishReason ?? 'stop' }],
				usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
				system_fingerprint: 'fp_fake',
			},
			{ 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-reset-requests': '6ms' },
		);
	});

	return Object.assign(fake, {
		url: server.url,
		baseUrl: `${server.url}/v1`,
		close: async () => {
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			await server.close();
		},
	}) as OpenAiFake;
}

/** The data block `buildOfferMessages` puts in the user message, as the templateWriter reads it. */
export interface OfferData {
	language: 'hu' | 'en';
	stage: 'first_reminder' | 'second_reminder' | 'final_offer';
	shop_name: string | null;
	customer_first_name: string | null;
	items: Array<{ name: string; quantity: number; unit_price: number }>;
	cart_total: number;
	currency: string;
	restore_url: string | null;
	discount: { code: string; kind: 'percent' | 'fixed'; amount: number; currency?: string; valid_until: string | null; timezone: string } | null;
	channels: Array<'email' | 'sms' | 'whatsapp' | 'messenger'>;
}

/** The fenced JSON data block of the request's last user message. */
export function offerDataOf(request: OpenAiChatRequest): OfferData {
	const user = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
	const block = /```json\n([\s\S]*?)\n```/.exec(user);
	if (!block) throw new Error('templateWriter: the user message has no ```json data block');
	return JSON.parse(block[1]) as OfferData;
}

/** The SMS budget the system prompt states ("at most N characters (or M if …)"), default SMS Send's 4 segments. */
function smsSegmentsOf(request: OpenAiChatRequest): number {
	const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
	const m = /- sms: .*?at most (\d+) characters/.exec(system);
	if (!m) return 4;
	const ucs2 = Number(m[1]);
	return ucs2 <= 70 ? 1 : Math.round(ucs2 / 67);
}

/**
 * A deterministic, offline model: plain, friendly copy in the data block's language for the fields the schema asks
 * for, with the code verbatim and no number that is not in the data (the demo runs on it without a network).
 */
export function templateWriter(request: OpenAiChatRequest): Record<string, string> {
	const data = offerDataOf(request);
	const hu = data.language === 'hu';
	const name = data.customer_first_name?.trim() || null;
	const shop = data.shop_name?.trim() || null;
	const final = data.stage === 'final_offer';
	const second = data.stage === 'second_reminder';
	const items = data.items.map((i) => `„${i.name}”`);
	const itemList = hu ? items.join(', ') : data.items.map((i) => `"${i.name}"`).join(', ');
	const d = data.discount;
	const amount = d ? (d.kind === 'percent' ? `${d.amount}%` : `${d.amount} ${d.currency ?? data.currency}`) : '';
	const url = data.restore_url;

	const greeting = hu ? (name ? `Szia ${name}!` : 'Szia!') : name ? `Hi ${name}!` : 'Hi!';
	const offer = d ? (hu ? `A ${d.code} kóddal ${amount} kedvezményt kapsz.` : `With the code ${d.code} you get ${amount} off.`) : '';
	const left = items.length ? (hu ? `A kosaradban maradt: ${itemList}.` : `You left this in your cart: ${itemList}.`) : hu ? 'A kosarad elmentettük.' : 'We saved your cart.';
	const nudge = final
		? hu ? 'Ez az utolsó emlékeztetőnk erről a kosárról.' : 'This is our last reminder about this cart.'
		: second
			? hu ? 'Ha kérdésed van, írj nekünk bátran.' : 'If you have a question, just reply to us.'
			: hu ? 'Ha még kell, ott folytathatod, ahol abbahagytad.' : 'If you still want it, you can pick up where you left off.';
	const link = url ? (hu ? `Itt folytathatod: ${url}` : `Continue here: ${url}`) : '';

	const fields: Record<string, () => string> = {
		subject: () => (hu ? `${name ? `${name}, a` : 'A'} kosarad még vár${final ? ' – utolsó emlékeztető' : ''}` : `${name ? `${name}, your` : 'Your'} cart is still waiting${final ? ' – last reminder' : ''}`),
		preheader: () => (d ? offer : hu ? 'A kiválasztott termékeid ott vannak, ahol hagytad.' : 'The things you picked are right where you left them.'),
		email_intro: () => [greeting, left, nudge, offer].filter(Boolean).join(' '),
		sms: () => fitSms([shop ? `${shop}:` : '', hu ? (name ? `Szia ${name}, a kosarad még vár.` : 'A kosarad még vár.') : name ? `Hi ${name}, your cart is still waiting.` : 'Your cart is still waiting.', d ? (hu ? `Kód: ${d.code} (${amount}).` : `Code: ${d.code} (${amount} off).`) : '', url ?? ''], smsSegmentsOf(request)),
		whatsapp: () => [greeting, left, nudge, offer, link].filter(Boolean).join(' '),
		messenger: () => [greeting, left, offer, link].filter(Boolean).join(' '),
	};
	const schema = request.response_format?.type === 'json_schema' ? request.response_format.json_schema.schema : null;
	const wanted = schema ? Object.keys(schema.properties) : data.channels.flatMap((c) => (c === 'email' ? ['subject', 'preheader', 'email_intro'] : [c]));
	return Object.fromEntries(wanted.map((f) => [f, fields[f]?.() ?? '']));
}

/** Drops the optional parts (shop name, then link) and then the accents until the SMS fits its segments; the code stays. */
function fitSms(parts: string[], segments: number): string {
	const join = (p: string[]) => p.filter(Boolean).join(' ');
	const candidates = [parts, [parts[0], parts[1], parts[2], ''], ['', parts[1], parts[2], ''], ['', '', parts[2], '']];
	for (const variant of candidates) {
		for (const text of [join(variant), transliterateToGsm7(join(variant))]) if (text && analyseSms(text).segments <= segments) return text;
	}
	return transliterateToGsm7(join(['', '', parts[2], '']));
}

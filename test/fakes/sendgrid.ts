import { randomBytes } from 'node:crypto';

import { listen, sendJson, type RecordedRequest, type ScriptedResponse } from './http';

/**
 * A loopback SendGrid v3 Mail Send API: `POST /v3/mail/send` with `Authorization: Bearer <key>` and the
 * documented JSON body (personalizations, from, subject, content, headers, custom_args, categories,
 * mail_settings). Success is `202 Accepted` with an empty body and an `X-Message-Id` header; errors use
 * SendGrid's body `{ errors: [{ message, field, help }] }` — 400 for an invalid body, 401 for a bad key,
 * 413 for an oversized one, 429 with `X-RateLimit-*` headers. `GET /v3/scopes` serves the credential Test.
 * Tests script failures with `fake.script(...)`: each scripted answer replaces the next request's answer.
 */
export interface SendGridFake {
	url: string;
	apiKey: string;
	/** Every request, in order, including rejected ones. */
	requests: RecordedRequest[];
	/** Mails the fake accepted (202 or accepted-then-dropped): what the world would have received. */
	accepted: Array<{ messageId: string; body: SendGridMailBody; headers: RecordedRequest['headers'] }>;
	script(...responses: ScriptedResponse[]): void;
	scopes: string[];
	close(): Promise<void>;
}

export interface SendGridMailBody {
	personalizations: Array<{ to: Array<{ email: string; name?: string }>; subject?: string; custom_args?: Record<string, string>; headers?: Record<string, string> }>;
	from: { email: string; name?: string };
	reply_to?: { email: string; name?: string };
	subject?: string;
	content: Array<{ type: string; value: string }>;
	headers?: Record<string, string>;
	custom_args?: Record<string, string>;
	categories?: string[];
	mail_settings?: { sandbox_mode?: { enable?: boolean } };
}

const error = (message: string, field: string | null = null, help: string | null = null) => ({ errors: [{ message, field, help }] });

export const sendGridErrors = {
	unauthorized: () => ({ status: 401, body: error('The provided authorization grant is invalid, expired, or revoked') }),
	tooManyRequests: (resetInSeconds = 1, retryAfter?: number): ScriptedResponse => ({
		status: 429,
		body: error('too many requests'),
		headers: {
			'X-RateLimit-Limit': '600',
			'X-RateLimit-Remaining': '0',
			'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
			...(retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {}),
		},
	}),
	serverError: (status = 503): ScriptedResponse => ({ status, body: error('Service Unavailable') }),
	badRequest: (message: string, field: string | null, help: string | null = null): ScriptedResponse => ({ status: 400, body: error(message, field, help) }),
};

function validate(body: SendGridMailBody): ScriptedResponse | null {
	if (!Array.isArray(body.personalizations) || body.personalizations.length === 0) {
		return sendGridErrors.badRequest('The personalizations field is required and must have at least one personalization.', 'personalizations', 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/overview.html#-Personalizations-Errors');
	}
	for (const p of body.personalizations) {
		for (const to of p.to ?? []) {
			if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(to.email ?? '')) {
				return sendGridErrors.badRequest('Does not contain a valid address.', 'personalizations.0.to.0.email', 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.to');
			}
		}
	}
	if (!body.from?.email) return sendGridErrors.badRequest('The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.', 'from', 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.from');
	if (!body.subject && !body.personalizations.every((p) => p.subject)) return sendGridErrors.badRequest('The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', 'subject', 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.subject');
	if (!Array.isArray(body.content) || body.content.length === 0) return sendGridErrors.badRequest('Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.', 'content', 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.content');
	if (body.content[0].type !== 'text/plain' && body.content.some((c) => c.type === 'text/plain')) return sendGridErrors.badRequest('If present, text/plain and text/html may only be provided in this order, plain text then html.', 'content', null);
	if (body.categories && (body.categories.length > 10 || body.categories.some((c) => c.length > 255))) return sendGridErrors.badRequest('Too many categories or a category is longer than 255 characters', 'categories', null);
	const forbidden = Object.keys(body.headers ?? {}).filter((h) => ['to', 'from', 'subject', 'reply-to', 'cc', 'bcc', 'content-type', 'dkim-signature'].includes(h.toLowerCase()));
	if (forbidden.length) return sendGridErrors.badRequest(`The following header is reserved and cannot be set: ${forbidden[0]}`, 'headers', null);
	return null;
}

export async function startSendGridFake(options: { apiKey?: string } = {}): Promise<SendGridFake> {
	const apiKey = options.apiKey ?? `SG.test-${randomBytes(6).toString('hex')}`;
	const queue: ScriptedResponse[] = [];
	const fake: Omit<SendGridFake, 'url' | 'close'> = { apiKey, requests: [], accepted: [], scopes: ['mail.send', 'scopes.read'], script: (...r) => queue.push(...r) };
	const server = await listen((req, res, raw) => {
		const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, at: Date.now() };
		fake.requests.push(record);
		const answer = (status: number, body?: unknown, headers?: Record<string, string>) => {
			record.answer = status;
			sendJson(res, status, body, headers);
		};
		if (req.headers.authorization !== `Bearer ${apiKey}`) return answer(401, sendGridErrors.unauthorized().body);
		if (req.method === 'GET' && req.url === '/v3/scopes') return answer(200, { scopes: fake.scopes });
		if (req.method !== 'POST' || req.url !== '/v3/mail/send') return answer(404, error('Not Found'));

		const scripted = queue.shift();
		if (scripted?.destroy) {
			record.answer = 'dropped';
			return req.socket.destroy();
		}
		if (scripted && !scripted.acceptThenDrop && !scripted.acceptThenDelayMs) return answer(scripted.status, scripted.body, scripted.headers);

		let body: SendGridMailBody;
		try {
			body = JSON.parse(raw) as SendGridMailBody;
		} catch {
			return answer(400, error('Bad Request', null, 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#-Request-Body-Parameters'));
		}
		const invalid = validate(body);
		if (invalid) return answer(invalid.status, invalid.body);
		const messageId = randomBytes(16).toString('base64url').slice(0, 22);
		fake.accepted.push({ messageId, body, headers: req.headers });
		if (scripted?.acceptThenDrop) {
			record.answer = 'dropped';
			return req.socket.destroy();
		}
		if (scripted?.acceptThenDelayMs) {
			const timer = setTimeout(() => !res.destroyed && answer(202, undefined, { 'X-Message-Id': messageId }), scripted.acceptThenDelayMs);
			res.once('close', () => {
				clearTimeout(timer);
				if (record.answer === undefined) record.answer = 'dropped'; // the client gave up first
			});
			return;
		}
		return answer(202, undefined, { 'X-Message-Id': messageId });
	});
	return Object.assign(fake, { url: server.url, close: server.close }) as SendGridFake;
}

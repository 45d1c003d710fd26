import { randomBytes } from 'node:crypto';

import { listen, sendJson, type RecordedRequest, type ScriptedResponse } from './http';

/**
 * A loopback Twilio REST API (2010-04-01), the parts SMS Send uses:
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json — form-encoded To, From | MessagingServiceSid, Body,
 *     StatusCallback; HTTP Basic auth with AccountSid:AuthToken or ApiKeySid:ApiKeySecret. Success is 201 with
 *     the Message resource (snake_case JSON); errors are `{ code, message, more_info, status }`: 21211 invalid
 *     To, 21610 unsubscribed recipient, 21603 missing From, 21602 missing Body, 20003 auth, 20429 rate limit.
 *   GET /2010-04-01/Accounts/{AccountSid}.json — the Account resource (credential Test).
 * Tests script failures with `fake.script(...)`: each scripted answer replaces the next Messages answer.
 */
export interface TwilioFake {
	url: string;
	accountSid: string;
	authToken: string;
	apiKeySid: string;
	apiKeySecret: string;
	requests: RecordedRequest[];
	/** Messages the fake accepted (201 or accepted-then-dropped). */
	accepted: Array<{ sid: string; params: Record<string, string> }>;
	/** Numbers that replied STOP: sending to them answers 21610. */
	optedOut: Set<string>;
	script(...responses: ScriptedResponse[]): void;
	close(): Promise<void>;
}

export const twilioError = (status: number, code: number, message: string): ScriptedResponse => ({
	status,
	body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

export const twilioErrors = {
	tooManyRequests: (retryAfter?: number): ScriptedResponse => ({
		...twilioError(429, 20429, 'Too Many Requests'),
		headers: retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {},
	}),
	serverError: (status = 500): ScriptedResponse => twilioError(status, 20500, 'Internal Server Error'),
	invalidTo: (to: string) => twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`),
	unsubscribed: () => twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'),
};

const E164 = /^\+[1-9]\d{6,14}$/;

export async function startTwilioFake(): Promise<TwilioFake> {
	const accountSid = `AC${randomBytes(16).toString('hex')}`;
	const authToken = randomBytes(16).toString('hex');
	const apiKeySid = `SK${randomBytes(16).toString('hex')}`;
	const apiKeySecret = randomBytes(16).toString('hex');
	const queue: ScriptedResponse[] = [];
	const fake: Omit<TwilioFake, 'url' | 'close'> = {
		accountSid,
		authToken,
		apiKeySid,
		apiKeySecret,
		requests: [],
		accepted: [],
		optedOut: new Set(),
		script: (...r) => queue.push(...r),
	};
	const server = await listen((req, res, raw) => {
		const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, at: Date.now() };
		fake.requests.push(record);
		const answer = (r: ScriptedResponse) => {
			record.answer = r.status;
			sendJson(res, r.status, r.body, r.headers);
		};
		const auth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
		if (auth !== `${accountSid}:${authToken}` && auth !== `${apiKeySid}:${apiKeySecret}`) {
			return answer(twilioError(401, 20003, 'Authenticate'));
		}
		const path = (req.url ?? '').split('?')[0];
		if (req.method === 'GET' && path === `/2010-04-01/Accounts/${accountSid}.json`) {
			return answer({
				status: 200,
				body: { sid: accountSid, friendly_name: 'Cart Recovery test account', status: 'active', type: 'Full', owner_account_sid: accountSid, date_created: new Date().toUTCString(), uri: `/2010-04-01/Accounts/${accountSid}.json` },
			});
		}
		if (req.method !== 'POST' || path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
			return answer(twilioError(404, 20404, `The requested resource ${path} was not found`));
		}
		const scripted = queue.shift();
		if (scripted?.destroy) {
			record.answer = 'dropped';
			return req.socket.destroy();
		}
		if (scripted && !scripted.acceptThenDrop) return answer(scripted);

		const params = Object.fromEntries(new URLSearchParams(raw)) as Record<string, string>;
		if (!params.To || !E164.test(params.To)) return answer(twilioErrors.invalidTo(params.To ?? ''));
		if (!params.From && !params.MessagingServiceSid) return answer(twilioError(400, 21603, "A 'From' phone number is required."));
		if (!params.Body) return answer(twilioError(400, 21602, 'Message body is required.'));
		if (fake.optedOut.has(params.To)) return answer(twilioErrors.unsubscribed());
		const sid = `SM${randomBytes(16).toString('hex')}`;
		fake.accepted.push({ sid, params });
		if (scripted?.acceptThenDrop) {
			record.answer = 'dropped';
			return req.socket.destroy();
		}
		const now = new Date().toUTCString();
		return answer({
			status: 201,
			body: {
				account_sid: accountSid,
				api_version: '2010-04-01',
				body: params.Body,
				date_created: now,
				date_sent: null,
				date_updated: now,
				direction: 'outbound-api',
				error_code: null,
				error_message: null,
				from: params.From ?? null,
				messaging_service_sid: params.MessagingServiceSid ?? null,
				num_media: '0',
				num_segments: '1',
				price: null,
				price_unit: 'USD',
				sid,
				status: params.MessagingServiceSid ? 'accepted' : 'queued',
				subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
				to: params.To,
				uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
			},
		});
	});
	return Object.assign(fake, { url: server.url, close: server.close }) as TwilioFake;
}

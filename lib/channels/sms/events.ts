/**
 * Twilio's webhooks for the SMS channel: message status callbacks (the StatusCallback URL SMS Send puts on each
 * message) and inbound SMS (the number's or Messaging Service's "A message comes in" URL). Both arrive as
 * application/x-www-form-urlencoded POSTs signed with X-Twilio-Signature; both are verified and parsed here into
 * ChannelEvents for the Channel Events Trigger.
 */
import { matchOptInKeyword, matchOptOutKeyword } from '../../consent/keywords';
import type { ChannelEvent, EventRequest, EventSecrets, OptInEvent, OptOutEvent, ProviderWebhook, ReplyEvent, StatusEvent } from '../../events/types';
import { findUnstorableText } from '../../intake/body';
import { IntakeError, invalid } from '../../intake/errors';
import { hmacDigest, headerValue, safeEqual } from '../../intake/signature';
import type { TwilioCredentials } from './transport';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';
/** Present when a Twilio Webhooks Rule signs with its own SharedKey instead of the Auth Token. */
const SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';
/** The query parameter SMS Send appends to the Status Callback URL: our message id, covered by Twilio's signature. */
export const MESSAGE_ID_PARAM = 'cr_message_id';

/** Empty TwiML: Twilio wants 200 with TwiML; we send no auto-reply (Twilio's own STOP/START/HELP replies still go out). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * The token Twilio signs webhooks with: always the account's Auth Token. With API Key authentication the credential
 * does not need the Auth Token to send, so it keeps it in its own field (Auth Token for Webhook Signatures).
 */
export function twilioSigningToken(credentials: Partial<TwilioCredentials>): string | undefined {
	const token = credentials.authType === 'apiKey' ? credentials.webhookAuthToken : credentials.authToken;
	return typeof token === 'string' && token.trim() ? token.trim() : undefined;
}

/** The URL with and without its default port: Twilio's validators try both, since proxies add or drop it. */
function portVariants(url: string): string[] {
	const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
	if (!match) return [url];
	const [prefix, scheme, authority] = match;
	const at = authority.lastIndexOf('@');
	const userInfo = authority.slice(0, at + 1);
	const hostPort = authority.slice(at + 1);
	// A colon starts the port only after an IPv6 literal's closing bracket.
	const colon = hostPort.indexOf(':', hostPort.lastIndexOf(']') + 1);
	const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
	const rest = url.slice(prefix.length);
	const without = scheme + userInfo + host + rest;
	const defaultPort = scheme.toLowerCase() === 'https://' ? ':443' : ':80';
	const withPort = colon === -1 ? scheme + userInfo + host + defaultPort + rest : url;
	return [...new Set([url, without, withPort])];
}

/** The URLs to try: as received, then as the WHATWG parser normalises it (percent-encoding), each with and without the port. */
function candidateUrls(url: string): string[] {
	const urls = portVariants(url);
	try {
		const normalised = new URL(url).href;
		if (normalised !== url) urls.push(...portVariants(normalised));
	} catch {
		// not a URL: only the string as given can match
	}
	return [...new Set(urls)];
}

/**
 * The string Twilio signs: the full URL, then every POST parameter as name + value, sorted by name. A name given
 * more than once contributes each distinct value, sorted (as twilio-node's validateRequest computes it).
 */
export function twilioSigningInput(url: string, params: URLSearchParams): string {
	const byName = new Map<string, string[]>();
	for (const [name, value] of params) {
		const values = byName.get(name);
		if (values) values.push(value);
		else byName.set(name, [value]);
	}
	let data = url;
	for (const name of [...byName.keys()].sort()) {
		for (const value of [...new Set(byName.get(name))].sort()) data += name + value;
	}
	return data;
}

const unauthorized = (message: string) => new IntakeError(401, `${TWILIO_SIGNATURE_HEADER}: ${message}`, TWILIO_SIGNATURE_HEADER);

/**
 * Why the request is not a UTF-8 form post, or undefined when it is. Twilio posts message status callbacks and inbound
 * SMS as forms; its JSON webhooks (signed over the URL with a bodySHA256 query parameter) belong to other products.
 */
function formContentTypeProblem(contentType: string | string[] | undefined): string | undefined {
	const value = headerValue(contentType)?.trim();
	if (!value) return 'the Content-Type header is missing; Twilio posts application/x-www-form-urlencoded';
	const [type, ...params] = value.split(';').map((part) => part.trim());
	if (type.toLowerCase() !== 'application/x-www-form-urlencoded') {
		return `Content-Type "${value.slice(0, 60)}" is not accepted; Twilio's message status callbacks and inbound SMS are application/x-www-form-urlencoded`;
	}
	for (const param of params) {
		const [name, raw = ''] = param.split('=');
		const charset = raw.trim().replace(/^"|"$/g, '').toLowerCase();
		if (name.trim().toLowerCase() === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
			return `Content-Type charset "${charset.slice(0, 20)}" is not accepted; Twilio sends UTF-8`;
		}
	}
	return undefined;
}

/** The form fields of the verified bytes; never n8n's parse of them. */
function formParams(request: EventRequest): URLSearchParams {
	return new URLSearchParams(request.rawBody.toString('utf8'));
}

/**
 * X-Twilio-Signature: base64 HMAC-SHA1, keyed with the Auth Token, of the URL Twilio called (query included) and the
 * sorted form fields. The scheme has no timestamp, so a captured request can be replayed at will: what makes a replay
 * harmless is the store's dedup on the event id (`<MessageSid>:<MessageStatus>`, the inbound MessageSid), which
 * accepts and ignores an event it already recorded.
 */
function verify(request: EventRequest, secrets: EventSecrets): void {
	const token = secrets.twilioAuthToken?.trim();
	if (!token) {
		throw unauthorized(
			'the Twilio credential has no token to check signatures with: fill in "Auth Token" (or, when it authenticates with an API Key, "Auth Token for Webhook Signatures")',
		);
	}
	if (headerValue(request.headers[SIGNATURE_SETTINGS_HEADER])) {
		throw unauthorized(
			'this request is signed by a Twilio Webhooks Rule with its own SharedKey, which the credential does not hold; remove the rule for this URL so Twilio signs with the Auth Token',
		);
	}
	const given = headerValue(request.headers[TWILIO_SIGNATURE_HEADER])?.trim();
	if (!given) throw unauthorized('the X-Twilio-Signature header is missing; only Twilio can call this URL');
	const problem = formContentTypeProblem(request.headers['content-type']);
	if (problem) throw new IntakeError(415, `content-type: ${problem}`, 'content-type');
	const params = formParams(request);
	// Every candidate is computed (no early exit), so the time taken does not say which URL form came close.
	let ok = false;
	for (const url of candidateUrls(request.url)) {
		const expected = hmacDigest('sha1', token, Buffer.from(twilioSigningInput(url, params), 'utf8'), 'base64');
		if (safeEqual(given, expected)) ok = true;
	}
	if (!ok) {
		throw unauthorized(
			'the signature does not match this request: check that the credential holds this account’s Auth Token and that the URL Twilio calls is exactly the one this trigger shows (set the Public URL option behind a proxy)',
		);
	}
}

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/;
const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
const SERVICE_SID = /^MG[0-9a-f]{32}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
/** A Twilio number, short code or alphanumeric sender id: our side of the conversation, not validated beyond this. */
const SENDER = /^(\+[1-9]\d{1,14}|\d{3,8}|[A-Za-z0-9 ]{1,11})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ERROR_CODE = /^\d{1,6}$/;
/** Twilio's limit for an SMS body, with room for MMS captions; a longer field is not something Twilio sent. */
const MAX_FIELD = 4096;

export const TWILIO_MESSAGE_STATUSES = [
	'queued',
	'sending',
	'sent',
	'delivered',
	'undelivered',
	'failed',
	'read',
	'receiving',
	'received',
	'accepted',
	'scheduled',
	'canceled',
	'partially_delivered',
] as const;
export type TwilioMessageStatus = (typeof TWILIO_MESSAGE_STATUSES)[number];

/**
 * What each Twilio status records. null: nothing to record — the message is still with Twilio (queued, sending,
 * accepted, scheduled), the status belongs to inbound messages (receiving, received), or it says too little to rank
 * (partially_delivered: some parts of a multi-part message reached the handset, and a final status follows).
 */
const STATUS_MAP: Record<TwilioMessageStatus, StatusEvent['status'] | null> = {
	queued: null,
	sending: null,
	accepted: null,
	scheduled: null,
	receiving: null,
	received: null,
	partially_delivered: null,
	sent: 'sent',
	delivered: 'delivered',
	read: 'read',
	undelivered: 'failed',
	failed: 'failed',
	// We (or the Messaging Service) canceled a scheduled message: it will never go out.
	canceled: 'failed',
};

/** 21610: the recipient replied STOP to this sender; Twilio blocks every message to them until they reply START. */
export const TWILIO_OPTED_OUT = '21610';

/**
 * Error codes that end a number for SMS whatever we retry (Twilio's error reference): 21610 opted out, 21211 invalid
 * To, 21614 not a mobile number, 21635 a landline, 30005 unknown destination (the number does not exist or is no longer
 * in service), 30006 a landline or unreachable carrier. Not here: 30003 "unreachable destination handset" (Twilio's
 * own docs: a phone switched off, out of coverage or roaming; a later message may arrive), 30007 carrier filtering and
 * 30008 unknown error (about the content or the route, not the number).
 */
export const TWILIO_PERMANENT_ERRORS: ReadonlySet<string> = new Set([TWILIO_OPTED_OUT, '21211', '21614', '21635', '30005', '30006']);

/** Twilio's names for the codes a status callback commonly carries (status callbacks send the code only). */
const ERROR_TITLES: Record<string, string> = {
	'21211': "Invalid 'To' phone number",
	'21610': 'Attempt to send to unsubscribed recipient',
	'21614': "'To' number is not a valid mobile number",
	'21635': "'To' number cannot be a landline",
	'30001': 'Queue overflow',
	'30002': 'Account suspended',
	'30003': 'Unreachable destination handset',
	'30004': 'Message blocked',
	'30005': 'Unknown destination handset',
	'30006': 'Landline or unreachable carrier',
	'30007': 'Message filtered by the carrier',
	'30008': 'Unknown error',
};

/** One form field: missing → undefined; given twice → 400 (Twilio sends each once, so a repeat is not Twilio's). */
function field(params: URLSearchParams, name: string): string | undefined {
	const values = params.getAll(name);
	if (values.length > 1) throw invalid(name, `given ${values.length} times; Twilio sends it once`);
	return values[0];
}

function required(params: URLSearchParams, name: string, pattern: RegExp, what: string): string {
	const value = field(params, name);
	if (value === undefined || value === '') throw invalid(name, `is missing; Twilio sends ${what} in every message webhook`);
	if (!pattern.test(value)) throw invalid(name, `"${value.slice(0, 40)}" is not ${what}`);
	return value;
}

function optional(params: URLSearchParams, name: string, pattern: RegExp, what: string): string | null {
	const value = field(params, name);
	if (value === undefined || value === '') return null;
	if (!pattern.test(value)) throw invalid(name, `"${value.slice(0, 40)}" is not ${what}`);
	return value;
}

/** Every name and value must be text Postgres can hold, and no longer than anything Twilio sends. */
function checkStorable(params: URLSearchParams): void {
	for (const [name, value] of params) {
		const nameProblem = findUnstorableText(name, 'body');
		if (nameProblem) throw invalid('body', `has a field name that ${nameProblem.problem}`);
		if (name.length > 100) throw invalid('body', `has a field name of ${name.length} characters, which is not a Twilio field`);
		const problem = findUnstorableText(value, name || 'body');
		if (problem) throw invalid(problem.field, problem.problem);
		if (value.length > MAX_FIELD) throw invalid(name || 'body', `is ${value.length} characters long; Twilio sends at most ${MAX_FIELD}`);
	}
}

/** Our message id from the callback URL's query (SMS Send appends it; the signature covers it), when uuid-shaped. */
function messageIdFromUrl(url: string): string | null {
	let value: string | null;
	try {
		value = new URL(url).searchParams.get(MESSAGE_ID_PARAM);
	} catch {
		return null;
	}
	return value && UUID.test(value) ? value.toLowerCase() : null;
}

const isoNow = (now?: Date | number) => (now === undefined ? new Date() : new Date(now)).toISOString();

function parseStatus(params: URLSearchParams, request: EventRequest, at: string): ChannelEvent[] {
	const sid = required(params, 'MessageSid', MESSAGE_SID, 'a Twilio message SID (SM or MM and 32 hex digits)');
	const raw = field(params, 'MessageStatus')!;
	if (!(TWILIO_MESSAGE_STATUSES as readonly string[]).includes(raw)) {
		throw invalid('MessageStatus', `"${raw.slice(0, 40)}" is not a Twilio message status (${TWILIO_MESSAGE_STATUSES.join(', ')})`);
	}
	const to = required(params, 'To', E164, 'an E.164 phone number (+ and up to 15 digits)');
	required(params, 'From', SENDER, 'a Twilio number, short code or sender id');
	optional(params, 'AccountSid', ACCOUNT_SID, 'a Twilio account SID (AC and 32 hex digits)');
	optional(params, 'MessagingServiceSid', SERVICE_SID, 'a Messaging Service SID (MG and 32 hex digits)');
	const errorCode = optional(params, 'ErrorCode', ERROR_CODE, 'a Twilio error code');
	const status = STATUS_MAP[raw as TwilioMessageStatus];
	if (status === null) return [];
	const messageId = messageIdFromUrl(request.url);
	const failed = status === 'failed';
	const event: StatusEvent = {
		kind: 'status',
		provider: 'twilio',
		channel: 'sms',
		eventId: `${sid}:${raw}`,
		at,
		address: to,
		status,
		messageId,
		providerId: sid,
		errorCode,
		errorDetail: failed ? (field(params, 'ErrorMessage')?.slice(0, 500) || (errorCode ? ERROR_TITLES[errorCode] : undefined) || null) : null,
		permanent: failed && raw !== 'canceled' && errorCode !== null && TWILIO_PERMANENT_ERRORS.has(errorCode),
		machine: false,
	};
	if (!(failed && errorCode === TWILIO_OPTED_OUT)) return [event];
	// Twilio refused the message because the number replied STOP to this sender: a withdrawal, recorded as such.
	const optOut: OptOutEvent = {
		kind: 'opt_out',
		provider: 'twilio',
		channel: 'sms',
		eventId: `${sid}:${raw}:${TWILIO_OPTED_OUT}`,
		at,
		address: to,
		source: 'twilio_21610',
		detail: `ErrorCode=${TWILIO_OPTED_OUT}`,
		messageId,
		cartId: null,
	};
	return [event, optOut];
}

function parseInbound(params: URLSearchParams, at: string): ChannelEvent[] {
	const sid = required(params, 'MessageSid', MESSAGE_SID, 'a Twilio message SID (SM or MM and 32 hex digits)');
	const from = required(params, 'From', E164, 'an E.164 phone number (+ and up to 15 digits)');
	required(params, 'To', SENDER, 'a Twilio number, short code or sender id');
	optional(params, 'AccountSid', ACCOUNT_SID, 'a Twilio account SID (AC and 32 hex digits)');
	optional(params, 'MessagingServiceSid', SERVICE_SID, 'a Messaging Service SID (MG and 32 hex digits)');
	const smsStatus = field(params, 'SmsStatus');
	if (smsStatus !== undefined && smsStatus !== 'received' && smsStatus !== 'receiving') {
		throw invalid('SmsStatus', `"${smsStatus.slice(0, 40)}" is not "received", what Twilio sends with an inbound SMS`);
	}
	const optOutType = field(params, 'OptOutType');
	if (optOutType !== undefined && optOutType !== '' && !['STOP', 'START', 'HELP'].includes(optOutType.toUpperCase())) {
		throw invalid('OptOutType', `"${optOutType.slice(0, 40)}" is not STOP, START or HELP`);
	}
	const type = optOutType?.toUpperCase() ?? '';
	const text = field(params, 'Body') ?? '';
	const base = { provider: 'twilio' as const, channel: 'sms' as const, eventId: sid, at, address: from };
	const reply = (): ReplyEvent => ({ ...base, kind: 'reply', reply: 'text', text: text || null, payload: null, action: null, cartId: null, inReplyTo: null });
	if (type === 'HELP') return [reply()];
	const stop = type === 'STOP' ? 'OptOutType=STOP' : type === '' ? matchOptOutKeyword(text).keyword : null;
	if (stop) {
		const event: OptOutEvent = { ...base, kind: 'opt_out', source: 'twilio_stop', detail: stop, messageId: null, cartId: null, text };
		return [event];
	}
	const start = type === 'START' ? 'OptOutType=START' : type === '' ? matchOptInKeyword(text).keyword : null;
	if (start) {
		const event: OptInEvent = { ...base, kind: 'opt_in', source: 'twilio_start', detail: start, text };
		return [event];
	}
	return [reply()];
}

/**
 * The events in a verified Twilio form body: a status callback (it has MessageStatus) gives a StatusEvent, or none for
 * a status that records nothing, plus an opt-out for 21610; an inbound SMS gives an opt-out, an opt-in or a reply.
 * Twilio sends no event time, so `at` is when we received it (`now`, for tests).
 */
function parse(request: EventRequest, now?: Date | number): ChannelEvent[] {
	const problem = formContentTypeProblem(request.headers['content-type']);
	if (problem) throw new IntakeError(415, `content-type: ${problem}`, 'content-type');
	const params = formParams(request);
	checkStorable(params);
	const at = isoNow(now);
	const status = params.get('MessageStatus');
	// An inbound message is recognised by its Body even if a MessageStatus of received/receiving came with it: a STOP
	// must never be dropped as "a status that records nothing".
	const inbound = status === null ? params.has('Body') || params.has('SmsStatus') : params.has('Body') && (status === 'received' || status === 'receiving');
	if (inbound) return parseInbound(params, at);
	if (status !== null) return parseStatus(params, request, at);
	throw invalid('MessageStatus', 'is missing, and there is no Body either: neither a Twilio message status callback nor an inbound SMS');
}

export const twilioWebhook: ProviderWebhook & { channel: 'sms'; parse(request: EventRequest, now?: Date | number): ChannelEvent[] } = {
	provider: 'twilio',
	channel: 'sms',
	verify,
	parse,
	answer: { contentType: 'text/xml', body: EMPTY_TWIML },
};

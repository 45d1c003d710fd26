import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';

import type { ChannelEvent, DeliveryStatus, EventRequest, EventSecrets, ProviderWebhook, StatusEvent } from '../../events/types';
import { findUnstorableText, jsonContentTypeProblem } from '../../intake/body';
import { IntakeError, invalid } from '../../intake/errors';
import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS, headerValue, signatureTolerance } from '../../intake/signature';

/**
 * SendGrid's Event Webhook (Settings → Mail Settings → Event Webhook), signed: SendGrid signs
 * `<X-Twilio-Email-Event-Webhook-Timestamp><the exact body bytes>` with ECDSA P-256 / SHA-256 and sends the
 * DER signature, base64, in X-Twilio-Email-Event-Webhook-Signature. The body is a JSON array of events; our
 * custom_args (`cr_message_id`, lib/channels/email/builder.ts) come back as top-level keys of each event.
 */
export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';
/** SendGrid batches events; a body with more than this is not one SendGrid sends and is refused whole. */
export const SENDGRID_MAX_EVENTS = 1000;
export const SENDGRID_TOLERANCE_SECONDS = DEFAULT_SIGNATURE_TOLERANCE_SECONDS;

const WHERE_TO_FIND_KEY = 'SendGrid → Settings → Mail Settings → Event Webhook → Signed Event Webhook → Verification Key';

const refuse = (field: string, message: string) => new IntakeError(401, `${field}: ${message}`, field);

// One entry is enough: a trigger uses one credential, and parsing the key on every request would be wasted work.
let cachedKey: { text: string; key: KeyObject } | undefined;

/**
 * The verification key as a KeyObject: SendGrid shows base64 of the DER SubjectPublicKeyInfo with no PEM
 * armour; a full PEM is accepted too. Anything else (a private key, an RSA key, garbage) is refused, so a
 * credential typo reads as "fix the credential", never as "SendGrid's signature is wrong".
 */
export function sendGridVerificationKey(text: string): KeyObject {
	const trimmed = text.trim();
	if (cachedKey?.text === trimmed) return cachedKey.key;
	const field = SENDGRID_SIGNATURE_HEADER;
	const notAKey = (why: string) =>
		refuse(field, `the Event Webhook verification key in the SendGrid credential is not a public key (${why}); copy it again from ${WHERE_TO_FIND_KEY}`);
	// createPublicKey would quietly derive the public half of a pasted private key; a private key never belongs here.
	if (/PRIVATE KEY/i.test(trimmed)) throw notAKey('it is a private key');
	let key: KeyObject;
	try {
		if (trimmed.includes('-----BEGIN')) {
			key = createPublicKey({ key: trimmed, format: 'pem' });
		} else {
			const base64 = trimmed.replace(/\s+/g, '');
			if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw notAKey('it is not base64 text');
			key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
		}
	} catch (error) {
		if (error instanceof IntakeError) throw error;
		throw notAKey('it cannot be read as an SPKI public key');
	}
	if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
		throw notAKey('SendGrid signs with an ECDSA P-256 key, this is another kind of key');
	}
	cachedKey = { text: trimmed, key };
	return key;
}

/** The tolerance to use: the secrets' override (capped like the webshop's), else SendGrid's 300 s. */
function tolerance(secrets: EventSecrets): number {
	return secrets.sendGridToleranceSeconds === undefined ? SENDGRID_TOLERANCE_SECONDS : signatureTolerance(secrets.sendGridToleranceSeconds);
}

/** `now` is unix milliseconds (Date.now()), as everywhere in lib/intake. */
function verify(request: EventRequest, secrets: EventSecrets, now: number = Date.now()): void {
	const sigField = SENDGRID_SIGNATURE_HEADER;
	const tsField = SENDGRID_TIMESTAMP_HEADER;
	const keyText = secrets.sendGridVerificationKey?.trim();
	if (!keyText) {
		throw refuse(
			sigField,
			`the SendGrid credential has no Event Webhook Verification Key, so no event can be verified; paste the key from ${WHERE_TO_FIND_KEY}`,
		);
	}
	const key = sendGridVerificationKey(keyText);
	const signature = headerValue(request.headers[sigField.toLowerCase()])?.trim();
	if (!signature) throw refuse(sigField, 'the header is missing; turn on Signed Event Webhook in SendGrid (Mail Settings → Event Webhook)');
	const timestamp = headerValue(request.headers[tsField.toLowerCase()])?.trim();
	if (!timestamp) throw refuse(tsField, 'the header is missing; SendGrid sends it with every signed event');
	if (!/^\d{1,12}$/.test(timestamp)) throw refuse(tsField, 'is not a unix time in seconds (digits only)');
	// A DER ECDSA P-256 signature is 8 to 72 bytes; anything else is not one.
	const der = /^[A-Za-z0-9+/]+={0,2}$/.test(signature) ? Buffer.from(signature, 'base64') : undefined;
	if (!der || der.length < 8 || der.length > 72) throw refuse(sigField, 'is not a base64 DER ECDSA signature');
	const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.rawBody]);
	let valid = false;
	try {
		valid = verifySignature('sha256', signed, { key, dsaEncoding: 'der' }, der);
	} catch {
		valid = false; // a DER structure OpenSSL cannot read is a signature that does not verify
	}
	if (!valid) {
		throw refuse(
			sigField,
			'does not match this request: the body or the timestamp was changed after SendGrid signed it, or the verification key in the credential belongs to another webhook',
		);
	}
	const window = tolerance(secrets);
	const age = Math.round(now / 1000 - Number(timestamp));
	if (age > window) throw refuse(tsField, `is ${age} s old; events signed more than ${window} s ago are refused as replays`);
	if (-age > window) throw refuse(tsField, `is ${-age} s in the future (more than ${window} s); check this server's clock`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Unix seconds up to the year 9999: beyond it Date#toISOString throws a RangeError instead of a 400.
const MAX_TIMESTAMP = 253402300799;

const STATUS_EVENTS: Record<string, DeliveryStatus> = {
	processed: 'processed',
	dropped: 'dropped',
	delivered: 'delivered',
	deferred: 'deferred',
	bounce: 'bounced',
	open: 'opened',
	click: 'clicked',
};
const OPT_OUT_SOURCES: Record<string, string> = {
	spamreport: 'sendgrid_spamreport',
	unsubscribe: 'sendgrid_unsubscribe',
	group_unsubscribe: 'sendgrid_group_unsubscribe',
};
const OPT_IN_SOURCES: Record<string, string> = {
	group_resubscribe: 'sendgrid_group_resubscribe',
};
const has = (table: Record<string, string>, key: string) => Object.prototype.hasOwnProperty.call(table, key);

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function parseBody(raw: Buffer): unknown {
	const source = raw.toString('utf8').replace(/^\uFEFF/, '');
	if (!source.trim()) throw invalid('body', 'is empty (SendGrid sends a JSON array of events)');
	try {
		return JSON.parse(source);
	} catch (error) {
		throw invalid('body', `is not valid JSON (${(error as Error).message.slice(0, 80)})`);
	}
}

function parse(request: EventRequest): ChannelEvent[] {
	const notJson = jsonContentTypeProblem(request.headers['content-type']);
	if (notJson) throw new IntakeError(415, `content-type: ${notJson}`, 'content-type');
	const body = parseBody(request.rawBody);
	if (!Array.isArray(body)) throw invalid('body', 'must be a JSON array of SendGrid events');
	if (body.length > SENDGRID_MAX_EVENTS) throw invalid('body', `has ${body.length} events; at most ${SENDGRID_MAX_EVENTS} are accepted in one request`);
	const unstorable = findUnstorableText(body);
	if (unstorable) throw invalid(unstorable.field, unstorable.problem);
	const events: ChannelEvent[] = [];
	body.forEach((item, index) => {
		const event = parseEvent(item, `body[${index}]`);
		if (event) events.push(event);
	});
	return events;
}

/** One SendGrid event, or undefined for a type we do not record (SendGrid adds types; they must not fail a batch). */
function parseEvent(item: unknown, path: string): ChannelEvent | undefined {
	if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(path, 'must be an object (one SendGrid event)');
	const e = item as Record<string, unknown>;
	if (typeof e.event !== 'string' || !e.event) throw invalid(`${path}.event`, 'must be a non-empty string (the SendGrid event type)');
	const type = e.event;
	if (!has(STATUS_EVENTS, type) && !has(OPT_OUT_SOURCES, type) && !has(OPT_IN_SOURCES, type)) return undefined;
	if (typeof e.sg_event_id !== 'string' || !e.sg_event_id) throw invalid(`${path}.sg_event_id`, 'must be a non-empty string');
	const ts = e.timestamp;
	if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0 || ts > MAX_TIMESTAMP) {
		throw invalid(`${path}.timestamp`, 'must be a unix time in seconds (a number)');
	}
	if (e.email !== undefined && e.email !== null && typeof e.email !== 'string') throw invalid(`${path}.email`, 'must be a string');
	const crMessageId = typeof e.cr_message_id === 'string' && UUID.test(e.cr_message_id) ? e.cr_message_id.toLowerCase() : null;
	const base = {
		provider: 'sendgrid' as const,
		channel: 'email' as const,
		eventId: e.sg_event_id,
		at: new Date(Math.floor(ts * 1000)).toISOString(),
		address: text(e.email),
	};
	const group = typeof e.asm_group_id === 'number' || typeof e.asm_group_id === 'string' ? ` (asm_group_id ${e.asm_group_id})` : '';
	if (has(OPT_OUT_SOURCES, type) || has(OPT_IN_SOURCES, type)) {
		// Withdrawing consent for nobody would record nothing; SendGrid always names the recipient here.
		if (!base.address) throw invalid(`${path}.email`, `must be the recipient's address for a ${type} event`);
		if (has(OPT_IN_SOURCES, type)) return { ...base, kind: 'opt_in', source: OPT_IN_SOURCES[type], detail: `${type}${group}` };
		return { ...base, kind: 'opt_out', source: OPT_OUT_SOURCES[type], detail: `${type}${group}`, messageId: crMessageId, cartId: null };
	}
	const status: StatusEvent = {
		...base,
		kind: 'status',
		status: STATUS_EVENTS[type],
		messageId: crMessageId,
		providerId: text(e.sg_message_id),
		errorCode: null,
		errorDetail: null,
		permanent: false,
		machine: false,
	};
	switch (type) {
		case 'dropped':
			status.errorCode = text(e.status);
			status.errorDetail = text(e.reason);
			break;
		case 'deferred':
			// SendGrid's only words about a deferral are the receiving server's answer.
			status.errorDetail = text(e.response) ?? text(e.reason);
			break;
		case 'bounce':
			// type "blocked" is an ISP block of this send (may pass later); "bounce" (or none, older events) is a hard bounce.
			status.permanent = e.type !== 'blocked';
			status.errorCode = text(e.status);
			status.errorDetail = text(e.reason);
			break;
		case 'open':
			status.machine = e.sg_machine_open === true;
			break;
		case 'click':
			status.url = text(e.url);
			break;
	}
	return status;
}

export const sendGridWebhook: ProviderWebhook = {
	provider: 'sendgrid',
	verify,
	parse,
};

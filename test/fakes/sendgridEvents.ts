import { generateKeyPairSync, randomBytes, randomUUID, sign as signBytes, type KeyObject } from 'node:crypto';

import type { EventRequest } from '../../lib/events/types';

/**
 * SendGrid's Signed Event Webhook, played by a test: a fresh ECDSA P-256 key pair per signer, the verification
 * key exactly as Mail Settings → Event Webhook shows it (base64 of the DER SubjectPublicKeyInfo, no PEM armour),
 * and signatures as SendGrid sends them: base64 DER ECDSA/SHA-256 of `<timestamp><the exact body bytes>` in
 * X-Twilio-Email-Event-Webhook-Signature, the unix seconds in X-Twilio-Email-Event-Webhook-Timestamp.
 */
export interface SendGridEventSigner {
	/** What the user pastes into the credential. */
	verificationKey: string;
	/** The same key as a PEM (also accepted). */
	verificationKeyPem: string;
	privateKey: KeyObject;
	/** The two signature headers (lower-case names, as Node gives them) for this body and time (default now). */
	sign(body: string | Buffer, timestamp?: number): Record<string, string>;
	/** A whole signed POST as the Channel Events Trigger hands it to the provider: JSON body of `events`, signed. */
	request(events: unknown, options?: { timestamp?: number; contentType?: string; rawBody?: string | Buffer }): EventRequest;
}

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

export function createSendGridEventSigner(): SendGridEventSigner {
	const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
	const der = publicKey.export({ format: 'der', type: 'spki' });
	const sign = (body: string | Buffer, timestamp = Math.floor(Date.now() / 1000)) => {
		const payload = Buffer.concat([Buffer.from(String(timestamp), 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')]);
		const signature = signBytes('sha256', payload, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
		return { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: String(timestamp) };
	};
	return {
		verificationKey: der.toString('base64'),
		verificationKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
		privateKey,
		sign,
		request(events, options = {}) {
			const rawBody = options.rawBody === undefined ? Buffer.from(JSON.stringify(events)) : Buffer.from(options.rawBody);
			return {
				method: 'POST',
				headers: { 'content-type': options.contentType ?? 'application/json', ...sign(rawBody, options.timestamp) },
				rawBody,
				url: 'https://n8n.example.com/webhook/cart-recovery/events/sendgrid',
				query: {},
			};
		},
	};
}

/** What a sample event is about; everything is optional and realistic by default. */
export interface SampleOptions {
	email?: string;
	/** Our message id (custom_args `cr_message_id`); left out of the event when not given. */
	crMessageId?: string;
	/** The X-Message-Id SendGrid answered the send with; the event's sg_message_id is it plus ".filterdrecv-…". */
	xMessageId?: string;
	eventId?: string;
	timestamp?: number;
	category?: string | string[];
	/** Extra or overriding fields. */
	extra?: Record<string, unknown>;
}

/** An sg_event_id as SendGrid makes them (22 characters of base64url). */
export const sgEventId = () => randomBytes(16).toString('base64url').slice(0, 22);
export const xMessageId = () => randomBytes(16).toString('base64url').slice(0, 22);
export const sgMessageIdFor = (xId: string) => `${xId}.filterdrecv-5645d9c87f-6r8mz-1-62E8B4C1-2D.0`;

const USERAGENT_HUMAN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
// Apple Mail Privacy Protection fetches every image through Apple's proxy with this agent.
const USERAGENT_MACHINE = 'Mozilla/5.0';

function base(event: string, options: SampleOptions): Record<string, unknown> {
	const xId = options.xMessageId ?? xMessageId();
	return {
		email: options.email ?? 'vasarlo@example.hu',
		timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
		'smtp-id': `<${xId}@geopod-ismtpd-3-0>`,
		event,
		category: options.category ?? ['cart-recovery', 'stage-1'],
		sg_event_id: options.eventId ?? sgEventId(),
		sg_message_id: sgMessageIdFor(xId),
		...(options.crMessageId ? { cr_message_id: options.crMessageId } : {}),
	};
}

const build = (event: string, fields: Record<string, unknown>) => (options: SampleOptions = {}) => ({ ...base(event, options), ...fields, ...options.extra });

/** Sample events shaped like the samples in SendGrid's Event Webhook Reference. */
export const sendGridEvents = {
	processed: build('processed', { pool: { name: 'cart_recovery_pool', id: 210 } }),
	dropped: build('dropped', { reason: 'Bounced Address', status: '5.0.0' }),
	delivered: build('delivered', { ip: '168.1.1.1', response: '250 OK', tls: 1, cert_err: 0 }),
	deferred: build('deferred', { ip: '168.1.1.1', response: '400 try again later', attempt: '5', tls: 1, cert_err: 0 }),
	bounce: build('bounce', {
		ip: '168.1.1.1',
		reason: "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address",
		status: '5.1.1',
		type: 'bounce',
		bounce_classification: 'Invalid Address',
		tls: 1,
		cert_err: 0,
	}),
	blocked: build('bounce', {
		ip: '168.1.1.1',
		reason: '550 5.7.1 Service unavailable; Client host [168.1.1.1] blocked using Spamhaus',
		status: '5.7.1',
		type: 'blocked',
		bounce_classification: 'Reputation',
		tls: 1,
		cert_err: 0,
	}),
	open: build('open', { useragent: USERAGENT_HUMAN, ip: '255.255.255.255', sg_machine_open: false }),
	machineOpen: build('open', { useragent: USERAGENT_MACHINE, ip: '17.58.0.1', sg_machine_open: true }),
	click: build('click', {
		useragent: USERAGENT_HUMAN,
		ip: '255.255.255.255',
		url: 'https://shop.example.hu/cart/restore?c=abc',
		url_offset: { index: 0, type: 'html' },
	}),
	spamreport: build('spamreport', {}),
	unsubscribe: build('unsubscribe', {}),
	groupUnsubscribe: build('group_unsubscribe', {
		useragent: USERAGENT_HUMAN,
		ip: '255.255.255.255',
		url: 'https://u123.ct.sendgrid.net/asm/unsubscribe',
		asm_group_id: 10,
	}),
	groupResubscribe: build('group_resubscribe', {
		useragent: USERAGENT_HUMAN,
		ip: '255.255.255.255',
		url: 'https://u123.ct.sendgrid.net/asm/resubscribe',
		asm_group_id: 10,
	}),
};

export type SampleKind = keyof typeof sendGridEvents;

/** One of every sample, each with a fresh cr_message_id (a full batch as SendGrid posts it). */
export function sampleBatch(options: Omit<SampleOptions, 'crMessageId' | 'eventId'> = {}) {
	return (Object.keys(sendGridEvents) as SampleKind[]).map((kind) => sendGridEvents[kind]({ ...options, crMessageId: randomUUID() }));
}

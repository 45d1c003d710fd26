import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import type { EventRequest } from '../../lib/events/types';

/**
 * What Twilio posts to a webhook about a message, signed as Twilio signs it:
 *   X-Twilio-Signature = base64(HMAC-SHA1(Auth Token, <full URL, query included> + <each form field name + value,
 *   sorted by name>)), the body application/x-www-form-urlencoded.
 * Two kinds: a message status callback (to the StatusCallback URL of a sent message) and an inbound SMS (to the
 * number's or Messaging Service's incoming-message URL). Field names and values as Twilio documents them. This
 * signer is written apart from lib/channels/sms/events.ts, so a test signs with it and verifies with the library.
 */

export type TwilioParams = Array<[string, string]> | Record<string, string>;

const entries = (params: TwilioParams): Array<[string, string]> => (Array.isArray(params) ? params : Object.entries(params));

/** The X-Twilio-Signature Twilio sends for `params` posted to `url`. */
export function signTwilio(authToken: string, url: string, params: TwilioParams): string {
	// A name given more than once: each distinct value, sorted (twilio-node's validateRequest; Twilio itself sends each name once).
	const distinct = [...new Map(entries(params).map(([name, value]) => [`${name}\u0000${value}`, [name, value] as [string, string]])).values()];
	const sorted = distinct.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
	const data = sorted.reduce((acc, [name, value]) => acc + name + value, url);
	return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** The form body Twilio posts (fields in the order given). */
export function formBody(params: TwilioParams): string {
	return new URLSearchParams(entries(params)).toString();
}

export const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export const ACCOUNT_SID = sid('AC');
export const SERVICE_SID = sid('MG');
export const OUR_NUMBER = '+36209990000';
export const CUSTOMER = '+36301234567';

/** A message status callback: what Twilio posts to a sent message's StatusCallback URL. */
export function statusCallback(overrides: Record<string, string | undefined> = {}): Record<string, string> {
	const messageSid = overrides.MessageSid ?? sid('SM');
	const status = overrides.MessageStatus ?? 'delivered';
	return clean({
		ApiVersion: '2010-04-01',
		AccountSid: ACCOUNT_SID,
		MessagingServiceSid: SERVICE_SID,
		MessageSid: messageSid,
		SmsSid: messageSid,
		SmsStatus: status,
		MessageStatus: status,
		From: OUR_NUMBER,
		To: CUSTOMER,
		...(status === 'delivered' || status === 'undelivered' ? { RawDlrDoneDate: '2612020511' } : {}),
		...overrides,
	});
}

/** An inbound SMS: what Twilio posts to the number's incoming-message URL. */
export function inboundSms(body: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
	const messageSid = overrides.MessageSid ?? sid('SM');
	return clean({
		ToCountry: 'HU',
		ToState: '',
		SmsMessageSid: messageSid,
		NumMedia: '0',
		ToCity: '',
		FromZip: '',
		SmsSid: messageSid,
		FromState: '',
		SmsStatus: 'received',
		FromCity: '',
		Body: body,
		FromCountry: 'HU',
		To: OUR_NUMBER,
		MessagingServiceSid: SERVICE_SID,
		ToZip: '',
		NumSegments: '1',
		MessageSid: messageSid,
		AccountSid: ACCOUNT_SID,
		From: CUSTOMER,
		ApiVersion: '2010-04-01',
		...overrides,
	});
}

/** undefined in overrides removes the field. */
function clean(params: Record<string, string | undefined>): Record<string, string> {
	return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

export const TRIGGER_URL = 'https://n8n.example.com/webhook/cart-recovery/events/twilio';

/** The trigger's Twilio URL as SMS Send puts it on a message: our message id in the query. */
export const callbackUrl = (messageId: string = randomUUID(), base = TRIGGER_URL) => `${base}?cr_message_id=${messageId}`;

/** A signed request as the trigger hands it to the provider. `signedUrl` lets a test sign one URL and deliver to another. */
export function twilioRequest(
	authToken: string,
	url: string,
	params: TwilioParams,
	options: { signedUrl?: string; signature?: string | null; contentType?: string; body?: string | Buffer } = {},
): EventRequest {
	const signature = options.signature === undefined ? signTwilio(authToken, options.signedUrl ?? url, params) : options.signature;
	const body = options.body ?? formBody(params);
	return {
		method: 'POST',
		headers: {
			'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
			'user-agent': 'TwilioProxy/1.1',
			...(signature === null ? {} : { 'x-twilio-signature': signature }),
		},
		rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
		url,
		query: Object.fromEntries(new URL(url).searchParams),
	};
}

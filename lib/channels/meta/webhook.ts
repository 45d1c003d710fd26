import type { ChannelEvent, EventRequest, EventSecrets, ProviderWebhook } from '../../events/types';
import { findUnstorableText, jsonContentTypeProblem } from '../../intake/body';
import { IntakeError, invalid } from '../../intake/errors';
import { headerValue, safeEqual, verifyHmac } from '../../intake/signature';
import { messengerEvents } from '../messenger/events';
import { whatsappEvents } from '../whatsapp/events';
import { array, object, string } from './events';

/**
 * Meta's webhooks for WhatsApp (Cloud API) and Messenger, one callback URL for both (the body's `object` says
 * which): the GET subscription handshake, the X-Hub-Signature-256 check and the two mappers.
 *
 *   GET  ?hub.mode=subscribe&hub.verify_token=<the phrase typed into the app>&hub.challenge=<n>  → <n> as text
 *   POST X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the App Secret>
 */

export const META_SIGNATURE_HEADER = 'x-hub-signature-256';
/** Meta sends a number of about ten digits; anything long or odd is not Meta, and is never echoed back. */
const CHALLENGE = /^[A-Za-z0-9._~-]{1,128}$/;

const query = (request: EventRequest, name: string) => {
	const value = request.query?.[name];
	return Array.isArray(value) ? value[0] : value;
};

function handshake(request: EventRequest, secrets: EventSecrets): string {
	const mode = query(request, 'hub.mode');
	if (mode !== 'subscribe') throw invalid('hub.mode', `must be "subscribe" (Meta's webhook verification request), got ${mode === undefined ? 'nothing' : JSON.stringify(mode.slice(0, 40))}`);
	const expected = secrets.metaVerifyToken ?? '';
	if (!expected) {
		throw new IntakeError(
			403,
			'hub.verify_token: the Meta credential has no Webhook Verify Token; type a phrase of your choice into its Webhook Verify Token field and the same phrase into Verify Token in the Meta app’s webhook settings',
			'hub.verify_token',
		);
	}
	const given = query(request, 'hub.verify_token');
	if (!given) throw new IntakeError(403, 'hub.verify_token: is missing; Meta sends the Verify Token typed into the app’s webhook settings', 'hub.verify_token');
	if (!safeEqual(given, expected)) {
		throw new IntakeError(403, 'hub.verify_token: does not match the Webhook Verify Token of the Meta credential; type the same phrase in both places', 'hub.verify_token');
	}
	const challenge = query(request, 'hub.challenge');
	if (!challenge) throw invalid('hub.challenge', 'is missing; Meta sends a number to answer with');
	if (!CHALLENGE.test(challenge)) throw invalid('hub.challenge', 'is not the short number Meta sends (letters, digits, "._~-", at most 128)');
	return challenge;
}

/**
 * Meta's signature covers the body only, with no timestamp, so a captured request stays validly signed: its replay
 * is harmless because every event carries Meta's own id (wamid:status, the message id, the mid) and the store
 * records an event id once; the replayed events are accepted and ignored.
 */
function verify(request: EventRequest, secrets: EventSecrets): void {
	const field = META_SIGNATURE_HEADER;
	if (!secrets.metaAppSecret) {
		throw new IntakeError(401, `${field}: cannot be checked: the Meta credential has no App Secret (its App Secret field; developers.facebook.com → App settings → Basic)`, field);
	}
	const given = headerValue(request.headers[field]);
	if (!given) throw new IntakeError(401, `${field}: the header is missing; Meta signs every webhook with X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, field);
	if (!verifyHmac({ given, secret: secrets.metaAppSecret, payload: request.rawBody, encoding: 'hex', prefix: 'sha256=' })) {
		throw new IntakeError(401, `${field}: does not match the body; check that the App Secret in the Meta credential is the one of the app that sends these webhooks`, field);
	}
}

function parse(request: EventRequest): ChannelEvent[] {
	const problem = jsonContentTypeProblem(request.headers['content-type']);
	if (problem) throw new IntakeError(415, `content-type: ${problem}`, 'content-type');
	let body: unknown;
	try {
		body = JSON.parse(request.rawBody.toString('utf8'));
	} catch (error) {
		throw invalid('body', `is not JSON (${(error as Error).message.slice(0, 120)})`);
	}
	const root = object(body, 'body');
	const unstorable = findUnstorableText(root);
	if (unstorable) throw invalid(unstorable.field, unstorable.problem);
	const kind = string(root.object, 'object');
	const entries = array(root.entry, 'entry');
	if (kind === 'whatsapp_business_account') return whatsappEvents(entries);
	if (kind === 'page') return messengerEvents(entries);
	throw invalid('object', `"${kind.slice(0, 60)}" is not a WhatsApp ("whatsapp_business_account") or Messenger ("page") webhook`);
}

export const metaWebhook: ProviderWebhook = { provider: 'meta', verify, handshake, parse };

import { SEND_CHANNELS } from '../channels';
import { headerValue } from '../intake/signature';
import { IntakeError } from '../intake/errors';
import type { ChannelEvent, EventProvider, EventRequest, EventSecrets, ProviderWebhook } from './types';

/** Each provider's webhook, as the channel folders name it (Meta's serves WhatsApp and Messenger). */
export const PROVIDER_WEBHOOKS = Object.fromEntries(
	Object.values(SEND_CHANNELS).map((channel) => [channel!.events.provider, channel!.events]),
) as Record<EventProvider, ProviderWebhook>;

/** What the trigger node needs to answer one request, before the store. */
export type Received = { kind: 'handshake'; challenge: string } | { kind: 'events'; events: ChannelEvent[] };

/**
 * Everything the Channel Events Trigger does before the store, pure: the size limit, the provider's signature
 * (timing-safe, on the exact bytes, before anything is parsed) and the parse of those bytes. Throws IntakeError
 * (400/401/403/405/413/415) for a request that must be refused, so nothing of it reaches the store.
 */
export function receiveChannelEvents(
	provider: EventProvider,
	request: EventRequest,
	secrets: EventSecrets,
	options: { maxBodyBytes: number; now?: number },
): Received {
	const webhook = PROVIDER_WEBHOOKS[provider];
	if (request.method === 'GET') {
		if (!webhook.handshake) throw new IntakeError(405, `method: ${providerLabel(provider)} sends its events with POST; GET is only Meta's verification request`, 'method');
		return { kind: 'handshake', challenge: webhook.handshake(request, secrets) };
	}
	const declared = Number(headerValue(request.headers['content-length']));
	if (request.rawBody.length > options.maxBodyBytes || (Number.isFinite(declared) && declared > options.maxBodyBytes)) {
		throw new IntakeError(413, `body: larger than the limit of ${options.maxBodyBytes} bytes (Body Size Limit in the node's options)`, 'body');
	}
	webhook.verify(request, secrets, options.now);
	return { kind: 'events', events: webhook.parse(request) };
}

export function providerLabel(provider: EventProvider): string {
	return { sendgrid: 'SendGrid', twilio: 'Twilio', meta: 'Meta' }[provider];
}

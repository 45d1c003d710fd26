/**
 * Channel events: what the providers tell us after a message was sent (delivered, opened, clicked, bounced,
 * failed) and what customers send back (replies, button presses, opt-outs). Each provider's webhook (SendGrid
 * Event Webhook, Twilio status callback / inbound SMS, Meta's WhatsApp and Messenger webhooks) is verified and
 * parsed by its channel folder into these normalised events; the Channel Events Trigger records each one with one
 * store call (`cart_recovery_record_channel_event`, migration 7) and routes it to an output.
 */
import type { Channel } from '../store/types';

export type EventProvider = 'sendgrid' | 'twilio' | 'meta';

/**
 * A delivery status, in the order a message moves through them (lib/events/status.ts ranks them; the store moves
 * a message forward only). `read` is WhatsApp/Messenger/Twilio's read receipt (counted like a human open);
 * `processed`, `deferred` and `sent` say the provider is still trying; `bounced` and `failed` end the message,
 * `dropped` is SendGrid refusing to send (suppressed address, invalid) and is recorded as failed.
 */
export type DeliveryStatus =
	| 'processed'
	| 'deferred'
	| 'sent'
	| 'delivered'
	| 'opened'
	| 'read'
	| 'clicked'
	| 'bounced'
	| 'dropped'
	| 'failed';

/** What a customer pressed or wrote. */
export type ReplyKind = 'text' | 'button' | 'postback' | 'quick_reply' | 'list';

/**
 * The action a button, postback or quick reply carries, from the payloads our send nodes put on them
 * (`code:<cart id>`, `later:<cart id>`, `stop:<cart id>`, `cart:<cart id>`): `code` asks for the discount code,
 * `later` asks for a later reminder, `stop` opts out, `cart` opens the cart.
 */
export type ReplyAction = 'code' | 'later' | 'stop' | 'cart';

interface EventBase {
	provider: EventProvider;
	channel: Channel;
	/**
	 * The provider's id of this event, unique per provider: the dedup key (a replayed delivery of the same event is
	 * accepted and ignored). SendGrid `sg_event_id`; Twilio `<MessageSid>:<MessageStatus>` (status) or the
	 * inbound `MessageSid`; WhatsApp `<wamid>:<status>` or the inbound message id; Messenger the `mid`, or
	 * `<watermark>:delivery|read:<psid>` for delivery and read receipts.
	 */
	eventId: string;
	/** When the provider says it happened, ISO 8601. */
	at: string;
	/** The customer's address on the channel as the provider gives it (email, E.164 number, WhatsApp wa_id, PSID). */
	address: string | null;
}

/** What happened to a message we sent. */
export interface StatusEvent extends EventBase {
	kind: 'status';
	status: DeliveryStatus;
	/** Our message id (SendGrid custom_args `cr_message_id`), when the provider echoes it. */
	messageId: string | null;
	/**
	 * The provider's id of the message, as the send node stored it: SendGrid's `X-Message-Id` (an event's
	 * `sg_message_id` is it plus ".filter…", so the store matches it as a prefix), Twilio's `MessageSid`,
	 * WhatsApp's `wamid`, Messenger's `mid`.
	 */
	providerId: string | null;
	/** Messenger delivery/read receipts name no message: every message to `address` sent up to this time. */
	watermark?: string | null;
	/** The provider's error code (Twilio `ErrorCode`, WhatsApp `errors[0].code`, SendGrid bounce `status`). */
	errorCode: string | null;
	/** The provider's words about the error or bounce (SendGrid `reason`, WhatsApp `errors[0].title`). */
	errorDetail: string | null;
	/** A bounce or failure that will not change on a retry (SendGrid bounce type `bounce`, Twilio 21211/21614/30005/30006, WhatsApp 131026). */
	permanent: boolean;
	/** An open by a machine (SendGrid `sg_machine_open`, Apple Mail privacy): recorded, left out of open rates. */
	machine: boolean;
	/** A click's URL (SendGrid `url`). */
	url?: string | null;
}

/** A message from the customer: text, a button, a postback, a quick reply or a list choice. */
export interface ReplyEvent extends EventBase {
	kind: 'reply';
	reply: ReplyKind;
	/** The text the customer wrote, or the button's label. */
	text: string | null;
	/** The button, postback, quick reply or list row payload, as given. */
	payload: string | null;
	/** What the payload asks for (see ReplyAction); null for free text and unknown payloads. */
	action: ReplyAction | null;
	/** The cart the payload names. */
	cartId: string | null;
	/** The provider's id of the message the customer answered (WhatsApp `context.id`, Messenger `reply_to.mid`). */
	inReplyTo: string | null;
	/** WhatsApp's business-scoped user id, when Meta sends it. */
	bsuid?: string | null;
	/** The customer's name as the channel shows it (WhatsApp profile name). */
	profileName?: string | null;
}

/**
 * The customer asked to receive no more messages on this channel: SendGrid unsubscribe, group_unsubscribe and
 * spamreport; a Twilio STOP-type keyword or `OptOutType=STOP`; WhatsApp `user_preferences` marketing stop; a
 * Messenger "STOP" / "leiratkozás" text; a `stop:` button. Withdraws consent for `address` on `channel`.
 */
export interface OptOutEvent extends EventBase {
	kind: 'opt_out';
	/** Stored with the withdrawal as its source (proof): 'sendgrid_unsubscribe', 'sendgrid_spamreport', 'twilio_stop', 'whatsapp_marketing_stop', 'messenger_keyword', 'button_stop'. */
	source: string;
	/** What proves it: the keyword matched, the SendGrid event type, the message text. */
	detail: string | null;
	/** The message it answers, where known (SendGrid custom_args). */
	messageId: string | null;
	cartId: string | null;
	bsuid?: string | null;
	/** The customer's own text, for the Opt-out output (a keyword SMS). */
	text?: string | null;
}

/**
 * The customer asked to receive messages again (Twilio START / `OptOutType=START`, WhatsApp marketing resume).
 * Recorded and output, never turned into consent by itself (README, "Channel events": Grt. 6. §).
 */
export interface OptInEvent extends EventBase {
	kind: 'opt_in';
	source: string;
	detail: string | null;
	text?: string | null;
	bsuid?: string | null;
}

export type ChannelEvent = StatusEvent | ReplyEvent | OptOutEvent | OptInEvent;

/** One inbound HTTP request to a channel-events webhook, as the trigger hands it to a provider. */
export interface EventRequest {
	method: 'GET' | 'POST';
	/** Lower-case header names, as Node gives them. */
	headers: Record<string, string | string[] | undefined>;
	/** The exact bytes received; the only thing verified and parsed. */
	rawBody: Buffer;
	/**
	 * The full public URL the provider called, query string included (Twilio signs it): n8n's webhook URL, or the
	 * node's Public URL option when a proxy rewrites it.
	 */
	url: string;
	/** The query string, parsed (Meta's GET handshake). */
	query: Record<string, string | string[] | undefined>;
}

/** The provider secrets the trigger read from the credential (only those its provider uses). */
export interface EventSecrets {
	/** SendGrid: the Event Webhook verification key, as Mail Settings shows it (base64 of the DER public key, or PEM). */
	sendGridVerificationKey?: string;
	/** SendGrid: how old (or how far in the future) a signed event's timestamp may be, in seconds; default 300, capped at 3600. */
	sendGridToleranceSeconds?: number;
	/** Twilio: the account's Auth Token, which signs every webhook. */
	twilioAuthToken?: string;
	/** Meta: the App Secret (X-Hub-Signature-256) and the Verify Token the user typed into the app's webhook settings. */
	metaAppSecret?: string;
	metaVerifyToken?: string;
}

/**
 * A provider's webhook: how to verify a request, answer a handshake and turn verified bytes into events. Verify
 * and parse throw IntakeError (lib/intake/errors.ts): 401 for a sender not verified, 403 for Meta's GET with a
 * wrong verify token, 400 naming the field for a body that is not what the provider sends, 415 for a wrong
 * content type. Nothing is parsed before `verify` passed.
 */
export interface ProviderWebhook {
	provider: EventProvider;
	/** Timing-safe: throws IntakeError 401 unless the request is signed by the provider (and fresh, where the scheme has a time). */
	verify(request: EventRequest, secrets: EventSecrets, now?: number): void;
	/** Meta's GET verification handshake: the text to answer (hub.challenge), or IntakeError 403/400. Others: undefined (GET → 405). */
	handshake?(request: EventRequest, secrets: EventSecrets): string;
	/** The events in the verified body (an empty list for a body with nothing to record). */
	parse(request: EventRequest): ChannelEvent[];
	/** What the provider expects as the answer to an accepted POST (Twilio: empty TwiML; others: 200 with JSON). */
	answer?: { contentType: string; body: string };
}

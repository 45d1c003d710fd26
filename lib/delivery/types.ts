import type { CopySource } from '../ai/types';
import type {
	Cart,
	CartRecoveryStore,
	Channel,
	ClaimCheckedInput,
	ClaimCheckedResult,
	CompleteMessageInput,
	CompleteMessageResult,
	ConsentSubject,
	RecordSkipInput,
	WithdrawConsentInput,
} from '../store';
import type { ProviderError } from './errors';
import type { QuietHours } from './quietHours';

/** The store operations the pipeline uses (CartRecoveryStore implements them). */
export interface DeliveryStore {
	/** Re-check the cart and consent, quiet hours, cap, claim — one atomic call that records its own refusals. */
	claimChecked(input: ClaimCheckedInput): Promise<ClaimCheckedResult>;
	/** The customer's 24-hour service window on a Meta channel (WhatsApp, Messenger). */
	serviceWindow?: CartRecoveryStore['serviceWindow'];
	withdrawConsent(input: WithdrawConsentInput): Promise<unknown>;
	completeMessage(input: CompleteMessageInput): Promise<CompleteMessageResult>;
	/** A skip or deferral the pipeline decided itself (holdout, no address, the channel's condition, a provider outage). */
	recordSkip(input: RecordSkipInput): Promise<unknown>;
}

/** What to send: one message per (cart, stage, channel). */
export interface DeliveryRequest {
	cartId: string;
	stage: number;
	campaign?: string | null;
	/** The cart's variant in the experiment it runs in (the Split Test node's), recorded on the message. */
	variant?: string | null;
	/** The cart is in the holdout of that experiment: it gets no message (Skipped `holdout`). */
	holdout?: { experiment: string; variant: string } | null;
}

export interface FrequencyCap {
	/** At most this many messages on the channel per customer… */
	max: number;
	/** …within this many hours. */
	windowHours: number;
	/** A capped message waits until a slot frees (Deferred) or is dropped for this stage (Skipped). */
	whenCapped: 'defer' | 'skip';
}

export interface RetryPolicy {
	/** Provider calls per message in one run, the first included. */
	maxAttempts: number;
	/** First backoff (doubles each attempt, with jitter) when the provider gives no Retry-After. */
	baseDelayMs: number;
	/** Longest single wait the node sleeps in-process; a longer Retry-After defers the message instead. */
	maxDelayMs: number;
}

export interface DeliveryPolicy {
	quietHours: QuietHours | null;
	frequencyCap: FrequencyCap | null;
	retry: RetryPolicy;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

export type RecipientResult =
	| { ok: true; address: string; subject: ConsentSubject; details?: Record<string, unknown> }
	| { ok: false; reason: 'no_address' | 'invalid_address'; detail: string };

export interface MessageContext {
	cart: Cart;
	request: DeliveryRequest;
	/** The channel address (email, E.164 phone, PSID…). */
	address: string;
	/** Our message id (cart_recovery.messages.message_id): the only id providers get (no personal data). */
	messageId: string;
}

export interface ProviderAcceptance {
	providerId: string | null;
	details?: Record<string, unknown>;
}

/**
 * What a channel plugs into the pipeline: where it sends (recipient), what it sends (render) and how
 * (send). Everything else — cart re-check, consent, quiet hours, cap, claim, retries, recording — is the
 * pipeline's, identical for every channel.
 */
export interface ChannelAdapter<TMessage> {
	channel: Channel;
	/** Provider name for errors and records ("SendGrid", "Twilio"). */
	provider: string;
	recipient(cart: Cart): RecipientResult;
	render(context: MessageContext): Promise<TMessage> | TMessage;
	/** Calls the provider once. Throws ProviderError (any other error counts as outcome unknown). */
	send(message: TMessage, context: MessageContext & { attempt: number }): Promise<ProviderAcceptance>;
	/**
	 * A channel's own condition for this message, checked after consent and before quiet hours and the claim, so a
	 * refusal costs no claim and no provider call: e.g. Meta's 24-hour service window, or a country the provider does
	 * not deliver to. Returns a skip, or nothing to go on.
	 */
	precheck?(context: { cart: Cart; address: string; store: DeliveryStore; now: Date }): Promise<{ skip: SkipReason; detail: string } | void>;
	/** Facts about the rendered message for the output (SMS: encoding, segments). */
	describe?(message: TMessage): Record<string, unknown>;
	/** Whether the message carries the AI Offer Writer's words or the template's; stored with the sent message. */
	copyOf?(message: TMessage): CopySource;
	/** After a permanent failure was recorded: e.g. Twilio 21610 withdraws SMS consent → Skipped "opted_out". */
	onPermanentFailure?(error: ProviderError, context: MessageContext & { store: DeliveryStore }): Promise<{ skipReason?: SkipReason } | void>;
}

export type SkipReason =
	| 'cart_not_found'
	| 'purchased'
	| 'cart_closed'
	| 'no_address'
	| 'invalid_address'
	| 'no_consent'
	| 'withdrawn'
	| 'suppressed'
	| 'already_sent'
	| 'in_progress'
	/** An earlier send stopped between claim and record and was settled as unknown (Settle Stuck Messages). */
	| 'outcome_unknown'
	| 'previously_failed'
	| 'frequency_cap'
	| 'opted_out'
	/** Meta: the customer's 24-hour service window is closed and this kind of message needs it. */
	| 'window_closed'
	/** The provider does not deliver this kind of message to this recipient (e.g. Meta marketing templates to US numbers). */
	| 'not_deliverable'
	/** The cart is in an experiment's holdout group (Split Test): it gets no message, so its purchases show what happens anyway. */
	| 'holdout';

export type DeferReason = 'quiet_hours' | 'frequency_cap' | 'provider_unavailable';

interface Base {
	channel: Channel;
	cart_id: string;
	stage: number;
	to?: string;
}

export type DeliveryResult =
	| (Base & {
			outcome: 'sent';
			message_id: string;
			provider_id: string | null;
			attempts: number;
			sent_at: string;
			[detail: string]: unknown;
	  })
	| (Base & { outcome: 'skipped'; reason: SkipReason; detail: string; message_id?: string; status?: string })
	| (Base & { outcome: 'deferred'; reason: DeferReason; detail: string; sendAt: string; message_id?: string })
	| (Base & {
			outcome: 'failed';
			reason: 'provider_rejected' | 'outcome_unknown';
			detail: string;
			message_id: string;
			attempts: number;
			error: ReturnType<ProviderError['toJSON']>;
	  });

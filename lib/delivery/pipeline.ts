import type { CopySource } from '../ai/types';
import { DeliveryError, ProviderError } from './errors';

import { nextAllowedTime, quietHoursEnd } from './quietHours';
import type {
	ChannelAdapter,
	DeliveryPolicy,
	DeliveryRequest,
	DeliveryResult,
	DeliveryStore,
	MessageContext,
	RetryPolicy,
} from './types';

export interface DeliveryDeps {
	/** The clock. The nodes use the system clock; tests of the pipeline pass their own. */
	now?: () => Date;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoffDelay(attempt: number, retry: RetryPolicy, random: () => number = Math.random): number {
	const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempt - 1));
	return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** A deferred message is retried no sooner than this after a provider outage (a Wait loop, not a busy loop). */
const MIN_PROVIDER_DEFER_MS = 60_000;

/**
 * The delivery pipeline every send node runs, for one message (cart, stage, channel):
 *   re-check the cart → consent gate → quiet hours → frequency cap + claim (one atomic store call)
 *   → render → provider call (bounded retries) → record.
 * Exactly once: the claim is taken before the provider is called, and given back ('released') only when
 * the provider certainly did not accept the message. A crash between claim and record leaves the message
 * claimed ('queued') — it is then never sent again automatically: at most once, never twice.
 */
export async function deliver<TMessage>(
	store: DeliveryStore,
	adapter: ChannelAdapter<TMessage>,
	request: DeliveryRequest,
	policy: DeliveryPolicy,
	deps: DeliveryDeps = {},
): Promise<DeliveryResult> {
	const now = deps.now ?? (() => new Date());
	const sleep = deps.sleep ?? sleepFor;
	const random = deps.random ?? Math.random;
	const { channel } = adapter;
	const base = { channel, cart_id: request.cartId, stage: request.stage };

	// 0. A holdout cart gets nothing, whatever the canvas wires to this node: the experiment is only honest that way.
	if (request.holdout) {
		return { ...base, outcome: 'skipped', reason: 'holdout', detail: `The cart is in the holdout group (${request.holdout.variant}) of the experiment ${request.holdout.experiment}: it gets no message` };
	}

	// 1. Re-check the cart: the customer may have bought (or been erased) while the flow waited.
	const cart = await store.getCart(request.cartId);
	if (!cart) {
		return { ...base, outcome: 'skipped', reason: 'cart_not_found', detail: `Cart "${request.cartId}" is not in the store (erased, purged, or a wrong Cart ID)` };
	}
	if (cart.status === 'converted' || cart.status === 'recovered') {
		return { ...base, outcome: 'skipped', reason: 'purchased', detail: `The cart was bought (${cart.status}${cart.converted_at ? ` at ${cart.converted_at}` : ''})` };
	}
	if (cart.status === 'closed') {
		return { ...base, outcome: 'skipped', reason: 'cart_closed', detail: 'The cart is closed' };
	}

	// 2. Recipient and consent for this channel (prior, express, channel-specific: Grt. §6).
	const recipient = adapter.recipient(cart);
	if (!recipient.ok) return { ...base, outcome: 'skipped', reason: recipient.reason, detail: recipient.detail };
	const to = recipient.address;
	const [consent] = await store.checkConsent(recipient.subject, [channel]);
	if (!consent || !consent.allowed) {
		const reason = consent?.reason ?? 'no_consent';
		return {
			...base,
			to,
			outcome: 'skipped',
			reason: reason === 'granted' ? 'no_consent' : reason,
			detail: `No ${channel} consent for ${to}: ${reason}`,
		};
	}

	// 2b. The channel's own condition (Meta's service window, an undeliverable country): before any claim.
	if (adapter.precheck) {
		const refused = await adapter.precheck({ cart, address: to, store, now: now() });
		if (refused) return { ...base, to, outcome: 'skipped', reason: refused.skip, detail: refused.detail };
	}

	// 3. Quiet hours: defer, never drop. The message is sent (after a fresh cart check) when they end.
	if (policy.quietHours) {
		const end = quietHoursEnd(now(), policy.quietHours);
		if (end) {
			return {
				...base,
				to,
				outcome: 'deferred',
				reason: 'quiet_hours',
				sendAt: end.toISOString(),
				detail: `Quiet hours ${policy.quietHours.start}–${policy.quietHours.end} ${policy.quietHours.timezone}`,
			};
		}
	}

	// 4. Frequency cap and claim, atomically in the store (several workers may run this at once).
	const cap = policy.frequencyCap;
	const claim = await store.claimDelivery({
		cartId: request.cartId,
		stage: request.stage,
		channel,
		campaign: request.campaign ?? null,
		variant: request.variant ?? null,
		capMax: cap?.max ?? null,
		capWindowSeconds: cap ? Math.round(cap.windowHours * 3600) : null,
	});
	if (!claim.claimed) {
		if (claim.reason === 'frequency_cap') {
			const detail = `${claim.recent} ${channel} message(s) to this customer in the last ${cap?.windowHours} h (cap ${cap?.max})`;
			if (cap?.whenCapped === 'skip') return { ...base, to, outcome: 'skipped', reason: 'frequency_cap', detail };
			const sendAt = nextAllowedTime(new Date(claim.next_allowed_at), policy.quietHours);
			return { ...base, to, outcome: 'deferred', reason: 'frequency_cap', sendAt: sendAt.toISOString(), detail };
		}
		const status = claim.status;
		const reason = status === 'queued' ? 'in_progress' : status === 'failed' || status === 'bounced' ? 'previously_failed' : 'already_sent';
		const detail =
			reason === 'in_progress'
				? 'Another run holds this message (sending now, or it stopped mid-send: it is not sent again automatically)'
				: reason === 'previously_failed'
					? 'This message failed permanently before; it is not retried'
					: `Already sent${claim.provider_id ? ` (provider id ${claim.provider_id})` : ''}`;
		return { ...base, to, outcome: 'skipped', reason, detail, message_id: claim.message_id, status };
	}

	const messageId = claim.message_id;
	const claimToken = claim.claim_token;
	const context: MessageContext = { cart, request, address: to, messageId };
	const complete = (status: 'sent' | 'failed' | 'released', providerId: string | null, error: string | null, copySource?: CopySource) =>
		completeWithRetry(store, { messageId, claimToken, status, providerId, error, ...(copySource ? { copySource } : {}) }, sleep);

	// 5. Render. Nothing was sent yet, so a failure gives the claim back.
	let message: TMessage;
	try {
		message = await adapter.render(context);
	} catch (error) {
		await complete('released', null, `render failed: ${(error as Error).message}`);
		throw error;
	}

	// 6. Provider call with bounded retries while we hold the claim.
	for (let attempt = 1; ; attempt++) {
		try {
			const accepted = await adapter.send(message, { ...context, attempt });
			const record = await complete('sent', accepted.providerId, null, adapter.copyOf?.(message));
			return {
				...base,
				to,
				outcome: 'sent',
				message_id: messageId,
				provider_id: accepted.providerId,
				attempts: attempt,
				sent_at: record.sent_at ?? now().toISOString(),
				...adapter.describe?.(message),
				...accepted.details,
			};
		} catch (thrown) {
			if (thrown instanceof DeliveryError) throw thrown;
			const error =
				thrown instanceof ProviderError
					? thrown
					: new ProviderError((thrown as Error)?.message ?? String(thrown), { provider: adapter.provider, kind: 'unknown' });

			if (error.kind === 'retryable') {
				const wait = error.retryAfterMs ?? backoffDelay(attempt, policy.retry, random);
				if (attempt < policy.retry.maxAttempts && wait <= policy.retry.maxDelayMs) {
					await sleep(wait);
					continue;
				}
				// Certainly not accepted: give the claim back so the deferred run (or another worker) can send it.
				await complete('released', null, error.summary());
				const sendAt = nextAllowedTime(new Date(now().getTime() + Math.max(wait, MIN_PROVIDER_DEFER_MS)), policy.quietHours);
				return {
					...base,
					to,
					outcome: 'deferred',
					reason: 'provider_unavailable',
					sendAt: sendAt.toISOString(),
					message_id: messageId,
					detail: `${error.summary()} — gave up after ${attempt} attempt(s); nothing was sent`,
				};
			}

			if (error.kind === 'unknown') {
				await complete('failed', null, `outcome unknown, not retried (it may have been sent): ${error.summary()}`);
				return {
					...base,
					to,
					outcome: 'failed',
					reason: 'outcome_unknown',
					message_id: messageId,
					attempts: attempt,
					error: error.toJSON(),
					detail: `${adapter.provider} may or may not have accepted the message (${error.message}); it is not retried so it cannot arrive twice`,
				};
			}

			await complete('failed', null, error.summary());
			const after = await adapter.onPermanentFailure?.(error, { ...context, store });
			if (after && after.skipReason) {
				return { ...base, to, outcome: 'skipped', reason: after.skipReason, detail: error.summary(), message_id: messageId, status: 'failed' };
			}
			return {
				...base,
				to,
				outcome: 'failed',
				reason: 'provider_rejected',
				message_id: messageId,
				attempts: attempt,
				error: error.toJSON(),
				detail: error.summary(),
			};
		}
	}
}

/** The record call must not be lost after the provider accepted: a few quick retries, then a clear error. */
async function completeWithRetry(
	store: DeliveryStore,
	input: Parameters<DeliveryStore['completeMessage']>[0],
	sleep: (ms: number) => Promise<void>,
) {
	let lastError: unknown;
	for (let i = 0; i < 3; i++) {
		try {
			return await store.completeMessage(input);
		} catch (error) {
			lastError = error;
			await sleep(250 * (i + 1));
		}
	}
	throw new DeliveryError(
		`Could not record message ${input.messageId} as ${input.status}: ${(lastError as Error)?.message}`,
		input.status === 'sent'
			? 'The provider accepted the message; it stays claimed in the store, so it will not be sent again'
			: 'The message stays claimed in the store and will not be sent automatically',
		input.messageId,
	);
}


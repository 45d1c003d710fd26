import type { CopySource } from '../ai/types';
import { DeliveryError, ProviderError } from './errors';

import { nextAllowedTime, quietHoursRelease } from './quietHours';
import type { ClaimCheckedResult } from '../store/types';
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
 *   [re-check the cart → consent gate → quiet hours → frequency cap + claim] (one atomic store call, claimChecked)
 *   → render → provider call (bounded retries) → record (completeMessage).
 * Two store round trips per message. A skip or deferral is recorded for the report: by claimChecked itself when the
 * store refused, otherwise (holdout, no address, the channel's own condition, a provider outage) by one recordSkip.
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
	const result = await deliverOnce(store, adapter, request, policy, deps);
	if ((result.outcome === 'skipped' || result.outcome === 'deferred') && !recordedByStore.has(result)) await recordSkip(store, result);
	return result;
}

/** Results whose skip claimChecked recorded already (so recording them again would count them twice). */
const recordedByStore = new WeakSet<DeliveryResult>();
const storeRecorded = (result: DeliveryResult, recorded: boolean): DeliveryResult => {
	if (recorded) recordedByStore.add(result);
	return result;
};

/**
 * Keeps a skip or deferral for the report's skip reasons. A store hiccup here must not change what the node
 * reports about the message (it was skipped or deferred either way), so it is left out of the item's outcome.
 */
async function recordSkip(store: DeliveryStore, result: Extract<DeliveryResult, { outcome: 'skipped' | 'deferred' }>): Promise<void> {
	if (result.reason === 'cart_not_found') return;
	try {
		await store.recordSkip({ cartId: result.cart_id, stage: result.stage, channel: result.channel, outcome: result.outcome, reason: result.reason, detail: result.detail ?? null });
	} catch {
		// The report then undercounts this one reason; the message itself is unaffected.
	}
}

async function deliverOnce<TMessage>(
	store: DeliveryStore,
	adapter: ChannelAdapter<TMessage>,
	request: DeliveryRequest,
	policy: DeliveryPolicy,
	deps: DeliveryDeps,
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

	// 1–4 in one store call (claimChecked): re-check the cart (the customer may have bought, or been erased, while the
	// flow waited), consent for this channel (prior, express, channel-specific: Grt. §6), quiet hours (decided here,
	// without the store: time zones are the package's; defer, never drop), the frequency cap, and the claim. A refusal
	// comes back already recorded. The consent check and the claim run in one transaction, so a withdrawal that
	// landed before the call is always seen.
	const cap = policy.frequencyCap;
	// Held messages are released over the spread after the quiet hours, each at its own moment (cart, stage, channel).
	const releaseKey = `${request.cartId}:${request.stage}:${channel}`;
	const quietEnd = policy.quietHours ? quietHoursRelease(now(), policy.quietHours, releaseKey) : null;
	const ask = (claim: boolean, address?: string) =>
		store.claimChecked({
			cartId: request.cartId,
			stage: request.stage,
			channel,
			address,
			campaign: request.campaign ?? null,
			variant: request.variant ?? null,
			capMax: cap?.max ?? null,
			capWindowSeconds: cap ? Math.round(cap.windowHours * 3600) : null,
			capWhen: cap?.whenCapped ?? 'defer',
			quietUntil: quietEnd,
			quietDetail: policy.quietHours ? `Quiet hours ${policy.quietHours.start}–${policy.quietHours.end} ${policy.quietHours.timezone}` : null,
			claim,
		});
	const refusal = (answer: Extract<ClaimCheckedResult, { outcome: 'skipped' | 'deferred' }>): DeliveryResult => {
		const to = answer.address ? { to: answer.address } : {};
		if (answer.outcome === 'skipped') {
			const held = answer.message_id ? { message_id: answer.message_id, status: answer.status } : {};
			return storeRecorded({ ...base, ...to, outcome: 'skipped', reason: answer.reason, detail: answer.detail, ...held }, answer.recorded);
		}
		const sendAt = answer.reason === 'quiet_hours' && quietEnd ? quietEnd : nextAllowedTime(new Date(answer.send_after), policy.quietHours, releaseKey);
		return storeRecorded({ ...base, ...to, outcome: 'deferred', reason: answer.reason, detail: answer.detail, sendAt: sendAt.toISOString() }, answer.recorded);
	};

	/**
	 * Asks the store; the address it checked consent for must be the one the channel sends to (adapter.recipient of the
	 * returned cart). A cart whose address only the package can read (a national phone number, read in the node's
	 * default country) is asked again with the address — the one case that costs a third round trip.
	 */
	const checkedClaim = async (claim: boolean, known?: string): Promise<DeliveryResult | Extract<ClaimCheckedResult, { outcome: 'claimed' | 'checked' }>> => {
		let answer = await ask(claim, known);
		for (let round = 0; ; round++) {
			if (answer.outcome === 'skipped' || answer.outcome === 'deferred') return refusal(answer);
			const recipient = adapter.recipient(answer.cart);
			if (answer.outcome !== 'address_needed' && recipient.ok && recipient.address === answer.address) return answer;
			// Nothing may be sent to an address the channel reads differently: give a claim back before anything else.
			if (answer.outcome === 'claimed') {
				await completeWithRetry(store, { messageId: answer.message_id, claimToken: answer.claim_token, status: 'released', providerId: null, error: 'the channel reads the address differently' }, sleep);
			}
			if (!recipient.ok) return { ...base, outcome: 'skipped', reason: recipient.reason, detail: recipient.detail };
			if (round > 0) throw new DeliveryError(`The store checked consent for another address than ${recipient.address}`, 'Nothing was sent', answer.outcome === 'claimed' ? answer.message_id : undefined);
			answer = await ask(claim, recipient.address);
		}
	};

	let claim = await checkedClaim(!adapter.precheck);
	if ('cart_id' in claim) return claim;

	// 2b. The channel's own condition (Meta's service window, an undeliverable country): after the cart and consent
	// checks, before quiet hours and any claim, so a refusal costs no claim. It may read the store (the window), so such
	// a channel asks claimChecked twice: check only, then claim (checking the cart and consent again, atomically).
	if (adapter.precheck) {
		const refused = await adapter.precheck({ cart: claim.cart, address: claim.address, store, now: now() });
		if (refused) return { ...base, to: claim.address, outcome: 'skipped', reason: refused.skip, detail: refused.detail };
		claim = await checkedClaim(true, claim.address);
		if ('cart_id' in claim) return claim;
	}
	if (claim.outcome !== 'claimed') throw new DeliveryError('The store checked the message but did not claim it', 'Nothing was sent');

	const { cart, address: to } = claim;
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
				const sendAt = nextAllowedTime(new Date(now().getTime() + Math.max(wait, MIN_PROVIDER_DEFER_MS)), policy.quietHours, releaseKey);
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


import { StoreError } from './errors';
import { describeMissingMigrations, latestSchemaVersion } from './migrations';
import type { Transport } from './transports/Transport';
import type {
	Cart,
	CustomerHistory,
	SegmentRules,
	AiCopyRecord,
	AssignVariantResult,
	ExperimentResultsInput,
	RecordSkipInput,
	ReportInput,
	VariantSpec,
	CartEvent,
	Channel,
	ClaimCheckedInput,
	ClaimCheckedResult,
	ClaimDeliveryInput,
	ClaimDeliveryResult,
	ClaimMessageInput,
	ClaimMessageResult,
	ClaimReplyResult,
	CompleteMessageInput,
	CompleteMessageResult,
	ConsentDecision,
	ConsentSubject,
	CustomerExport,
	DeactivateDiscountResult,
	DiscountCode,
	DiscountUseInput,
	EraseCustomerResult,
	InboundMessageInput,
	IssueDiscountCodeInput,
	IssueDiscountCodeResult,
	PurgeResult,
	RecordAiCopyInput,
	RecordCartEventResult,
	WithdrawEnrolmentResult,
	RestartFlowResult,
	RecordChannelEventResult,
	RecordConsentInput,
	RecordConsentResult,
	RecordInboundMessageResult,
	RedeemDiscountInput,
	RedeemDiscountResult,
	SchemaVersion,
	ServiceWindow,
	SettleStuckMessagesInput,
	SettleStuckMessagesResult,
	ValidateDiscountResult,
	WithdrawConsentInput,
	WithdrawConsentResult,
	WithdrawCustomerConsentInput,
	WindowChannel,
	RecommendProductsResult,
	WelcomeBackResult,
	WelcomeBackVisitor,
} from './types';
import { normaliseAddress, subjectToSql } from '../consent/address';
import type { ChannelEvent } from '../events/types';
import type { CartSearchResult, CartTimeline, ExperimentResults, Report } from '../analytics/types';

const toIso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);

export interface StoreTransport extends Transport {
	currentVersion(): Promise<number>;
	/** Present on transports that may run DDL (Postgres, Embedded). */
	migrate?(): Promise<number>;
}

export interface RecordCartEventOptions {
	/** A customer who entered recovery this recently does not enter it again with another cart. Default 24 h. */
	cooldownSeconds?: number;
	/** An order within this long after a sent follow-up counts as recovered. Default 5 days. */
	attributionSeconds?: number;
}

/**
 * The typed store API: one method per SQL function in supabase/migrations. Every method is one atomic call,
 * so any number of n8n processes can share a store.
 */
export class CartRecoveryStore {
	private readiness?: Promise<number>;

	constructor(readonly transport: StoreTransport) {}

	/** Brings the schema up to date (Postgres, Embedded) or checks it is (Supabase). Runs once per store. */
	ready(): Promise<number> {
		this.readiness ??= this.prepare().catch((error) => {
			this.readiness = undefined;
			throw error;
		});
		return this.readiness;
	}

	private async prepare(): Promise<number> {
		const latest = latestSchemaVersion();
		const version = this.transport.migrate ? await this.transport.migrate() : await this.transport.currentVersion();
		if (version < latest) {
			throw new StoreError(
				`The Cart Recovery schema is at version ${version}, this package needs version ${latest}. ${describeMissingMigrations(version)}`,
				'SCHEMA_OUTDATED',
			);
		}
		return version;
	}

	private async call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
		await this.ready();
		return this.transport.call<T>(fn, args);
	}

	async schemaVersion(): Promise<SchemaVersion> {
		return this.call<SchemaVersion>('cart_recovery_schema_version', {});
	}

	async recordCartEvent(event: CartEvent, options: RecordCartEventOptions = {}): Promise<RecordCartEventResult> {
		return this.call<RecordCartEventResult>('cart_recovery_record_cart_event', {
			p_event: event,
			p_cooldown_seconds: options.cooldownSeconds,
			p_attribution_seconds: options.attributionSeconds,
		});
	}

	/**
	 * Undoes the enrolment `event` made, when n8n could not start the flow for it (migration 14): the shop's retry
	 * then enrols the cart again. Refused once anything of the sequence happened to the cart.
	 */
	async withdrawEnrolment(event: CartEvent): Promise<WithdrawEnrolmentResult> {
		return this.call<WithdrawEnrolmentResult>('cart_recovery_withdraw_enrolment', { p_event: event });
	}

	/**
	 * getCart, noting which n8n execution runs the cart's flow (migration 15), so that the flow can be started again
	 * if that execution dies with its worker (restartFlow). Same round trip as getCart. The cart comes with `customer`:
	 * the customer's history and segment by segmentRules (migration 16); the cart keeps the first segment it was given.
	 */
	async checkCart(cartId: string, executionId: string | null, segmentRules: SegmentRules | null = null): Promise<Cart | null> {
		const cart = await this.call<Cart | null>('cart_recovery_check_cart', { p_cart_id: cartId, p_execution_id: executionId, p_segment_rules: segmentRules });
		return cart ? normaliseCart(cart) : null;
	}

	/**
	 * Up to `limit` (1–10) products for the cart, best first (migration 17): bought together with its items by other
	 * customers, then the shop's best sellers in the cart's price band; never in the cart or bought by this customer.
	 * `found: false` for a cart the store does not hold.
	 */
	async recommendProducts(cartId: string, limit = 4): Promise<RecommendProductsResult> {
		return this.call<RecommendProductsResult>('cart_recovery_recommend_products', { p_cart_id: cartId, p_limit: limit });
	}

	/**
	 * The shop's chat greeting a visitor it knows (migration 17), in one call: a replayed request (same `requestId`) is
	 * refused; the visitor's cart in recovery — only when every identifier given matches it — is marked returned and
	 * comes back with its live code and `limit` (0–10) recommendations — if a reminder went to it within `withinDays`.
	 * Anything else: `greet: false` and a reason.
	 */
	async welcomeBack(visitor: WelcomeBackVisitor, requestId: string | null, limit = 4, withinDays = 14): Promise<WelcomeBackResult> {
		const answer = await this.call<WelcomeBackResult>('cart_recovery_welcome_back', { p_visitor: visitor, p_request_id: requestId, p_limit: limit, p_within_days: withinDays });
		return answer.greet ? { ...answer, cart: normaliseCart(answer.cart) } : answer;
	}

	/**
	 * The cart whose flow the stopped n8n execution ran, and the stage to go on from — once per execution (migration
	 * 15). Not restarted when no cart's flow ran in it, it was restarted already, or the cart was bought meanwhile.
	 */
	async restartFlow(executionId: string): Promise<RestartFlowResult> {
		const answer = await this.call<RestartFlowResult>('cart_recovery_restart_flow', { p_execution_id: executionId });
		return answer.cart ? { ...answer, cart: normaliseCart(answer.cart) } : answer;
	}

	async getCart(cartId: string): Promise<Cart | null> {
		const cart = await this.call<Cart | null>('cart_recovery_get_cart', { p_cart_id: cartId });
		return cart ? normaliseCart(cart) : null;
	}

	async claimMessage(input: ClaimMessageInput): Promise<ClaimMessageResult> {
		return this.call<ClaimMessageResult>('cart_recovery_claim_message', {
			p_cart_id: input.cartId,
			p_stage: input.stage,
			p_channel: input.channel,
			p_campaign: input.campaign ?? null,
			p_variant: input.variant ?? null,
		});
	}

	async completeMessage(input: CompleteMessageInput): Promise<CompleteMessageResult> {
		return this.call<CompleteMessageResult>('cart_recovery_complete_message', {
			p_message_id: input.messageId,
			p_claim_token: input.claimToken,
			p_status: input.status,
			p_provider_id: input.providerId ?? null,
			p_error: input.error ?? null,
			p_copy_source: input.copySource ?? null,
		});
	}

	/**
	 * Claims (cart, stage, channel) like claimMessage, after the per-customer frequency cap for the channel —
	 * both in one atomic call (migration 3), so concurrent workers cannot both pass the cap.
	 */
	async claimDelivery(input: ClaimDeliveryInput): Promise<ClaimDeliveryResult> {
		return this.call<ClaimDeliveryResult>('cart_recovery_claim_delivery', {
			p_cart_id: input.cartId,
			p_stage: input.stage,
			p_channel: input.channel,
			p_campaign: input.campaign ?? null,
			p_variant: input.variant ?? null,
			p_cap_max: input.capMax ?? null,
			p_cap_window_seconds: input.capWindowSeconds ?? null,
		});
	}

	/**
	 * A send's first round trip (migration 13): re-checks the cart and consent, defers in quiet hours, applies the
	 * frequency cap and claims — one atomic call, which records a refusal as a skip itself. The second is
	 * completeMessage.
	 */
	async claimChecked(input: ClaimCheckedInput): Promise<ClaimCheckedResult> {
		const result = await this.call<ClaimCheckedResult>('cart_recovery_claim_checked', {
			p_cart_id: input.cartId,
			p_stage: input.stage,
			p_channel: input.channel,
			p_address: input.address ? normaliseAddress(input.channel, input.address) : null,
			p_campaign: input.campaign ?? null,
			p_variant: input.variant ?? null,
			p_cap_max: input.capMax ?? null,
			p_cap_window_seconds: input.capWindowSeconds ?? null,
			p_cap_when: input.capWhen ?? 'defer',
			p_quiet_until: input.quietUntil ? toIso(input.quietUntil) : null,
			p_quiet_detail: input.quietDetail ?? null,
			p_claim: input.claim ?? true,
		});
		return 'cart' in result ? { ...result, cart: normaliseCart(result.cart) } : result;
	}

	/**
	 * Settles messages stuck in 'queued' (their sender stopped between claim and record; migration 12): sent when a
	 * provider event proves it, else 'unknown' for a person to decide. Never sends and never frees a claim.
	 */
	async settleStuckMessages(input: SettleStuckMessagesInput): Promise<SettleStuckMessagesResult> {
		return this.call<SettleStuckMessagesResult>('cart_recovery_settle_stuck_messages', {
			p_older_than_seconds: input.olderThanSeconds,
			p_max: input.max ?? 100,
			p_dry_run: input.dryRun ?? false,
		});
	}

	// ── Consent, GDPR and discount codes (migration 2) ──────────────────────────────────────────────────

	/** The per-store unsubscribe secret (generated by migration 2). Use lib/consent/unsubscribe `unsubscribeSecret`, which caches it. */
	async consentSecret(): Promise<{ unsubscribe_secret: string }> {
		return this.call<{ unsubscribe_secret: string }>('cart_recovery_consent_secret', {});
	}

	/** One decision per channel asked, in that order: allowed only with a granted, unwithdrawn consent for the address. */
	async checkConsent(subject: ConsentSubject, channels: Channel[]): Promise<ConsentDecision[]> {
		return this.call<ConsentDecision[]>('cart_recovery_check_consent', {
			p_subject: subjectToSql(subject),
			p_channels: channels,
		});
	}

	/**
	 * Records a prior, express consent with its proof; appends a consent event. Refused, recording nothing, for an
	 * erased customer ('suppressed') and for a grant dated at or before the address's last withdrawal ('withdrawn_later').
	 */
	async recordConsent(input: RecordConsentInput): Promise<RecordConsentResult> {
		return this.call<RecordConsentResult>('cart_recovery_record_consent', {
			p_channel: input.channel,
			p_address: normaliseAddress(input.channel, input.address),
			p_source: input.source,
			p_customer_id: input.customerId ?? null,
			p_wording: input.wording ?? null,
			p_wording_version: input.wordingVersion ?? null,
			p_ip: input.ip ?? null,
			p_occurred_at: input.occurredAt ?? null,
			p_lift_suppression: input.liftSuppression ?? false,
		});
	}

	/** Withdraws consent for one address on one channel. Idempotent; works for addresses never registered too. */
	async withdrawConsent(input: WithdrawConsentInput): Promise<WithdrawConsentResult> {
		return this.call<WithdrawConsentResult>('cart_recovery_withdraw_consent', {
			p_source: input.source,
			p_channel: input.channel,
			p_address: normaliseAddress(input.channel, input.address),
			p_detail: input.detail ?? null,
		});
	}

	/** Withdraws every consent a customer id has on the given channels (default: all). */
	async withdrawCustomerConsent(input: WithdrawCustomerConsentInput): Promise<WithdrawConsentResult> {
		const channels = input.channels?.length ? input.channels : [null];
		const merged: WithdrawConsentResult = { withdrawn: false, changed: false, consents: [] };
		for (const channel of channels) {
			const result = await this.call<WithdrawConsentResult>('cart_recovery_withdraw_consent', {
				p_source: input.source,
				p_channel: channel,
				p_customer_id: input.customerId,
				p_detail: input.detail ?? null,
			});
			merged.withdrawn ||= result.withdrawn;
			merged.changed ||= result.changed;
			merged.consents.push(...result.consents);
		}
		return merged;
	}

	/** Everything held about a person, from every table of the schema (GDPR Art. 15/20). */
	async exportCustomer(subject: ConsentSubject): Promise<CustomerExport> {
		return this.call<CustomerExport>('cart_recovery_export_customer', { p_subject: gdprSubject(subject) });
	}

	/** Deletes every row about a person from every table of the schema and keeps salted hashes only (Art. 17). */
	async eraseCustomer(subject: ConsentSubject, reason = 'erasure'): Promise<EraseCustomerResult> {
		return this.call<EraseCustomerResult>('cart_recovery_erase_customer', { p_subject: gdprSubject(subject), p_reason: reason });
	}

	/**
	 * Deletes carts (with their messages), discount codes and inbound delivery ids older than the retention period,
	 * and the customers' inbound WhatsApp / Messenger messages older than that or 7 days, whichever is sooner.
	 */
	async purge(retentionDays = 60): Promise<PurgeResult> {
		return this.call<PurgeResult>('cart_recovery_purge', { p_retention_days: retentionDays });
	}

	// ── The customer service window (migration 6) ───────────────────────────────────────────────────────

	/**
	 * Records one message the customer sent on WhatsApp or Messenger (fed by Meta's webhooks): it opens the 24-hour
	 * customer service window. Idempotent on the provider's message id. Nothing is stored for an erased customer.
	 */
	async recordInboundMessage(input: InboundMessageInput): Promise<RecordInboundMessageResult> {
		return this.call<RecordInboundMessageResult>('cart_recovery_record_inbound_message', {
			p_channel: input.channel,
			p_message_id: input.messageId,
			p_address: input.address ?? null,
			p_bsuid: input.bsuid ?? null,
			p_received_at: input.receivedAt instanceof Date ? input.receivedAt.toISOString() : (input.receivedAt ?? null),
		});
	}

	/**
	 * Whether the customer's 24-hour service window on the channel is open now, and until when (their last message +
	 * 24 h). WhatsApp: `address` is the number (or a BSUID), `bsuid` the business-scoped user id — a message from
	 * either counts. Messenger: `address` is the PSID.
	 */
	async serviceWindow(channel: WindowChannel, address: string | null | undefined, options: { bsuid?: string | null } = {}): Promise<ServiceWindow> {
		return this.call<ServiceWindow>('cart_recovery_service_window', {
			p_channel: channel,
			p_address: address ?? null,
			p_bsuid: options.bsuid ?? null,
		});
	}

	// ── Channel events (migration 7) ────────────────────────────────────────────────────────────────────

	/**
	 * Records one provider event (a delivery status, a reply, an opt-out or opt-in) and applies it in one atomic
	 * call: the message's status moves forward only, a reply opens the service window and may mark the cart
	 * returned, an opt-out withdraws consent. A replayed event (same provider and event id) changes nothing.
	 */
	async recordChannelEvent(event: ChannelEvent): Promise<RecordChannelEventResult> {
		const result = await this.call<RecordChannelEventResult>('cart_recovery_record_channel_event', { p_event: channelEventToSql(event) });
		return result.code ? { ...result, code: { ...result.code, amount: Number(result.code.amount) } } : result;
	}

	/**
	 * Claims the answer to a customer's message recorded by recordChannelEvent (Reply to Customer): only the first call
	 * per event gets `claimed`; `release` gives the claim back after a send that failed.
	 */
	async claimReply(input: { provider: string; eventId: string; release?: boolean }): Promise<ClaimReplyResult> {
		return this.call<ClaimReplyResult>('cart_recovery_claim_reply', { p_provider: input.provider, p_event_id: input.eventId, p_release: input.release ?? false });
	}

	// ── The AI Offer Writer's copy (migration 8) ───────────────────────────────────────────────────────────

	/** The copy stored for (cart, stage), or `{ found: false }`. */
	async getAiCopy(cartId: string, stage: number): Promise<AiCopyRecord> {
		return this.call<AiCopyRecord>('cart_recovery_get_ai_copy', { p_cart_id: cartId, p_stage: stage });
	}

	/** Stores the copy for (cart, stage) unless one is stored already; returns the stored one (`created`: this call stored it). */
	async recordAiCopy(input: RecordAiCopyInput): Promise<AiCopyRecord & { created: boolean }> {
		return this.call<AiCopyRecord & { created: boolean }>('cart_recovery_record_ai_copy', {
			p_cart_id: input.cartId,
			p_stage: input.stage,
			p_language: input.language,
			p_channels: input.channels,
			p_copy: input.copy,
			p_model: input.model,
			p_prompt_tokens: input.promptTokens ?? null,
			p_completion_tokens: input.completionTokens ?? null,
			p_attempts: input.attempts ?? 1,
		});
	}

	// ── Analytics (migration 10) ──────────────────────────────────────────────────────────────────────────

	/** The cart's variant in an experiment: assigned once by a stable hash and the weights, then always the same. */
	async assignVariant(input: { cartId: string; experiment: string; variants: VariantSpec[] }): Promise<AssignVariantResult> {
		return this.call<AssignVariantResult>('cart_recovery_assign_variant', { p_cart_id: input.cartId, p_experiment: input.experiment, p_variants: input.variants });
	}

	/** Records why a message was not sent, or sent later (`recorded` false: the store has no such cart). */
	async recordSkip(input: RecordSkipInput): Promise<{ recorded: boolean }> {
		return this.call<{ recorded: boolean }>('cart_recovery_record_skip', {
			p_cart_id: input.cartId,
			p_stage: input.stage ?? 0,
			p_channel: input.channel ?? '',
			p_outcome: input.outcome,
			p_reason: input.reason,
			p_detail: input.detail ?? null,
		});
	}

	/** The report for carts that entered the sequence in the range (lib/analytics/types.ts). */
	async report(input: ReportInput): Promise<Report> {
		return this.call<Report>('cart_recovery_report', {
			p_from: toIso(input.from),
			p_to: toIso(input.to),
			p_campaign: input.campaign ?? null,
			p_currency: input.currency ?? 'HUF',
			p_attribution_days: input.attributionDays ?? 5,
			p_inactivity_minutes: input.inactivityMinutes ?? 30,
			p_timezone: input.timezone ?? 'Europe/Budapest',
		});
	}

	/** An experiment's variants, their conversion and the lift against the holdout. */
	async experimentResults(input: ExperimentResultsInput): Promise<ExperimentResults> {
		return this.call<ExperimentResults>('cart_recovery_experiment_results', {
			p_experiment: input.experiment,
			p_from: toIso(input.from),
			p_to: toIso(input.to),
			p_currency: input.currency ?? 'HUF',
			p_conversion_days: input.conversionDays ?? 7,
		});
	}

	/** Carts matching a cart id, customer id, email, phone or first name, newest first. */
	async searchCarts(query: string, limit = 20): Promise<CartSearchResult> {
		return this.call<CartSearchResult>('cart_recovery_search_carts', { p_query: query, p_limit: limit });
	}

	/** Everything that happened to one cart, oldest first (`found` false: no such cart). */
	async cartTimeline(cartId: string): Promise<{ found: false; cart: null; entries: [] } | ({ found: true } & CartTimeline)> {
		return this.call('cart_recovery_cart_timeline', { p_cart_id: cartId });
	}

	async issueDiscountCode(input: IssueDiscountCodeInput): Promise<IssueDiscountCodeResult> {
		const result = await this.call<IssueDiscountCodeResult>('cart_recovery_issue_discount_code', {
			p_code: input.code,
			p_kind: input.kind,
			p_amount: input.amount,
			p_valid_until: input.validUntil instanceof Date ? input.validUntil.toISOString() : input.validUntil,
			p_cart_id: input.cartId ?? null,
			p_stage: input.stage ?? null,
			p_customer_ref: input.customerRef ?? null,
			p_currency: input.currency ?? null,
			p_minimum_order: input.minimumOrder ?? null,
			p_usage_limit: input.usageLimit ?? 1,
			p_customer_email: input.customerEmail ?? null,
			p_rule: input.rule ?? null,
			p_worth: input.worth ?? null,
			p_worth_currency: input.worthCurrency ?? null,
			p_budget: input.budget ?? null,
			p_budget_days: input.budgetDays ?? 30,
		});
		return { ...result, code: normaliseDiscount(result.code), ...(result.over_budget ? { budget_left: Number(result.budget_left) } : {}) };
	}

	async getDiscountCode(code: string): Promise<DiscountCode | null> {
		return normaliseDiscount(await this.call<DiscountCode | null>('cart_recovery_get_discount_code', { p_code: code }));
	}

	async validateDiscountCode(input: DiscountUseInput): Promise<ValidateDiscountResult> {
		const result = await this.call<ValidateDiscountResult>('cart_recovery_validate_discount_code', {
			p_code: input.code,
			p_customer_id: input.customerId ?? null,
			p_email: input.email ?? null,
			p_order_total: input.orderTotal ?? null,
			p_currency: input.currency ?? null,
		});
		return { ...result, code: normaliseDiscount(result.code) };
	}

	/** Atomic: of concurrent redemptions of a single-use code exactly one wins. Idempotent per (code, order id). */
	async redeemDiscountCode(input: RedeemDiscountInput): Promise<RedeemDiscountResult> {
		const result = await this.call<RedeemDiscountResult>('cart_recovery_redeem_discount_code', {
			p_code: input.code,
			p_order_id: input.orderId,
			p_customer_id: input.customerId ?? null,
			p_email: input.email ?? null,
			p_order_total: input.orderTotal ?? null,
			p_currency: input.currency ?? null,
		});
		return { ...result, code: normaliseDiscount(result.code) };
	}

	/** rejected = true: the shop refused the code; the next create for its cart + stage issues a fresh one. */
	async deactivateDiscountCode(code: string, reason?: string | null, rejected = false): Promise<DeactivateDiscountResult> {
		const result = await this.call<DeactivateDiscountResult>('cart_recovery_deactivate_discount_code', {
			p_code: code,
			p_reason: reason ?? null,
			p_rejected: rejected,
		});
		return { ...result, code: normaliseDiscount(result.code) };
	}

	async markDiscountSynced(code: string, platform: string, shopRef?: string | null): Promise<DiscountCode> {
		const result = await this.call<{ code: DiscountCode }>('cart_recovery_mark_discount_synced', {
			p_code: code,
			p_platform: platform,
			p_shop_ref: shopRef ?? null,
		});
		return normaliseDiscount(result.code) as DiscountCode;
	}

	async close(): Promise<void> {
		await this.transport.close();
	}
}

/**
 * The event as record_channel_event takes it: the snake_case of every field. The customer's text and profile name
 * stay out of the call (the store never keeps them); a status event's URL too.
 */
function channelEventToSql(event: ChannelEvent): Record<string, unknown> {
	const base = { provider: event.provider, channel: event.channel, event_id: event.eventId, kind: event.kind, at: event.at, address: event.address };
	switch (event.kind) {
		case 'status':
			return {
				...base,
				status: event.status,
				message_id: event.messageId,
				provider_id: event.providerId,
				watermark: event.watermark ?? null,
				error_code: event.errorCode,
				error_detail: event.errorDetail,
				permanent: event.permanent,
				machine: event.machine,
			};
		case 'reply':
			return {
				...base,
				reply: event.reply,
				payload: event.payload,
				action: event.action,
				cart_id: event.cartId,
				in_reply_to: event.inReplyTo,
				bsuid: event.bsuid ?? null,
			};
		case 'opt_out':
			return { ...base, source: event.source, detail: event.detail, message_id: event.messageId, cart_id: event.cartId, bsuid: event.bsuid ?? null };
		case 'opt_in':
			return { ...base, source: event.source, detail: event.detail, bsuid: event.bsuid ?? null };
		default:
			// A kind the types do not know (untyped input): the store names it in its refusal.
			return base;
	}
}

/** The subject as export and erasure take it: the consent subject plus WhatsApp's business-scoped user id. */
function gdprSubject(subject: ConsentSubject): Record<string, string | null> {
	return { ...subjectToSql(subject), whatsapp_bsuid: subject.whatsappBsuid?.toString().trim() || null };
}

/** numeric columns arrive as JSON numbers from jsonb; keep them numbers whatever the transport. */
function normaliseCart(cart: Cart): Cart {
	return {
		...cart,
		value: Number(cart.value),
		order_value: cart.order_value === null ? null : Number(cart.order_value),
		recovered_value: cart.recovered_value === null ? null : Number(cart.recovered_value),
		...(cart.customer ? { customer: normaliseCustomer(cart.customer) } : {}),
	};
}

function normaliseCustomer(customer: CustomerHistory): CustomerHistory {
	const number = (value: number | null) => (value === null ? null : Number(value));
	return {
		...customer,
		revenue: Object.fromEntries(Object.entries(customer.revenue ?? {}).map(([currency, total]) => [currency, Number(total)])),
		comeback_rate: number(customer.comeback_rate),
		average_comeback_minutes: number(customer.average_comeback_minutes),
	};
}

/** numeric columns arrive as JSON numbers or strings depending on the transport; keep them numbers. */
function normaliseDiscount(code: DiscountCode | null): DiscountCode | null {
	if (!code) return null;
	return {
		...code,
		amount: Number(code.amount),
		minimum_order: code.minimum_order === null ? null : Number(code.minimum_order),
		...(code.worth === undefined ? {} : { worth: code.worth === null ? null : Number(code.worth) }),
	};
}

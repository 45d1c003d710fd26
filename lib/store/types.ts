export type Channel = 'email' | 'sms' | 'messenger' | 'whatsapp';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'messenger', 'whatsapp'];

export type CartStatus = 'active' | 'recovering' | 'converted' | 'recovered' | 'closed';

export type MessageStatus =
	| 'queued'
	| 'released'
	| 'sent'
	| 'delivered'
	| 'opened'
	/** A read receipt (WhatsApp, Messenger, Twilio; migration 7): ranked like a human open. */
	| 'read'
	| 'clicked'
	| 'failed'
	| 'bounced'
	/**
	 * Its sender stopped between claim and record and no provider event proves it went out (migration 12): it may or
	 * may not have reached the customer. Never sent again automatically; not counted as sent; a person decides.
	 */
	| 'unknown';

export interface CartItem {
	sku?: string;
	/** The shop's product id (the same for every size or colour): the catalogue's key (migration 17). */
	product_id?: string;
	/** The shop's category, where the platform sends one. */
	category?: string;
	name: string;
	quantity: number;
	price: number;
	image_url?: string;
	url?: string;
	[key: string]: unknown;
}

/** One webshop event, normalised from any source (generic JSON, Shopify, WooCommerce, Supabase). */
export interface CartEvent {
	source: string;
	event_id: string;
	type: 'cart' | 'order';
	cart_id: string;
	occurred_at?: string;
	customer_id?: string | null;
	email?: string | null;
	phone?: string | null;
	/** Messenger: the page-scoped id (PSID) Messenger gives the customer on the shop's Facebook page. */
	messenger_psid?: string | null;
	/** WhatsApp: the customer's WhatsApp number in E.164, when it differs from (or stands without) `phone`. */
	whatsapp_phone?: string | null;
	/** WhatsApp: Meta's business-scoped user id (e.g. US.13491208655302741918), which can stand in for the number. */
	whatsapp_bsuid?: string | null;
	first_name?: string | null;
	last_name?: string | null;
	locale?: string | null;
	currency?: string;
	value?: number;
	items?: CartItem[];
	restore_url?: string | null;
	order_id?: string | null;
	order_value?: number | null;
	/**
	 * Further ids of the same delivery besides event_id (for Shopify: its webhook id and the signed body's hash,
	 * since X-Shopify-Event-Id is not signed). The delivery is a duplicate when any of its ids was seen before.
	 */
	dedup_keys?: string[];
}

export type CartEventOutcome =
	| 'duplicate'
	| 'enrolled'
	| 'updated'
	| 'cooldown'
	| 'ignored'
	/**
	 * Stored, but nobody to contact yet (no email, phone, WhatsApp number or user id, or Messenger PSID): enrolls
	 * with the first event that names one.
	 */
	| 'no_contact'
	/** The customer was erased (GDPR): stored without personal data, never enrolled. */
	| 'suppressed'
	| 'converted'
	| 'recovered';

export interface RecordCartEventResult {
	duplicate: boolean;
	enrolled: boolean;
	outcome: CartEventOutcome;
	cart_status: CartStatus | null;
	recovered_value?: number | null;
}

/** withdraw_enrolment's answer: whether the enrolment an event made was undone, and why not when it was not. */
export interface WithdrawEnrolmentResult {
	withdrawn: boolean;
	reason: 'withdrawn' | 'unknown_event' | 'not_enrolled_by_event' | 'sequence_started';
	cart_status: CartStatus | null;
}

/** restart_flow's answer: the cart a stopped n8n execution ran the flow of, and the stage to go on from. */
export interface RestartFlowResult {
	restarted: boolean;
	reason: 'restarted' | 'unknown_execution' | 'already_restarted' | 'bought' | 'not_in_recovery';
	cart_id: string | null;
	cart_status?: CartStatus;
	/** The first stage after the last one that reached the customer (1 when none did). */
	resume_stage?: number;
	/** How often this cart's flow has been started again, this time included. */
	restarts?: number;
	cart?: Cart;
}

export interface CartMessageSummary {
	message_id: string;
	stage: number;
	channel: Channel;
	status: MessageStatus;
	provider_id: string | null;
	sent_at: string | null;
	error: string | null;
}

/**
 * A product Cart Check (Recommend Products) and the Welcome Back Trigger suggest for a cart, from the store's
 * catalogue (migration 17): bought together with the cart's items by other customers, else one of the shop's best
 * sellers in the cart's price band. Never in the cart, never bought by this customer before. `price_text` is the
 * price in the cart's currency and language ("12 990 Ft"), added in TypeScript; every other field comes from the
 * store as the shop last sent it (titles and URLs are the shop's text: escape them wherever they are printed).
 */
export interface RecommendedProduct {
	/** The catalogue's key: the shop's product id, else its SKU, else the title in lower case. */
	product_id: string;
	title: string;
	price: number;
	currency: string;
	price_text: string;
	image_url: string | null;
	url: string | null;
	category: string | null;
	/** bought_together: other customers bought it with an item of this cart; best_seller: the price band's fallback. */
	reason: 'bought_together' | 'best_seller';
}

/** A product as the store's catalogue holds it (RecommendedProduct without the price text). */
export type CatalogueProduct = Omit<RecommendedProduct, 'price_text'>;

export interface RecommendProductsResult {
	found: boolean;
	products: CatalogueProduct[];
}

/** Who the shop's chat says the visitor is: at least one of these, exactly as the shop knows them. */
export interface WelcomeBackVisitor {
	cart_id?: string;
	customer_id?: string;
	email?: string;
}

export type WelcomeBackResult =
	| {
			greet: true;
			/** This greeting marked the cart returned (false: it had come back before). */
			returned_now: boolean;
			cart: Cart;
			/** The cart's live code (active, in its validity window, not used up), or null. */
			discount: { code: string; kind: 'percent' | 'fixed'; amount: number; currency: string | null; valid_until: string; stage: number | null } | null;
			recommendations: CatalogueProduct[];
	  }
	| { greet: false; reason: 'replay' | 'unknown' | 'purchased' | 'not_in_recovery' | 'no_reminder' };

export interface Cart {
	cart_id: string;
	source: string;
	customer_id: string | null;
	email: string | null;
	phone: string | null;
	// The channel contacts (migration 6): always present on a cart read from the store; optional so a cart built
	// by hand (a preview) need not name them.
	messenger_psid?: string | null;
	whatsapp_phone?: string | null;
	whatsapp_bsuid?: string | null;
	first_name: string | null;
	last_name: string | null;
	locale: string | null;
	currency: string;
	value: number;
	items: CartItem[];
	restore_url: string | null;
	status: CartStatus;
	created_at: string;
	last_activity_at: string;
	recovery_started_at: string | null;
	returned_at: string | null;
	converted_at: string | null;
	order_id: string | null;
	order_value: number | null;
	recovered_value: number | null;
	updated_at: string;
	messages: CartMessageSummary[];
	/** The customer's segment when the cart's flow first checked it (migration 16): the report's split. */
	segment?: CustomerSegment | null;
	/** Read by Cart Check (checkCart) only: what the store knows of the customer. */
	customer?: CustomerHistory;
}

/** Migration 16's segments, first match wins: see cart_recovery.customer_segment. */
export type CustomerSegment = 'new' | 'returning' | 'loyal' | 'lapsed' | 'discount-seeker';
export const CUSTOMER_SEGMENTS: readonly CustomerSegment[] = ['new', 'returning', 'loyal', 'lapsed', 'discount-seeker'];

/** Thresholds of the segments; a missing one takes the store's default (in brackets). */
export interface SegmentRules {
	/** Orders from which a customer is loyal [3]. */
	loyal_orders?: number;
	/** Days without an order after which a customer who ordered is lapsed [90]. */
	lapsed_days?: number;
	/** Codes redeemed from which a customer may be a discount-seeker [2] … */
	seeker_codes?: number;
	/** … when they redeemed one for at least this share of the carts they were offered one for [0.8]. */
	seeker_share?: number;
}

/** What the store knows of a customer (migration 16), kept by the events it records. */
export interface CustomerHistory {
	segment: CustomerSegment;
	orders: number;
	/** Order totals to date by currency, e.g. { HUF: 48970 }. */
	revenue: Record<string, number>;
	first_order_at: string | null;
	last_order_at: string | null;
	/** Carts that entered recovery (this one included). */
	carts_abandoned: number;
	/** Of those, bought after a reminder. */
	carts_recovered: number;
	/** Carts the customer came back to after a reminder (back in the cart, or bought). */
	comebacks: number;
	/** comebacks / carts_abandoned; null before any cart entered recovery. */
	comeback_rate: number | null;
	/** From the first reminder to the comeback, on average; null before any comeback. */
	average_comeback_minutes: number | null;
	/** Carts a code was offered for. */
	carts_with_code: number;
	codes_used: number;
}

export interface ClaimMessageInput {
	cartId: string;
	stage: number;
	channel: Channel;
	campaign?: string | null;
	variant?: string | null;
}

export type ClaimMessageResult =
	| { claimed: true; message_id: string; claim_token: string; status: 'queued'; attempts: number }
	| {
			claimed: false;
			message_id: string;
			status: MessageStatus;
			attempts: number;
			provider_id: string | null;
	  };

export interface CompleteMessageInput {
	messageId: string;
	claimToken: string;
	/** sent: the provider accepted it; failed: permanent error; released: certainly not accepted, may be claimed again. */
	status: 'sent' | 'failed' | 'released';
	providerId?: string | null;
	error?: string | null;
	/** With sent: whose words went out, the AI Offer Writer's (`ai`) or the templates' (migration 9). */
	copySource?: 'ai' | 'template' | null;
}

export interface CompleteMessageResult {
	completed: boolean;
	message_id: string;
	status: MessageStatus;
	provider_id: string | null;
	sent_at?: string | null;
	copy_source?: 'ai' | 'template' | null;
}

export interface SchemaVersion {
	version: number;
	migrations: Array<{ version: number; name: string }>;
}

// ── Delivery (migration 3) ────────────────────────────────────────────────────────────────────────────
export interface ClaimDeliveryInput extends ClaimMessageInput {
	/** At most this many messages on the channel per customer within capWindowSeconds; null/0 = no cap. */
	capMax?: number | null;
	capWindowSeconds?: number | null;
}

export type ClaimDeliveryResult =
	| { claimed: true; reason: 'claimed'; message_id: string; claim_token: string; status: 'queued'; attempts: number }
	| {
			claimed: false;
			reason: 'already_claimed';
			message_id: string;
			status: MessageStatus;
			attempts: number;
			provider_id: string | null;
	  }
	| { claimed: false; reason: 'frequency_cap'; recent: number; next_allowed_at: string };

// ── A send in two round trips (migration 13) ──────────────────────────────────────────────────────────
export interface ClaimCheckedInput extends ClaimDeliveryInput {
	/** The channel address; omitted: read from the cart when it is canonical, else `address_needed` comes back. */
	address?: string | null;
	/** A capped message is recorded (and returned) skipped or deferred. Default defer. */
	capWhen?: 'skip' | 'defer';
	/** Quiet hours are on until then: a message that passes the cart and consent checks is deferred, not claimed. */
	quietUntil?: Date | string | null;
	/** The words of that deferral (e.g. "Quiet hours 20:00–08:00 Europe/Budapest"). */
	quietDetail?: string | null;
	/** False: check the cart and consent only, claim nothing (`checked`). Default true. */
	claim?: boolean;
}

/** Why claimChecked did not claim. Every one but cart_not_found is recorded in cart_recovery.skips by the same call. */
export type ClaimCheckedSkipReason =
	| 'cart_not_found'
	| 'purchased'
	| 'cart_closed'
	| 'no_consent'
	| 'withdrawn'
	| 'suppressed'
	| 'already_sent'
	| 'in_progress'
	| 'outcome_unknown'
	| 'previously_failed'
	| 'frequency_cap';

export type ClaimCheckedResult =
	| { outcome: 'claimed'; address: string; cart: Cart; message_id: string; claim_token: string; status: 'queued'; attempts: number }
	| { outcome: 'checked'; address: string; cart: Cart }
	| { outcome: 'address_needed'; cart: Cart }
	| {
			outcome: 'skipped';
			reason: ClaimCheckedSkipReason;
			detail: string;
			recorded: boolean;
			address?: string;
			message_id?: string;
			status?: MessageStatus;
			provider_id?: string | null;
			recent?: number;
			send_after?: string;
	  }
	| { outcome: 'deferred'; reason: 'quiet_hours' | 'frequency_cap'; detail: string; recorded: boolean; address: string; send_after: string; recent?: number };

// ── Consent, GDPR and discount codes (migration 2) ───────────────────────────────────────────────────
/**
 * Who a consent question is about. Consent is per channel and address: email → lower-cased email;
 * sms → E.164 phone; whatsapp → whatsappPhone ?? phone; messenger → PSID. A customer id alone finds the
 * address of the customer's latest consent on the channel.
 */
export interface ConsentSubject {
	customerId?: string | null;
	email?: string | null;
	phone?: string | null;
	messengerPsid?: string | null;
	whatsappPhone?: string | null;
	/** WhatsApp's business-scoped user id: found and erased with the rest (consent for WhatsApp stays keyed on the number). */
	whatsappBsuid?: string | null;
}

/** granted: may send; no_consent: never opted in; withdrawn: opted out; suppressed: erased customer; no_address: nothing to send to. */
export type ConsentReason = 'granted' | 'no_consent' | 'withdrawn' | 'suppressed' | 'no_address';

export interface ConsentDecision {
	channel: Channel;
	allowed: boolean;
	reason: ConsentReason;
	address: string | null;
	granted_at: string | null;
	source: string | null;
}

export interface RecordConsentInput {
	channel: Channel;
	address: string;
	/** Where it was given, e.g. 'checkout_checkbox', 'newsletter_form', 'import'. */
	source: string;
	customerId?: string | null;
	/** The consent text shown (or at least its version). */
	wording?: string | null;
	wordingVersion?: string | null;
	ip?: string | null;
	/** When the customer gave it; default now. */
	occurredAt?: string | null;
	/** Re-subscribe an erased (suppressed) address: only for a fresh, explicit opt-in by the customer. */
	liftSuppression?: boolean;
}

export interface RecordConsentResult {
	recorded: boolean;
	/** False when the address was already granted (a new event is appended all the same). */
	changed: boolean;
	consent_id: string | null;
	/** The address's state after the call: 'withdrawn' (or an earlier 'granted') when a stale grant was refused. */
	status: 'granted' | 'withdrawn' | null;
	/**
	 * Refusals record nothing: 'suppressed' the customer was erased; 'withdrawn_later' the grant is dated at or
	 * before the address's last withdrawal (an old grant replayed, or a shop's delayed retry).
	 */
	reason: 'granted' | 'suppressed' | 'withdrawn_later';
	granted_at?: string;
	/** With 'withdrawn_later': the withdrawal that outranks the grant. */
	withdrawn_at?: string;
}

export interface WithdrawConsentInput {
	channel: Channel;
	address: string;
	/** e.g. 'twilio_21610', 'one_click', 'keyword', 'unsubscribe_link', 'manual'. */
	source: string;
	detail?: string | null;
}

export interface WithdrawCustomerConsentInput {
	customerId: string;
	/** Default: every channel. */
	channels?: Channel[] | null;
	source: string;
	detail?: string | null;
}

export interface WithdrawConsentResult {
	/** True once the address (or at least one of the customer's addresses) is withdrawn; always true for an address. */
	withdrawn: boolean;
	/** False when it already was: withdrawal is idempotent and appends no second event. */
	changed: boolean;
	consents: Array<{ consent_id: string; channel: Channel; changed: boolean }>;
}

export interface CustomerExport {
	subject: Record<string, unknown>;
	identifiers: { emails: string[]; phones: string[]; psids: string[]; bsuids: string[]; customer_ids: string[]; cart_ids: string[] };
	exported_at: string;
	suppressed: boolean;
	/** Every table of schema cart_recovery that holds rows about the customer, with those rows. */
	tables: Record<string, Array<Record<string, unknown>>>;
}

export interface EraseCustomerResult {
	erased: boolean;
	/** Rows deleted per table. */
	deleted: Record<string, number>;
	/** Salted hashes added to the suppression list. */
	suppressed: number;
}

export interface PurgeResult {
	carts: number;
	messages: number;
	discount_codes: number;
	/** Ids of inbound deliveries (the dedup register) received before the cutoff. */
	inbound_events: number;
	/** Messages customers sent on WhatsApp / Messenger, kept for the retention period but at most 7 days. */
	inbound_messages: number;
	/** Channel events (migration 7) received before the cutoff, or of the carts purged. */
	channel_events: number;
	/** Customer histories (migration 16) nothing happened to since the cutoff, and with no cart left. */
	customers: number;
	cutoff: string;
}

// ── Channel contacts and the customer service window (migration 6) ──────────────────────────────────────
/** The channels whose 24-hour customer service window the store keeps. */
export type WindowChannel = 'whatsapp' | 'messenger';

/** One message the customer sent the shop (from Meta's webhooks): only its id, its sender and its time. */
export interface InboundMessageInput {
	channel: WindowChannel;
	/** The provider's message id (WhatsApp wamid, Messenger mid): recording the same message twice counts once. */
	messageId: string;
	/** WhatsApp: the sender's number (wa_id, with or without '+'); Messenger: the sender's PSID. */
	address?: string | null;
	/** WhatsApp: the sender's business-scoped user id (user_id), when the webhook carries it. */
	bsuid?: string | null;
	/** When the customer sent it (the webhook's timestamp); default now. */
	receivedAt?: string | Date | null;
}

export interface RecordInboundMessageResult {
	recorded: boolean;
	/** The message id was recorded before: nothing new counted (a missing number or user id may be filled in). */
	duplicate: boolean;
	/** 'suppressed': the sender was erased, nothing is stored. */
	reason: 'recorded' | 'duplicate' | 'suppressed';
	channel: WindowChannel;
	address: string | null;
	bsuid: string | null;
	received_at: string | null;
}

/** Whether the 24-hour customer service window is open: free-form WhatsApp and Messenger promotions only then. */
export interface ServiceWindow {
	channel: WindowChannel;
	open: boolean;
	/** The customer's last message on the channel; null when they never wrote. */
	last_inbound_at: string | null;
	/** last_inbound_at + 24 hours (in the past when closed); null when they never wrote. */
	open_until: string | null;
}

export type DiscountKind = 'percent' | 'fixed';
export type DiscountStatus = 'active' | 'deactivated' | 'rejected';
export type DiscountRefusal =
	| 'unknown'
	| 'deactivated'
	| 'not_yet_valid'
	| 'expired'
	| 'used_up'
	| 'wrong_customer'
	| 'wrong_currency'
	| 'below_minimum';

export interface DiscountCode {
	code: string;
	cart_id: string | null;
	stage: number | null;
	customer_ref: string | null;
	customer_email: string | null;
	kind: DiscountKind;
	amount: number;
	currency: string | null;
	minimum_order: number | null;
	usage_limit: number;
	used_count: number;
	remaining_uses: number;
	status: DiscountStatus;
	status_reason: string | null;
	valid_from: string;
	valid_until: string;
	shop_platform: string | null;
	shop_ref: string | null;
	synced_at: string | null;
	created_at: string;
	updated_at: string;
	/** How the amount was chosen (Discount Code by rules; migration 16), null for a code of a fixed amount. */
	rule?: Record<string, unknown> | null;
	/** What the code takes off its cart, in worth_currency (a percentage of the cart's value, or the fixed amount). */
	worth?: number | null;
	worth_currency?: string | null;
}



export interface IssueDiscountCodeInput {
	/** Drawn by the caller (lib/shop/codes.ts) with crypto randomness. */
	code: string;
	kind: DiscountKind;
	amount: number;
	validUntil: string | Date;
	cartId?: string | null;
	stage?: number | null;
	/** Customer id, else lower-cased email; null: anyone may use it. */
	customerRef?: string | null;
	/** With customerRef: the code also works for this email (a guest checkout by the same person). */
	customerEmail?: string | null;
	currency?: string | null;
	minimumOrder?: number | null;
	usageLimit?: number;
	/** How the amount was chosen, kept with the code. */
	rule?: Record<string, unknown> | null;
	/** What the code takes off the cart, in worthCurrency: needed for a budget. */
	worth?: number | null;
	worthCurrency?: string | null;
	/** The most the codes of the cart's customer may be worth in budgetDays (this one included), in worthCurrency. */
	budget?: number | null;
	budgetDays?: number;
}

export interface IssueDiscountCodeResult {
	created: boolean;
	/** The code exists for something else: draw another. */
	collision: boolean;
	code: DiscountCode | null;
	/** The code would take the customer's codes past the budget: none was issued. */
	over_budget?: boolean;
	/** With over_budget: what is left of the budget (0 or more). */
	budget_left?: number;
}

export interface DiscountUseInput {
	code: string;
	customerId?: string | null;
	email?: string | null;
	orderTotal?: number | null;
	currency?: string | null;
}

export interface ValidateDiscountResult {
	valid: boolean;
	reason: DiscountRefusal | null;
	code: DiscountCode | null;
}

export interface RedeemDiscountInput extends DiscountUseInput {
	/** Required: redemption is idempotent per (code, order). */
	orderId: string;
}

export interface RedeemDiscountResult {
	redeemed: boolean;
	/** The same order redeemed it before: this is that first redemption, no second use was counted. */
	duplicate: boolean;
	reason: DiscountRefusal | null;
	code: DiscountCode | null;
	/** When the order redeemed the code (the first time); null when refused. */
	redeemed_at: string | null;
}

export interface DeactivateDiscountResult {
	deactivated: boolean;
	changed: boolean;
	reason?: 'unknown';
	code: DiscountCode | null;
}

// ── Channel events (migration 7) ──────────────────────────────────────────────────────────────────────────
/**
 * What recording a channel event changed:
 *   status_advanced   the message moved forward (delivered, opened, read, clicked) or failed / bounced
 *   status_kept       the message is that far already (a late or repeated status; a machine open)
 *   completed_queued  the message was still queued (its sender stopped after the provider accepted it): now sent
 *                     (or failed) under a fresh claim token, so the sender's late completeMessage is refused
 *   unknown_message   no message of ours matches: recorded all the same
 *   window_opened     a WhatsApp / Messenger reply: the 24-hour customer service window is open
 *   returned          a `code` or `cart` reply marked the recovering cart returned
 *   consent_withdrawn an opt-out or a stop button withdrew consent for the address on the channel
 *   recorded_only     nothing to change (an opt-in, an SMS reply)
 *   suppressed        the sender was erased: nothing personal stored, nothing changed
 *   duplicate         the provider delivered this event before: nothing changed
 */
export type ChannelEventEffect =
	| 'status_advanced'
	| 'status_kept'
	| 'completed_queued'
	| 'unknown_message'
	| 'window_opened'
	| 'returned'
	| 'consent_withdrawn'
	| 'recorded_only'
	| 'suppressed'
	| 'duplicate';

export interface ChannelEventMessage {
	message_id: string;
	cart_id: string;
	stage: number;
	channel: Channel;
	status: MessageStatus;
	/** The status before this event (equal to status when it changed nothing). */
	previous_status: MessageStatus;
}

export interface ChannelEventCart {
	cart_id: string;
	status: CartStatus;
	first_name: string | null;
	locale: string | null;
	currency: string;
	returned_at: string | null;
}

/** The cart's discount code the customer can still use (active, valid now, not used up), of its latest stage. */
export interface ChannelEventCode {
	code: string;
	kind: DiscountKind;
	amount: number;
	currency: string | null;
	valid_until: string;
	stage: number | null;
}

export interface RecordChannelEventResult {
	/** The provider delivered this event before (same provider and event id): nothing was changed this time. */
	duplicate: boolean;
	/** False only for a duplicate. */
	recorded: boolean;
	/** status: a message of ours matched; reply / opt-out: a cart was found. */
	found: boolean;
	kind: 'status' | 'reply' | 'opt_out' | 'opt_in';
	channel: Channel;
	effect: ChannelEventEffect;
	/** Messages whose status or provider facts this event changed (a Messenger receipt covers several). */
	messages_updated: number;
	/** The message the status concerns (the newest one, for a Messenger receipt); null for other kinds. */
	message: ChannelEventMessage | null;
	cart: ChannelEventCart | null;
	consent_withdrawn: boolean;
	/** Replies on WhatsApp / Messenger: until when free-form messages may be sent to the customer. */
	window_open_until: string | null;
	code: ChannelEventCode | null;
}

/** cart_recovery_claim_reply: whether this caller may answer the customer's message. */
export interface ClaimReplyResult {
	claimed: boolean;
	reason: 'claimed' | 'already_answered' | 'released' | 'unknown_event' | 'not_a_message';
	answered_at: string | null;
}

/** cart_recovery_get_ai_copy: the AI Offer Writer's copy for (cart, stage), when one is stored. */
export interface AiCopyRecord {
	found: boolean;
	cart_id?: string;
	stage?: number;
	language?: 'hu' | 'en';
	channels?: string[];
	/** Field → text (subject, preheader, email_intro, sms, whatsapp, messenger). */
	copy?: Record<string, string>;
	model?: string;
	prompt_tokens?: number | null;
	completion_tokens?: number | null;
	attempts?: number;
	created_at?: string;
}

export interface RecordAiCopyInput {
	cartId: string;
	stage: number;
	language: 'hu' | 'en';
	channels: string[];
	copy: Record<string, string>;
	model: string;
	promptTokens?: number | null;
	completionTokens?: number | null;
	attempts?: number;
}

// ── Analytics (migration 10) ─────────────────────────────────────────────────────────────────────────────────

/** One variant of a split: its share is weight / the sum of all weights; a holdout gets no message. */
export interface VariantSpec {
	name: string;
	weight: number;
	holdout?: boolean;
}

/** cart_recovery_assign_variant: the cart's variant (created: assigned by this call; else it had one already). */
export interface AssignVariantResult {
	created: boolean;
	experiment: string;
	variant: string;
	holdout: boolean;
	/** The cart's place in [0, 1) for this experiment (stable hash). */
	bucket: number;
	assigned_at: string;
}

export interface RecordSkipInput {
	cartId: string;
	stage?: number | null;
	channel?: Channel | null;
	outcome: 'skipped' | 'deferred';
	/** A snake_case word: the send nodes' skip / defer reason, or Consent Check's. */
	reason: string;
	detail?: string | null;
}

export interface ReportInput {
	from: Date | string;
	to: Date | string;
	campaign?: string | null;
	currency?: string;
	attributionDays?: number;
	inactivityMinutes?: number;
	timezone?: string;
}

export interface ExperimentResultsInput {
	experiment: string;
	from: Date | string;
	to: Date | string;
	currency?: string;
	/** A purchase within this many days after assignment counts as a conversion (default 7). */
	conversionDays?: number;
}

// ── Stuck claims (migration 12) ─────────────────────────────────────────────────────────────────────────

export interface SettleStuckMessagesInput {
	/** Messages claimed longer ago than this and still queued are stuck (at least 60 s; a sender may still be at work). */
	olderThanSeconds: number;
	/** At most this many per call, oldest first (1…1000, default 100). */
	max?: number;
	/** List only: change nothing. */
	dryRun?: boolean;
}

/** What proved a stuck message went out, or (ambiguous_answer) what might have but could belong to another message. */
export interface StuckMessageEvidence {
	kind: 'provider_status' | 'customer_answer' | 'ambiguous_answer';
	provider: 'sendgrid' | 'twilio' | 'meta';
	/** The status reported ('delivered', 'opened', …), the answer ('button code', 'postback stop') or 'unsubscribe' / 'spamreport'. */
	what: string;
	at: string;
}

export interface StuckMessage {
	message_id: string;
	cart_id: string;
	stage: number;
	channel: Channel;
	/** First name and a masked address ("Anna · a***@example.hu"), else the customer id. */
	customer: string;
	campaign: string | null;
	attempts: number;
	claimed_at: string;
	age_seconds: number;
	/** sent: a provider event proves it went out; unknown: nothing does, a person decides. */
	outcome: 'sent' | 'unknown';
	/** false on a dry run. */
	settled: boolean;
	evidence: StuckMessageEvidence | null;
	/** One plain sentence: what was decided and why. */
	reason: string;
}

export interface SettleStuckMessagesResult {
	dry_run: boolean;
	older_than_seconds: number;
	checked_at: string;
	found: number;
	/** Settled as sent / unknown by this call (0 on a dry run). */
	sent: number;
	unknown: number;
	/** More stuck messages than this call took (call again). */
	more: boolean;
	messages: StuckMessage[];
}

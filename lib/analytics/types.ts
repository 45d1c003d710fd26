/**
 * The analytics contract (issue 15): what the store's report functions return (migration 10:
 * cart_recovery_report, cart_recovery_experiment_results, cart_recovery_cart_timeline) and what the report node and
 * the dashboard read. Every figure is computed in SQL, in one place; this file only names the shapes.
 *
 * Definitions (the README's "Analytics" section says the same in words):
 *   - enrolled: carts that entered the sequence (recovery_started_at) within the range;
 *   - abandoned: enrolled carts not bought within the inactivity time after their last activity;
 *   - sent: messages with sent_at within the range; delivered / opened / clicked / bounced / failed / opted out are
 *     counted over them (opened = a human open or a read; machine opens are counted apart, never as opens);
 *   - returned: abandoned carts the customer came back to after they entered the sequence — of the abandoned carts;
 *   - converted: abandoned carts bought at all; recovered: bought within the attribution window after a sent message
 *     (last touch: the latest message before the purchase gets the credit), with the order's value as revenue;
 *   - discount cost: for every redemption of a code issued to these carts, the percent of the order or the fixed amount.
 * Money is in one currency (the range's `currency`); carts in another are counted in `other_currency_carts` only.
 */

export interface ReportRange {
	/** ISO 8601, inclusive. */
	from: string;
	/** ISO 8601, exclusive. */
	to: string;
	campaign: string | null;
	currency: string;
	attribution_days: number;
	inactivity_minutes: number;
	/** IANA zone of the daily series (default Europe/Budapest). */
	timezone: string;
}

/** A count of a whole, e.g. 42 clicked of 300 delivered; rate null when `of` is 0. */
export interface Rate {
	count: number;
	of: number;
	rate: number | null;
}

/** A proportion with its 95 % interval (Wilson score). */
export interface Proportion extends Rate {
	low: number | null;
	high: number | null;
}

export interface ReportTotals {
	carts_enrolled: number;
	carts_abandoned: number;
	abandoned_value: number;
	/** Enrolled carts in another currency than the report's (not in any money figure). */
	other_currency_carts: number;
	messages_sent: number;
	/** Of messages sent. */
	delivered: Rate;
	opened: Rate;
	machine_opened: Rate;
	clicked: Rate;
	bounced: Rate;
	failed: Rate;
	/** Messages after which the customer opted out of that channel. */
	opted_out: Rate;
	/** Of abandoned carts. */
	returned: Rate;
	/** Of abandoned carts. */
	converted: Rate;
	recovered: Rate;
	recovered_revenue: number;
	/** recovered_revenue / messages_sent (null without messages). */
	revenue_per_message: number | null;
	codes_issued: number;
	codes_redeemed: number;
	discount_cost: number;
}

/** One stage and channel: its messages, and what the carts whose last touch it was brought in. */
export interface FunnelRow {
	stage: number;
	channel: 'email' | 'sms' | 'whatsapp' | 'messenger';
	sent: number;
	delivered: number;
	opened: number;
	clicked: number;
	bounced: number;
	failed: number;
	opted_out: number;
	/** Carts recovered with this message as the last touch, and their revenue. */
	recovered: number;
	revenue: number;
	/** Messages that went out with the AI Offer Writer's words (messages.copy_source). */
	ai_copy: number;
}

/** Why messages did not go (or not yet): the send nodes' skip and defer reasons, and Consent Check's blocks. */
export interface SkipRow {
	reason: string;
	/** 'skipped' (not sent) or 'deferred' (sent later, e.g. quiet hours). */
	outcome: 'skipped' | 'deferred';
	stage: number | null;
	channel: string | null;
	count: number;
}

export interface DailyRow {
	/** YYYY-MM-DD in the range's timezone. */
	day: string;
	enrolled: number;
	messages_sent: number;
	recovered: number;
	recovered_revenue: number;
}

export interface Report {
	range: ReportRange;
	totals: ReportTotals;
	funnel: FunnelRow[];
	skips: SkipRow[];
	daily: DailyRow[];
	/** The experiments with carts assigned in the range (names only; their results: ExperimentResults). */
	experiments: string[];
	/** The figures by customer segment (migration 16); absent from a store before it. */
	segments?: SegmentRow[];
	generated_at: string;
}

/** One customer segment's carts that entered recovery in the range (in the report's currency). */
export interface SegmentRow {
	/** The segment the cart's flow began with; 'unknown' for carts checked before segments existed. */
	segment: string;
	/** Carts that got the reminders (not held out by a Split Test). */
	carts: number;
	held_out_carts: number;
	recovered: number;
	recovered_revenue: number;
	codes_redeemed: number;
	discount_cost: number;
	/** recovered_revenue − discount_cost. */
	net_revenue: number;
	conversion: Proportion;
	held_out_conversion: Proportion | null;
	/** Conversion of the carts that got reminders minus the held-out ones', with its 95 % interval (null without a holdout). */
	lift: { conversion_diff: number; low: number; high: number; significant: boolean } | null;
}

export interface VariantResult {
	variant: string;
	holdout: boolean;
	carts: number;
	/** Carts bought within the window after assignment (the same yardstick for the holdout, which gets no message). */
	conversion: Proportion;
	revenue: number;
	revenue_per_cart: number;
	messages_sent: number;
	/** Against the holdout (absent for the holdout itself, or without one). */
	lift?: Lift;
}

export interface Lift {
	/** Conversion rate difference (variant − holdout), with its 95 % interval. */
	conversion_diff: number;
	low: number;
	high: number;
	/** The interval excludes 0. */
	significant: boolean;
	/** conversion_diff × carts: purchases the messages made happen. */
	incremental_conversions: number;
	/** (revenue per cart − the holdout's) × carts, with its 95 % interval. */
	incremental_revenue: number;
	incremental_revenue_low: number;
	incremental_revenue_high: number;
}

export interface ExperimentResults {
	experiment: string;
	range: Pick<ReportRange, 'from' | 'to' | 'currency' | 'attribution_days'>;
	variants: VariantResult[];
	holdout: string | null;
	/** The variant with the highest conversion whose lift is significant; null when none is. */
	winner: string | null;
}

export type TimelineKind = 'cart' | 'enrolled' | 'variant' | 'message' | 'event' | 'skip' | 'code' | 'redeemed' | 'purchase' | 'consent' | 'returned';

export interface TimelineEntry {
	at: string;
	kind: TimelineKind;
	stage?: number | null;
	channel?: string | null;
	/** message: its status; event: the channel event's status or kind; skip: its reason. */
	status?: string | null;
	/** One plain sentence (English; the dashboard translates by kind and status). */
	detail: string;
}

export interface CartTimeline {
	cart: {
		cart_id: string;
		customer: string;
		status: string;
		value: number;
		currency: string;
		created_at: string;
		converted_at: string | null;
		order_value: number | null;
		recovered_value: number | null;
		/** The cart's products, the first 20 lines (migration 17); the shop's text, escaped where it is shown. */
		items?: Array<{ name: string; quantity: number }>;
	};
	entries: TimelineEntry[];
}

/** A search for "what happened to Anna?": carts matching a cart id, customer id, email, phone or first name. */
export interface CartSearchResult {
	carts: Array<CartTimeline['cart']>;
}

import type { Cart } from '../../lib/store';

export type CartCheckOutcome = 'stillAbandoned' | 'activeAgain' | 'purchased' | 'notEligible';

export interface CartCheckResult {
	outcome: CartCheckOutcome;
	reason: string;
	checked_at: string;
	inactive_minutes: number;
	/** For Active Again: when the cart would next count as abandoned (the Wait “until” time). */
	next_check_at: string | null;
	/** For Active Again: seconds from now until next_check_at (for a Wait “after time interval”). */
	wait_seconds: number | null;
	/** The minimum that applied to this cart's currency (null: none configured for it). */
	minimum_value: number | null;
}

export interface CartCheckOptions {
	now: Date;
	inactivityMinutes: number;
	/** Minimum cart value per currency (ISO 4217, upper case). A currency without an entry has no minimum. */
	minimumValues: Record<string, number>;
}

/**
 * Klaviyo's exit condition in our terms. The order of the checks matters:
 * 1. purchased (converted / recovered) → exit;
 * 2. closed (erased, purged, withdrawn) → not eligible;
 * 3. touched within the threshold → active again, whatever its value or contents: the customer is still
 *    shopping, the cart may still grow (or be refilled), so the flow waits and checks again;
 * 4. quiet for the threshold: empty or below the minimum → not eligible (exit: too small to chase, and
 *    routing it to "active again" would loop forever); otherwise still abandoned.
 */
export function classifyCart(cart: Cart, options: CartCheckOptions): CartCheckResult {
	const lastActivity = new Date(cart.last_activity_at).getTime();
	const inactiveMs = Math.max(0, options.now.getTime() - lastActivity);
	const thresholdMs = options.inactivityMinutes * 60_000;
	const minimum = options.minimumValues[cart.currency?.toUpperCase()] ?? null;
	const base = {
		checked_at: options.now.toISOString(),
		inactive_minutes: Math.floor(inactiveMs / 60_000),
		next_check_at: null,
		wait_seconds: null,
		minimum_value: minimum,
	};
	if (cart.status === 'converted' || cart.status === 'recovered') {
		return { ...base, outcome: 'purchased', reason: cart.status === 'recovered' ? 'Purchased after a follow-up' : 'Purchased' };
	}
	if (cart.status === 'closed') {
		return { ...base, outcome: 'notEligible', reason: 'Recovery closed' };
	}
	if (inactiveMs < thresholdMs) {
		const next = lastActivity + thresholdMs;
		return {
			...base,
			outcome: 'activeAgain',
			reason: `Active ${base.inactive_minutes} min ago`,
			next_check_at: new Date(next).toISOString(),
			wait_seconds: Math.ceil((next - options.now.getTime()) / 1000),
		};
	}
	if (cart.items.length === 0) {
		return { ...base, outcome: 'notEligible', reason: 'Cart is empty' };
	}
	if (minimum !== null && cart.value < minimum) {
		return { ...base, outcome: 'notEligible', reason: `Cart value ${cart.value} ${cart.currency} is below the minimum ${minimum} ${cart.currency}` };
	}
	return { ...base, outcome: 'stillAbandoned', reason: `Inactive for ${base.inactive_minutes} min` };
}

/** Minimums by currency from the node's parameters: the main one plus any others. */
export function minimumValues(main: { currency: string; value: number }, others: Array<{ currency?: string; value?: number }> = []): Record<string, number> {
	const result: Record<string, number> = {};
	for (const entry of [main, ...others]) {
		const code = String(entry.currency ?? '').trim().toUpperCase();
		if (code && typeof entry.value === 'number' && Number.isFinite(entry.value)) result[code] = entry.value;
	}
	return result;
}

import type { Cart } from '../../lib/store';

export type CartCheckOutcome = 'stillAbandoned' | 'activeAgain' | 'purchased' | 'notEligible';

export interface CartCheckResult {
	outcome: CartCheckOutcome;
	reason: string;
	checked_at: string;
	inactive_minutes: number;
	/** For Active Again: when the cart would next count as abandoned (the Wait “until” time). */
	next_check_at: string | null;
}

export interface CartCheckOptions {
	now: Date;
	inactivityMinutes: number;
	minimumValue: number;
}

/** Klaviyo's exit condition in our terms: purchased → exit; otherwise abandoned only after enough quiet time. */
export function classifyCart(cart: Cart, options: CartCheckOptions): CartCheckResult {
	const lastActivity = new Date(cart.last_activity_at).getTime();
	const inactiveMs = Math.max(0, options.now.getTime() - lastActivity);
	const thresholdMs = options.inactivityMinutes * 60_000;
	const base = {
		checked_at: options.now.toISOString(),
		inactive_minutes: Math.floor(inactiveMs / 60_000),
		next_check_at: null,
	};
	if (cart.status === 'converted' || cart.status === 'recovered') {
		return { ...base, outcome: 'purchased', reason: cart.status === 'recovered' ? 'Purchased after a follow-up' : 'Purchased' };
	}
	if (cart.status === 'closed' || cart.items.length === 0) {
		return { ...base, outcome: 'notEligible', reason: cart.items.length === 0 ? 'Cart is empty' : 'Recovery closed' };
	}
	if (cart.value < options.minimumValue) {
		return { ...base, outcome: 'notEligible', reason: `Cart value ${cart.value} ${cart.currency} is below the minimum ${options.minimumValue}` };
	}
	if (inactiveMs < thresholdMs) {
		return {
			...base,
			outcome: 'activeAgain',
			reason: `Active ${base.inactive_minutes} min ago`,
			next_check_at: new Date(lastActivity + thresholdMs).toISOString(),
		};
	}
	return { ...base, outcome: 'stillAbandoned', reason: `Inactive for ${base.inactive_minutes} min` };
}

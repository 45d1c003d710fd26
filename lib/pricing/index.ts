// Discounts by rules: how much a cart's code takes off, from the cart's value, the customer's segment and the
// reminder it is for. Pure: the budget, which needs what the customer was given before, is the store's to enforce
// (issue_discount_code, under the customer's lock); when it refuses, reduceToBudget says what still fits.
import type { CustomerSegment } from '../store/types';
import { formatMoney } from '../templates/helpers';

export type TierKind = 'percent' | 'fixed' | 'percentAsAmount';
export type SegmentTreatment = 'full' | 'half' | 'noneOnFirst' | 'none';

export interface PriceTier {
	/** Carts worth at least this much (in the rules' currency) get this tier, unless a higher one fits. */
	from: number;
	kind: TierKind;
	/** Percent off (percent, percentAsAmount) or the amount off (fixed). */
	amount: number;
}

export interface PricingRules {
	/** Currency of the tiers, the rounding step, the cap and the budget. */
	currency: string;
	tiers: PriceTier[];
	/** What a cart no tier fits gets (a cart in another currency, or below the lowest tier). */
	fallback: { kind: 'percent' | 'fixed'; amount: number; currency: string | null };
	/** Amounts off are rounded down to a multiple of this (0: not rounded). */
	roundTo: number;
	/** The most one code may take off a cart (null: no cap). */
	cap: number | null;
	treatments: Partial<Record<CustomerSegment, SegmentTreatment>>;
}

export interface PricingInput {
	value: number;
	currency: string;
	segment: CustomerSegment | null;
	stage: number;
}

/** How the amount was chosen: kept with the code in the store and shown in the node's output. */
export interface PricingRule {
	/** 'fallback' or the tier's lower bound as text, e.g. 'from 30 000 Ft'. */
	tier: string;
	segment: CustomerSegment | null;
	treatment: SegmentTreatment;
	capped: boolean;
	/** Reduced to what was left of the customer's budget. */
	budget_reduced: boolean;
	/** In one sentence, e.g. "10% for carts from 5 000 Ft; loyal customer: half (5%)". */
	text: string;
}

export type PricingDecision =
	| { give: true; kind: 'percent' | 'fixed'; amount: number; currency: string | null; worth: number; worthCurrency: string; rule: PricingRule }
	| { give: false; reason: string; rule: PricingRule };

/** The defaults the README explains: loyal customers buy anyway, discount-seekers wait for a code if the first reminder has one. */
export const DEFAULT_TREATMENTS: Record<CustomerSegment, SegmentTreatment> = {
	new: 'full',
	returning: 'full',
	loyal: 'half',
	lapsed: 'full',
	'discount-seeker': 'noneOnFirst',
};

export const SEGMENT_NAMES: Record<CustomerSegment, string> = {
	new: 'new customer',
	returning: 'returning customer',
	loyal: 'loyal customer',
	lapsed: 'lapsed customer',
	'discount-seeker': 'discount-seeker',
};

const TREATMENT_TEXT: Record<SegmentTreatment, string> = {
	full: 'full discount',
	half: 'half',
	noneOnFirst: 'no code in the first reminder',
	none: 'no code',
};

/** Problems with the rules, each naming the parameter, or [] when they are usable. */
export function rulesProblems(rules: PricingRules): string[] {
	const problems: string[] = [];
	if (!/^[A-Z]{3}$/.test(rules.currency)) problems.push(`"Rules Currency" must be a three-letter code such as HUF, not "${rules.currency}"`);
	for (const [i, tier] of rules.tiers.entries()) {
		const name = `Tier ${i + 1}`;
		if (!(tier.from >= 0)) problems.push(`"${name} → From Cart Value" must be 0 or more, not ${tier.from}`);
		if (!(tier.amount > 0)) problems.push(`"${name} → Amount" must be above 0, not ${tier.amount}`);
		if (tier.kind !== 'fixed' && tier.amount > 100) problems.push(`"${name} → Amount" is a percentage: at most 100, not ${tier.amount}`);
	}
	const froms = rules.tiers.map((t) => t.from);
	if (new Set(froms).size !== froms.length) problems.push('Two tiers start at the same cart value: give each its own "From Cart Value"');
	if (!(rules.roundTo >= 0)) problems.push(`"Round Amounts Down To" must be 0 or more, not ${rules.roundTo}`);
	if (rules.cap !== null && !(rules.cap > 0)) problems.push(`"Maximum Discount per Code" must be above 0, not ${rules.cap}`);
	return problems;
}

/** The code a cart gets under the rules, or why it gets none. */
export function chooseDiscount(input: PricingInput, rules: PricingRules, locale = 'hu-HU'): PricingDecision {
	const money = (amount: number) => formatMoney(amount, rules.currency, locale);
	const inRulesCurrency = input.currency.toUpperCase() === rules.currency;
	const tier = inRulesCurrency ? [...rules.tiers].sort((a, b) => b.from - a.from).find((t) => input.value >= t.from) : undefined;
	const segment = input.segment;
	const treatment: SegmentTreatment = (segment && (rules.treatments[segment] ?? DEFAULT_TREATMENTS[segment])) || 'full';
	const rule: PricingRule = {
		tier: tier ? `from ${money(tier.from)}` : 'fallback',
		segment,
		treatment,
		capped: false,
		budget_reduced: false,
		text: '',
	};
	const who = segment ? `${SEGMENT_NAMES[segment]}: ${TREATMENT_TEXT[treatment]}` : '';
	if (treatment === 'none' || (treatment === 'noneOnFirst' && input.stage === 1)) {
		rule.text = `No code: ${who}`;
		return { give: false, reason: `No code for a ${SEGMENT_NAMES[segment!]}${treatment === 'noneOnFirst' ? ' in the first reminder' : ''} (rules)`, rule };
	}

	// The tier's discount, or the fallback; a percentage of the cart as an amount off.
	let kind: 'percent' | 'fixed';
	let amount: number;
	let currency: string | null;
	if (tier) {
		kind = tier.kind === 'percent' ? 'percent' : 'fixed';
		amount = tier.kind === 'percentAsAmount' ? (input.value * tier.amount) / 100 : tier.amount;
		currency = kind === 'fixed' ? rules.currency : null;
	} else {
		({ kind, amount, currency } = rules.fallback);
	}
	const described = tier ? `${tier.kind === 'fixed' ? money(tier.amount) : `${tier.amount}%`}${tier.kind === 'percentAsAmount' ? ' of the cart as an amount' : ''} for carts ${rule.tier}` : `${kind === 'percent' ? `${amount}%` : formatMoney(amount, currency, locale)}${rules.tiers.length ? ' (no tier fits the cart)' : ' for every cart'}`;
	if (treatment === 'half') amount = kind === 'percent' ? Math.floor(amount / 2) : amount / 2;

	// Rounding and the cap are in the rules' currency; a fallback code in another currency is left as set.
	const roundable = kind === 'fixed' && (currency ?? '').toUpperCase() === rules.currency;
	let worth = kind === 'percent' ? (input.value * amount) / 100 : Math.min(amount, input.value);
	if (rules.cap !== null && inRulesCurrency && worth > rules.cap) {
		kind = 'fixed';
		currency = rules.currency;
		amount = rules.cap;
		rule.capped = true;
	}
	if ((roundable || rule.capped) && rules.roundTo > 0) amount = Math.floor(amount / rules.roundTo + 1e-9) * rules.roundTo;
	if (kind === 'percent' && amount < 1) amount = 0;
	worth = kind === 'percent' ? Math.round(input.value * amount) / 100 : Math.min(amount, input.value);
	const shown = kind === 'percent' ? `${amount}%` : formatMoney(amount, currency, locale);
	rule.text = [described, who && `${who}${treatment === 'half' ? ` (${shown})` : ''}`, rule.capped ? `capped at ${money(rules.cap!)}` : ''].filter(Boolean).join('; ');
	if (!(amount > 0)) {
		return { give: false, reason: `No code: the discount comes to less than ${kind === 'percent' ? '1%' : money(rules.roundTo || 1)} (rules)`, rule };
	}
	return { give: true, kind, amount, currency, worth: Math.round(worth * 100) / 100, worthCurrency: kind === 'fixed' ? currency! : input.currency.toUpperCase(), rule };
}

/**
 * The decision cut down to what is left of the customer's budget: an amount off of at most `left`, rounded down, or
 * no code when nothing worth giving is left.
 */
export function reduceToBudget(decision: Extract<PricingDecision, { give: true }>, left: number, rules: PricingRules, locale = 'hu-HU'): PricingDecision {
	const money = (amount: number) => formatMoney(amount, decision.worthCurrency, locale);
	const step = decision.worthCurrency === rules.currency && rules.roundTo > 0 ? rules.roundTo : 1;
	const amount = Math.floor(left / step + 1e-9) * step;
	const rule: PricingRule = { ...decision.rule, budget_reduced: true, text: `${decision.rule.text}; budget: ${money(left)} left` };
	if (!(amount > 0)) return { give: false, reason: `No code: the customer’s discount budget is used up (${money(left)} left)`, rule };
	return { give: true, kind: 'fixed', amount, currency: decision.worthCurrency, worth: amount, worthCurrency: decision.worthCurrency, rule };
}

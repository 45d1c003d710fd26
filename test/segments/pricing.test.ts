// lib/pricing's choice on its own (the engine test runs it inside n8n against the store): every tier kind at its
// edges, rounding down, half for a segment with odd amounts, the cap, a cart in another currency, the budget cut.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { chooseDiscount, reduceToBudget, rulesProblems, type PricingDecision, type PricingRules } from '../../lib/pricing';

const RULES: PricingRules = {
	currency: 'HUF',
	tiers: [
		{ from: 10_000, kind: 'percent', amount: 15 },
		{ from: 40_000, kind: 'percentAsAmount', amount: 12 },
		{ from: 25_000, kind: 'fixed', amount: 3_700 },
	],
	fallback: { kind: 'percent', amount: 10, currency: null },
	roundTo: 500,
	cap: 6_000,
	treatments: {},
};
const plain = (text: string) => text.replace(/\u00a0/g, ' ');
const brief = (d: PricingDecision) => (d.give ? [d.kind, d.amount, d.currency, d.worth, d.worthCurrency, d.rule.capped] : ['none', plain(d.reason)]);
const price = (value: number, segment: Parameters<typeof chooseDiscount>[0]['segment'] = null, stage = 2, rules = RULES, currency = 'HUF') => chooseDiscount({ value, currency, segment, stage }, rules);

describe('chooseDiscount', () => {
	test('tiers in any order: the highest start the cart reaches; below the lowest, the fallback', () => {
		assert.deepEqual(brief(price(9_999)), ['percent', 10, null, 999.9, 'HUF', false]);
		assert.deepEqual(brief(price(10_000)), ['percent', 15, null, 1500, 'HUF', false]);
		assert.deepEqual(brief(price(24_999)), ['percent', 15, null, 3749.85, 'HUF', false]);
		// A fixed 3 700 Ft rounds down to 3 500 Ft (amounts in 500 Ft steps).
		assert.deepEqual(brief(price(25_000)), ['fixed', 3500, 'HUF', 3500, 'HUF', false]);
		// 12 % of 41 990 Ft = 5 038,80 Ft → 5 000 Ft; of 49 990 Ft = 5 998,80 → 5 500 Ft; of 60 000 Ft = 7 200 Ft → the 6 000 Ft cap.
		assert.deepEqual(brief(price(41_990)), ['fixed', 5000, 'HUF', 5000, 'HUF', false]);
		assert.deepEqual(brief(price(49_990)), ['fixed', 5500, 'HUF', 5500, 'HUF', false]);
		assert.deepEqual(brief(price(60_000)), ['fixed', 6000, 'HUF', 6000, 'HUF', true]);
	});

	test('half for a segment: a percentage halved and rounded down to whole percent, an amount halved then rounded down', () => {
		const rules = { ...RULES, treatments: { loyal: 'half' as const } };
		assert.deepEqual(brief(price(12_000, 'loyal', 2, rules)), ['percent', 7, null, 840, 'HUF', false]);
		assert.deepEqual(brief(price(30_000, 'loyal', 2, rules)), ['fixed', 1500, 'HUF', 1500, 'HUF', false]); // 3 700 / 2 = 1 850 → 1 500
		assert.equal(plain(price(30_000, 'loyal', 2, rules).rule.text), '3 700 Ft for carts from 25 000 Ft; loyal customer: half (1 500 Ft)');
		// The defaults: loyal customers half, discount-seekers nothing in the first reminder only, everyone else in full.
		assert.deepEqual(brief(price(12_000, 'loyal')), ['percent', 7, null, 840, 'HUF', false]);
		assert.deepEqual(brief(price(12_000, 'discount-seeker', 1)), ['none', 'No code for a discount-seeker in the first reminder (rules)']);
		assert.deepEqual(brief(price(12_000, 'discount-seeker', 2)), ['percent', 15, null, 1800, 'HUF', false]);
		assert.deepEqual(brief(price(12_000, 'lapsed', 1)), ['percent', 15, null, 1800, 'HUF', false]);
		assert.deepEqual(brief(price(12_000, 'new', 2, { ...RULES, treatments: { new: 'none' } })), ['none', 'No code for a new customer (rules)']);
	});

	test('a tiny discount that rounds to nothing gives no code; a cart in another currency takes the fallback as set', () => {
		const rules: PricingRules = { ...RULES, tiers: [{ from: 0, kind: 'percentAsAmount', amount: 5 }], cap: null };
		assert.deepEqual(brief(price(9_000, null, 2, rules)), ['none', 'No code: the discount comes to less than 500 Ft (rules)']); // 450 Ft
		assert.deepEqual(brief(price(10_000, null, 2, rules)), ['fixed', 500, 'HUF', 500, 'HUF', false]);
		assert.deepEqual(brief(price(80, null, 2, RULES, 'EUR')), ['percent', 10, null, 8, 'EUR', false]);
		const fixedFallback: PricingRules = { ...RULES, tiers: [], fallback: { kind: 'fixed', amount: 7, currency: 'EUR' } };
		assert.deepEqual(brief(price(80, null, 2, fixedFallback, 'EUR')), ['fixed', 7, 'EUR', 7, 'EUR', false]);
		assert.equal(price(20_000, null, 2, { ...RULES, tiers: [] }).rule.text, '10% for every cart');
	});

	test('the budget cut: what is left, rounded down; nothing left worth giving → no code', () => {
		const given = price(30_000) as Extract<PricingDecision, { give: true }>;
		assert.deepEqual(brief(reduceToBudget(given, 2_999, RULES)), ['fixed', 2500, 'HUF', 2500, 'HUF', false]);
		assert.deepEqual(brief(reduceToBudget(given, 499, RULES)), ['none', 'No code: the customer’s discount budget is used up (499 Ft left)']);
	});

	test('rules that cannot work are named', () => {
		assert.deepEqual(
			rulesProblems({ ...RULES, currency: 'Ft', tiers: [{ from: 0, kind: 'percent', amount: 150 }, { from: 0, kind: 'fixed', amount: -1 }], roundTo: -5, cap: 0 }),
			[
				'"Rules Currency" must be a three-letter code such as HUF, not "Ft"',
				'"Tier 1 → Amount" is a percentage: at most 100, not 150',
				'"Tier 2 → Amount" must be above 0, not -1',
				'Two tiers start at the same cart value: give each its own "From Cart Value"',
				'"Round Amounts Down To" must be 0 or more, not -5',
				'"Maximum Discount per Code" must be above 0, not 0',
			],
		);
	});
});

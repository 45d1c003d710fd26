import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { currencyOrFail } from '../../../../lib/n8n/isoCodes';
import { DEFAULT_TREATMENTS, rulesProblems, type PriceTier, type PricingInput, type PricingRules, type SegmentTreatment, type TierKind } from '../../../../lib/pricing';
import { CUSTOMER_SEGMENTS, type CustomerSegment } from '../../../../lib/store';
import { optionalNumber } from '../common';

// Create's "By Rules" parameters: tiers by cart value, treatment by customer segment, rounding, a cap and a budget.
const show = { resource: ['discountCode'], operation: ['create'], pricing: ['rules'] };

const treatmentOptions = (first: SegmentTreatment) =>
	[
		{ name: 'Full Discount', value: 'full', description: 'The tier’s discount as it is' },
		{ name: 'Half the Discount', value: 'half', description: 'Half the percentage or half the amount (rounded down)' },
		{ name: 'No Code in the First Reminder', value: 'noneOnFirst', description: 'No code in stage 1; later stages get the full discount' },
		{ name: 'No Code', value: 'none', description: 'The reminder goes without a code' },
	].sort((a, b) => (a.value === first ? -1 : b.value === first ? 1 : 0));

export const pricingProperty: INodeProperties = {
	displayName: 'How Much',
	name: 'pricing',
	type: 'options',
	options: [
		{ name: 'The Same for Every Cart', value: 'same', description: 'Discount Type and Amount below, whatever the cart and the customer' },
		{
			name: 'By Rules',
			value: 'rules',
			description: 'Tiers by cart value, less or none for customers who buy anyway, a cap per code and a budget per customer',
		},
	],
	default: 'same',
	displayOptions: { show: { resource: ['discountCode'], operation: ['create'] } },
};

export const rulesDescription: INodeProperties[] = [
	{
		displayName:
			'The tier with the highest starting value the cart reaches decides; <b>Discount Type</b> and <b>Amount</b> above apply to carts no tier fits (below the lowest tier, or in another currency). The rule that chose the amount is kept with the code and shown in the output.',
		name: 'rulesNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	{
		displayName: 'Tiers by Cart Value',
		name: 'tiers',
		type: 'fixedCollection',
		placeholder: 'Add Tier',
		typeOptions: { multipleValues: true, sortable: true },
		default: {
			tier: [
				{ from: 5000, kind: 'percent', amount: 10 },
				{ from: 30000, kind: 'fixed', amount: 3000 },
			],
		},
		displayOptions: { show },
		options: [
			{
				displayName: 'Tier',
				name: 'tier',
				values: [
					{ displayName: 'From Cart Value', name: 'from', type: 'number', default: 0, typeOptions: { minValue: 0 }, description: 'Carts worth at least this much, in the rules’ currency' },
					{
						displayName: 'Discount Type',
						name: 'kind',
						type: 'options',
						options: [
							{ name: 'Percentage', value: 'percent' },
							{ name: 'Fixed Amount', value: 'fixed' },
							{ name: 'Percentage as an Amount', value: 'percentAsAmount', description: 'The percentage of the cart’s value, given as an amount off and rounded down' },
						],
						default: 'percent',
					},
					{ displayName: 'Amount', name: 'amount', type: 'number', default: 10, typeOptions: { minValue: 0 }, description: 'Percent off, or the amount off in the rules’ currency' },
				],
			},
		],
	},
	{
		displayName: 'Rules Currency',
		name: 'rulesCurrency',
		type: 'string',
		default: 'HUF',
		description: 'Three-letter currency code of the tiers, the rounding, the cap and the budget: HUF for forint',
		displayOptions: { show },
	},
	{
		displayName: 'Loyal Customers',
		name: 'loyal',
		type: 'options',
		options: treatmentOptions('half'),
		default: 'half',
		description: 'Customers with several orders, who often buy anyway (Cart Check names the segment)',
		displayOptions: { show },
	},
	{
		displayName: 'Discount-Seekers',
		name: 'discountSeeker',
		type: 'options',
		options: treatmentOptions('noneOnFirst'),
		default: 'noneOnFirst',
		description: 'Customers who use a code nearly every time they get one',
		displayOptions: { show },
	},
	{
		displayName: 'Cart Value',
		name: 'cartValue',
		type: 'string',
		default: '={{ $json.value }}',
		description: 'The cart’s value from Cart Check. Already filled in: leave it unless you changed the flow.',
		displayOptions: { show },
	},
	{
		displayName: 'Cart Currency',
		name: 'cartCurrency',
		type: 'string',
		default: '={{ $json.currency }}',
		description: 'The cart’s currency from Cart Check. Already filled in.',
		displayOptions: { show },
	},
	{
		displayName: 'Customer Segment',
		name: 'segment',
		type: 'string',
		default: '={{ $json.customer?.segment ?? "" }}',
		description: 'The segment Cart Check found (new, returning, loyal, lapsed or discount-seeker). Empty: treated as new.',
		displayOptions: { show },
	},
	{
		displayName: 'More Rules',
		name: 'moreRules',
		type: 'collection',
		placeholder: 'Add rule',
		default: {},
		displayOptions: { show },
		options: [
			{ displayName: 'Budget per Customer (30 Days)', name: 'budget', type: 'number', default: 0, typeOptions: { minValue: 0 }, description: 'The most the codes of one customer may take off in 30 days, in the rules’ currency. A code that would go past it is cut to what is left, or not given. 0 means no budget.' },
			{ displayName: 'Lapsed Customers', name: 'lapsed', type: 'options', options: treatmentOptions('full'), default: 'full', description: 'Customers who ordered before, but not for a long time' },
			{ displayName: 'Maximum Discount per Code', name: 'cap', type: 'number', default: 0, typeOptions: { minValue: 0 }, description: 'A percentage worth more than this on the cart becomes this amount off instead. 0 means no cap.' },
			{ displayName: 'New Customers', name: 'new', type: 'options', options: treatmentOptions('full'), default: 'full', description: 'Customers who never ordered' },
			{ displayName: 'Returning Customers', name: 'returning', type: 'options', options: treatmentOptions('full'), default: 'full', description: 'Customers who ordered before' },
			{ displayName: 'Round Amounts Down To', name: 'roundTo', type: 'number', default: 500, typeOptions: { minValue: 0 }, description: 'Amounts off are whole multiples of this, in the rules’ currency: 500 gives 2 500 Ft, not 2 637 Ft. Not set: 500 for forint, 1 for other currencies; 0 leaves amounts as worked out.' },
		],
	},
];

interface MoreRules {
	budget?: number;
	cap?: number;
	lapsed?: SegmentTreatment;
	new?: SegmentTreatment;
	returning?: SegmentTreatment;
	roundTo?: number;
}

/** The rules, the cart they apply to and the budget, from the parameters; fails naming the parameter. */
export function readRules(
	ctx: IExecuteFunctions,
	i: number,
	stage: number,
	fallback: PricingRules['fallback'],
): { rules: PricingRules; input: PricingInput; budget: number | null } {
	const node = ctx.getNode();
	const more = ctx.getNodeParameter('moreRules', i, {}) as MoreRules;
	const tiers = (ctx.getNodeParameter('tiers.tier', i, []) as Array<{ from?: number; kind?: TierKind; amount?: number }>).map(
		(t): PriceTier => ({ from: Number(t.from ?? 0), kind: t.kind ?? 'percent', amount: Number(t.amount ?? 0) }),
	);
	const currency = currencyOrFail(node, 'Rules Currency', ctx.getNodeParameter('rulesCurrency', i, 'HUF'), i);
	const rules: PricingRules = {
		currency,
		tiers,
		fallback,
		// Forint amounts are given in round hundreds or five hundreds; other currencies' whole units by default.
		roundTo: Number(more.roundTo ?? (currency === 'HUF' ? 500 : 1)),
		cap: more.cap ? Number(more.cap) : null,
		treatments: {
			loyal: ctx.getNodeParameter('loyal', i, DEFAULT_TREATMENTS.loyal) as SegmentTreatment,
			'discount-seeker': ctx.getNodeParameter('discountSeeker', i, DEFAULT_TREATMENTS['discount-seeker']) as SegmentTreatment,
			lapsed: more.lapsed ?? 'full',
			new: more.new ?? 'full',
			returning: more.returning ?? 'full',
		},
	};
	const problems = rulesProblems(rules);
	if (problems.length) throw new NodeOperationError(node, problems[0], { itemIndex: i, description: problems.slice(1).join('; ') || undefined });

	const value = optionalNumber(ctx, 'cartValue', 'Cart Value', i);
	if (value === null || value < 0) {
		throw new NodeOperationError(node, '"Cart Value" is empty', { itemIndex: i, description: 'By Rules needs the cart’s value: put Discount Code after Cart Check, or set Cart Value' });
	}
	const cartCurrency = currencyOrFail(node, 'Cart Currency', ctx.getNodeParameter('cartCurrency', i, ''), i);
	const rawSegment = String(ctx.getNodeParameter('segment', i, '') ?? '').trim().toLowerCase();
	if (rawSegment && !CUSTOMER_SEGMENTS.includes(rawSegment as CustomerSegment)) {
		throw new NodeOperationError(node, `"Customer Segment" must be one of ${CUSTOMER_SEGMENTS.join(', ')}, not "${rawSegment}"`, { itemIndex: i });
	}
	const budget = more.budget ? Number(more.budget) : null;
	return { rules, input: { value, currency: cartCurrency, segment: (rawSegment || null) as CustomerSegment | null, stage }, budget };
}

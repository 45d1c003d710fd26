import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { carryForward, withResult } from '../../../../lib/n8n/outcome';
import { hasWebshopCredential, shopClientFor } from '../../../../lib/n8n/shop';
import {
	cleanPrefix,
	DEFAULT_RANDOM_LENGTH,
	generateDiscountCode,
	MIN_RANDOM_LENGTH,
	ShopSyncError,
	type ShopDiscount,
	type ShopSyncResult,
} from '../../../../lib/shop';
import { chooseDiscount, reduceToBudget, type PricingDecision } from '../../../../lib/pricing';
import type { DiscountCode, IssueDiscountCodeResult } from '../../../../lib/store';
import { discountJson, perItem, requiredString, str, type OperationContext, type OperationResult } from '../common';
import { pricingProperty, readRules, rulesDescription } from './rules';

const show = { resource: ['discountCode'], operation: ['create'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Cart ID',
		name: 'cartId',
		type: 'string',
		default: '={{ $json.cart_id }}',
		required: true,
		description: 'The cart’s ID from the trigger. One code per cart and stage: running again returns the same code.',
		displayOptions: { show },
	},
	{
		displayName: 'Stage',
		name: 'stage',
		type: 'number',
		default: 2,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		description: 'The follow-up the code is for (1, 2, 3 …). A cart gets a new code only with a new stage number.',
		displayOptions: { show },
	},
	pricingProperty,
	{
		displayName: 'Discount Type',
		name: 'discountType',
		type: 'options',
		options: [
			{ name: 'Percentage', value: 'percent' },
			{ name: 'Fixed Amount', value: 'fixed' },
		],
		default: 'percent',
		displayOptions: { show },
	},
	{
		displayName: 'Amount',
		name: 'amount',
		type: 'number',
		default: 10,
		typeOptions: { minValue: 0 },
		description: 'Percent off (1–100), or the amount off in the currency below, e.g. 2000 for 2 000 Ft. By Rules: for carts no tier fits.',
		displayOptions: { show },
	},
	{
		displayName: 'Currency',
		name: 'currency',
		type: 'string',
		default: 'HUF',
		description: 'Three-letter currency code of the amount: HUF for forint (not Ft), EUR for euro',
		displayOptions: { show: { ...show, discountType: ['fixed'] } },
	},
	...rulesDescription,
	{
		displayName: 'Customer ID',
		name: 'customerId',
		type: 'string',
		default: '={{ $json.customer_id }}',
		description: 'The customer’s ID from the trigger. With Bind to Customer on (the default), only they can use the code.',
		displayOptions: { show },
	},
	{
		displayName: 'Customer Email',
		name: 'customerEmail',
		type: 'string',
		placeholder: 'name@email.com',
		default: '={{ $json.email }}',
		description: 'The customer’s email address from the trigger; recognises the customer when the shop sends no customer ID',
		displayOptions: { show },
	},
	{
		displayName: 'Sync to Shop',
		name: 'syncToShop',
		type: 'boolean',
		default: false,
		description:
			'Whether to create the code in WooCommerce or Shopify too (needs the Webshop credential). If the shop refuses it, the code is cancelled here and the item fails. If the shop cannot be reached, the item fails and running it again finishes the job.',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Bind to Customer',
				name: 'bindToCustomer',
				type: 'boolean',
				default: true,
				description: 'Whether only this customer may redeem the code',
			},
			{
				displayName: 'Code Length',
				name: 'codeLength',
				type: 'number',
				default: DEFAULT_RANDOM_LENGTH,
				typeOptions: { minValue: MIN_RANDOM_LENGTH, maxValue: 32, numberPrecision: 0 },
				description: 'How many random characters follow the prefix (at least 8). Look-alikes such as 0 and O, or 1, I and L, are never used.',
			},
			{
				displayName: 'Minimum Order Value',
				name: 'minimumOrder',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description: 'The smallest order total the code works for, in the order’s currency; 0 means no minimum',
			},
			{
				displayName: 'Prefix',
				name: 'prefix',
				type: 'string',
				default: 'KOSAR-',
				description: 'Text in front of the random part: letters, digits, - and _ (up to 20)',
			},
			{
				displayName: 'Usage Limit',
				name: 'usageLimit',
				type: 'number',
				default: 1,
				typeOptions: { minValue: 1, numberPrecision: 0 },
				description: 'How many orders may use the code',
			},
			{
				displayName: 'Valid For (Days)',
				name: 'validityDays',
				type: 'number',
				default: 7,
				typeOptions: { minValue: 1, numberPrecision: 0 },
				description: 'How many days the code works, from when it is made',
			},
		],
	},
];

interface CreateOptions {
	bindToCustomer?: boolean;
	codeLength?: number;
	minimumOrder?: number;
	prefix?: string;
	usageLimit?: number;
	validityDays?: number;
}

function shopDiscount(code: DiscountCode, customer: { id: string | null; email: string | null }): ShopDiscount {
	return {
		code: code.code,
		kind: code.kind,
		amount: code.amount,
		currency: code.currency,
		minimumOrder: code.minimum_order,
		usageLimit: code.usage_limit,
		validFrom: code.valid_from,
		validUntil: code.valid_until,
		customerEmail: code.customer_ref ? customer.email : null,
		shopCustomerId: code.customer_ref ? customer.id : null,
		description: `Cart recovery: cart ${code.cart_id}, stage ${code.stage}`,
	};
}

/** Adds discount: { code, kind, amount, amount_text, valid_until, …, created, synced_to }. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const cartId = requiredString(this, 'cartId', 'Cart ID', i, 'Set Cart ID to the cart’s ID from the Abandoned Cart Trigger');
		const stage = Number(this.getNodeParameter('stage', i, 1));
		if (!Number.isInteger(stage) || stage < 1) throw new NodeOperationError(this.getNode(), `"Stage" must be a whole number from 1, not ${stage}`, { itemIndex: i });
		const kind = this.getNodeParameter('discountType', i, 'percent') as 'percent' | 'fixed';
		const amount = Number(this.getNodeParameter('amount', i, 0));
		if (!(amount > 0) || (kind === 'percent' && amount > 100)) {
			throw new NodeOperationError(this.getNode(), `"Amount" must be ${kind === 'percent' ? 'between 0 and 100' : 'above 0'}, not ${amount}`, { itemIndex: i });
		}
		const currency = kind === 'fixed' ? (str(this.getNodeParameter('currency', i, 'HUF')) ?? '').toUpperCase() : null;
		if (kind === 'fixed' && !/^[A-Z]{3}$/.test(currency ?? '')) {
			throw new NodeOperationError(this.getNode(), `"Currency" must be a three-letter code such as HUF, not "${currency}"`, { itemIndex: i });
		}
		const options = this.getNodeParameter('options', i, {}) as CreateOptions;
		const customerId = str(this.getNodeParameter('customerId', i, ''));
		const customerEmail = str(this.getNodeParameter('customerEmail', i, ''))?.toLowerCase() ?? null;
		const bind = options.bindToCustomer !== false;
		if (bind && !customerId && !customerEmail) {
			throw new NodeOperationError(this.getNode(), '"Customer ID" and "Customer Email" are both empty', {
				itemIndex: i,
				description: 'A code bound to the customer needs one of them; or turn off the "Bind to Customer" option',
			});
		}
		let prefix: string;
		try {
			prefix = cleanPrefix(options.prefix ?? 'KOSAR-');
		} catch (error) {
			throw new NodeOperationError(this.getNode(), `"Prefix": ${(error as Error).message}`, { itemIndex: i });
		}
		const length = options.codeLength ?? DEFAULT_RANDOM_LENGTH;
		if (!Number.isInteger(length) || length < MIN_RANDOM_LENGTH || length > 32) {
			throw new NodeOperationError(this.getNode(), `"Code Length" must be ${MIN_RANDOM_LENGTH}–32, not ${length}`, { itemIndex: i });
		}
		const days = options.validityDays ?? 7;
		if (!(days > 0)) throw new NodeOperationError(this.getNode(), `"Valid For (Days)" must be above 0, not ${days}`, { itemIndex: i });
		const usageLimit = options.usageLimit ?? 1;
		if (!Number.isInteger(usageLimit) || usageLimit < 1) {
			throw new NodeOperationError(this.getNode(), `"Usage Limit" must be a whole number from 1, not ${usageLimit}`, { itemIndex: i });
		}
		const sync = this.getNodeParameter('syncToShop', i, false) as boolean;
		if (sync && !hasWebshopCredential(this)) {
			throw new NodeOperationError(this.getNode(), '"Sync to Shop" needs a Webshop credential', {
				itemIndex: i,
				description: 'Select the Webshop credential of your WooCommerce or Shopify shop, or turn "Sync to Shop" off',
			});
		}
		const minimumOrder = options.minimumOrder ? Number(options.minimumOrder) : null;
		const validUntil = new Date(Date.now() + days * 86_400_000);

		// By Rules: the amount follows the cart, the customer and the stage; the store holds the budget.
		const byRules = this.getNodeParameter('pricing', i, 'same') === 'rules' ? readRules(this, i, stage, { kind, amount, currency }) : null;
		let decision: PricingDecision | null = byRules ? chooseDiscount(byRules.input, byRules.rules) : null;
		const issue = async (chosen: PricingDecision | null): Promise<IssueDiscountCodeResult | undefined> => {
			const given = chosen?.give ? chosen : null;
			const budget = byRules?.budget != null && given?.worthCurrency === byRules.rules.currency ? byRules.budget : null;
			for (let attempt = 0; attempt < 5; attempt++) {
				const answer = await store.issueDiscountCode({
					code: generateDiscountCode(prefix, length),
					kind: given?.kind ?? kind,
					amount: given?.amount ?? amount,
					currency: given ? given.currency : currency,
					validUntil,
					cartId,
					stage,
					customerRef: bind ? (customerId ?? customerEmail) : null,
					customerEmail: bind ? customerEmail : null,
					minimumOrder,
					usageLimit,
					...(given ? { rule: { ...given.rule }, worth: given.worth, worthCurrency: given.worthCurrency, budget } : {}),
				});
				if (!answer.collision) return answer;
			}
			return undefined;
		};

		let issued = decision && !decision.give ? undefined : await issue(decision);
		if (issued?.over_budget && decision?.give && byRules) {
			decision = reduceToBudget(decision, issued.budget_left ?? 0, byRules.rules);
			issued = decision.give ? await issue(decision) : undefined;
			// Another cart of the customer took the rest meanwhile.
			if (issued?.over_budget && decision.give) decision = reduceToBudget(decision, issued.budget_left ?? 0, byRules.rules);
		}
		if (decision && (!decision.give || issued?.over_budget)) {
			const reason = decision.give ? 'No code: the customer’s discount budget is used up' : decision.reason;
			const json = withResult(`${reason.replace(/^No code/, `No code for stage ${stage}`)}`, {
				...carryForward(items[i].json),
				discount: null,
				discount_decision: { given: false, reason, stage, rule: { ...decision.rule } },
			});
			return { output: 0, json };
		}
		if (!issued?.code) {
			throw new NodeOperationError(this.getNode(), 'Could not draw an unused code in 5 attempts', {
				itemIndex: i,
				description: 'Make "Code Length" longer (an option of this node)',
			});
		}
		let code = issued.code;
		if (code.status !== 'active' || new Date(code.valid_until).getTime() <= Date.now()) {
			throw new NodeOperationError(this.getNode(), `The code of cart "${cartId}" stage ${stage} is ${code.status === 'active' ? 'expired' : code.status}`, {
				itemIndex: i,
				description: 'A deactivated or expired code is never passed on. Use another stage number for a new code.',
			});
		}

		if (sync && !code.synced_at) {
			let synced: ShopSyncResult;
			try {
				const shop = await shopClientFor(this, i);
				// Not created now → an earlier run may have made it in the shop already: look it up before creating.
				synced = await shop.sync(shopDiscount(code, { id: customerId, email: customerEmail }), !issued.created);
			} catch (error) {
				if (error instanceof ShopSyncError && error.transient) {
					// No answer, 429 or 5xx even after the retries: the shop neither took nor refused the code. It stays
					// active and unsynced here and is not passed on; a rerun for this cart and stage returns the same code
					// and looks it up in the shop first, so one the shop did create is found, not made twice.
					throw new NodeOperationError(this.getNode(), `${error.message} (after retries)`, {
						itemIndex: i,
						description:
							'The shop is unavailable or rate-limiting. The code was kept, not passed on: run the node again for this cart and stage to finish the sync (the shop is asked whether it already has the code).',
					});
				}
				// A real refusal (4xx, wrong credential or platform): a code the shop does not know is useless, so it is
				// taken out of circulation as "rejected" and a rerun draws a fresh one.
				const reason = error instanceof ShopSyncError ? error.message : `Shop sync failed: ${(error as Error).message}`;
				await store.deactivateDiscountCode(code.code, reason, true);
				throw new NodeOperationError(this.getNode(), reason, {
					itemIndex: i,
					description:
						error instanceof ShopSyncError && (error.status === 401 || error.status === 403)
							? 'Check the keys in the Webshop credential (WooCommerce: read/write key; Shopify: write_price_rules / write_discounts access)'
							: 'The code was deactivated. Running the node again for this cart and stage draws a fresh code.',
				});
			}
			try {
				code = await store.markDiscountSynced(code.code, synced.platform, synced.shopRef);
			} catch (error) {
				// The shop accepted the code, so it is live there. Deactivating it here would not stop it in the shop
				// (the shop checks its own coupons at checkout) and a rerun would issue a second live code for the
				// same cart and stage. So it stays active and unsynced, is not passed on, and a rerun returns the same
				// code, finds it in the shop (mayExist) and records the sync.
				throw new NodeOperationError(this.getNode(), `The shop accepted code ${code.code}, but the store could not record it: ${(error as Error).message}`, {
					itemIndex: i,
					description: `The code is live in ${synced.platform} (ref ${synced.shopRef}) and kept active here, not passed on. Run the node again for this cart and stage once the store is reachable: it finds the code in the shop and records the sync.`,
				});
			}
		}
		const discount = discountJson(code);
		const rule = code.rule as { text?: string } | null | undefined;
		const result = `Code ${code.code} ready for stage ${code.stage}: ${String(discount.amount_text)} off${discount.valid_until_text ? ` until ${String(discount.valid_until_text)}` : ''}${rule?.text ? ` (${rule.text})` : ''}`;
		return { output: 0, json: withResult(result, { ...carryForward(items[i].json), discount: { ...discount, created: issued.created } }) };
	});
}

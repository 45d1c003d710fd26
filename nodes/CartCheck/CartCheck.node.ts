import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { toNodeError } from '../../lib/n8n/errors';
import { carryForward, channelName, lastSent, reportToExecution, withResult } from '../../lib/n8n/outcome';
import { expression, grouped, live, money, text } from '../../lib/n8n/subtitleText';
import { formatMoney } from '../../lib/templates/helpers';
import { currencyOrFail } from '../../lib/n8n/isoCodes';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import { SEGMENT_NAMES } from '../../lib/pricing';
import { MAX_RECOMMENDATIONS, withPriceText } from '../../lib/recommendations';
import type { Cart, CartRecoveryStore, CustomerHistory, RecommendedProduct, SegmentRules } from '../../lib/store';
import { classifyCart, minimumValues, type CartCheckOutcome, type CartCheckResult } from './classifyCart';

const OUTPUT_INDEX: Record<CartCheckOutcome, number> = {
	stillAbandoned: 0,
	activeAgain: 1,
	purchased: 2,
	notEligible: 3,
};

export class CartCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Cart Check',
		name: 'cartCheck',
		icon: { light: 'file:cartRecovery.svg', dark: 'file:cartRecovery.dark.svg' },
		group: ['transform'],
		version: 1,
		// "abandoned after 30 min · from 5 000 Ft" (or "· any value" with no minimum), also when read from Settings.
		subtitle: expression(
			text('abandoned after '),
			grouped(live('inactivityMinutes', '30')),
			text(' min · '),
			`((v, m) => (v === "0" ? "any value" : "from " + m))(${live('minimumValue', '5000')}, ${money(live('minimumValue', '5000'), live('minimumCurrency', 'HUF'))})`,
		),
		description: 'Looks at a cart again after a wait and sends it on by what happened: still abandoned, active again, purchased or not eligible',
		defaults: { name: 'Cart Check' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Still Abandoned', 'Active Again', 'Purchased', 'Not Eligible'],
		usableAsTool: true,
		credentials: [{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' }],
		properties: [
			{
				displayName:
					'Place this after each Wait. <b>Still Abandoned</b>: the cart is untouched, the follow-ups go on. <b>Active Again</b>: the shopper is back in the cart; it carries the time the cart would next count as abandoned, so a Wait can hold it until then and come back here. <b>Purchased</b>: the shopper bought, the flow ends. <b>Not Eligible</b>: the cart went quiet but is empty, below the minimum value, or its recovery was closed; the flow ends.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Cart ID',
				name: 'cartId',
				type: 'string',
				default: '={{ $json.cart_id }}',
				required: true,
				description: 'The cart’s ID from the Abandoned Cart Trigger. Already filled in: leave it unless you changed the flow.',
			},
			{
				displayName: 'Inactivity Threshold (Minutes)',
				name: 'inactivityMinutes',
				type: 'number',
				default: 30,
				typeOptions: { minValue: 1, numberPrecision: 0 },
				description: 'A cart counts as abandoned when nothing happened in it for this many minutes',
			},
			{
				displayName: 'Minimum Cart Value',
				name: 'minimumValue',
				type: 'number',
				default: 5000,
				typeOptions: { minValue: 0 },
				description: 'Quiet carts worth less than this go to Not Eligible; 0 means no minimum. For carts in the currency below.',
			},
			{
				displayName: 'Minimum Value Currency',
				name: 'minimumCurrency',
				type: 'string',
				default: 'HUF',
				placeholder: 'HUF',
				description: 'Three-letter currency code of the minimum above: HUF for forint (not Ft), EUR for euro',
			},
			{
				displayName: 'Minimums in Other Currencies',
				name: 'otherMinimums',
				type: 'fixedCollection',
				placeholder: 'Add Currency',
				default: {},
				typeOptions: { multipleValues: true },
				description: 'Minimums for carts in other currencies. A cart in a currency with no minimum set here or above has none.',
				options: [
					{
						displayName: 'Minimum',
						name: 'minimum',
						values: [
							{ displayName: 'Currency', name: 'currency', type: 'string', default: 'EUR', placeholder: 'EUR', description: 'Three-letter currency code, e.g. EUR' },
							{ displayName: 'Minimum Value', name: 'value', type: 'number', default: 15, typeOptions: { minValue: 0 } },
						],
					},
				],
			},
			{
				displayName: 'Products to Recommend',
				name: 'recommendProducts',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0, maxValue: 10, numberPrecision: 0 },
				description:
					'How many “you may also like” products a still abandoned cart carries on to the send nodes (0: none). First what other customers bought together with the cart’s items, then the shop’s best sellers at similar prices; never what is already in the cart or what the customer bought before. Learned from the carts and orders your shop sends.',
			},
			{
				displayName: 'Customer Segments',
				name: 'segments',
				type: 'collection',
				placeholder: 'Change a threshold',
				default: {},
				description:
					'Each cart goes on with its customer’s segment (new, returning, loyal, lapsed or discount-seeker) and order history, for a Switch node, the templates and Discount Code’s rules. The thresholds here decide the segments.',
				options: [
					{
						displayName: 'Discount-Seeker From (Codes Used)',
						name: 'seekerCodes',
						type: 'number',
						default: 2,
						typeOptions: { minValue: 1, numberPrecision: 0 },
						description: 'A customer who used at least this many codes, for nearly every cart they got one for (see the share below), is a discount-seeker',
					},
					{
						displayName: 'Discount-Seeker Share (%)',
						name: 'seekerPercent',
						type: 'number',
						default: 80,
						typeOptions: { minValue: 0, maxValue: 100 },
						description: 'How many of the carts they got a code for they used one on, in percent',
					},
					{
						displayName: 'Lapsed After (Days Without an Order)',
						name: 'lapsedDays',
						type: 'number',
						default: 90,
						typeOptions: { minValue: 1, numberPrecision: 0 },
						description: 'A customer who ordered before, but not for this many days, is lapsed',
					},
					{
						displayName: 'Loyal From (Orders)',
						name: 'loyalOrders',
						type: 'number',
						default: 3,
						typeOptions: { minValue: 2, numberPrecision: 0 },
						description: 'A customer with at least this many orders is loyal; one with fewer is returning',
					},
				],
			},
		],
	};

	methods = { credentialTest: { cartRecoveryStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const outputs: INodeExecutionData[][] = [[], [], [], []];
		const now = new Date();

		// The parameters first, before the store is touched (reading a cart notes a customer's return): a currency
		// that is no ISO 4217 code would never match a cart's, so its minimum would silently never apply.
		const settings: Array<{ minimums: Record<string, number>; inactivityMinutes: number; segmentRules: SegmentRules; recommend: number } | Error> = items.map((_, i) => {
			try {
				const main = {
					currency: currencyOrFail(this.getNode(), 'Minimum Value Currency', this.getNodeParameter('minimumCurrency', i, 'HUF'), i),
					value: this.getNodeParameter('minimumValue', i) as number,
				};
				const others = (this.getNodeParameter('otherMinimums.minimum', i, []) as Array<{ currency?: string; value?: number }>).map((entry) => ({
					...entry,
					currency: currencyOrFail(this.getNode(), 'Minimums in Other Currencies → Currency', entry.currency, i),
				}));
				return {
					minimums: minimumValues(main, others),
					inactivityMinutes: this.getNodeParameter('inactivityMinutes', i) as number,
					segmentRules: segmentRules(this.getNode(), this.getNodeParameter('segments', i, {}) as SegmentParameters, i),
					recommend: productsToRecommend(this.getNode(), this.getNodeParameter('recommendProducts', i, 0), i),
				};
			} catch (error) {
				if (!this.continueOnFail()) throw toNodeError(this.getNode(), error, i);
				return error as Error;
			}
		});
		const store = await storeFor(this);
		const executionId = this.getExecutionId() ?? null;

		for (let i = 0; i < items.length; i++) {
			try {
				const setting = settings[i];
				if (setting instanceof Error) throw setting;
				const cartId = String(this.getNodeParameter('cartId', i) ?? '').trim();
				if (!cartId) {
					throw new NodeOperationError(this.getNode(), 'Cart ID is empty', {
						itemIndex: i,
						description: 'Set Cart ID to the cart’s ID from the Abandoned Cart Trigger',
					});
				}
				// Reading the cart also notes which execution runs its flow: if a worker dies under it, the Error
				// Trigger's Restart Stopped Flow finds the cart by that execution's id and starts its flow again.
				const cart = await store.checkCart(cartId, executionId, setting.segmentRules);
				if (!cart && (await customerErased(store, items[i].json))) {
					// The customer asked for erasure while this run waited: the sequence ends here, quietly and as a
					// success, so n8n keeps no failed execution holding their data. Only the cart id goes on.
					const result = 'Stopped: the customer’s data was erased';
					const json = withResult(result, {
						cart_id: cartId,
						cart_check: { outcome: 'notEligible', reason: 'The customer’s data was erased: the sequence stops', checked_at: now.toISOString() },
					});
					reportToExecution(this, json, result);
					outputs[OUTPUT_INDEX.notEligible].push({ json, pairedItem: { item: i } });
					continue;
				}
				if (!cart) {
					throw new NodeOperationError(this.getNode(), `Cart "${cartId}" is not in the store`, {
						itemIndex: i,
						description: 'Check "Cart ID" and that this workflow uses the same Cart Recovery Store credential as the trigger',
					});
				}
				const check = classifyCart(cart, { now, inactivityMinutes: setting.inactivityMinutes, minimumValues: setting.minimums });
				const earlier = carryForward(items[i].json);
				// An earlier check's products never travel on: each check recommends afresh, or not at all.
				delete earlier.recommendations;
				const recommendations = check.outcome === 'stillAbandoned' && setting.recommend > 0 ? await recommend(this, store, cartId, setting.recommend, cart) : undefined;
				const result = cartCheckSentence(check, cart, earlier, recommendations);
				const json = withResult(result, {
					...earlier,
					...cart,
					cart_check: check as unknown as IDataObject,
					...(recommendations ? { recommendations: recommendations as unknown as IDataObject[] } : {}),
				});
				// Every check reports: a run waiting for its next stage shows where it stands too.
				reportToExecution(this, json, result, lastSent(json)?.stage);
				outputs[OUTPUT_INDEX[check.outcome]].push({ json, pairedItem: { item: i } });
			} catch (error) {
				if (this.continueOnFail()) {
					// Never on Still Abandoned: that output sends follow-ups. A cart that cannot be checked is not chased.
					outputs[OUTPUT_INDEX.notEligible].push({ json: { ...items[i].json, error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				throw toNodeError(this.getNode(), error, i);
			}
		}
		return outputs;
	}
}

/** Whether the customer the trigger named for this item has been erased (the store keeps only salted hashes of them). */
async function customerErased(store: CartRecoveryStore, json: IDataObject): Promise<boolean> {
	const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : null);
	const subject = { customerId: text(json.customer_id), email: text(json.email), phone: text(json.phone) };
	if (!subject.customerId && !subject.email && !subject.phone) return false;
	const decisions = await store.checkConsent(subject, ['email', 'sms']);
	return decisions.some((d) => d.reason === 'suppressed');
}

/** The check in one sentence: "Stopped: bought after stage 1 (email)", "Stopped: the cart (3 990 Ft) is below the 5 000 Ft minimum". */
function cartCheckSentence(check: CartCheckResult, cart: Cart, json: IDataObject, recommendations?: RecommendedProduct[]): string {
	const money = (value: number) => formatMoney(value, cart.currency, cart.locale ?? 'hu-HU');
	switch (check.outcome) {
		case 'purchased': {
			const last = lastSent(json);
			return last ? `Stopped: bought after stage ${last.stage} (${channelName(last.channel)})` : 'Stopped: bought before any reminder was sent';
		}
		case 'notEligible':
			if (cart.status === 'closed') return 'Stopped: recovery was closed for this cart';
			if (cart.items.length === 0) return 'Stopped: the cart is empty';
			return `Stopped: the cart (${money(cart.value)}) is below the ${money(check.minimum_value ?? 0)} minimum`;
		case 'activeAgain':
			return `Waiting: the customer is shopping again (active ${check.inactive_minutes} min ago)`;
		case 'stillAbandoned':
			return `Still abandoned: no activity for ${check.inactive_minutes} min${cart.customer ? ` · ${customerText(cart.customer)}` : ''}${recommendations ? ` · ${recommendationText(recommendations)}` : ''}`;
	}
}

/**
 * The cart's recommendations, or none when the store cannot give them: a nice-to-have never stops a reminder (the
 * n8n log says why).
 */
async function recommend(ctx: IExecuteFunctions, store: CartRecoveryStore, cartId: string, limit: number, cart: Cart): Promise<RecommendedProduct[] | undefined> {
	try {
		return withPriceText((await store.recommendProducts(cartId, limit)).products, cart);
	} catch (error) {
		ctx.logger.warn(`Cart Check: no recommendations for cart ${cartId}: ${(error as Error).message}`);
		return undefined;
	}
}

/** "3 products recommended (2 bought together)", "no products to recommend yet". */
function recommendationText(products: RecommendedProduct[]): string {
	if (!products.length) return 'no products to recommend yet';
	const together = products.filter((p) => p.reason === 'bought_together').length;
	const count = products.length === 1 ? '1 product recommended' : `${products.length} products recommended`;
	return together === products.length ? `${count}, bought together with its items` : together ? `${count} (${together} bought together with its items)` : `${count}: best sellers at similar prices`;
}

/** Products to Recommend: a whole number from 0 to 10 (an expression can give anything). */
function productsToRecommend(node: INode, value: unknown, itemIndex: number): number {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_RECOMMENDATIONS) {
		throw new NodeOperationError(node, `"Products to Recommend" must be a whole number from 0 to ${MAX_RECOMMENDATIONS}, not ${JSON.stringify(value)}`, { itemIndex });
	}
	return n;
}

/** "loyal customer (4 orders)", "new customer". */
function customerText(customer: CustomerHistory): string {
	const orders = customer.orders === 1 ? '1 order' : `${customer.orders} orders`;
	return customer.segment === 'new' ? SEGMENT_NAMES.new : `${SEGMENT_NAMES[customer.segment]} (${orders})`;
}

interface SegmentParameters {
	loyalOrders?: number;
	lapsedDays?: number;
	seekerCodes?: number;
	seekerPercent?: number;
}

/** The store's thresholds from the node's; one left out takes the store's default (the same as the node's). */
function segmentRules(node: INode, p: SegmentParameters, itemIndex: number): SegmentRules {
	const limits: Array<[keyof SegmentParameters, string, number, number]> = [
		['loyalOrders', 'Loyal From (Orders)', 2, Infinity],
		['lapsedDays', 'Lapsed After (Days Without an Order)', 1, Infinity],
		['seekerCodes', 'Discount-Seeker From (Codes Used)', 1, Infinity],
		['seekerPercent', 'Discount-Seeker Share (%)', 0, 100],
	];
	for (const [name, label, min, max] of limits) {
		const value = p[name];
		if (value !== undefined && !(typeof value === 'number' && value >= min && value <= max)) {
			throw new NodeOperationError(node, `"Customer Segments → ${label}" must be a number ${max === Infinity ? `from ${min}` : `from ${min} to ${max}`}, not ${JSON.stringify(value)}`, { itemIndex });
		}
	}
	return {
		loyal_orders: p.loyalOrders,
		lapsed_days: p.lapsedDays,
		seeker_codes: p.seekerCodes,
		seeker_share: p.seekerPercent === undefined ? undefined : p.seekerPercent / 100,
	};
}

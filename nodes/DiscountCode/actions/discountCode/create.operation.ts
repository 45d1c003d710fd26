import { NodeOperationError, type IExecuteFunctions, type IHttpRequestMethods, type INodeProperties } from 'n8n-workflow';

import {
	cleanPrefix,
	DEFAULT_RANDOM_LENGTH,
	generateDiscountCode,
	MIN_RANDOM_LENGTH,
	ShopSyncError,
	syncShopifyDiscount,
	syncWooCoupon,
	type ShopDiscount,
	type ShopHttp,
	type ShopSyncResult,
} from '../../../../lib/shop';
import type { DiscountCode } from '../../../../lib/store';
import { discountJson, perItem, requiredString, str, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['discountCode'], operation: ['create'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Cart ID',
		name: 'cartId',
		type: 'string',
		default: '={{ $json.cart_id }}',
		required: true,
		description: 'One code per cart and stage: running again for the same cart and stage returns the same code',
		displayOptions: { show },
	},
	{
		displayName: 'Stage',
		name: 'stage',
		type: 'number',
		default: 2,
		typeOptions: { minValue: 1 },
		description: 'The follow-up stage the code belongs to (the seed: stage 2 = SMS with 10%, stage 3 = final offer with 20%)',
		displayOptions: { show },
	},
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
		typeOptions: { minValue: 0, numberPrecision: 2 },
		description: 'Percent off (1–100), or the amount off in the currency below',
		displayOptions: { show },
	},
	{
		displayName: 'Currency',
		name: 'currency',
		type: 'string',
		default: 'HUF',
		description: 'Three-letter currency code of a fixed amount, e.g. HUF or EUR',
		displayOptions: { show: { ...show, discountType: ['fixed'] } },
	},
	{
		displayName: 'Customer ID',
		name: 'customerId',
		type: 'string',
		default: '={{ $json.customer_id }}',
		description: 'The code works only for this customer (matched by ID, else by email)',
		displayOptions: { show },
	},
	{
		displayName: 'Customer Email',
		name: 'customerEmail',
		type: 'string',
		placeholder: 'name@email.com',
		default: '={{ $json.email }}',
		displayOptions: { show },
	},
	{
		displayName: 'Sync to Shop',
		name: 'syncToShop',
		type: 'boolean',
		default: false,
		description:
			'Whether to create the code in WooCommerce or Shopify too (Webshop credential). If the shop refuses it, the item fails and the code is deactivated here.',
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
				typeOptions: { minValue: MIN_RANDOM_LENGTH, maxValue: 32 },
				description: 'Random characters after the prefix (at least 8), from an alphabet without 0/O and 1/I/L',
			},
			{
				displayName: 'Minimum Order Value',
				name: 'minimumOrder',
				type: 'number',
				default: 0,
				typeOptions: { minValue: 0 },
				description: 'In the order’s currency; 0 means no minimum',
			},
			{
				displayName: 'Prefix',
				name: 'prefix',
				type: 'string',
				default: 'KOSAR-',
				description: 'Put in front of the random part: letters, digits, - and _ (up to 20)',
			},
			{
				displayName: 'Usage Limit',
				name: 'usageLimit',
				type: 'number',
				default: 1,
				typeOptions: { minValue: 1 },
				description: 'How many orders may use the code',
			},
			{
				displayName: 'Valid for (Days)',
				name: 'validityDays',
				type: 'number',
				default: 7,
				typeOptions: { minValue: 0.01, numberPrecision: 2 },
				description: 'How long the code works from now',
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

function httpFor(ctx: IExecuteFunctions): ShopHttp {
	return async (request) => {
		const response = (await ctx.helpers.httpRequest({
			method: request.method as IHttpRequestMethods,
			url: request.url,
			headers: request.headers,
			qs: request.qs,
			body: request.body as never,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
		return { statusCode: response.statusCode, headers: response.headers ?? {}, body: response.body };
	};
}

async function syncToShop(ctx: IExecuteFunctions, code: DiscountCode, customer: { id: string | null; email: string | null }, mayExist: boolean, i: number): Promise<ShopSyncResult> {
	const credentials = await ctx.getCredentials('webshopApi', i);
	const platform = String(credentials.platform ?? '');
	const discount: ShopDiscount = {
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
	const http = httpFor(ctx);
	if (platform === 'woocommerce') {
		return syncWooCoupon(
			http,
			{ shopUrl: String(credentials.shopUrl ?? ''), consumerKey: String(credentials.wooConsumerKey ?? ''), consumerSecret: String(credentials.wooConsumerSecret ?? '') },
			discount,
			mayExist,
		);
	}
	if (platform === 'shopify') {
		return syncShopifyDiscount(
			http,
			{ shopUrl: String(credentials.shopUrl ?? ''), accessToken: String(credentials.shopifyAccessToken ?? ''), apiVersion: String(credentials.shopifyApiVersion ?? '') },
			discount,
			mayExist,
		);
	}
	throw new ShopSyncError(`"Sync to Shop" needs a Webshop credential for WooCommerce or Shopify, not "${platform || 'generic'}"`, 0, 'unsupported_platform');
}

/** Adds discount: { code, kind, amount, amount_text, valid_until, …, created, synced_to }. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const cartId = requiredString(this, 'cartId', 'Cart ID', i, 'Map the cart ID of the trigger’s output, e.g. {{ $json.cart_id }}');
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
		if (!(days > 0)) throw new NodeOperationError(this.getNode(), `"Valid for (Days)" must be above 0, not ${days}`, { itemIndex: i });
		const usageLimit = options.usageLimit ?? 1;
		if (!Number.isInteger(usageLimit) || usageLimit < 1) {
			throw new NodeOperationError(this.getNode(), `"Usage Limit" must be a whole number from 1, not ${usageLimit}`, { itemIndex: i });
		}
		const minimumOrder = options.minimumOrder ? Number(options.minimumOrder) : null;
		const validUntil = new Date(Date.now() + days * 86_400_000);

		let issued;
		for (let attempt = 0; attempt < 5; attempt++) {
			issued = await store.issueDiscountCode({
				code: generateDiscountCode(prefix, length),
				kind,
				amount,
				currency,
				validUntil,
				cartId,
				stage,
				customerRef: bind ? (customerId ?? customerEmail) : null,
				customerEmail: bind ? customerEmail : null,
				minimumOrder,
				usageLimit,
			});
			if (!issued.collision) break;
		}
		if (!issued?.code) {
			throw new NodeOperationError(this.getNode(), 'Could not draw an unused code in 5 attempts', {
				itemIndex: i,
				description: 'Make "Code Length" longer',
			});
		}
		let code = issued.code;
		if (code.status !== 'active' || new Date(code.valid_until).getTime() <= Date.now()) {
			throw new NodeOperationError(this.getNode(), `The code of cart "${cartId}" stage ${stage} is ${code.status === 'active' ? 'expired' : code.status}`, {
				itemIndex: i,
				description: 'A deactivated or expired code is never passed on. Use another stage number for a new code.',
			});
		}

		if (this.getNodeParameter('syncToShop', i, false) && !code.synced_at) {
			try {
				const synced = await syncToShop(this, code, { id: customerId, email: customerEmail }, !issued.created, i);
				code = await store.markDiscountSynced(code.code, synced.platform, synced.shopRef);
			} catch (error) {
				// A code the shop does not know is useless: take it out of circulation, never pass it on.
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
		}
		return { output: 0, json: { ...items[i].json, discount: { ...discountJson(code), created: issued.created } } };
	});
}

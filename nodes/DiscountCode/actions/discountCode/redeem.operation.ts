import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { discountJson, optionalNumber, perItem, REFUSAL_MESSAGES, requiredString, str, type OperationContext, type OperationResult } from '../common';
import { orderFields } from './use';

export const description: INodeProperties[] = [
	...orderFields('redeem'),
	{
		displayName: 'Order ID',
		name: 'orderId',
		type: 'string',
		default: '={{ $json.body.order_id }}',
		description: 'Makes redemption idempotent: the same order redeeming again is accepted without a second use',
		displayOptions: { show: { resource: ['discountCode'], operation: ['redeem'] } },
	},
];

/**
 * Redeemed / Rejected. Atomic in the store: of two concurrent redemptions of a single-use code exactly one is
 * Redeemed. The item carries redemption: { redeemed, duplicate, reason, message_hu, message_en, discount }.
 */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 2, 1, async (i) => {
		const code = requiredString(this, 'code', 'Code', i, 'Map the code the customer entered, e.g. {{ $json.body.code }}');
		const result = await store.redeemDiscountCode({
			code,
			orderId: str(this.getNodeParameter('orderId', i, '')),
			customerId: str(this.getNodeParameter('customerId', i, '')),
			email: str(this.getNodeParameter('email', i, '')),
			orderTotal: optionalNumber(this, 'orderTotal', 'Order Total', i),
			currency: str(this.getNodeParameter('currency', i, '')),
		});
		const message = result.reason ? REFUSAL_MESSAGES[result.reason] : null;
		return {
			output: result.redeemed ? 0 : 1,
			json: {
				...items[i].json,
				redemption: {
					redeemed: result.redeemed,
					duplicate: result.duplicate,
					reason: result.reason,
					message_hu: message?.hu ?? null,
					message_en: message?.en ?? null,
					discount: result.code && result.redeemed ? discountJson(result.code) : null,
				},
			},
		};
	});
}

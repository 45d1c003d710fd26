import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { verifiedWebshopBody } from '../../../../lib/n8n/webshopSignature';
import { discountJson, perItem, str, type OperationContext, type OperationResult } from '../common';
import { orderFields, readOrder, refusalFields } from './use';

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
	// With continue-on-fail a failed item goes to the error output (the node's third), never Valid / Redeemed.
	return perItem(this, items, 2, 1, async (i) => {
		// Before anything is read or changed: an unsigned request changes nothing; the fields read the verified body.
		if (this.getNodeParameter('verifySignature', i, true)) await verifiedWebshopBody(this, items[i], i);
		const result = await store.redeemDiscountCode({ ...readOrder(this, i), orderId: str(this.getNodeParameter('orderId', i, '')) });
		return {
			output: result.redeemed ? 0 : 1,
			json: {
				...items[i].json,
				redemption: {
					redeemed: result.redeemed,
					duplicate: result.duplicate,
					...refusalFields(result.reason),
					discount: result.code && result.redeemed ? discountJson(result.code) : null,
				},
			},
		};
	});
}

import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { verifiedWebshopBody } from '../../../../lib/n8n/webshopSignature';
import { discountJson, perItem, requiredString, type OperationContext, type OperationResult } from '../common';
import { orderFields, readOrder, refusalFields } from './use';

export const description: INodeProperties[] = [
	...orderFields('redeem'),
	{
		displayName: 'Order ID',
		name: 'orderId',
		type: 'string',
		default: '={{ $json.body.order_id }}',
		description: 'The order the code is used for, as your shop sends it. The same order redeeming again is accepted without using the code a second time.',
		required: true,
		displayOptions: { show: { resource: ['discountCode'], operation: ['redeem'] } },
	},
];

/**
 * Redeemed / Rejected. Atomic in the store: of two concurrent redemptions of a single-use code exactly one is
 * Redeemed; the same order again gets its first redemption back (duplicate). The item carries redemption:
 * { redeemed, duplicate, redeemed_at, reason, message_hu, message_en, discount }.
 */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	// With continue-on-fail a failed item goes to the error output (the node's third), never Valid / Redeemed.
	return perItem(this, items, 2, 1, async (i) => {
		// Before anything is read or changed: an unsigned request changes nothing; the fields read the verified body.
		if (this.getNodeParameter('verifySignature', i, true)) await verifiedWebshopBody(this, items[i], i);
		const order = readOrder(this, i);
		// Required: without it a replayed request would count another use (a validate body sent to redeem, too).
		const orderId = requiredString(this, 'orderId', 'Order ID', i, 'Set Order ID to the order number the shop sends with the code.');
		const result = await store.redeemDiscountCode({ ...order, orderId });
		return {
			output: result.redeemed ? 0 : 1,
			json: {
				...items[i].json,
				redemption: {
					redeemed: result.redeemed,
					duplicate: result.duplicate,
					redeemed_at: result.redeemed_at,
					...refusalFields(result.reason),
					discount: result.code && result.redeemed ? discountJson(result.code) : null,
				},
			},
		};
	});
}

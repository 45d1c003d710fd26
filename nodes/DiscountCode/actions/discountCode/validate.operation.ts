import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { verifiedWebshopBody } from '../../../../lib/n8n/webshopSignature';
import { discountJson, perItem, type OperationContext, type OperationResult } from '../common';
import { orderFields, readOrder, refusalFields } from './use';

export const description: INodeProperties[] = [...orderFields('validate')];

/** Valid / Invalid; the item carries validation: { valid, reason, message_hu, message_en, discount }. Uses nothing up. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	// With continue-on-fail a failed item goes to the error output (the node's third), never Valid / Redeemed.
	return perItem(this, items, 2, 1, async (i) => {
		// Before anything is read or changed: an unsigned request changes nothing; the fields read the verified body.
		if (this.getNodeParameter('verifySignature', i, true)) await verifiedWebshopBody(this, items[i], i);
		const result = await store.validateDiscountCode(readOrder(this, i));
		return {
			output: result.valid ? 0 : 1,
			json: {
				...items[i].json,
				validation: {
					valid: result.valid,
					...refusalFields(result.reason),
					discount: result.code && result.valid ? discountJson(result.code) : null,
				},
			},
		};
	});
}

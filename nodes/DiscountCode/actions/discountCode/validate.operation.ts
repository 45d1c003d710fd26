import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { discountJson, optionalNumber, perItem, REFUSAL_MESSAGES, requiredString, str, type OperationContext, type OperationResult } from '../common';
import { orderFields } from './use';

export const description: INodeProperties[] = [...orderFields('validate')];

/** Valid / Invalid; the item carries validation: { valid, reason, message_hu, message_en, discount }. Uses nothing up. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 2, 1, async (i) => {
		const code = requiredString(this, 'code', 'Code', i, 'Map the code the customer entered, e.g. {{ $json.body.code }}');
		const result = await store.validateDiscountCode({
			code,
			customerId: str(this.getNodeParameter('customerId', i, '')),
			email: str(this.getNodeParameter('email', i, '')),
			orderTotal: optionalNumber(this, 'orderTotal', 'Order Total', i),
			currency: str(this.getNodeParameter('currency', i, '')),
		});
		const message = result.reason ? REFUSAL_MESSAGES[result.reason] : null;
		return {
			output: result.valid ? 0 : 1,
			json: {
				...items[i].json,
				validation: {
					valid: result.valid,
					reason: result.reason,
					message_hu: message?.hu ?? null,
					message_en: message?.en ?? null,
					discount: result.code && result.valid ? discountJson(result.code) : null,
				},
			},
		};
	});
}

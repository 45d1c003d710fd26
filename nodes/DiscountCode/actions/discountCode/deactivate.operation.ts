import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { discountJson, perItem, requiredString, str, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['discountCode'], operation: ['deactivate'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Code',
		name: 'code',
		type: 'string',
		default: '={{ $json.discount.code }}',
		required: true,
		displayOptions: { show },
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		placeholder: 'Customer bought without the code',
		description: 'Stored with the code',
		displayOptions: { show },
	},
];

/** Idempotent; an unknown code fails the item. Adds discount: { …, status: 'deactivated', changed }. Does not touch the shop. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const code = requiredString(this, 'code', 'Code', i, 'Map the code to deactivate, e.g. {{ $json.discount.code }}');
		const result = await store.deactivateDiscountCode(code, str(this.getNodeParameter('reason', i, '')));
		if (!result.code) {
			throw new NodeOperationError(this.getNode(), `"Code": discount code "${code}" does not exist`, { itemIndex: i });
		}
		return { output: 0, json: { ...items[i].json, discount: { ...discountJson(result.code), changed: result.changed } } };
	});
}

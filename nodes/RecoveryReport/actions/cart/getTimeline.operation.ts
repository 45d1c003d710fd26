import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { perItemRows, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['cart'], operation: ['getTimeline'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Search',
		name: 'query',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. anna@example.hu',
		description: 'A cart ID, customer ID, email address, phone number or first name',
		displayOptions: { show },
	},
	{
		displayName: 'Max Carts',
		name: 'maxCarts',
		type: 'number',
		default: 10,
		typeOptions: { minValue: 1, maxValue: 100, numberPrecision: 0 },
		description: 'The newest matching carts are returned, each with its timeline',
		displayOptions: { show },
	},
];

/** One item per matching cart: the cart and everything that happened to it, oldest first. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItemRows(this, items, async (i) => {
		const query = String(this.getNodeParameter('query', i, '') ?? '').trim();
		if (query.length < 2) throw new NodeOperationError(this.getNode(), 'Search needs at least 2 characters', { itemIndex: i });
		const found = await store.searchCarts(query, Number(this.getNodeParameter('maxCarts', i, 10)) || 10);
		const timelines = await Promise.all(found.carts.map((c) => store.cartTimeline(c.cart_id)));
		return timelines.flatMap((t) => (t.found ? [{ ...t.cart, entries: t.entries } as unknown as IDataObject] : []));
	});
}

import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../common';

export const description: INodeProperties[] = [
	{
		displayName: 'Retention (Days)',
		name: 'retentionDays',
		type: 'number',
		default: 60,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		description:
			'Carts untouched for this many days are deleted with their messages, as are discount codes that expired this long ago and the log of events your webshop sent this long ago. Run it daily from a Schedule Trigger.',
		displayOptions: { show: { resource: ['customerData'], operation: ['purge'] } },
	},
];

/** Runs once per execution (not per item): one item with purge: { carts, messages, discount_codes, inbound_events, cutoff }. */
export async function execute(this: IExecuteFunctions, { store }: OperationContext): Promise<OperationResult> {
	const days = Number(this.getNodeParameter('retentionDays', 0, 60));
	if (!Number.isInteger(days) || days < 1) {
		throw new NodeOperationError(this.getNode(), `"Retention (Days)" must be a whole number of at least 1, not ${days}`);
	}
	const result = await store.purge(days);
	return [[{ json: { purge: { ...result, retention_days: days } }, pairedItem: { item: 0 } }]];
}

import type { INodeProperties } from 'n8n-workflow';

import * as create from './discountCode/create.operation';
import * as deactivate from './discountCode/deactivate.operation';
import * as redeem from './discountCode/redeem.operation';
import * as validate from './discountCode/validate.operation';

export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [{ name: 'Discount Code', value: 'discountCode' }],
		default: 'discountCode',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['discountCode'] } },
		options: [
			{
				name: 'Create',
				value: 'create',
				description: 'Make a unique code for a cart and follow-up stage (running again returns the same code)',
				action: 'Create a discount code',
			},
			{ name: 'Deactivate', value: 'deactivate', description: 'Stop a code from working', action: 'Deactivate a discount code' },
			{
				name: 'Redeem',
				value: 'redeem',
				description: 'Use up a code for an order; your webshop calls this at checkout',
				action: 'Redeem a discount code',
			},
			{
				name: 'Validate',
				value: 'validate',
				description: 'Check a code for an order without using it up; your webshop calls this at checkout',
				action: 'Validate a discount code',
			},
		],
		default: 'create',
	},
	...create.description,
	...validate.description,
	...redeem.description,
	...deactivate.description,
];

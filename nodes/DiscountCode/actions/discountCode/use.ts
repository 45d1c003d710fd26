import type { INodeProperties } from 'n8n-workflow';

/** The order fields Validate and Redeem share (the webshop's redeem/validate call). */
export function orderFields(operation: string): INodeProperties[] {
	const show = { resource: ['discountCode'], operation: [operation] };
	return [
		{
			displayName: 'Code',
			name: 'code',
			type: 'string',
			default: '={{ $json.body.code }}',
			required: true,
			description: 'The code the customer entered (case does not matter)',
			displayOptions: { show },
		},
		{
			displayName: 'Customer ID',
			name: 'customerId',
			type: 'string',
			default: '={{ $json.body.customer_id }}',
			displayOptions: { show },
		},
		{
			displayName: 'Customer Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '={{ $json.body.email }}',
			displayOptions: { show },
		},
		{
			displayName: 'Order Total',
			name: 'orderTotal',
			type: 'string',
			default: '={{ $json.body.total }}',
			placeholder: '12990',
			description: 'Checked against the code’s minimum order value; empty fails a code that has a minimum',
			displayOptions: { show },
		},
		{
			displayName: 'Currency',
			name: 'currency',
			type: 'string',
			default: '={{ $json.body.currency }}',
			placeholder: 'HUF',
			description: 'Checked for fixed-amount codes; empty skips the check',
			displayOptions: { show },
		},
	];
}

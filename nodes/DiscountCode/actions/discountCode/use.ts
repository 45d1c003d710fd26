import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { verifySignatureProperty } from '../../../../lib/n8n/webshopSignature';
import type { DiscountRefusal, DiscountUseInput } from '../../../../lib/store';
import { optionalNumber, REFUSAL_MESSAGE, requiredString, str } from '../common';

/** The order fields Validate and Redeem share (the webshop's redeem/validate call). */
export function orderFields(operation: string): INodeProperties[] {
	const show = { resource: ['discountCode'], operation: [operation] };
	return [
		verifySignatureProperty(show),
		{
			displayName: 'Code',
			name: 'code',
			type: 'string',
			default: '={{ $json.body.code }}',
			required: true,
			description: 'The code the customer entered, as your shop sends it (capitals or small letters do not matter)',
			displayOptions: { show },
		},
		{
			displayName: 'Customer ID',
			name: 'customerId',
			type: 'string',
			default: '={{ $json.body.customer_id }}',
			description: 'The customer’s ID, as your shop sends it; a code made for one customer works only for them',
			displayOptions: { show },
		},
		{
			displayName: 'Customer Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '={{ $json.body.email }}',
			description: 'The customer’s email address, as your shop sends it',
			displayOptions: { show },
		},
		{
			displayName: 'Order Total',
			name: 'orderTotal',
			type: 'string',
			default: '={{ $json.body.total }}',
			placeholder: '12990',
			description: 'The order total, as your shop sends it. Checked against the code’s minimum order value; left empty, a code with a minimum is refused.',
			displayOptions: { show },
		},
		{
			displayName: 'Currency',
			name: 'currency',
			type: 'string',
			default: '={{ $json.body.currency }}',
			placeholder: 'HUF',
			description: 'The order’s currency, as your shop sends it. Checked for fixed-amount codes; left empty, it is not checked.',
			displayOptions: { show },
		},
	];
}

/** The code and order read from the fields above, as the store's validate and redeem calls take them. */
export function readOrder(ctx: IExecuteFunctions, i: number): DiscountUseInput {
	return {
		code: requiredString(ctx, 'code', 'Code', i, 'Set Code to the code the customer entered, as your shop sends it'),
		customerId: str(ctx.getNodeParameter('customerId', i, '')),
		email: str(ctx.getNodeParameter('email', i, '')),
		orderTotal: optionalNumber(ctx, 'orderTotal', 'Order Total', i),
		currency: str(ctx.getNodeParameter('currency', i, '')),
	};
}

/**
 * Why a code was refused (for you, in the execution) and the one message in Hungarian and English the shop shows
 * for any refusal (all null when accepted).
 */
export function refusalFields(reason: DiscountRefusal | null): IDataObject {
	return { reason, message_hu: reason ? REFUSAL_MESSAGE.hu : null, message_en: reason ? REFUSAL_MESSAGE.en : null };
}

import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { str } from '../../../lib/n8n/parameters';
import { CHANNELS, type Channel, type ConsentSubject } from '../../../lib/store';

// The glue every store node shares lives in lib/n8n; re-exported so operations import from one place.
export { requiredString } from '../../../lib/n8n/parameters';
export { perItem, type OperationContext, type OperationResult } from '../../../lib/n8n/operations';

export const CHANNEL_OPTIONS = [
	{ name: 'Email', value: 'email' },
	{ name: 'SMS', value: 'sms' },
	{ name: 'Messenger', value: 'messenger' },
	{ name: 'WhatsApp', value: 'whatsapp' },
];

/** Who the operation is about; defaults read the Abandoned Cart Trigger's cart fields. */
export function subjectFields(resource: string, operations: string[]): INodeProperties[] {
	const show = { resource: [resource], operation: operations };
	return [
		{
			displayName: 'Customer ID',
			name: 'customerId',
			type: 'string',
			default: '={{ $json.customer_id }}',
			description: 'The shop’s customer ID, from the trigger. With no email or phone below, the addresses saved for this customer are used.',
			displayOptions: { show },
		},
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '={{ $json.email }}',
			description: 'The customer’s email address, from the trigger',
			displayOptions: { show },
		},
		{
			displayName: 'Phone',
			name: 'phone',
			type: 'string',
			default: '={{ $json.phone }}',
			placeholder: '+36 30 123 4567',
			description: 'The customer’s phone number, from the trigger. Used for SMS, and for WhatsApp unless a WhatsApp number is set. Numbers without a country code are read as Hungarian.',
			displayOptions: { show },
		},
		{
			displayName: 'WhatsApp Phone',
			name: 'whatsappPhone',
			type: 'string',
			default: '',
			placeholder: '+36 30 123 4567',
			description: 'Only when the customer’s WhatsApp number differs from Phone',
			displayOptions: { show },
		},
		{
			displayName: 'Messenger PSID',
			name: 'messengerPsid',
			type: 'string',
			default: '',
			description: 'The ID Messenger gives the customer on your Facebook page, from a message they sent you',
			displayOptions: { show },
		},
	];
}

export function readSubject(ctx: IExecuteFunctions, i: number): ConsentSubject {
	return {
		customerId: str(ctx.getNodeParameter('customerId', i, '')),
		email: str(ctx.getNodeParameter('email', i, '')),
		phone: str(ctx.getNodeParameter('phone', i, '')),
		whatsappPhone: str(ctx.getNodeParameter('whatsappPhone', i, '')),
		messengerPsid: str(ctx.getNodeParameter('messengerPsid', i, '')),
	};
}

export function requireSubject(ctx: IExecuteFunctions, subject: ConsentSubject, i: number): void {
	if (!subject.customerId && !subject.email && !subject.phone && !subject.whatsappPhone && !subject.messengerPsid) {
		throw new NodeOperationError(ctx.getNode(), 'Customer ID, Email, Phone and Messenger PSID are all empty', {
			itemIndex: i,
			description: 'Set at least one of them, for example Email to the customer’s email address from the trigger',
		});
	}
}

export function readChannel(ctx: IExecuteFunctions, name: string, i: number): Channel {
	const value = String(ctx.getNodeParameter(name, i, '') ?? '').trim().toLowerCase();
	if (!CHANNELS.includes(value as Channel)) {
		throw new NodeOperationError(ctx.getNode(), `"Channel" must be email, sms, messenger or whatsapp, not "${value}"`, { itemIndex: i });
	}
	return value as Channel;
}

import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { CHANNELS, type CartRecoveryStore, type Channel, type ConsentSubject } from '../../../lib/store';

export interface OperationContext {
	store: CartRecoveryStore;
	items: INodeExecutionData[];
}

/** An operation returns items per output (Check: Allowed, Blocked; the others: one output). */
export type OperationResult = INodeExecutionData[][];

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
			description: 'The shop’s customer ID. With no address below, the customer’s registered addresses are used.',
			displayOptions: { show },
		},
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '={{ $json.email }}',
			displayOptions: { show },
		},
		{
			displayName: 'Phone',
			name: 'phone',
			type: 'string',
			default: '={{ $json.phone }}',
			placeholder: '+36 30 123 4567',
			description: 'For SMS (and WhatsApp unless a WhatsApp number is set). Numbers without a country code are read as Hungarian.',
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
			description: 'The page-scoped ID Messenger gives the customer (from a Messenger event)',
			displayOptions: { show },
		},
	];
}

function str(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	const s = String(value).trim();
	return s ? s : null;
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
			description: 'Set at least one of them, e.g. Email to {{ $json.email }}',
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

export function requiredString(ctx: IExecuteFunctions, name: string, label: string, i: number, hint?: string): string {
	const value = str(ctx.getNodeParameter(name, i, ''));
	if (!value) {
		throw new NodeOperationError(ctx.getNode(), `"${label}" is empty`, { itemIndex: i, description: hint });
	}
	return value;
}

/**
 * Runs `work` per item. A failing item stops the node, or with continue-on-fail goes to `errorOutput` with
 * `error` set (Check sends failures to Blocked: an error never lets a message through).
 */
export async function perItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	outputCount: number,
	errorOutput: number,
	work: (i: number) => Promise<{ output: number; json: IDataObject }>,
): Promise<OperationResult> {
	const outputs: OperationResult = Array.from({ length: outputCount }, () => []);
	for (let i = 0; i < items.length; i++) {
		try {
			const { output, json } = await work(i);
			outputs[output].push({ json, pairedItem: { item: i } });
		} catch (error) {
			const nodeError =
				error instanceof NodeOperationError ? error : new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i });
			if (ctx.continueOnFail()) {
				outputs[errorOutput].push({ json: { ...items[i].json, error: nodeError.message }, error: nodeError, pairedItem: { item: i } });
				continue;
			}
			throw nodeError;
		}
	}
	return outputs;
}

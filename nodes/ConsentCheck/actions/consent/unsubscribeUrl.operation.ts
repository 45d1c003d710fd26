import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { buildUnsubscribeUrl, unsubscribeSecret } from '../../../../lib/consent';
import { UNSUBSCRIBE_WEBHOOK_PATH } from '../../../../lib/consent/unsubscribe';
import { str } from '../../../../lib/n8n/parameters';
import { productionWebhookUrl } from '../../../../lib/n8n/urls';
import { CHANNEL_OPTIONS, perItem, readChannel, requiredString, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['consent'], operation: ['unsubscribeUrl'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Base URL',
		name: 'baseUrl',
		type: 'string',
		default: '',
		placeholder: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe',
		description:
			'Leave empty to use the unsubscribe workflow that comes with this package, on this n8n. Otherwise the Production URL of the Webhook node in your own unsubscribe workflow.',
		displayOptions: { show },
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'options',
		options: CHANNEL_OPTIONS,
		default: 'email',
		displayOptions: { show },
	},
	{
		displayName: 'Address',
		name: 'address',
		type: 'string',
		default: '={{ $json.email }}',
		required: true,
		description: 'The email address, phone number or Messenger PSID the link unsubscribes, from the trigger',
		displayOptions: { show },
	},
];

/** Adds unsubscribe_url: signed, never expires, carries channel and (encrypted) address. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	const secret = await unsubscribeSecret(store);
	return perItem(this, items, 1, 0, async (i) => {
		const baseUrl = str(this.getNodeParameter('baseUrl', i, '')) ?? productionWebhookUrl(this, UNSUBSCRIBE_WEBHOOK_PATH);
		const channel = readChannel(this, 'channel', i);
		const address = requiredString(this, 'address', 'Address', i, 'Set it to the address the message goes to, for example the customer’s email address');
		let url: string;
		try {
			url = buildUnsubscribeUrl({ baseUrl, secret, channel, address });
		} catch (error) {
			throw new NodeOperationError(this.getNode(), `"Base URL": ${(error as Error).message}`, { itemIndex: i });
		}
		return { output: 0, json: { ...items[i].json, unsubscribe_url: url } };
	});
}

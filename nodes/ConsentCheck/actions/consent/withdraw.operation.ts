import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import {
	isOneClickUnsubscribeBody,
	maskAddress,
	matchOptOutKeyword,
	parseKeywordList,
	tokenFromUrl,
	unsubscribeSecret,
	verifyUnsubscribeToken,
} from '../../../../lib/consent';
import type { Channel } from '../../../../lib/store';
import { CHANNEL_OPTIONS, perItem, readChannel, requiredString, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['consent'], operation: ['withdraw'] };
const by = (...method: string[]) => ({ show: { ...show, method } });

export const description: INodeProperties[] = [
	{
		displayName: 'Withdraw By',
		name: 'method',
		type: 'options',
		options: [
			{ name: 'Address and Channel', value: 'address', description: 'Stop one email address, phone number or Messenger PSID on one channel' },
			{ name: 'Customer and Channels', value: 'customer', description: 'Stop every address of one customer on the chosen channels' },
			{
				name: 'One-Click Unsubscribe (RFC 8058)',
				value: 'oneClick',
				description: 'The unsubscribe button Gmail, Yahoo and other mailboxes show beside the sender',
			},
			{ name: 'Reply Keyword', value: 'keyword', description: 'A reply such as STOP or LEIRATKOZÁS' },
			{ name: 'Unsubscribe Link', value: 'token', description: 'A click on a link made by Build Unsubscribe URL' },
		],
		default: 'token',
		displayOptions: { show },
	},
	{
		displayName: 'Customer ID',
		name: 'customerId',
		type: 'string',
		default: '={{ $json.customer_id }}',
		required: true,
		displayOptions: by('customer'),
	},
	{
		displayName: 'Channels',
		name: 'channels',
		type: 'multiOptions',
		options: CHANNEL_OPTIONS,
		default: [],
		description: 'Leave empty to withdraw every channel',
		displayOptions: by('customer'),
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'options',
		options: CHANNEL_OPTIONS,
		default: 'sms',
		displayOptions: by('address', 'keyword'),
	},
	{
		displayName: 'Address',
		name: 'address',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'name@email.com or +36301234567',
		description: 'The email address, phone number or Messenger PSID to stop contacting',
		displayOptions: by('address'),
	},
	{
		displayName: 'Token or URL',
		name: 'unsubscribeToken',
		type: 'string',
		typeOptions: { password: true },
		default: '={{ $json.query.token }}',
		required: true,
		description: 'The unsubscribe link’s token, as the Webhook node received it (a whole link works too)',
		displayOptions: by('token', 'oneClick'),
	},
	{
		displayName: 'Request Body',
		name: 'body',
		type: 'json',
		default: '={{ $json.body }}',
		description: 'What the mailbox sent, as the Webhook node received it; it must say List-Unsubscribe=One-Click',
		displayOptions: by('oneClick'),
	},
	{
		displayName: 'Sender',
		name: 'from',
		type: 'string',
		default: '={{ $json.from }}',
		required: true,
		description: 'Who sent the reply: their phone number (SMS, WhatsApp) or Messenger PSID',
		displayOptions: by('keyword'),
	},
	{
		displayName: 'Message',
		name: 'message',
		type: 'string',
		default: '={{ $json.text }}',
		description:
			'The reply’s text. Matching ignores case, accents and punctuation. A single word (STOP, CANCEL) must be the whole message; phrases and the Hungarian words may start it ("Leiratkozom, köszönöm").',
		displayOptions: by('keyword'),
	},
	{
		displayName: 'Keywords',
		name: 'keywords',
		type: 'string',
		default: '',
		placeholder: 'STOP, LEIRATKOZÁS, LEIRATKOZOM',
		description:
			'Comma-separated. Empty: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE (whole message only), LEIRATKOZÁS, LEIRATKOZOM, LEIRATKOZNÉK, LEÁLLÍTÁS, TÖRÖLJENEK, NE KÜLDJ(ENEK), NEM KÉREK (may start the message). End a word with * to let it start the message, e.g. ÁLLJ*.',
		displayOptions: by('keyword'),
	},
	{
		displayName: 'Options',
		name: 'withdrawOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: '',
				placeholder: 'unsubscribe_link',
				description: 'A word saved in the consent register for where the withdrawal came from. Empty: manual, unsubscribe_link, one_click or keyword, by how it was withdrawn.',
			},
			{ displayName: 'Detail', name: 'detail', type: 'string', default: '', description: 'A note saved with the withdrawal' },
		],
	},
];

const DEFAULT_SOURCE: Record<string, string> = {
	customer: 'manual',
	address: 'manual',
	token: 'unsubscribe_link',
	oneClick: 'one_click',
	keyword: 'keyword',
};

/**
 * One output; the item carries withdrawal: { method, withdrawn, changed, channel, address, keyword, matched }, and for
 * a link token masked_address, what an unsubscribe page may show.
 */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const method = this.getNodeParameter('method', i) as string;
		const options = this.getNodeParameter('withdrawOptions', i, {}) as { source?: string; detail?: string };
		const source = options.source?.trim() || DEFAULT_SOURCE[method] || 'manual';
		const detail = options.detail?.trim() || null;
		const done = (withdrawal: IDataObject) => ({ output: 0, json: { ...items[i].json, withdrawal: { method, ...withdrawal } } });

		if (method === 'customer') {
			const customerId = requiredString(this, 'customerId', 'Customer ID', i, 'Set it to the shop’s customer ID');
			const channels = this.getNodeParameter('channels', i, []) as Channel[];
			const result = await store.withdrawCustomerConsent({ customerId, channels, source, detail });
			return done({ customer_id: customerId, ...result });
		}
		if (method === 'address') {
			const channel = readChannel(this, 'channel', i);
			const address = requiredString(this, 'address', 'Address', i, 'Set it to the email, phone or PSID to stop contacting');
			const result = await store.withdrawConsent({ channel, address, source, detail });
			return done({ channel, ...result });
		}
		if (method === 'token' || method === 'oneClick') {
			if (method === 'oneClick' && !isOneClickUnsubscribeBody(this.getNodeParameter('body', i, ''))) {
				throw new NodeOperationError(this.getNode(), '"Request Body" is not List-Unsubscribe=One-Click', {
					itemIndex: i,
					description: 'RFC 8058 one-click requests POST exactly this form field; other requests are not unsubscriptions',
				});
			}
			const raw = requiredString(this, 'unsubscribeToken', 'Token or URL', i, 'Set it to the token of the unsubscribe link the customer opened (the link’s token parameter)');
			const verified = verifyUnsubscribeToken(tokenFromUrl(raw), await unsubscribeSecret(store));
			if (!verified) {
				throw new NodeOperationError(this.getNode(), '"Token or URL" is not a valid unsubscribe token', {
					itemIndex: i,
					description: 'The token was changed, cut short or made by another store. Nothing was withdrawn.',
				});
			}
			const result = await store.withdrawConsent({ ...verified, source, detail });
			return done({ channel: verified.channel, address: verified.address, masked_address: maskAddress(verified.channel, verified.address), ...result });
		}
		if (method === 'keyword') {
			const channel = readChannel(this, 'channel', i);
			const from = requiredString(this, 'from', 'Sender', i, 'Set it to the phone number or Messenger ID the reply came from');
			const message = String(this.getNodeParameter('message', i, '') ?? '');
			const keywords = parseKeywordList(this.getNodeParameter('keywords', i, '') as string);
			const match = matchOptOutKeyword(message, keywords);
			if (!match.matched) return done({ channel, matched: false, keyword: null, withdrawn: false, changed: false });
			const result = await store.withdrawConsent({ channel, address: from, source, detail: detail ?? `keyword ${match.keyword}` });
			return done({ channel, matched: true, keyword: match.keyword, ...result });
		}
		throw new NodeOperationError(this.getNode(), `"Withdraw By" has an unknown value "${method}"`, { itemIndex: i });
	});
}

import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { verifySignatureProperty, verifiedWebshopBody } from '../../../../lib/n8n/webshopSignature';
import { CHANNEL_OPTIONS, perItem, readChannel, requiredString, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['consent'], operation: ['record'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Hungarian law (Grt. §6) asks for prior, express, channel-specific consent with a register of when, where and what was agreed to. Record one channel per item; a pre-ticked box is not consent.',
		name: 'recordNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	verifySignatureProperty(show),
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
		default: '',
		required: true,
		placeholder: 'name@email.com or +36301234567',
		description: 'The email address, phone number (SMS, WhatsApp) or Messenger PSID the consent is for',
		displayOptions: { show },
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'string',
		default: 'checkout_checkbox',
		required: true,
		description: 'Where the customer gave it, in a word you choose, e.g. checkout_checkbox, newsletter_form or messenger_optin',
		displayOptions: { show },
	},
	{
		displayName: 'Wording Version',
		name: 'wordingVersion',
		type: 'string',
		default: '',
		placeholder: 'checkout-2026-11',
		description: 'The version of the consent text the customer saw. Set this or Wording.',
		displayOptions: { show },
	},
	{
		displayName: 'Wording',
		name: 'wording',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		placeholder: 'Kérem, hogy e-mailben emlékeztessenek a kosaramra, kedvezményes ajánlattal.',
		description: 'The consent text exactly as the customer saw it',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			{ displayName: 'Customer ID', name: 'customerId', type: 'string', default: '={{ $json.customer_id }}', description: 'The shop’s customer ID the consent belongs to' },
			{
				displayName: 'IP Address',
				name: 'ip',
				type: 'string',
				default: '',
				description: 'The IP address the consent came from, as proof',
			},
			{
				displayName: 'Given At',
				name: 'occurredAt',
				type: 'dateTime',
				default: '',
				description: 'When the customer gave it; empty means now',
			},
			{
				displayName: 'Re-Subscribe an Erased Customer',
				name: 'liftSuppression',
				type: 'boolean',
				default: false,
				description:
					'Whether a new, explicit opt-in from a customer whose data was erased lets you contact them again. Never turn this on for imports.',
			},
		],
	},
];

export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		// Before anything is read or stored: an unsigned request records nothing; the fields read the verified body.
		const signed = this.getNodeParameter('verifySignature', i, true) ? await verifiedWebshopBody(this, items[i], i) : undefined;
		const channel = readChannel(this, 'channel', i);
		const address = requiredString(this, 'address', 'Address', i, 'Set it to the customer’s email address, phone number or Messenger ID');
		const source = requiredString(this, 'source', 'Source', i, 'Say where the consent was given, e.g. checkout_checkbox');
		const wording = String(this.getNodeParameter('wording', i, '') ?? '').trim() || null;
		const wordingVersion = String(this.getNodeParameter('wordingVersion', i, '') ?? '').trim() || null;
		if (!wording && !wordingVersion) {
			throw new NodeOperationError(this.getNode(), '"Wording" and "Wording Version" are both empty', {
				itemIndex: i,
				description: 'The register must show what the customer agreed to: set the wording or its version',
			});
		}
		const options = this.getNodeParameter('options', i, {}) as {
			customerId?: string;
			ip?: string;
			occurredAt?: string;
			liftSuppression?: boolean;
		};
		const result = await store.recordConsent({
			channel,
			address,
			source,
			wording,
			wordingVersion,
			customerId: options.customerId ? String(options.customerId) : null,
			ip: options.ip || null,
			// Without a stated time, a signed grant was given when the shop signed it: a replay of it inside the
			// signature's time window is then still older than a withdrawal made in between, and is refused.
			occurredAt: options.occurredAt ? new Date(options.occurredAt).toISOString() : (signed?.signedAt.toISOString() ?? null),
			liftSuppression: options.liftSuppression === true,
		});
		return { output: 0, json: { ...items[i].json, consent: { channel, ...result } } };
	});
}

import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { carryForward, channelName, lastSent, reportToExecution, withResult } from '../../../../lib/n8n/outcome';
import type { Channel, ConsentDecision } from '../../../../lib/store';
import { CHANNEL_OPTIONS, perItem, readSubject, requireSubject, subjectFields, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['consent'], operation: ['check'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Channels',
		name: 'channels',
		type: 'multiOptions',
		options: CHANNEL_OPTIONS,
		default: ['email'],
		required: true,
		description: 'The channels to check. Consent is per channel: an SMS consent does not cover WhatsApp.',
		displayOptions: { show },
	},
	{
		displayName: 'Allowed When',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'At Least One Channel Is Allowed', value: 'any' },
			{ name: 'Every Channel Is Allowed', value: 'all' },
		],
		default: 'any',
		description: 'Which customers go to the Allowed output. The answer for each channel goes along with the customer.',
		displayOptions: { show },
	},
	...subjectFields('consent', ['check']),
];

/** Allowed / Blocked, with consent: { allowed, allowed_channels, blocked_channels, channels: { <channel>: decision } }. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 2, 1, async (i) => {
		const channels = this.getNodeParameter('channels', i, []) as Channel[];
		if (!channels.length) {
			throw new NodeOperationError(this.getNode(), '"Channels" is empty', { itemIndex: i, description: 'Pick at least one channel to check' });
		}
		const mode = this.getNodeParameter('mode', i, 'any') as 'any' | 'all';
		const subject = readSubject(this, i);
		requireSubject(this, subject, i);
		const decisions = await store.checkConsent(subject, channels);
		const allowedChannels = decisions.filter((d) => d.allowed).map((d) => d.channel);
		const allowed = mode === 'all' ? allowedChannels.length === decisions.length : allowedChannels.length > 0;
		const consent: IDataObject = {
			allowed,
			mode,
			allowed_channels: allowedChannels,
			blocked_channels: decisions.filter((d) => !d.allowed).map((d) => d.channel),
			channels: Object.fromEntries(decisions.map((d) => [d.channel, { ...d }])),
		};
		const json = withResult(consentSentence(allowed, decisions), { ...carryForward(items[i].json), consent });
		if (!allowed) {
			reportToExecution(this, json, String(json.result), lastSent(json)?.stage);
			// In a sequence the item names its cart: the block counts among the report's skip reasons (a store hiccup
			// there leaves the item's outcome as it is).
			const cartId = items[i].json.cart_id;
			if (typeof cartId === 'string' && cartId) {
				for (const d of decisions.filter((x) => !x.allowed)) {
					await store.recordSkip({ cartId, channel: d.channel, outcome: 'skipped', reason: d.reason === 'granted' ? 'no_consent' : d.reason }).catch(() => undefined);
				}
			}
		}
		return { output: allowed ? 0 : 1, json };
	});
}

const NOT_ALLOWED: Record<string, (channel: string) => string> = {
	no_consent: (ch) => `no ${ch} consent`,
	withdrawn: (ch) => `unsubscribed from ${ch}`,
	suppressed: () => 'the customer’s data was erased',
	no_address: (ch) => `no ${ch} address`,
};

/** "Consent given: email" / "Not sent: no email or SMS consent" / "Not sent: no email consent, unsubscribed from SMS". */
function consentSentence(allowed: boolean, decisions: ConsentDecision[]): string {
	const names = (list: ConsentDecision[]) => list.map((d) => channelName(d.channel)).join(' or ');
	if (allowed) return `Consent given: ${decisions.filter((d) => d.allowed).map((d) => channelName(d.channel)).join(', ')}`;
	const blocked = decisions.filter((d) => !d.allowed);
	const reasons = [...new Set(blocked.map((d) => d.reason))].map((reason) => {
		const channels = names(blocked.filter((d) => d.reason === reason));
		return (NOT_ALLOWED[reason] ?? ((ch: string) => `${ch}: ${reason}`))(channels);
	});
	return `Not sent: ${reasons.join(', ')}`;
}

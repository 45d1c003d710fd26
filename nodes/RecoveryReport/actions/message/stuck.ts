import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { providerLabel } from '../../../../lib/events/receive';
import { channelName } from '../../../../lib/n8n/outcome';
import type { SettleStuckMessagesResult, StuckMessage } from '../../../../lib/store';
import type { OperationContext, OperationResult } from '../common';

/**
 * Messages stuck in "queued": their send node claimed them (so no other run sends them) and stopped before it recorded
 * what the provider answered — a worker killed, the store unreachable for the record. Get lists them; Settle decides
 * each one in the store (migration 12): sent when a provider event proves it, else "unknown" for a person. Neither
 * ever sends: a message that may have reached the customer must not reach them twice.
 */

const MINUTE = 60;

export function fields(operation: 'getStuck' | 'settleStuck'): INodeProperties[] {
	const show = { resource: ['message'], operation: [operation] };
	return [
		{
			displayName:
				operation === 'settleStuck'
					? 'A message is never sent again here. With proof from the provider (a delivery, open or click report, or the customer pressing its button or unsubscribing from it) it is marked sent; without proof it is marked “unknown” and listed for you to check in the provider’s log.'
					: 'Lists the messages a send node started but never finished recording, and what Settle Stuck Messages would do with each. Nothing is changed.',
			name: `${operation}Notice`,
			type: 'notice',
			default: '',
			displayOptions: { show },
		},
		{
			displayName: 'Stuck For (Minutes)',
			name: 'olderThanMinutes',
			type: 'number',
			default: 30,
			typeOptions: { minValue: 5, maxValue: 10080, numberPrecision: 0 },
			description: 'A message still waiting for its send node’s record this long after it was started is stuck. Keep it well above the send nodes’ retry time, so a slow send is never taken for a stuck one.',
			displayOptions: { show },
		},
		{
			displayName: 'Max Messages',
			name: 'maxMessages',
			type: 'number',
			default: 100,
			typeOptions: { minValue: 1, maxValue: 1000, numberPrecision: 0 },
			description: 'At most this many per run, the oldest first; the next run takes the rest',
			displayOptions: { show },
		},
	];
}

const stageText = (m: StuckMessage) => `stage ${m.stage} ${channelName(m.channel)}`;

/** One plain sentence per message: who, which message, and what was (or would be) decided. */
export function sentence(m: StuckMessage): string {
	const who = m.customer || `cart ${m.cart_id}`;
	const minutes = Math.floor(m.age_seconds / MINUTE);
	const start = `${who}: the ${stageText(m)} (cart ${m.cart_id}) was started ${minutes} min ago and never recorded`;
	if (m.outcome === 'sent') {
		const what = m.evidence ? `${providerLabel(m.evidence.provider)}: ${m.evidence.what.replace(/_/g, ' ')}` : '';
		const proof = m.evidence?.kind === 'customer_answer' ? `the customer answered it (${what})` : `the provider confirms it went out (${what})`;
		return `${start}; ${proof}: ${m.settled ? 'marked sent' : 'would be marked sent'}`;
	}
	return m.settled
		? `${start}; nothing proves it went out: marked unknown, not sent again — check the provider’s log and decide`
		: `${start}; nothing proves it went out: would be marked unknown (never sent again)`;
}

function summary(result: SettleStuckMessagesResult, minutes: number): string {
	if (result.found === 0) return `No stuck message: every message started more than ${minutes} min ago was recorded`;
	const more = result.more ? '; more are waiting for the next run' : '';
	if (result.dry_run) {
		const sent = result.messages.filter((m) => m.outcome === 'sent').length;
		return `${result.found} stuck message(s): ${sent} would be marked sent, ${result.found - sent} unknown${more}`;
	}
	return `${result.found} stuck message(s) settled: ${result.sent} marked sent, ${result.unknown} marked unknown for you to decide${more}`;
}

/** Runs once per execution (not per item), like the store's other maintenance: one item per message, or one saying none is stuck. */
export async function run(ctx: IExecuteFunctions, { store }: OperationContext, dryRun: boolean): Promise<OperationResult> {
	const minutes = Number(ctx.getNodeParameter('olderThanMinutes', 0, 30));
	if (!Number.isInteger(minutes) || minutes < 5) {
		throw new NodeOperationError(ctx.getNode(), `"Stuck For (Minutes)" must be a whole number of at least 5, not ${minutes}`);
	}
	const max = Number(ctx.getNodeParameter('maxMessages', 0, 100));
	if (!Number.isInteger(max) || max < 1 || max > 1000) {
		throw new NodeOperationError(ctx.getNode(), `"Max Messages" must be a whole number from 1 to 1000, not ${max}`);
	}
	const result = await store.settleStuckMessages({ olderThanSeconds: minutes * MINUTE, max, dryRun });
	const headline = summary(result, minutes);
	try {
		ctx.customData.set('Result', headline.slice(0, 255));
		if (result.found) ctx.customData.set('Customer', [...new Set(result.messages.map((m) => m.customer || m.cart_id))].join(', ').slice(0, 255));
	} catch {
		// No custom execution data here (a partial run): each item's `result` still says it.
	}
	if (result.found === 0) {
		return [[{ json: { result: headline, found: 0, dry_run: result.dry_run, checked_at: result.checked_at }, pairedItem: { item: 0 } }]];
	}
	return [
		result.messages.map((m) => ({
			json: { result: sentence(m), ...m, age_minutes: Math.floor(m.age_seconds / MINUTE), summary: headline } as unknown as IDataObject,
			pairedItem: { item: 0 },
		})),
	];
}

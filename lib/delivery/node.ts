import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { toNodeError } from '../n8n/errors';
import { storeFor } from '../n8n/store';
import type { Channel } from '../store';
import { TemplateError } from '../templates';
import { deliver, DeliveryError } from './pipeline';
import { DEFAULT_QUIET_HOURS, validateQuietHours } from './quietHours';
import type { ChannelAdapter, DeliveryPolicy, DeliveryRequest, DeliveryResult } from './types';

/**
 * n8n glue shared by every send node (Email, SMS; Messenger and WhatsApp later): the common parameters,
 * the three outputs and the per-item loop around the delivery pipeline. A node supplies only its channel.
 */
export const DELIVERY_OUTPUT_NAMES = ['Sent', 'Skipped', 'Deferred'];
const OUTPUT = { sent: 0, skipped: 1, deferred: 2 } as const;

export function deliveryNotice(channel: string): INodeProperties {
	return {
		displayName: `Sends one ${channel} per cart and stage, exactly once, only with the customer’s ${channel} consent. <b>Sent</b>: accepted by the provider. <b>Skipped</b>: not sent, see <code>delivery.reason</code> (bought, no consent, already sent…). <b>Deferred</b>: quiet hours or the frequency cap — connect a Wait “At Specified Time” with <code>{{ $json.delivery.sendAt }}</code> back into this node.`,
		name: 'notice',
		type: 'notice',
		default: '',
	};
}

export function requestProperties(): INodeProperties[] {
	return [
		{
			displayName: 'Cart ID',
			name: 'cartId',
			type: 'string',
			default: '={{ $json.cart_id }}',
			required: true,
			description: 'The cart to remind about, as the Abandoned Cart Trigger / Cart Check delivered it',
		},
		{
			displayName: 'Stage',
			name: 'stage',
			type: 'number',
			default: 1,
			typeOptions: { minValue: 1 },
			description: 'Which follow-up this is (1, 2, 3…). One message per cart, stage and channel is ever sent.',
		},
		{
			displayName: 'Campaign',
			name: 'campaign',
			type: 'string',
			default: 'abandoned-cart',
			description: 'Campaign name, stored with the message (and sent as an email category)',
		},
	];
}

export function policyProperties(channel: Channel): INodeProperties[] {
	const sms = channel !== 'email';
	return [
		{
			displayName: 'Respect Quiet Hours',
			name: 'quietHours',
			type: 'boolean',
			default: sms,
			description: `Whether to hold messages during the quiet hours and release them when they end (Deferred output)${sms ? '. Default 20:00–08:00 Europe/Budapest.' : ''}`,
		},
		{
			displayName: 'Quiet From',
			name: 'quietStart',
			type: 'string',
			default: DEFAULT_QUIET_HOURS.start,
			placeholder: '20:00',
			description: 'Local time (HH:mm) when the quiet hours start',
			displayOptions: { show: { quietHours: [true] } },
		},
		{
			displayName: 'Quiet Until',
			name: 'quietEnd',
			type: 'string',
			default: DEFAULT_QUIET_HOURS.end,
			placeholder: '08:00',
			description: 'Local time (HH:mm) when sending may resume',
			displayOptions: { show: { quietHours: [true] } },
		},
		{
			displayName: 'Time Zone',
			name: 'quietTimezone',
			type: 'string',
			default: DEFAULT_QUIET_HOURS.timezone,
			placeholder: 'Europe/Budapest',
			description: 'IANA time zone of the quiet hours; daylight saving time is followed',
			displayOptions: { show: { quietHours: [true] } },
		},
		{
			displayName: `Max ${sms ? 'SMS' : 'Emails'} per Customer`,
			name: 'capMax',
			type: 'number',
			default: sms ? 1 : 0,
			typeOptions: { minValue: 0 },
			description: `Frequency cap: at most this many ${channel} messages to one customer within the window, across all carts and workers. 0 = no cap.`,
		},
		{
			displayName: 'Cap Window (Hours)',
			name: 'capWindowHours',
			type: 'number',
			default: 24,
			typeOptions: { minValue: 1 },
			displayOptions: { hide: { capMax: [0] } },
		},
		{
			displayName: 'When Capped',
			name: 'whenCapped',
			type: 'options',
			default: 'defer',
			options: [
				{ name: 'Defer Until Allowed', value: 'defer', description: 'Deferred output, with the time a slot frees' },
				{ name: 'Skip This Stage', value: 'skip', description: 'Skipped output, reason frequency_cap' },
			],
			displayOptions: { hide: { capMax: [0] } },
		},
	];
}

export const retryOptions: INodeProperties[] = [
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		default: 4,
		typeOptions: { minValue: 1, maxValue: 10 },
		description: 'Provider calls per message when the provider is rate-limiting or unavailable (429/5xx), the first included. Then the message is deferred.',
	},
	{
		displayName: 'Max Retry Wait (Seconds)',
		name: 'maxRetryWaitSeconds',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1 },
		description: 'Longest pause between attempts; a provider asking for a longer wait (Retry-After) gets the message deferred instead',
	},
];

export function readRequest(ctx: IExecuteFunctions, i: number): DeliveryRequest {
	const cartId = String(ctx.getNodeParameter('cartId', i) ?? '').trim();
	if (!cartId) {
		throw new NodeOperationError(ctx.getNode(), 'Cart ID is empty', {
			itemIndex: i,
			description: 'Set "Cart ID" to the cart_id field of the trigger’s output, e.g. {{ $json.cart_id }}',
		});
	}
	const stage = Number(ctx.getNodeParameter('stage', i));
	if (!Number.isInteger(stage) || stage < 1) throw new NodeOperationError(ctx.getNode(), `Stage must be a whole number ≥ 1, not "${stage}"`, { itemIndex: i });
	return { cartId, stage, campaign: String(ctx.getNodeParameter('campaign', i, '') || '') || null };
}

export function readPolicy(ctx: IExecuteFunctions, i: number): DeliveryPolicy {
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	let quietHours: DeliveryPolicy['quietHours'] = null;
	if (ctx.getNodeParameter('quietHours', i, false)) {
		quietHours = {
			start: String(ctx.getNodeParameter('quietStart', i, DEFAULT_QUIET_HOURS.start)),
			end: String(ctx.getNodeParameter('quietEnd', i, DEFAULT_QUIET_HOURS.end)),
			timezone: String(ctx.getNodeParameter('quietTimezone', i, DEFAULT_QUIET_HOURS.timezone)),
		};
		try {
			validateQuietHours(quietHours);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex: i });
		}
	}
	const capMax = Number(ctx.getNodeParameter('capMax', i, 0)) || 0;
	return {
		quietHours,
		frequencyCap:
			capMax > 0
				? {
						max: capMax,
						windowHours: Number(ctx.getNodeParameter('capWindowHours', i, 24)) || 24,
						whenCapped: ctx.getNodeParameter('whenCapped', i, 'defer') === 'skip' ? 'skip' : 'defer',
					}
				: null,
		retry: {
			maxAttempts: Math.max(1, Number(options.maxAttempts ?? 4)),
			baseDelayMs: 1000,
			maxDelayMs: Math.max(1, Number(options.maxRetryWaitSeconds ?? 30)) * 1000,
		},
	};
}

/**
 * Runs the pipeline for every input item. `prepare` runs first, once (compile templates, build clients):
 * whatever it throws fails the node before anything is claimed or sent.
 */
export async function executeDelivery<TShared>(
	ctx: IExecuteFunctions,
	prepare: () => Promise<TShared>,
	adapterFor: (shared: TShared, itemIndex: number, request: DeliveryRequest) => ChannelAdapter<unknown>,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const outputs: INodeExecutionData[][] = [[], [], []];
	let shared: TShared;
	try {
		shared = await prepare();
	} catch (error) {
		if (error instanceof TemplateError) {
			throw new NodeOperationError(ctx.getNode(), error.message, {
				description: 'Fix the template; nothing was claimed or sent',
			});
		}
		throw toNodeError(ctx.getNode(), error);
	}
	const store = await storeFor(ctx);
	const onError = ctx.getNode().onError;

	for (let i = 0; i < items.length; i++) {
		try {
			const request = readRequest(ctx, i);
			const policy = readPolicy(ctx, i);
			const result: DeliveryResult = await deliver(store, adapterFor(shared, i, request), request, policy);
			const json = { ...items[i].json, delivery: result as unknown as IDataObject };
			if (result.outcome === 'failed') {
				const error = new NodeOperationError(ctx.getNode(), `${result.detail}`, {
					itemIndex: i,
					description:
						result.reason === 'outcome_unknown'
							? 'The message is recorded failed and will not be retried, so the customer cannot get it twice'
							: 'The message is recorded failed with the provider’s error; it is not retried',
				});
				if (!ctx.continueOnFail()) throw error;
				// n8n moves an item whose json is only { error, details } to the error output and merges the input item in.
				if (onError === 'continueErrorOutput') outputs[OUTPUT.sent].push({ json: { error: result.detail, details: json.delivery }, pairedItem: { item: i } });
				else outputs[OUTPUT.skipped].push({ json: { ...json, error: result.detail }, pairedItem: { item: i } });
				continue;
			}
			outputs[OUTPUT[result.outcome]].push({ json, pairedItem: { item: i } });
		} catch (thrown) {
			const error =
				thrown instanceof NodeOperationError
					? thrown
					: thrown instanceof TemplateError || thrown instanceof DeliveryError
						? new NodeOperationError(ctx.getNode(), thrown.message, {
								itemIndex: i,
								description: thrown instanceof DeliveryError ? thrown.hint : 'Nothing was sent; the message may be sent once the template is fixed',
							})
						: toNodeError(ctx.getNode(), thrown, i);
			if (!ctx.continueOnFail()) throw error;
			if (onError === 'continueErrorOutput') outputs[OUTPUT.sent].push({ json: { error: error.message, details: error.description ?? '' }, pairedItem: { item: i } });
			else outputs[OUTPUT.skipped].push({ json: { ...items[i].json, error: error.message }, pairedItem: { item: i } });
		}
	}
	return outputs;
}

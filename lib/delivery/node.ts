import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import type { WrittenCopy } from '../ai/types';
import { toNodeError } from '../n8n/errors';
import { carryForward, lastSent, reportToExecution, withResult } from '../n8n/outcome';
import { liveValue } from '../n8n/subtitle';
import { optionalStr } from '../n8n/parameters';
import { storeFor } from '../n8n/store';
import { previewEachItem, readDiscount } from '../channels/preview';
import type { ChannelDefinition, ChannelPolicy } from '../channels/types';
import { readRecommendations } from '../recommendations';
import type { RecommendedProduct } from '../store';
import { TemplateError, type Language } from '../templates';
import { DeliveryError } from './errors';
import { deliver } from './pipeline';
import { DEFAULT_QUIET_HOURS, MAX_SPREAD_MINUTES, SPREAD_LABEL, validateQuietHours } from './quietHours';
import { deliverySentence } from './sentence';
import type { ChannelAdapter, DeliveryPolicy, DeliveryRequest, DeliveryResult } from './types';

export { readDiscount } from '../channels/preview';
export type { SendItem, SendSetup } from '../channels/types';

/**
 * n8n glue shared by every send node (Email, SMS; Messenger and WhatsApp later): the common parameters
 * (`sendNodeProperties`), the three outputs and the per-item loop around the delivery pipeline
 * (`executeSendNode`). A node supplies only its channel's definition (lib/channels/<name>/), from which come its
 * own parameters, policy defaults, credential, provider client, preview and adapter; nothing here names a channel.
 * The node description itself (credentials, inputs/outputs, output names) stays in the node file, where
 * n8n's lint rules read it.
 */
export const DELIVERY_OUTPUT_NAMES = ['Sent', 'Skipped', 'Deferred'];
const OUTPUT = { sent: 0, skipped: 1, deferred: 2 } as const;

/**
 * Skips that mean the customer has this message already, or may have it: an earlier run sent it, holds its claim
 * right now, or stopped mid-send. They leave on Sent, so the flow goes on as it did for the run that sent it — a second
 * run of the same cart's flow (a restarted run beside one that went on after all, a manual re-run) never takes the
 * fallback channel for a message the customer got.
 */
const REACHED_IN_ANOTHER_RUN: ReadonlySet<string> = new Set(['already_sent', 'in_progress', 'outcome_unknown']);

/** Which output a result that is not a failure leaves on (failures go to the error output or fail the node). */
function deliveryOutput(result: Exclude<DeliveryResult, { outcome: 'failed' }>): number {
	if (result.outcome === 'skipped' && REACHED_IN_ANOTHER_RUN.has(result.reason)) return OUTPUT.sent;
	return OUTPUT[result.outcome];
}

/** The whole parameter list of a send node: the shared parameters with the channel's own in their places. */
export function sendNodeProperties(channel: ChannelDefinition): INodeProperties[] {
	const node = { noun: channel.noun, preview: channel.preview, ...channel.parameters };
	return [
		deliveryNotice(node.noun),
		{
			displayName: 'Mode',
			name: 'mode',
			type: 'options',
			noDataExpression: true,
			default: 'send',
			options: [
				{ name: 'Send', value: 'send', description: `Send the ${node.noun} to each customer who agreed to get it` },
				{
					name: 'Preview Only (Send Nothing)',
					value: 'preview',
					description: `Show the ${node.noun} each input item would get, or a sample one, without sending or recording anything`,
				},
			],
		},
		...requestProperties(),
		{
			displayName: 'Language',
			name: 'language',
			type: 'options',
			default: 'auto',
			options: [
				{ name: 'From Cart Locale', value: 'auto', description: 'Hungarian for hu carts (and carts without a locale), English otherwise' },
				{ name: 'Hungarian', value: 'hu' },
				{ name: 'English', value: 'en' },
			],
			description: 'The language each customer gets; the texts of both languages are below',
		},
		...node.copy,
		{
			displayName: 'Preview',
			name: 'preview',
			type: 'options',
			default: '',
			typeOptions: { loadOptionsMethod: node.preview.method, loadOptionsDependsOn: node.preview.dependsOn },
			options: [],
			description: node.preview.description,
			hint: 'Choosing a line changes nothing; it is only there to read',
		},
		...(node.templates
			? [
					{
						displayName: 'Template',
						name: 'template',
						type: 'options',
						default: 'builtIn',
						options: [
							{ name: 'Built-In', value: 'builtIn', description: node.templates.builtIn },
							{ name: node.templates.custom.name, value: 'custom', description: node.templates.custom.description },
						],
					} satisfies INodeProperties,
				]
			: []),
		...(node.customTemplate ?? []),
		...discountProperties(node.discount),
		...node.properties,
		...policyProperties(channel.noun, channel.policy),
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add option',
			default: {},
			// Sorted by name, as n8n lists them (and its lint rule wants a collection of five or more).
			options: [...node.options, ...(node.recommendations ? [recommendationsOption] : []), ...retryOptions].sort((a, b) => a.displayName.localeCompare(b.displayName, 'en')),
		},
	];
}

/**
 * The send nodes' canvas subtitle: "stage 2 · Hungarian", and in Preview Only mode "preview only — sends
 * nothing · stage 2 · Hungarian". Live values (lib/n8n/subtitle.ts), so a stage typed as an expression shows "…".
 */
export function sendNodeSubtitle(): string {
	const language = `(({ auto: 'by cart language', hu: 'Hungarian', en: 'English' })[${liveValue('language', 'auto')}] ?? '…')`;
	return `={{ (${liveValue('mode', 'send')} === 'preview' ? 'preview only — sends nothing · ' : '') + 'stage ' + ${liveValue('stage', '1')} + ' · ' + ${language} }}`;
}

/** The discount fields; their defaults read the Discount Code node's output. */
function discountProperties({ codeDescription, validUntil }: ChannelDefinition['parameters']['discount']): INodeProperties[] {
	return [
		{
			displayName: 'Discount Code',
			name: 'discountCode',
			type: 'string',
			default: '={{ $json.discount?.code ?? "" }}',
			description: codeDescription,
		},
		{
			displayName: 'Discount Amount',
			name: 'discountText',
			type: 'string',
			default: '={{ $json.discount?.amount_text ?? "" }}',
			placeholder: '10%',
			description: 'What the code gives, e.g. 10% or 2 000 Ft; the Discount Code node fills it in',
		},
		...(validUntil
			? [
					{
						displayName: 'Discount Valid Until',
						name: 'discountValidUntil',
						type: 'string',
						default: '={{ $json.discount?.valid_until ?? "" }}',
						description: 'When the code expires, e.g. 2026-12-03T10:00:00Z; the email prints it as the customer reads dates (“2026. december 3.”)',
					} satisfies INodeProperties,
				]
			: []),
	];
}

function deliveryNotice(channel: string): INodeProperties {
	return {
		displayName: `Sends one ${channel} per cart and stage, never twice, and only to customers who agreed to get ${channel} from you. <b>Sent</b>: the provider accepted it, in this run or an earlier one (such an item says it was already sent; nothing goes out twice). <b>Skipped</b>: not sent, and each item says why (bought meanwhile, no consent, unsubscribed…). <b>Deferred</b>: held back by the quiet hours or the frequency cap; each item carries the time it may go out — lead this output through a Wait node that resumes at that time, back into this node.`,
		name: 'notice',
		type: 'notice',
		default: '',
	};
}

function requestProperties(): INodeProperties[] {
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

/** Quiet hours and frequency cap, with the channel's defaults. */
function policyProperties(noun: string, policy: ChannelPolicy): INodeProperties[] {
	return [
		{
			displayName: 'Respect Quiet Hours',
			name: 'quietHours',
			type: 'boolean',
			default: policy.quietHours,
			description: `Whether to hold messages during the quiet hours and release them when they end, spread over the minutes below (Deferred output)${policy.quietHours ? '. Default 20:00–08:00 Europe/Budapest.' : ''}`,
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
			displayName: SPREAD_LABEL,
			name: 'quietSpreadMinutes',
			type: 'number',
			default: DEFAULT_QUIET_HOURS.spreadMinutes,
			typeOptions: { minValue: 0, maxValue: MAX_SPREAD_MINUTES, numberPrecision: 0 },
			description: 'Messages held during the quiet hours go out gradually over this many minutes after the quiet hours end, each cart at its own moment, instead of all at once. 0 sends them all when the quiet hours end.',
			displayOptions: { show: { quietHours: [true] } },
		},
		{
			displayName: policy.capLabel,
			name: 'capMax',
			type: 'number',
			default: policy.frequencyCap,
			typeOptions: { minValue: 0 },
			description: `Frequency cap: at most this many ${noun} messages to one customer within the window, counting every cart. 0 = no cap.`,
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
				{ name: 'Defer Until Allowed', value: 'defer', description: 'Deferred output, with the time the message may go out' },
				{ name: 'Skip This Stage', value: 'skip', description: 'Skipped output: this customer does not get this stage’s message' },
			],
			displayOptions: { hide: { capMax: [0] } },
		},
	];
}

const retryOptions: INodeProperties[] = [
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		default: 4,
		typeOptions: { minValue: 1, maxValue: 10 },
		description: 'How often to try one message while the provider is busy or down, the first try included. After that the message is deferred.',
	},
	{
		displayName: 'Max Retry Wait (Seconds)',
		name: 'maxRetryWaitSeconds',
		type: 'number',
		default: 30,
		typeOptions: { minValue: 1 },
		description: 'Longest pause between tries; when the provider asks for a longer pause, the message is deferred instead',
	},
];

/** The Options entry of the send nodes whose channel shows Cart Check's recommended products (not SMS). */
const recommendationsOption: INodeProperties = {
	displayName: 'Show Recommended Products',
	name: 'showRecommendations',
	type: 'boolean',
	default: true,
	description:
		'Whether to add the products Cart Check recommends (its Recommend Products option) to the message: email a “You may also like” block, WhatsApp rows in the Product List, Messenger cards after the cart’s. Off, or no recommendations on the item: the message as before.',
};

function readRequest(ctx: IExecuteFunctions, i: number): DeliveryRequest {
	const cartId = String(ctx.getNodeParameter('cartId', i) ?? '').trim();
	if (!cartId) {
		throw new NodeOperationError(ctx.getNode(), 'Cart ID is empty', {
			itemIndex: i,
			description: 'Set Cart ID to the cart the Abandoned Cart Trigger or Cart Check node passes on (its default value does this)',
		});
	}
	const stage = Number(ctx.getNodeParameter('stage', i));
	if (!Number.isInteger(stage) || stage < 1) throw new NodeOperationError(ctx.getNode(), `Stage must be a whole number ≥ 1, not "${stage}"`, { itemIndex: i });
	const experiment = experimentOf(ctx.getInputData()[i]?.json);
	return {
		cartId,
		stage,
		campaign: String(ctx.getNodeParameter('campaign', i, '') || '') || null,
		variant: experiment?.variant ?? null,
		holdout: experiment?.holdout ? { experiment: experiment.name, variant: experiment.variant } : null,
	};
}

/** The Split Test node's assignment on the input item (`experiment`), when there is one. */
function experimentOf(json: IDataObject | undefined): { name: string; variant: string; holdout: boolean } | undefined {
	const e = json?.experiment;
	if (!e || typeof e !== 'object') return undefined;
	const { name, variant, holdout } = e as IDataObject;
	if (typeof name !== 'string' || typeof variant !== 'string' || !variant) return undefined;
	return { name, variant, holdout: holdout === true };
}

/** The spread as a number; left empty (a Settings value nobody filled in), the default. */
const spreadMinutes = (value: unknown) => (value === '' || value === null || value === undefined ? DEFAULT_QUIET_HOURS.spreadMinutes : Number(value));

function readPolicy(ctx: IExecuteFunctions, i: number): DeliveryPolicy {
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	let quietHours: DeliveryPolicy['quietHours'] = null;
	if (ctx.getNodeParameter('quietHours', i, false)) {
		quietHours = {
			start: String(ctx.getNodeParameter('quietStart', i, DEFAULT_QUIET_HOURS.start)),
			end: String(ctx.getNodeParameter('quietEnd', i, DEFAULT_QUIET_HOURS.end)),
			timezone: String(ctx.getNodeParameter('quietTimezone', i, DEFAULT_QUIET_HOURS.timezone)),
			spreadMinutes: spreadMinutes(ctx.getNodeParameter('quietSpreadMinutes', i, DEFAULT_QUIET_HOURS.spreadMinutes)),
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

/** The AI Offer Writer's copy on the input item, when the model wrote it for this stage (not the templates' fallback). */
function aiCopyFor(json: IDataObject | undefined, stage: number): WrittenCopy | undefined {
	const copy = json?.ai_copy;
	if (!copy || typeof copy !== 'object') return undefined;
	const c = copy as IDataObject;
	if ((c.source !== 'model' && c.source !== 'stored') || Number(c.stage) !== stage) return undefined;
	if (c.language !== 'hu' && c.language !== 'en') return undefined;
	const out: WrittenCopy = { language: c.language };
	for (const field of ['subject', 'preheader', 'email_intro', 'sms', 'whatsapp', 'messenger'] as const) {
		if (typeof c[field] === 'string' && (c[field] as string).trim()) out[field] = (c[field] as string).trim();
	}
	return out;
}

/** The input item's replacement for the Intro text (`offer.intro`), if it carries one. */
function introOverride(json: IDataObject | undefined): string | undefined {
	const offer = json?.offer;
	const intro = offer && typeof offer === 'object' ? (offer as IDataObject).intro : undefined;
	return typeof intro === 'string' ? optionalStr(intro) : undefined;
}

/** The item's recommendations, when its channel shows them and Show Recommended Products is on (the default). */
function recommendationsFor(shown: boolean | undefined, options: IDataObject, json: IDataObject | undefined): RecommendedProduct[] | undefined {
	if (!shown || options.showRecommendations === false) return undefined;
	return readItemRecommendations(json);
}

/** The input item's `recommendations` as the send nodes take them (lib/recommendations). */
export function readItemRecommendations(json: IDataObject | undefined): RecommendedProduct[] | undefined {
	return readRecommendations(json?.recommendations);
}

/** The `execute` of a send node: every input item through the delivery pipeline, to Sent / Skipped / Deferred / error. */
export async function executeSendNode<TCredentials, TClient, TShared, TMessage>(
	ctx: IExecuteFunctions,
	definition: ChannelDefinition<TCredentials, TClient, TShared, TMessage>,
): Promise<INodeExecutionData[][]> {
	const channel = definition.sender(ctx);
	// Preview Only: nothing is claimed, sent or stored; no provider credential is read.
	if (ctx.getNodeParameter('mode', 0, 'send') === 'preview') {
		const preview = (target: Parameters<typeof channel.preview>[0]) =>
			channel.preview({
				...target,
				recommendations: recommendationsFor(definition.parameters.recommendations, ctx.getNodeParameter('options', target.index, {}) as IDataObject, ctx.getInputData()[target.index]?.json),
			});
		return [await previewEachItem(ctx, preview), [], []];
	}
	const credentials = (await ctx.getCredentials(definition.credential.name)) as unknown as TCredentials;
	const outputs = await executeDelivery(
		ctx,
		async () => {
			const language = String(ctx.getNodeParameter('language', 0, 'auto') || 'auto') as Language | 'auto';
			if (!['auto', 'hu', 'en'].includes(language)) {
				// The shipped workflow reads Language from its Settings node, where anything can be typed.
				throw new NodeOperationError(ctx.getNode(), `Language must be auto, hu or en, not "${language}"`, {
					description: 'Set it here, or in the workflow’s Settings node (field language): auto sends each customer the cart’s language',
				});
			}
			const customTemplate = ctx.getNodeParameter('template', 0, 'builtIn') === 'custom';
			// The provider client is built here, from the definition's transport, never by a node.
			const client = definition.client(credentials);
			return { language, shared: await channel.prepare({ credentials, client, language, customTemplate, store: await storeFor(ctx) }) };
		},
		({ language, shared }, i, request) => {
			const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
			return channel.adapter(shared, {
				index: i,
				request,
				language,
				options,
				discount: readDiscount(ctx, i),
				intro: introOverride(ctx.getInputData()[i]?.json),
				aiCopy: aiCopyFor(ctx.getInputData()[i]?.json, request.stage),
				restoreUrl: optionalStr(options.restoreUrl),
				recommendations: recommendationsFor(definition.parameters.recommendations, options, ctx.getInputData()[i]?.json),
			});
		},
	);
	const hints = channel.hints?.(outputs[OUTPUT.sent]) ?? [];
	if (hints.length) ctx.addExecutionHints(...hints);
	return outputs;
}

/**
 * Runs the pipeline for every input item. `prepare` runs first, once (compile templates, build clients):
 * whatever it throws fails the node before anything is claimed or sent.
 */
async function executeDelivery<TShared, TMessage>(
	ctx: IExecuteFunctions,
	prepare: () => Promise<TShared>,
	adapterFor: (shared: TShared, itemIndex: number, request: DeliveryRequest) => ChannelAdapter<TMessage>,
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
			const sentence = deliverySentence(result, policy.quietHours?.timezone);
			const json = withResult(sentence, { ...carryForward(items[i].json), delivery: result as unknown as IDataObject });
			reportToExecution(ctx, json, sentence, result.outcome === 'sent' ? result.stage : lastSent(json)?.stage);
			if (result.outcome === 'failed') {
				const error = new NodeOperationError(ctx.getNode(), `${result.detail}`, {
					itemIndex: i,
					description:
						result.reason === 'outcome_unknown'
							? 'The message is recorded failed and will not be retried, so the customer cannot get it twice'
							: 'The message is recorded failed with the provider’s error; it is not retried',
				});
				if (!ctx.continueOnFail()) throw error;
				// n8n moves an item whose json has only error / message / details to the error output and merges the input
				// item under it (an item with `error` set would lose the input: n8n replaces its json with the message).
				if (onError === 'continueErrorOutput') outputs[OUTPUT.sent].push({ json: { error: result.detail, message: sentence, details: json.delivery }, pairedItem: { item: i } });
				else outputs[OUTPUT.skipped].push({ json: { ...json, error: result.detail }, pairedItem: { item: i } });
				continue;
			}
			outputs[deliveryOutput(result)].push({ json, pairedItem: { item: i } });
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
			const failed = withResult(`Failed: ${error.message}`, { ...carryForward(items[i].json), error: error.message });
			reportToExecution(ctx, failed, String(failed.result), lastSent(failed)?.stage);
			if (onError === 'continueErrorOutput') outputs[OUTPUT.sent].push({ json: { error: error.message, message: failed.result, details: error.description ?? '' }, pairedItem: { item: i } });
			else outputs[OUTPUT.skipped].push({ json: failed, pairedItem: { item: i } });
		}
	}
	return outputs;
}

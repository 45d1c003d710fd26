import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { openAiCartRecoveryTest } from '../../lib/ai/credentialTest';
import { checkOffer } from '../../lib/ai/guardrails';
import { AiError, aiClient, writeOffer, type OpenAiCredentials } from '../../lib/ai/transport';
import type { OfferChannel, OfferCopy, OfferDiscount, OfferInput, OfferTone, Violation } from '../../lib/ai/types';
import { maskedCustomer, reportToExecution, withResult } from '../../lib/n8n/outcome';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import type { Cart } from '../../lib/store';
import type { Language } from '../../lib/templates/copy';
import { templateLanguage } from '../../lib/templates/helpers';

const TONES: OfferTone[] = ['friendly', 'warm', 'playful', 'formal'];
const CHANNEL_NAMES: Record<OfferChannel, string> = { email: 'email', sms: 'SMS', whatsapp: 'WhatsApp', messenger: 'Messenger' };

/** What the node adds to each item: the copy (or why the templates are used), where it came from and what it cost. */
interface AiCopyOutput extends OfferCopy {
	source: 'model' | 'stored' | 'template';
	/** Why the templates are used (source template): the model's error or the rule its answer broke. */
	reason?: string;
	model?: string;
	usage?: { prompt: number | null; completion: number | null };
	/** Model calls this copy took (1, or 2 after a retry). */
	attempts?: number;
	language: Language;
	channels: OfferChannel[];
	stage: number;
}

/**
 * Writes the next message's copy for each cart with an OpenAI-compatible model, checked in code before it is used
 * (lib/ai/guardrails.ts): the code verbatim, no number, date, link or benefit the shop did not give, every channel's
 * limits. One retry with the broken rules fed back; then the send nodes' templates. A model problem never fails the
 * item and never holds a send longer than the node's timeout. The copy for (cart, stage) is stored: a retry or a
 * second run gets the same words without another call.
 */
export class AiOfferWriter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'AI Offer Writer',
		name: 'aiOfferWriter',
		icon: { light: 'file:aiOfferWriter.svg', dark: 'file:aiOfferWriter.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ "stage " + $parameter["stage"] + " · " + ($parameter["channels"] || []).join(", ") }}',
		description: 'Writes a personal reminder for each cart with an AI model, checked so it never promises what the shop did not give',
		defaults: { name: 'AI Offer Writer' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: undefined, // not an AI tool: it writes customer messages for the send nodes
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			// Optional: without it the node passes every cart on with the templates (the shipped workflow runs either way).
			{ name: 'openAiCartRecoveryApi', displayName: 'AI Model (OpenAI or Compatible)', required: false, testedBy: 'openAiCartRecoveryTest' },
		],
		properties: [
			{
				displayName:
					'Every answer is checked before it is used: the discount code exactly as issued, no discount, price, date, link or benefit the shop did not give, each channel’s length. If the model breaks a rule twice, is slow or unreachable, the send nodes use their own texts. A send never waits longer than the timeout and never fails because of the model.',
				name: 'intro',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Stage',
				name: 'stage',
				type: 'number',
				default: 2,
				typeOptions: { minValue: 1, numberPrecision: 0 },
				description: 'Which reminder the copy is for: 1 the first reminder, 2 the second, 3 and later the final offer',
			},
			{
				displayName: 'Channels',
				name: 'channels',
				type: 'multiOptions',
				default: ['email', 'sms'],
				description: 'Write copy only for the channels the next nodes send on',
				options: [
					{ name: 'Email', value: 'email', description: 'Subject, preview text and the opening paragraph' },
					{ name: 'Messenger', value: 'messenger' },
					{ name: 'SMS', value: 'sms' },
					{ name: 'WhatsApp', value: 'whatsapp' },
				],
			},
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
			},
			{
				displayName: 'Tone',
				name: 'tone',
				type: 'options',
				default: 'friendly',
				options: [
					{ name: 'Friendly', value: 'friendly', description: 'Helpful and never pushy' },
					{ name: 'Formal', value: 'formal', description: 'Polite, the formal "Ön" in Hungarian' },
					{ name: 'Playful', value: 'playful', description: 'Light, with a smile' },
					{ name: 'Warm', value: 'warm', description: 'Personal and caring' },
				],
			},
			{
				displayName: 'Brand Voice',
				name: 'brandVoice',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				placeholder: 'e.g. We are a small family roastery; we speak simply and warmly about coffee',
				description: 'How your brand speaks, in a sentence or two. It shapes the style only; it adds no facts.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Max SMS Segments',
						name: 'smsMaxSegments',
						type: 'number',
						default: 2,
						typeOptions: { minValue: 1, maxValue: 10, numberPrecision: 0 },
						description: 'The SMS text must fit this many segments (SMS Send adds its opt-out line after it)',
					},
					{
						displayName: 'Model',
						name: 'model',
						type: 'string',
						default: '',
						description: 'Another model than the credential’s, exactly as the server names it',
					},
					{
						displayName: 'Shop Name',
						name: 'shopName',
						type: 'string',
						default: '',
						description: 'The shop’s name, for the model to sign with',
					},
					{
						displayName: 'Timeout (Seconds)',
						name: 'timeoutSeconds',
						type: 'number',
						default: 10,
						typeOptions: { minValue: 1, maxValue: 120 },
						description: 'The longest a cart waits for its copy, retry included; then the templates are used',
					},
				],
			},
		],
	};

	methods = { credentialTest: { cartRecoveryStoreTest, openAiCartRecoveryTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const store = await storeFor(this);
		// Read once, when a cart first needs the model: a stored copy needs no credential.
		let credentials: OpenAiCredentials | null | undefined;
		const modelCredentials = async () => {
			if (credentials === undefined) {
				try {
					credentials = ((await this.getCredentials('openAiCartRecoveryApi')) as unknown as OpenAiCredentials | undefined) ?? null;
				} catch {
					credentials = null;
				}
			}
			return credentials;
		};
		const out: INodeExecutionData[] = [];

		for (let i = 0; i < items.length; i++) {
			const json = items[i].json;
			const stage = Math.max(1, Math.round(Number(this.getNodeParameter('stage', i, 2)) || 1));
			const channels = (this.getNodeParameter('channels', i, ['email', 'sms']) as OfferChannel[]).filter((c) => c in CHANNEL_NAMES);
			const options = this.getNodeParameter('options', i, {}) as IDataObject;
			const cartId = typeof json.cart_id === 'string' ? json.cart_id : '';
			const cart = cartId ? await store.getCart(cartId) : null;
			const chosen = this.getNodeParameter('language', i, 'auto') as Language | 'auto';
			const tone = this.getNodeParameter('tone', i, 'friendly') as OfferTone;
			// The shipped workflow reads both from its Settings node, where anything can be typed: a wrong value is the
			// marketer's to fix (not a model problem), so it fails the node naming the field.
			if (!['auto', 'hu', 'en'].includes(chosen)) {
				throw new NodeOperationError(this.getNode(), `Language must be auto, hu or en, not "${chosen}"`, { itemIndex: i, description: 'Set it here, or in the workflow’s Settings node (field language)' });
			}
			if (!TONES.includes(tone)) {
				throw new NodeOperationError(this.getNode(), `Tone must be one of ${TONES.join(', ')}, not "${tone}"`, { itemIndex: i, description: 'Set it here, or in the workflow’s Settings node (field ai_tone)' });
			}
			const language: Language = chosen === 'auto' ? templateLanguage(cart?.locale ?? (json.locale as string) ?? null) : chosen;
			const base = { language, channels, stage };
			const who = maskedCustomer(json);
			let copy: AiCopyOutput;

			if (!cart) {
				copy = { ...base, source: 'template', reason: cartId ? `cart ${cartId} is not in the store` : 'the item has no cart_id' };
			} else if (!channels.length) {
				copy = { ...base, source: 'template', reason: 'no channel chosen' };
			} else {
				const stored = await store.getAiCopy(cart.cart_id, stage);
				if (stored.found && channels.every((c) => (stored.channels ?? []).includes(c)) && stored.language === language) {
					copy = { ...base, ...pick(stored.copy ?? {}, channels), source: 'stored', model: stored.model, attempts: stored.attempts, usage: { prompt: stored.prompt_tokens ?? null, completion: stored.completion_tokens ?? null } };
				} else {
					const input = offerInput(cart, json, { language, stage, channels, tone, brandVoice: String(this.getNodeParameter('brandVoice', i, '') || ''), options });
					const chosen = await modelCredentials();
					copy = chosen ? await write(chosen, input, options) : { ...base, source: 'template', reason: 'no AI model credential is chosen in the node (or it cannot be read)' };
					if (copy.source === 'model') {
						const kept = await store.recordAiCopy({
							cartId: cart.cart_id,
							stage,
							language,
							channels,
							copy: pick(copy as unknown as Record<string, string>, channels) as Record<string, string>,
							model: copy.model ?? 'unknown',
							promptTokens: copy.usage?.prompt ?? null,
							completionTokens: copy.usage?.completion ?? null,
							attempts: copy.attempts,
						});
						// Another run wrote it first: everyone sends the same words.
						if (!kept.created) copy = { ...base, ...pick(kept.copy ?? {}, channels), source: 'stored', model: kept.model, attempts: kept.attempts };
					}
				}
			}

			const result =
				copy.source === 'template'
					? `Templates used for ${who}, stage ${stage}: ${copy.reason}`
					: `${copy.source === 'stored' ? 'Copy written earlier reused' : `Copy written by ${copy.model}`} for ${who}, stage ${stage} (${channels.map((c) => CHANNEL_NAMES[c]).join(', ')})`;
			reportToExecution(this, json, result, stage);
			// The send nodes of this stage read `ai_copy` (lib/delivery/node.ts, lib/ai/written.ts).
			out.push({ json: withResult(result, { ...json, ai_copy: copy as unknown as IDataObject }), pairedItem: { item: i } });
		}
		return [out];
	}
}

function pick(source: Record<string, string>, channels: OfferChannel[]): OfferCopy {
	const fields: Record<OfferChannel, Array<keyof OfferCopy>> = { email: ['subject', 'preheader', 'email_intro'], sms: ['sms'], whatsapp: ['whatsapp'], messenger: ['messenger'] };
	const copy: OfferCopy = {};
	for (const channel of channels) for (const field of fields[channel]) if (typeof source[field] === 'string') copy[field] = source[field];
	return copy;
}

function offerInput(
	cart: Cart,
	json: IDataObject,
	p: { language: Language; stage: number; channels: OfferChannel[]; tone: OfferTone; brandVoice: string; options: IDataObject },
): OfferInput {
	const d = json.discount && typeof json.discount === 'object' ? (json.discount as IDataObject) : null;
	const discount: OfferDiscount | null =
		d && typeof d.code === 'string' && (d.kind === 'percent' || d.kind === 'fixed')
			? { code: d.code, kind: d.kind, amount: Number(d.amount), currency: (d.currency as string) ?? cart.currency, validUntil: (d.valid_until as string) ?? null }
			: null;
	return {
		language: p.language,
		stage: p.stage,
		tone: p.tone,
		brandVoice: p.brandVoice || null,
		shopName: String(p.options.shopName ?? '') || null,
		firstName: cart.first_name ?? null,
		items: (cart.items ?? []).map((item) => ({ name: String(item.name ?? ''), quantity: Number(item.quantity) || 1, price: Number(item.price) || 0 })),
		value: Number(cart.value) || 0,
		currency: cart.currency || 'HUF',
		restoreUrl: cart.restore_url ?? null,
		discount,
		channels: p.channels,
		smsMaxSegments: Number(p.options.smsMaxSegments ?? 2) || 2,
	};
}

/** The model's copy after the guardrails (one retry with the broken rules), or the templates with the reason. */
async function write(credentials: OpenAiCredentials, input: OfferInput, options: IDataObject): Promise<AiCopyOutput> {
	const base = { language: input.language, channels: input.channels, stage: input.stage };
	const budgetMs = Math.round(Number(options.timeoutSeconds ?? 10) * 1000) || 10_000;
	const deadline = Date.now() + budgetMs;
	const model = String(options.model ?? '').trim() || credentials.model || 'gpt-4o-mini';
	let violations: Violation[] = [];
	const usage = { prompt: 0, completion: 0 };
	try {
		const client = aiClient(credentials, { timeoutMs: budgetMs });
		for (let attempt = 1; attempt <= 2; attempt++) {
			const remaining = deadline - Date.now();
			if (remaining < 500) return { ...base, source: 'template', reason: `timeout: no answer within ${budgetMs / 1000} s` };
			const answer = await writeOffer(client, model, input, { timeoutMs: remaining, violations: violations.map((v) => v.message) });
			usage.prompt += answer.usage.prompt;
			usage.completion += answer.usage.completion;
			violations = checkOffer(answer.copy, input);
			if (!violations.length) return { ...base, ...pick(answer.copy as Record<string, string>, input.channels), source: 'model', model: answer.model, usage, attempts: attempt };
		}
		return { ...base, source: 'template', reason: `the model's answer broke a rule twice (${violations[0].message}${violations.length > 1 ? `, and ${violations.length - 1} more` : ''})`, model, usage, attempts: 2 };
	} catch (error) {
		const reason = error instanceof AiError ? `${error.reason}: ${error.message}` : `error: ${(error as Error).message}`;
		return { ...base, source: 'template', reason, model };
	}
}

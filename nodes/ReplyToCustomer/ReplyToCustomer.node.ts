import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { channelDefinition } from '../../lib/channels';
import { META_CREDENTIAL, readMetaCredentials } from '../../lib/channels/meta/credentials';
import { MetaGraphError } from '../../lib/channels/meta/errors';
import { buildMessengerText } from '../../lib/channels/messenger/messages';
import { sendMessengerMessage } from '../../lib/channels/messenger/transport';
import { buildWhatsAppText } from '../../lib/channels/whatsapp/messages';
import { productRow, tappedProduct } from '../../lib/channels/whatsapp/tapped';
import { sendWhatsAppMessage } from '../../lib/channels/whatsapp/transport';
import { maskAddress } from '../../lib/consent/unsubscribe';
import { withResult } from '../../lib/n8n/outcome';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import type { Cart, CartRecoveryStore } from '../../lib/store';
import { buildTemplateContext } from '../../lib/templates';
import { LANGUAGES, type Language } from '../../lib/templates/copy';
import { compileTemplate, type CompiledTemplate } from '../../lib/templates/engine';
import { amountText, templateLanguage } from '../../lib/templates/helpers';
import { REPLY_COPY, textField } from './copy';

type ReplyChannel = 'whatsapp' | 'messenger';
const CHANNEL_LABEL: Record<ReplyChannel, string> = { whatsapp: 'WhatsApp', messenger: 'Messenger' };

/**
 * Answers a customer who just wrote to the shop on WhatsApp or Messenger — the Reply output of the Channel Events
 * Trigger — inside their 24-hour window, at most once per message they sent (the store claims the answer, so a
 * retried or doubled execution cannot answer twice). Typically: "Kérem a kódot" → their discount code.
 */
export class ReplyToCustomer implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Reply to Customer',
		name: 'replyToCustomer',
		icon: { light: 'file:replyToCustomer.svg', dark: 'file:replyToCustomer.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["answer"] === "code" ? "answers with their discount code" : $parameter["answer"] === "product" ? "answers with the product they tapped" : "answers with your text" }}',
		description: 'Answers a customer’s WhatsApp or Messenger message once, inside their 24-hour window: their discount code, the product they tapped, or your text',
		defaults: { name: 'Reply to Customer' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Skipped'],
		usableAsTool: undefined, // not an AI tool: it messages customers
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'metaCartRecoveryApi', displayName: 'Meta (Sends the Answer)', required: true, testedBy: 'metaCartRecoveryTest' },
		],
		properties: [
			{
				displayName:
					'Connect it to the <b>Reply</b> output of a Channel Events Trigger set to Meta. Each customer message gets at most one answer, and only within 24 hours of it, as WhatsApp and Messenger allow; anything else goes to Skipped with the reason.',
				name: 'intro',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Answer With',
				name: 'answer',
				type: 'options',
				default: 'code',
				options: [
					{ name: 'Their Discount Code', value: 'code', description: 'The code the cart got (with its discount and expiry), or a kind word when it has none' },
					{
						name: 'The Product They Tapped',
						value: 'product',
						description: 'For a tap on a product in a WhatsApp product list (their cart’s or “you may also like”): its name, price and page, and the link to their cart',
					},
					{ name: 'Your Text', value: 'text', description: 'The text below, for every message that reaches this node' },
				],
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'options',
				default: 'auto',
				options: [
					{ name: 'From Cart Locale', value: 'auto', description: 'Hungarian for hu carts (and customers without a cart), English otherwise' },
					{ name: 'Hungarian', value: 'hu' },
					{ name: 'English', value: 'en' },
				],
			},
			...LANGUAGES.map((lang) => textField('code', 'Code Answer', lang, 'Sent when the cart has a valid code. Placeholders: {{customer.first_name}}, {{discount.code}}, {{discount.text}}, {{discount.valid_until}}, {{restore_url}}.', 'code')),
			...LANGUAGES.map((lang) => textField('noCode', 'No Code Answer', lang, 'Sent when the cart has no valid code (none issued yet, expired or used)', 'code')),
			...LANGUAGES.map((lang) =>
				textField(
					'product',
					'Product Answer',
					lang,
					'Sent for a tap on a product in a WhatsApp product list. Placeholders: {{customer.first_name}}, {{product.title}}, {{product.price_text}}, {{product.url}}, {{restore_url}}; the text after {{else}} goes out when the product cannot be found any more.',
					'product',
				),
			),
			...LANGUAGES.map((lang) => textField('text', 'Answer', lang, 'Placeholders: {{customer.first_name}}, {{restore_url}}, {{total_text}}', 'text')),
		],
	};

	methods = { credentialTest: { cartRecoveryStoreTest, metaCartRecoveryTest: channelDefinition('whatsapp').credential.test } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const sent: INodeExecutionData[] = [];
		const skipped: INodeExecutionData[] = [];
		const store = await storeFor(this);
		const credentials = readMetaCredentials((await this.getCredentials(META_CREDENTIAL)) as object);
		const templates = new Map<string, CompiledTemplate>();
		const template = (name: string, source: string) => {
			const key = `${name}\u0000${source}`;
			if (!templates.has(key)) templates.set(key, compileTemplate(name, source, { kind: 'text' }));
			return templates.get(key)!;
		};

		for (let i = 0; i < items.length; i++) {
			const json = items[i].json;
			const skip = (reason: string, result: string) =>
				skipped.push({ json: withResult(result, { ...json, reply: { outcome: 'skipped', reason } }), pairedItem: { item: i } });
			try {
				const channel = json.channel as ReplyChannel;
				const address = typeof json.address === 'string' ? json.address.trim() : '';
				if (typeof json.event_id !== 'string' || typeof json.provider !== 'string') {
					throw new NodeOperationError(this.getNode(), 'The item is not a customer message from the Channel Events Trigger (no event_id)', {
						itemIndex: i,
						description: 'Connect this node to the Reply output of a Channel Events Trigger set to Meta.',
					});
				}
				if (channel !== 'whatsapp' && channel !== 'messenger') {
					skip('channel_not_supported', `Not answered: ${String(json.channel)} messages are answered in their own channel's tools, not here`);
					continue;
				}
				if (json.opted_out === true || json.action === 'stop' || json.event === 'opt_in') {
					skip('opted_out', `Not answered: the customer asked for no more messages here; answer an opt-out from the Opt-out output`);
					continue;
				}
				if (this.getNodeParameter('answer', i, 'code') === 'product' && (channel !== 'whatsapp' || !productRow(json.payload))) {
					skip('not_a_product_tap', `Not answered: the message is not a tap on a product in a WhatsApp product list`);
					continue;
				}
				if (!address) {
					skip('no_address', `Not answered: the ${CHANNEL_LABEL[channel]} message came without the customer's ${channel === 'whatsapp' ? 'number' : 'ID'}`);
					continue;
				}
				const who = `${typeof json.first_name === 'string' && json.first_name ? `${json.first_name} (${maskAddress(channel, address)})` : maskAddress(channel, address)}`;
				const window = await store.serviceWindow(channel, address, { bsuid: (json.whatsapp_bsuid as string) ?? null });
				if (!window.open) {
					skip('window_closed', `Not answered: ${who} wrote more than 24 hours ago, so ${CHANNEL_LABEL[channel]} allows no answer now`);
					continue;
				}
				const text = await answerText(this, store, json, i, template);
				const claim = await store.claimReply({ provider: json.provider, eventId: json.event_id });
				if (!claim.claimed) {
					skip('already_answered', `Not answered again: ${who}'s message was answered at ${claim.answered_at ?? 'an earlier run'}`);
					continue;
				}
				let providerId: string;
				try {
					providerId =
						channel === 'whatsapp'
							? (await sendWhatsAppMessage(this, credentials, buildWhatsAppText(address, text))).messageId
							: (await sendMessengerMessage(this, credentials, buildMessengerText(address, text))).messageId;
				} catch (error) {
					// Refused for certain (Meta answered with an error that is not an outage): the claim is given back, so a later
					// run may answer. After a network failure or a Meta outage the answer may have gone out: the claim stays, and
					// the item fails for a person to look at — never a second answer.
					const ambiguous = !(error instanceof MetaGraphError) || error.reason === 'network' || error.reason === 'provider_unavailable';
					if (!ambiguous) await store.claimReply({ provider: json.provider, eventId: json.event_id, release: true });
					if (error instanceof MetaGraphError && error.reason === 'window_closed') {
						skip('window_closed', `Not answered: ${CHANNEL_LABEL[channel]} says ${who}'s 24-hour window is closed`);
						continue;
					}
					throw new NodeOperationError(this.getNode(), error as Error, {
						itemIndex: i,
						description: ambiguous
							? 'It is not known whether the answer reached the customer, so this message will not be answered again automatically.'
							: 'Nothing was sent; the next run may answer this message.',
					});
				}
				sent.push({
					json: withResult(`Answered ${who} on ${CHANNEL_LABEL[channel]}: “${text.length > 80 ? `${text.slice(0, 79)}…` : text}”`, {
						...json,
						reply: { outcome: 'sent', text, provider_message_id: providerId, at: new Date().toISOString() },
					}),
					pairedItem: { item: i },
				});
			} catch (error) {
				if (this.continueOnFail()) {
					skipped.push({ json: { ...json, error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				const failure = error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
				throw failure;
			}
		}
		return [sent, skipped];
	}
}

/** The answer for one item: its cart's language, the code the store returned with the event, the marketer's text. */
async function answerText(
	ctx: IExecuteFunctions,
	store: CartRecoveryStore,
	json: IDataObject,
	i: number,
	template: (name: string, source: string) => CompiledTemplate,
): Promise<string> {
	const cartId = typeof json.cart_id === 'string' ? json.cart_id : null;
	const cart: Cart | null = cartId ? await store.getCart(cartId) : null;
	const chosen = ctx.getNodeParameter('language', i, 'auto') as Language | 'auto';
	const lang: Language = chosen === 'auto' ? templateLanguage(cart?.locale ?? (json.locale as string) ?? 'hu') : chosen;
	const suffix = lang === 'hu' ? 'Hu' : 'En';
	const code = json.code && typeof json.code === 'object' ? (json.code as IDataObject) : null;
	const answer = ctx.getNodeParameter('answer', i, 'code') as 'code' | 'product' | 'text';
	const field = answer === 'text' ? 'text' : answer === 'product' ? 'product' : code ? 'code' : 'noCode';
	const source = String(ctx.getNodeParameter(`${field}${suffix}`, i, REPLY_COPY[lang][field]) || REPLY_COPY[lang][field]);
	const context = buildTemplateContext({
		cart: cart ?? ({ cart_id: cartId ?? '', first_name: json.first_name ?? null, locale: lang, currency: 'HUF', value: 0, items: [] } as unknown as Cart),
		stage: Number(json.stage) || 1,
		language: lang,
		discount: code
			? {
					code: String(code.code),
					text: amountText({ kind: code.kind as 'percent' | 'fixed', amount: code.amount as number, currency: (code.currency as string) ?? null }, lang === 'hu' ? 'hu-HU' : 'en-GB'),
					valid_until: (code.valid_until as string) ?? undefined,
				}
			: null,
	});
	// The product they tapped in a WhatsApp product list: its row id names the cart and its place, its title what they saw.
	const product = answer === 'product' && cart ? await tappedProduct(store, cart, json.payload, typeof json.text === 'string' ? json.text : null, lang === 'hu' ? 'hu-HU' : 'en-GB') : null;
	return template(`${field} (${lang})`, source).render({ ...context, product } as unknown as Record<string, unknown>).trim();
}

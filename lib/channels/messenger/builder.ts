import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import type { CopySource, WrittenCopy } from '../../ai/types';
import { describeCopy, withWritten, writtenText } from '../../ai/written';
import { DeliveryError } from '../../delivery/errors';
import type { ChannelAdapter, DeliveryStore, RecipientResult, SkipReason } from '../../delivery/types';
import type { Cart, RecommendedProduct } from '../../store';
import {
	buildTemplateContext,
	sendContext,
	byStage,
	compileTemplate,
	fieldLabel,
	isShippedText,
	TemplateError,
	type CompiledTemplate,
	type DiscountInfo,
	type Language,
	type MessageTemplateContext,
	type ShopInfo,
} from '../../templates';
import { templateLanguage } from '../../templates/helpers';
import { copyFieldName, copyValue } from '../copy';
import { MetaGraphError } from '../meta/errors';
import { checkLength, MessageLimitError } from '../meta/limits';
import { panelParameter, panelSetup, panelShowsRecommendations, previewLine, sampleCart, sampleLine, sampleRecommendations } from '../preview';
import { isPsid, messengerAddress } from './address';
import { MESSENGER_LABEL_KEYS, MESSENGER_LABELS, MESSENGER_TEXT, MESSENGER_TEXT_LABEL, RECOMMENDATION_CARD, type MessengerLabel } from './copy';
import {
	buildMessengerButtons,
	buildMessengerCarousel,
	buildMessengerText,
	cartCarouselElements,
	MESSENGER_LIMITS,
	recommendationCarouselElements,
	type MessengerButton,
	type MessengerPayload,
} from './messages';

export type MessengerKind = 'carousel' | 'buttons' | 'quickReplies' | 'text';
export const MESSENGER_KINDS: readonly MessengerKind[] = ['carousel', 'buttons', 'quickReplies', 'text'];
const KIND_NAMES: Record<MessengerKind, string> = { carousel: 'Cart Carousel', buttons: 'Button Template', quickReplies: 'Quick Replies', text: 'Text' };

/** The cart's Messenger PSID; the consent subject it is asked about. */
export function messengerRecipient(cart: Cart): RecipientResult {
	const raw = (cart.messenger_psid ?? '').trim();
	if (!raw) return { ok: false, reason: 'no_address', detail: 'The cart has no Messenger ID: the customer has not written to your Facebook page (or the shop did not pass it on)' };
	if (!isPsid(raw)) return { ok: false, reason: 'invalid_address', detail: `"${raw}" is not a Messenger ID (the digits Meta gives when a customer writes to your page)` };
	const psid = messengerAddress.normalise(raw);
	return { ok: true, address: psid, subject: { customerId: cart.customer_id, messengerPsid: psid } };
}

/**
 * The Message Text template of one language: the field, or the shipped text of the message's stage when the field
 * is empty or still holds the shipped text of some stage. Compiled now: a broken field fails here, named.
 */
export function messengerTextTemplate(lang: Language, custom?: string | null): CompiledTemplate<MessageTemplateContext> {
	const shipped = (kind: keyof (typeof MESSENGER_TEXT)['hu']) => MESSENGER_TEXT[lang][kind];
	const name = fieldLabel(MESSENGER_TEXT_LABEL, lang);
	return compileTemplate<MessageTemplateContext>(name, custom?.trim() && !isShippedText(custom, shipped) ? custom : byStage(shipped), { kind: 'text' });
}

/** The rendered text: lines trimmed, empty lines left out. */
export function renderMessengerText(template: CompiledTemplate<MessageTemplateContext>, context: MessageTemplateContext): string {
	return template
		.render(context)
		.split('\n')
		.map((line) => line.replace(/[ \t]+/g, ' ').trim())
		.filter(Boolean)
		.join('\n');
}

/** What one message is built from, besides the cart: the kind, the text template and the labels of one language. */
export interface MessengerMessageSettings {
	kind: MessengerKind;
	lang: Language;
	text: CompiledTemplate<MessageTemplateContext>;
	labels: Record<MessengerLabel, string>;
	squareImages?: boolean;
}

export interface MessengerMessage {
	payload: MessengerPayload;
	kind: MessengerKind;
	language: Language;
	/** The AI Offer Writer's text or the node's Message Text (a carousel has no text: always `template`). */
	copy: CopySource;
	copyNote?: string;
	/** The text the customer reads (not for the carousel). */
	text?: string;
	/** Carousel: the cards sent, and the cart items beyond Messenger's 10 that got no card. */
	cards?: number;
	itemsLeftOut?: number;
	/** Carousel: how many of the cards are recommended products (after the cart's). */
	recommendedCards?: number;
}

const codePayload = (code: string, cartId: string) => JSON.stringify({ kind: 'discount_code', code, cart_id: cartId });

/** A label field over Messenger's limit, named as the node shows it: "Code Button Title (Hungarian) … is 23 characters". */
function checkLabel(settings: MessengerMessageSettings, key: MessengerLabel, limit: number) {
	checkLength('messenger', fieldLabel(MESSENGER_LABELS[key].label, settings.lang), settings.labels[key], limit, { required: true });
}

/**
 * One Messenger message for one cart: every limit is checked before anything is sent, and a field the marketer
 * wrote is named as the node shows it. Product names are shortened to the card's 80 characters; a cart of more than
 * 10 items gets a card for the first 10 (the link opens the whole cart) and the output says how many were left out.
 * A cart without items gets the Button Template instead of the carousel.
 */
export function buildMessengerMessage(psid: string, context: MessageTemplateContext, settings: MessengerMessageSettings): Omit<MessengerMessage, 'copy' | 'copyNote'> {
	const L = MESSENGER_LIMITS;
	const code = context.discount?.code;
	const link = context.restore_url ?? undefined;
	const kind: MessengerKind = settings.kind === 'carousel' && context.items.length === 0 ? 'buttons' : settings.kind;
	const usesLabel = (key: MessengerLabel) => (MESSENGER_LABELS[key].kinds as readonly string[]).includes(kind);
	if (usesLabel('linkButton') && link) checkLabel(settings, 'linkButton', L.buttonTitle);
	if (usesLabel('codeButton') && code) checkLabel(settings, 'codeButton', kind === 'quickReplies' ? L.quickReplyTitle : L.buttonTitle);
	if (usesLabel('laterReply')) checkLabel(settings, 'laterReply', L.quickReplyTitle);
	if (usesLabel('stopReply')) checkLabel(settings, 'stopReply', L.quickReplyTitle);
	const base = { kind, language: settings.lang };
	const textField = fieldLabel(MESSENGER_TEXT_LABEL, settings.lang);

	if (kind === 'carousel') {
		const elements = cartCarouselElements(
			context.items.map((item) => ({ name: item.name, quantity: item.quantity, priceText: item.price_text, imageUrl: item.image_url ?? undefined })),
			{ restoreUrl: link, openLabel: settings.labels.linkButton, codeLabel: settings.labels.codeButton, code },
		).map((element) => ({
			...element,
			// The code's postback also names the cart, so the reply can be matched to it.
			buttons: element.buttons?.map((b): MessengerButton => (b.type === 'postback' && code ? { ...b, payload: codePayload(code, context.cart_id) } : b)),
		}));
		// Cart Check's recommended products fill the cards the cart leaves of the 10, each with a button to its page.
		const words = RECOMMENDATION_CARD[settings.lang];
		const recommended = recommendationCarouselElements(
			(context.recommendations ?? []).map((p) => ({ title: p.title, priceText: p.price_text, imageUrl: p.image_url ?? undefined, url: p.url ?? undefined })),
			{ room: L.elements - elements.length, label: words.label, viewLabel: words.view },
		);
		if (recommended.some((card) => card.buttons?.length)) checkLength('messenger', 'Recommended product button title', words.view, L.buttonTitle, { required: true });
		const payload = buildMessengerCarousel(psid, [...elements, ...recommended], { square: settings.squareImages });
		return {
			...base,
			payload,
			cards: elements.length + recommended.length,
			itemsLeftOut: context.items.length - elements.length,
			...(recommended.length ? { recommendedCards: recommended.length } : {}),
		};
	}

	if (kind === 'buttons') {
		// The link is on the button: the text is rendered without it.
		const text = renderMessengerText(settings.text, { ...context, restore_url: null });
		checkLength('messenger', textField, text, L.buttonTemplateText, { required: true });
		const buttons: MessengerButton[] = [];
		if (link) buttons.push({ type: 'web_url', url: link, title: settings.labels.linkButton });
		if (code) buttons.push({ type: 'postback', title: settings.labels.codeButton, payload: codePayload(code, context.cart_id) });
		if (buttons.length === 0) return { ...base, kind: 'text', text, payload: buildMessengerText(psid, text) };
		return { ...base, text, payload: buildMessengerButtons(psid, text, buttons) };
	}

	const text = renderMessengerText(settings.text, context);
	checkLength('messenger', textField, text, L.text, { required: true });
	if (kind === 'quickReplies') {
		const replies = [
			...(code ? [{ title: settings.labels.codeButton, payload: codePayload(code, context.cart_id) }] : []),
			{ title: settings.labels.laterReply, payload: JSON.stringify({ kind: 'later', cart_id: context.cart_id }) },
			{ title: settings.labels.stopReply, payload: JSON.stringify({ kind: 'marketing_stop' }) },
		];
		return { ...base, text, payload: buildMessengerText(psid, text, replies) };
	}
	return { ...base, text, payload: buildMessengerText(psid, text) };
}

/** Facts about a sent message for the output item. */
export function describeMessengerMessage(message: MessengerMessage): Record<string, unknown> {
	return {
		...describeCopy(message),
		message_kind: message.kind,
		language: message.language,
		...(message.text !== undefined ? { text: message.text } : {}),
		...(message.cards !== undefined ? { cards: message.cards, items_left_out: message.itemsLeftOut ?? 0 } : {}),
		...(message.recommendedCards ? { recommended_cards: message.recommendedCards } : {}),
		messaging_type: message.payload.messaging_type,
		message: message.payload.message,
	};
}

/**
 * Meta's 24-hour standard window, asked of the store (the customer's inbound messages it records), after consent and
 * before the claim: closed → Skipped `window_closed`, no claim, no call. Never a message tag instead.
 */
export async function messengerWindow(store: DeliveryStore, psid: string): Promise<{ skip: SkipReason; detail: string } | void> {
	if (!store.serviceWindow) return { skip: 'window_closed', detail: 'The store cannot tell whether the customer wrote to the page in the last 24 hours, so nothing was sent' };
	const window = await store.serviceWindow('messenger', psid);
	if (window.open) return;
	return {
		skip: 'window_closed',
		detail: window.last_inbound_at
			? `The customer last wrote to the page at ${window.last_inbound_at}; Messenger’s 24-hour window closed at ${window.open_until}, so no promotional message may go out`
			: 'The customer has not written to the page, so Messenger’s 24-hour window is not open and no promotional message may go out',
	};
}

export interface MessengerChannelOptions {
	language: Language | 'auto';
	stage: number;
	settingsFor: (lang: Language) => Omit<MessengerMessageSettings, 'lang'>;
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	restoreUrl?: string | null;
	/** The AI Offer Writer's copy: its Messenger text replaces Message Text in its language (Button Template, Quick Replies, Text). */
	written?: WrittenCopy;
	/** Cart Check's recommended products: cards after the cart's in the Cart Carousel (the other kinds leave them out). */
	recommendations?: RecommendedProduct[];
	send: (payload: MessengerPayload) => Promise<{ messageId: string; recipientId: string }>;
}

/**
 * The AI Offer Writer's text as the Message Text template: the link to the cart goes on its own line when the text
 * does not have it (the Button Template renders without it: its button carries the link).
 */
function writtenTemplate(text: string): CompiledTemplate<MessageTemplateContext> {
	return { name: 'AI Offer Writer', render: (context) => (context.restore_url && !text.includes(context.restore_url) ? `${text}\n${context.restore_url}` : text) };
}

/** The Messenger channel for the delivery pipeline. */
export function messengerAdapter(options: MessengerChannelOptions): ChannelAdapter<MessengerMessage> {
	return {
		channel: 'messenger',
		provider: 'Messenger',
		recipient: messengerRecipient,
		precheck: ({ address, store }) => messengerWindow(store, address),
		render({ cart, address }) {
			const lang = options.language === 'auto' ? templateLanguage(cart.locale) : options.language;
			const context = sendContext(options, cart, lang);
			try {
				const settings = { ...options.settingsFor(lang), lang };
				const written = writtenText(options.written, 'messenger', lang);
				if (written !== undefined && settings.kind === 'carousel' && context.items.length > 0) {
					return { ...buildMessengerMessage(address, context, settings), copy: 'template', copyNote: 'A Cart Carousel has no text: the AI Offer Writer’s text goes out with Button Template, Quick Replies or Text' };
				}
				const built = withWritten(written, (text) =>
					buildMessengerMessage(address, context, text === undefined ? settings : { ...settings, text: writtenTemplate(text) }),
				);
				return { ...built.value, copy: built.copy, copyNote: built.copyNote };
			} catch (error) {
				if (error instanceof MessageLimitError) throw new DeliveryError(`${error.message}: not sent`, 'Shorten it; nothing was sent, and the message can go out once it fits');
				throw error;
			}
		},
		async send(message) {
			const sent = await options.send(message.payload);
			return { providerId: sent.messageId, details: { recipient_id: sent.recipientId } };
		},
		describe: describeMessengerMessage,
		copyOf: (message) => message.copy,
		// Code 10 / subcode 2018278: Meta says the window is closed (the store did not know yet). Recorded failed by
		// the pipeline, Skipped window_closed, not retried. Matched on code and subcode: code 10 alone is a permission error.
		async onPermanentFailure(error) {
			return error instanceof MetaGraphError && error.reason === 'window_closed' ? { skipReason: 'window_closed' } : undefined;
		},
	};
}

/** The settings of one language from the node's fields (`read`: a field's value, undefined when unset). */
export function messengerSettingsFromFields(read: (name: string) => unknown, kind: MessengerKind, squareImages: boolean): (lang: Language) => Omit<MessengerMessageSettings, 'lang'> {
	const cache = new Map<Language, Omit<MessengerMessageSettings, 'lang'>>();
	return (lang) => {
		let settings = cache.get(lang);
		if (!settings) {
			const labels = Object.fromEntries(
				MESSENGER_LABEL_KEYS.map((key) => {
					const value = read(copyFieldName(key, lang));
					return [key, typeof value === 'string' && value.trim() ? value.trim() : MESSENGER_LABELS[key].shipped(lang)];
				}),
			) as Record<MessengerLabel, string>;
			settings = { kind, text: messengerTextTemplate(lang, copyValue(read(copyFieldName('messengerText', lang)))), labels, squareImages };
			cache.set(lang, settings);
		}
		return settings;
	};
}

export const asKind = (value: unknown): MessengerKind => {
	if (MESSENGER_KINDS.includes(value as MessengerKind)) return value as MessengerKind;
	throw new Error(`Message Kind must be one of ${MESSENGER_KINDS.join(', ')}, not "${String(value)}"`);
};

const SAMPLE_PSID = '1234567890123456';

/** One message as lines of the Preview list. */
export function messengerPreviewLines(message: Omit<MessengerMessage, 'copy' | 'copyNote'>, both: boolean): INodePropertyOptions[] {
	const lang = message.language;
	const m = message.payload.message;
	const lines = [previewLine(lang, both, 'kind', 'Kind', KIND_NAMES[message.kind])];
	const buttonText = (buttons: MessengerButton[] = []) => buttons.map((b) => `[${b.title}${b.type === 'web_url' ? ' ↗' : ''}]`).join(' ');
	if ('attachment' in m && m.attachment.payload.template_type === 'generic') {
		m.attachment.payload.elements.forEach((e, i) => lines.push(previewLine(lang, both, `card${i}`, `Card ${i + 1}`, [e.title, e.subtitle, buttonText(e.buttons)].filter(Boolean).join(' · '))));
		if (message.itemsLeftOut) lines.push(previewLine(lang, both, 'leftOut', 'Note', `${message.itemsLeftOut} more items get no card (Messenger shows at most 10); the cart link opens them all`));
	} else if ('attachment' in m && m.attachment.payload.template_type === 'button') {
		lines.push(previewLine(lang, both, 'text', 'Message', m.attachment.payload.text));
		lines.push(previewLine(lang, both, 'buttons', 'Buttons', buttonText(m.attachment.payload.buttons)));
	} else if ('text' in m) {
		lines.push(previewLine(lang, both, 'text', 'Message', m.text));
		if (m.quick_replies?.length) lines.push(previewLine(lang, both, 'replies', 'Quick replies', m.quick_replies.map((q) => `(${q.title})`).join(' ')));
	}
	return lines;
}

/** Preview list of Messenger Send: per language the message as the sample customer would get it, or why it would not be sent. */
export async function messengerPreviewOptions(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const get = panelParameter(this);
	const { stage, languages, discount } = panelSetup(get);
	const both = languages.length > 1;
	const options = get('options') as { shopName?: unknown; restoreUrl?: unknown; squareImages?: unknown } | undefined;
	const optionText = (value: unknown) => (typeof value === 'string' && value.trim() && !value.startsWith('=') ? value.trim() : undefined);
	const lines = [sampleLine(discount)];
	let kind: MessengerKind;
	try {
		kind = asKind(get('messageKind') ?? 'carousel');
	} catch {
		kind = 'carousel';
	}
	for (const lang of languages) {
		try {
			const settings = messengerSettingsFromFields(get, kind, options?.squareImages === true)(lang);
			const context = buildTemplateContext({
				cart: sampleCart(),
				stage,
				language: lang,
				discount,
				shop: { name: optionText(options?.shopName) },
				restoreUrl: optionText(options?.restoreUrl),
				recommendations: panelShowsRecommendations(get) ? sampleRecommendations() : null,
			});
			lines.push(...messengerPreviewLines(buildMessengerMessage(SAMPLE_PSID, context, { ...settings, lang }), both));
		} catch (error) {
			if (error instanceof TemplateError) {
				lines.push(previewLine(lang, both, 'error', '⚠ Cannot show this text', `${error.templateName}${error.line ? `, line ${error.line}` : ''}: ${error.reason}`));
			} else if (error instanceof MessageLimitError) {
				lines.push(previewLine(lang, both, 'warning', '⚠ Would not be sent', error.message));
			} else throw error;
		}
	}
	return lines;
}

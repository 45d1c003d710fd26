import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import type { CopySource, WrittenCopy } from '../../ai/types';
import { describeCopy, withWritten, writtenText } from '../../ai/written';
import { MARKETING_CAP_DEFER_MS, MetaGraphError } from '../meta/errors';
import { checkLength, MessageLimitError, shorten, visibleLength } from '../meta/limits';
import { META_CREDENTIAL, readMetaCredentials, type MetaCredentials } from '../meta/credentials';
import type { GraphContext } from '../meta/transport';
import type { ChannelAdapter, ProviderAcceptance, RecipientResult } from '../../delivery/types';
import type { Cart, RecommendedProduct } from '../../store';
import {
	buildTemplateContext,
	sendContext,
	byStage,
	compileTemplate,
	fieldLabel,
	TemplateError,
	templateLanguage,
	type CompiledTemplate,
	type DiscountInfo,
	type Language,
	type MessageTemplateContext,
	type ShopInfo,
	type StageKind,
} from '../../templates';
import { copyFieldName, copyValue } from '../copy';
import { phoneRecipient, type CountryCode } from '../phone';
import { panelParameter, panelSetup, panelShowsRecommendations, previewLine, sampleCart, sampleLine, sampleRecommendations } from '../preview';
import { permanentFailureHook } from '../rules';
import type { ProviderErrorRule } from '../types';
import {
	buildWhatsAppButtons,
	buildWhatsAppCtaUrl,
	buildWhatsAppList,
	buildWhatsAppTemplate,
	buildWhatsAppText,
	checkTemplateFit,
	marketingBlockedForNumber,
	templateShape,
	WHATSAPP_LIMITS,
	type TemplateInput,
	type WhatsAppInteractivePayload,
	type WhatsAppPayload,
	type WhatsAppTemplatePayload,
} from './messages';
import { listedItems, listRowTitle, productRowId } from './tapped';
import { listWhatsAppTemplates, sendWhatsAppMessage, type WhatsAppTemplate } from './transport';
import {
	RESTORE_LINK_LINE,
	shippedWhatsAppCopy,
	TEMPLATE_LABEL,
	templateFieldName,
	WHATSAPP_BODY_LABEL,
	WHATSAPP_BUTTON_LABEL,
	WHATSAPP_LIST_BUTTON_LABEL,
	WHATSAPP_REPLY_CODE_LABEL,
	WHATSAPP_REPLY_LATER_LABEL,
	WHATSAPP_REPLY_STOP_LABEL,
	WHATSAPP_TEXT_LABEL,
	type WhatsAppKind,
} from './parameters';

/**
 * WhatsApp error codes with a meaning beyond "failed" (MetaGraphError classifies every code; these are what the
 * pipeline does after a permanent one): 131050, the customer stopped marketing messages from this business →
 * WhatsApp consent withdrawn, Skipped opted_out; 131047, the 24-hour window is closed → Skipped window_closed
 * (Auto sends the template instead before it gets here). 131049 is deferred a day (see toDeliveryError).
 */
export const WHATSAPP_ERROR_RULES: ProviderErrorRule[] = [
	{ code: 131050, action: 'withdraw', skip: 'opted_out', source: 'whatsapp_131050' },
	{ code: 131047, action: 'skip', skip: 'window_closed' },
];

/** The cart's WhatsApp number (else its phone) in E.164; sent to Meta without the '+'. */
export function whatsappRecipient(cart: Cart, region: CountryCode = 'HU'): RecipientResult {
	const raw = cart.whatsapp_phone?.trim() || cart.phone;
	const phone = phoneRecipient(raw, region);
	if (!phone.ok) return phone.reason === 'no_address' ? { ...phone, detail: 'The cart has no WhatsApp number or phone number' } : phone;
	return { ok: true, address: phone.e164, subject: { customerId: cart.customer_id, whatsappPhone: phone.e164 } };
}

// ── Texts ────────────────────────────────────────────────────────────────────────────────────────────────────

const PIECES = {
	text: ['whatsappText', WHATSAPP_TEXT_LABEL],
	body: ['whatsappBody', WHATSAPP_BODY_LABEL],
	button: ['whatsappButton', WHATSAPP_BUTTON_LABEL],
	replyCode: ['whatsappReplyCode', WHATSAPP_REPLY_CODE_LABEL],
	replyLater: ['whatsappReplyLater', WHATSAPP_REPLY_LATER_LABEL],
	replyStop: ['whatsappReplyStop', WHATSAPP_REPLY_STOP_LABEL],
	listButton: ['whatsappListButton', WHATSAPP_LIST_BUTTON_LABEL],
} as const;

export type WhatsAppTexts = Record<keyof typeof PIECES, CompiledTemplate<MessageTemplateContext>>;

/**
 * One input item's texts in one language: its fields, or the shipped text of the stage. Compiled once per distinct
 * text; a field that does not compile throws a TemplateError naming it.
 */
export function whatsappTextsFromFields(read: (name: string, itemIndex: number) => unknown): (itemIndex: number, lang: Language) => WhatsAppTexts {
	const compiled = new Map<string, CompiledTemplate<MessageTemplateContext>>();
	const one = (piece: keyof typeof PIECES, lang: Language, value: string | null) => {
		const key = JSON.stringify([piece, lang, value]);
		let template = compiled.get(key);
		if (!template) {
			const [, label] = PIECES[piece];
			template = value?.trim()
				? compileTemplate<MessageTemplateContext>(fieldLabel(label, lang), value, { kind: 'text' })
				: compileTemplate<MessageTemplateContext>(`whatsapp#${lang}.${piece}`, byStage((kind: StageKind) => shippedWhatsAppCopy(lang, kind)[piece]), { kind: 'text', trusted: true });
			compiled.set(key, template);
		}
		return template;
	};
	return (i, lang) => Object.fromEntries((Object.keys(PIECES) as Array<keyof typeof PIECES>).map((piece) => [piece, one(piece, lang, copyValue(read(copyFieldName(PIECES[piece][0], lang), i)))])) as WhatsAppTexts;
}

/** A rendered text: lines without text left out. */
const tidy = (text: string) =>
	text
		.replace(/\r\n?/g, '\n')
		.split('\n')
		.map((l) => l.trimEnd())
		.filter((l) => l.trim())
		.join('\n')
		.trim();

// ── Template values ──────────────────────────────────────────────────────────────────────────────────────────

export type TemplateValueSource = 'firstName' | 'cartTotal' | 'discountText' | 'discountCode' | 'shopName' | 'firstItem' | 'restoreUrl' | 'custom';
export interface TemplateValueSpec {
	name?: string;
	source: TemplateValueSource;
	text?: string;
}

/** Blank names filled in by themselves when Template Values is empty. */
const NAMED_SOURCES: Record<string, TemplateValueSource> = {
	first_name: 'firstName',
	name: 'firstName',
	customer_name: 'firstName',
	cart_total: 'cartTotal',
	total: 'cartTotal',
	discount: 'discountText',
	discount_text: 'discountText',
	discount_amount: 'discountText',
	code: 'discountCode',
	discount_code: 'discountCode',
	coupon: 'discountCode',
	shop: 'shopName',
	shop_name: 'shopName',
	first_item: 'firstItem',
	item: 'firstItem',
	product: 'firstItem',
	product_name: 'firstItem',
	link: 'restoreUrl',
	cart_url: 'restoreUrl',
	restore_url: 'restoreUrl',
};

function valueOf(spec: TemplateValueSpec, c: MessageTemplateContext): string {
	switch (spec.source) {
		case 'firstName':
			return c.customer.first_name?.trim() || (c.lang === 'hu' ? 'Vásárlónk' : 'there');
		case 'cartTotal':
			return c.total_text.replace(/[\u00a0\u202f]/g, ' ');
		case 'discountText':
			return c.discount?.text ?? '';
		case 'discountCode':
			return c.discount?.code ?? '';
		case 'shopName':
			return c.shop.name ?? '';
		case 'firstItem':
			return c.items[0]?.name ?? '';
		case 'restoreUrl':
			return c.restore_url ?? '';
		default:
			return spec.text ?? '';
	}
}

/** The template's body values from the cart, customer and discount: positional in order, named by name. */
export function templateBodyValues(template: WhatsAppTemplate, context: MessageTemplateContext, specs: TemplateValueSpec[]): string[] | Record<string, string> {
	const { format, count, names } = templateShape(template).bodyParameters;
	const fail = (message: string) => {
		throw new MessageLimitError('whatsapp', 'Template Values', specs.length, count, message);
	};
	if (format === 'NAMED') {
		const entries = specs.length
			? specs.map((s, i): [string, string] => [s.name?.trim() || names[i] || `value_${i + 1}`, valueOf(s, context)])
			: names.map((n): [string, string] => {
					const source = NAMED_SOURCES[n.toLowerCase()];
					if (!source) fail(`Template "${template.name}" has a blank named ${n}: say what goes in it under Template Values`);
					return [n, valueOf({ source: source! }, context)];
				});
		return Object.fromEntries(entries);
	}
	if (count > 0 && !specs.length) fail(`Template "${template.name}" has ${count} numbered blank${count === 1 ? '' : 's'}: say what goes in ${count === 1 ? 'it' : 'them'} under Template Values, in order`);
	return specs.map((s) => valueOf(s, context));
}

/** The template's text with its blanks filled in, for the preview. */
export function fillTemplateText(template: WhatsAppTemplate, values: string[] | Record<string, string>): string {
	const body = template.components?.find((c) => c.type.toUpperCase() === 'BODY')?.text ?? '';
	return body.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, key: string) => (Array.isArray(values) ? (values[Number(key) - 1] ?? m) : (values[key] ?? m)));
}

/** The dynamic end of the template's link button: the restore link after the button's fixed start. */
function urlSuffix(template: WhatsAppTemplate, index: number, restoreUrl: string | null): string {
	if (!restoreUrl) throw new MessageLimitError('whatsapp', 'Link ending', 0, 2000, `Template "${template.name}" has a link button, and the cart has no restore link to put in it`);
	const buttons = template.components?.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
	const start = (buttons[index]?.url ?? '').replace(/\{\{\s*1\s*\}\}\s*$/, '');
	if (start && restoreUrl.startsWith(start)) return restoreUrl.slice(start.length);
	const url = new URL(restoreUrl);
	return `${url.pathname.replace(/^\/+/, '')}${url.search}`;
}

/** The approved template filled in for one cart: body values, image header, copy-code coupon, link ending. Every limit checked. */
export function whatsappTemplatePayload(to: string, template: WhatsAppTemplate, context: MessageTemplateContext, specs: TemplateValueSpec[]): WhatsAppTemplatePayload {
	const shape = templateShape(template);
	const input: TemplateInput = { to, name: template.name, language: template.language, body: templateBodyValues(template, context, specs) };
	// The first item that has a picture: a cart's first line may be one without (a gift wrap, a sample).
	const picture = context.items.find((item) => item.image_url)?.image_url;
	if (shape.headerFormat === 'IMAGE' && picture) input.headerImageUrl = picture;
	if (shape.couponButtonIndex !== undefined) {
		if (!context.discount?.code) throw new MessageLimitError('whatsapp', 'Discount Code', 0, WHATSAPP_LIMITS.couponCode, `Discount Code is empty; template "${template.name}" has a copy-code button that needs it`);
		input.couponCode = context.discount.code;
		input.couponButtonIndex = shape.couponButtonIndex;
	}
	if (shape.dynamicUrlButtonIndex !== undefined) {
		input.urlSuffix = urlSuffix(template, shape.dynamicUrlButtonIndex, context.restore_url);
		input.urlButtonIndex = shape.dynamicUrlButtonIndex;
	}
	checkTemplateFit(template, input);
	return buildWhatsAppTemplate(input);
}

// ── Interactive and text ─────────────────────────────────────────────────────────────────────────────────────

export function whatsappInteractivePayload(to: string, texts: WhatsAppTexts, context: MessageTemplateContext) {
	const lang = context.lang;
	const body = tidy(texts.body.render(context));
	checkLength('whatsapp', fieldLabel(WHATSAPP_BODY_LABEL, lang), body, WHATSAPP_LIMITS.body, { required: true });
	const button = texts.button.render(context).trim();
	checkLength('whatsapp', fieldLabel(WHATSAPP_BUTTON_LABEL, lang), button, WHATSAPP_LIMITS.ctaDisplayText, { required: true });
	if (!context.restore_url) throw new MessageLimitError('whatsapp', 'Link URL', 0, 2000, 'The cart has no restore link for the link button; set Link URL under Options');
	return buildWhatsAppCtaUrl({
		to,
		body,
		displayText: button,
		url: context.restore_url,
		footer: context.shop.name ? shorten(context.shop.name, WHATSAPP_LIMITS.footer) : undefined,
		headerImageUrl: context.items.find((item) => item.image_url)?.image_url ?? undefined,
	});
}

/** The interactive body with the link to the cart below it: reply buttons and list items open no link. */
function bodyWithLink(texts: WhatsAppTexts, context: MessageTemplateContext) {
	const label = fieldLabel(WHATSAPP_BODY_LABEL, context.lang);
	if (!context.restore_url) throw new MessageLimitError('whatsapp', 'Link URL', 0, 2000, 'The cart has no restore link for the message; set Link URL under Options');
	const text = tidy(texts.body.render(context));
	const body = text.includes(context.restore_url) ? text : tidy(`${text}\n${RESTORE_LINK_LINE[context.lang]} ${context.restore_url}`);
	checkLength('whatsapp', `${label} with the link`, body, WHATSAPP_LIMITS.body, { required: true });
	return body;
}

const footerOf = (context: MessageTemplateContext) => (context.shop.name ? shorten(context.shop.name, WHATSAPP_LIMITS.footer) : undefined);

/** Reply-button ids: what the channel-events webhook reads back from a tap (the action and the cart). */
export const replyButtonId = (action: 'code' | 'later' | 'stop', cartId: string) => `${action}:${cartId}`;

/**
 * Reply buttons: the body with the link, then "send me the code" (only with a discount code), "maybe later" and
 * "unsubscribe"; ids code:/later:/stop:<cart id>. Each title ≤ 20 and different from the others, named by its field.
 */
export function whatsappReplyButtonsPayload(to: string, texts: WhatsAppTexts, context: MessageTemplateContext) {
	const lang = context.lang;
	const body = bodyWithLink(texts, context);
	const pieces = [...(context.discount?.code ? (['replyCode'] as const) : []), 'replyLater', 'replyStop'] as const;
	const action = { replyCode: 'code', replyLater: 'later', replyStop: 'stop' } as const;
	const buttons = pieces.map((piece) => {
		const field = fieldLabel(PIECES[piece][1], lang);
		const title = texts[piece].render(context).trim();
		checkLength('whatsapp', field, title, WHATSAPP_LIMITS.buttonTitle, { required: true });
		const id = replyButtonId(action[piece], context.cart_id);
		checkLength('whatsapp', `${field} button id`, id, WHATSAPP_LIMITS.buttonId, { required: true });
		return { field, id, title };
	});
	buttons.forEach((b, i) => {
		const same = buttons.slice(0, i).find((o) => o.title.toLocaleLowerCase() === b.title.toLocaleLowerCase());
		if (same) throw new MessageLimitError('whatsapp', b.field, buttons.length, WHATSAPP_LIMITS.replyButtons, `${b.field} "${b.title}" is the same as ${same.field}; WhatsApp needs each button title to be different`);
	});
	return buildWhatsAppButtons({
		to,
		body,
		buttons: buttons.map(({ id, title }) => ({ id, title })),
		footer: footerOf(context),
		headerImageUrl: context.items.find((item) => item.image_url)?.image_url ?? undefined,
	});
}

const QUANTITY: Record<Language, (n: number) => string> = { hu: (n) => `${n} db`, en: (n) => `Qty ${n}` };
const MORE_ITEMS: Record<Language, (n: number) => string> = { hu: (n) => `És még ${n} termék`, en: (n) => `And ${n} more item${n === 1 ? '' : 's'}` };

/** The Product List's section titles when it also lists recommended products (each at most 24 characters). */
export const LIST_SECTION_TITLES: Record<Language, { cart: string; recommended: string }> = {
	hu: { cart: 'A kosaradban', recommended: 'Neked ajánljuk' },
	en: { cart: 'In your cart', recommended: 'You may also like' },
};

/** A recommended product's row description: its price, and its category when both fit in 72 characters. */
function recommendationDescription(product: MessageTemplateContext['recommendations'][number]): string {
	const parts = [product.price_text, product.category ?? ''].filter((p) => p.trim());
	const full = parts.join(' · ');
	return visibleLength(full) <= WHATSAPP_LIMITS.rowDescription ? full : shorten(parts[0] ?? '', WHATSAPP_LIMITS.rowDescription);
}

/**
 * Product list: the body with the link and one row per cart item (the name shortened to 24 with an ellipsis,
 * "1 db · 12 990 Ft" under it). WhatsApp shows at most 10 rows: a longer cart's 10th row says how many more.
 * With recommended products (Cart Check's) the list has two sections, "A kosaradban" / "In your cart" and "Neked
 * ajánljuk" / "You may also like": the cart's rows first, the recommendations in the rows left of the 10 (none when the
 * cart fills them), each with its price and, when it fits, its category.
 */
export function whatsappListPayload(to: string, texts: WhatsAppTexts, context: MessageTemplateContext) {
	const lang = context.lang;
	const body = bodyWithLink(texts, context);
	const field = fieldLabel(WHATSAPP_LIST_BUTTON_LABEL, lang);
	const button = texts.listButton.render(context).trim();
	checkLength('whatsapp', field, button, WHATSAPP_LIMITS.listButton, { required: true });
	const items = listedItems(context.items);
	if (!items.length) throw new MessageLimitError('whatsapp', 'Product List', 0, WHATSAPP_LIMITS.listRows, 'The cart has no items to list; Message Kind Product List needs at least one');
	const max = WHATSAPP_LIMITS.listRows;
	const shown = items.length > max ? items.slice(0, max - 1) : items;
	const rows = shown.map((item, i) => ({
		id: productRowId('item', context.cart_id, i + 1, item),
		title: listRowTitle(item.name),
		description: shorten(`${QUANTITY[lang](item.quantity)} · ${item.line_total_text}`, WHATSAPP_LIMITS.rowDescription),
	}));
	if (items.length > shown.length) rows.push({ id: `more:${context.cart_id}`, title: shorten(MORE_ITEMS[lang](items.length - shown.length), WHATSAPP_LIMITS.rowTitle), description: '' });
	rows.forEach((row, i) => checkLength('whatsapp', `Product List row ${i + 1} id`, row.id, WHATSAPP_LIMITS.rowId, { required: true }));
	// `rec:<cart id>:<n>:<tag>` like the cart's rows: a tap on it comes back naming the cart (lib/channels/meta/events.ts),
	// and Reply to Customer answers it with the product's page (./tapped.ts).
	const recommended = (context.recommendations ?? []).slice(0, Math.max(0, max - rows.length)).map((product, i) => ({
		id: productRowId('rec', context.cart_id, i + 1, product),
		title: listRowTitle(product.title),
		description: recommendationDescription(product),
	}));
	if (!recommended.length) return buildWhatsAppList({ to, body, button, sections: [{ rows }], footer: footerOf(context) });
	const titles = LIST_SECTION_TITLES[lang];
	checkLength('whatsapp', 'Product List section title', titles.cart, WHATSAPP_LIMITS.sectionTitle, { required: true });
	checkLength('whatsapp', 'Product List section title', titles.recommended, WHATSAPP_LIMITS.sectionTitle, { required: true });
	recommended.forEach((row, i) => {
		const name = `Product List recommended row ${i + 1}`;
		checkLength('whatsapp', `${name} id`, row.id, WHATSAPP_LIMITS.rowId, { required: true });
		checkLength('whatsapp', `${name} title`, row.title, WHATSAPP_LIMITS.rowTitle, { required: true });
		checkLength('whatsapp', `${name} description`, row.description, WHATSAPP_LIMITS.rowDescription);
	});
	return buildWhatsAppList({
		to,
		body,
		button,
		sections: [
			{ title: titles.cart, rows },
			{ title: titles.recommended, rows: recommended },
		],
		footer: footerOf(context),
	});
}

export function whatsappTextPayload(to: string, texts: WhatsAppTexts, context: MessageTemplateContext) {
	const text = tidy(texts.text.render(context));
	checkLength('whatsapp', fieldLabel(WHATSAPP_TEXT_LABEL, context.lang), text, WHATSAPP_LIMITS.text, { required: true });
	return buildWhatsAppText(to, text, { previewUrl: true });
}

// ── The adapter ──────────────────────────────────────────────────────────────────────────────────────────────

export interface WhatsAppMessage {
	kind: 'template' | 'interactive' | 'replyButtons' | 'list' | 'text';
	payload: WhatsAppPayload;
	/** The AI Offer Writer's body or the node's texts (a template's words are Meta-approved: always `template`). */
	copy: CopySource;
	copyNote?: string;
	/** Auto inside the window: the template, should Meta answer that the window has closed (131047). */
	fallback?: WhatsAppTemplatePayload;
	template?: string;
}

/** A chosen template per language: its field's value (name and language) and its definition from the account. */
export interface ChosenTemplate {
	field: string;
	name: string;
	language: string;
	definition?: WhatsAppTemplate;
}

export interface WhatsAppAdapterOptions {
	ctx: GraphContext;
	credentials: MetaCredentials;
	kind: WhatsAppKind;
	language: Language | 'auto';
	stage: number;
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	restoreUrl?: string | null;
	region?: CountryCode;
	texts: (lang: Language) => WhatsAppTexts;
	/** The AI Offer Writer's copy: its WhatsApp body replaces Message Body / Message Text in its language (not a template's). */
	written?: WrittenCopy;
	template: (lang: Language) => ChosenTemplate | null;
	values: TemplateValueSpec[];
	/** Cart Check's recommended products: rows of their own in the Product List (the other kinds leave them out). */
	recommendations?: RecommendedProduct[];
}

const isMarketing = (t: ChosenTemplate | null) => !t?.definition || t.definition.category.toUpperCase() === 'MARKETING';

/**
 * 131049 (Meta's per-user marketing cap) comes classified permanent with `deferMs` (a day). The pipeline defers a
 * retryable error whose wait exceeds Max Retry Wait, with the claim given back: so it goes back as retryable with
 * that wait, and the message is Deferred to at least a day later instead of failing.
 */
export function toDeliveryError(error: unknown): unknown {
	if (error instanceof MetaGraphError && error.reason === 'marketing_cap') {
		return new MetaGraphError(error.message, {
			channel: 'whatsapp',
			reason: 'marketing_cap',
			kind: 'retryable',
			status: error.status,
			code: typeof error.code === 'number' ? error.code : Number(error.code),
			subcode: error.subcode,
			type: error.type,
			fbtraceId: error.fbtraceId,
			metaMessage: error.metaMessage,
			retryAfterMs: error.deferMs ?? MARKETING_CAP_DEFER_MS,
			deferMs: error.deferMs ?? MARKETING_CAP_DEFER_MS,
		});
	}
	return error;
}

function templateNotSet(lang: Language): never {
	throw new MessageLimitError('whatsapp', TEMPLATE_LABEL[lang], 0, 0, `${TEMPLATE_LABEL[lang]} is empty: pick the approved template these customers get outside the 24-hour window`);
}

/** The WhatsApp channel for the delivery pipeline: window and country before the claim, the kind chosen, Meta called. */
export function whatsappAdapter(options: WhatsAppAdapterOptions): ChannelAdapter<WhatsAppMessage> {
	const langOf = (cart: Cart): Language => (options.language === 'auto' ? templateLanguage(cart.locale) : options.language);
	// What precheck decided for this item (one adapter per item and deliver() call).
	let resolved: WhatsAppMessage['kind'] = options.kind === 'auto' ? 'template' : options.kind;
	const contextOf = (cart: Cart, lang: Language) => sendContext(options, cart, lang);
	return {
		channel: 'whatsapp',
		provider: 'WhatsApp',
		recipient: (cart) => whatsappRecipient(cart, options.region ?? 'HU'),
		async precheck({ cart, address, store }) {
			const lang = langOf(cart);
			if (options.kind !== 'template') {
				const window = store.serviceWindow ? await store.serviceWindow('whatsapp', address, { bsuid: cart.whatsapp_bsuid ?? null }) : null;
				if (options.kind === 'auto') {
					resolved = window?.open ? 'interactive' : 'template';
				} else if (!window?.open) {
					const kindName = options.kind === 'text' ? 'a text message' : options.kind === 'list' ? 'a product list' : 'a message with buttons';
					const last = window?.last_inbound_at ? `last wrote on WhatsApp at ${window.last_inbound_at}` : 'has not written to you on WhatsApp';
					return {
						skip: 'window_closed',
						detail: `The customer ${last}: WhatsApp allows ${kindName} only within 24 hours of their last message. Message Kind Auto or Template sends the approved template instead.`,
					};
				} else {
					resolved = options.kind;
				}
			}
			if (resolved === 'template') {
				const chosen = options.template(lang);
				const blocked = isMarketing(chosen) ? marketingBlockedForNumber(address) : { blocked: false };
				if (blocked.blocked) return { skip: 'not_deliverable', detail: blocked.message ?? 'Meta does not deliver marketing templates to this number' };
			}
			return undefined;
		},
		render({ cart, address }) {
			const lang = langOf(cart);
			const context = contextOf(cart, lang);
			const templateMessage = () => {
				const chosen = options.template(lang);
				if (!chosen) return templateNotSet(lang);
				if (!chosen.definition) throw new MessageLimitError('whatsapp', chosen.field, 0, 0, `${chosen.field}: "${chosen.name}" (${chosen.language}) is not an approved template in this WhatsApp Business Account`);
				return whatsappTemplatePayload(address, chosen.definition, context, options.values);
			};
			if (resolved === 'template') {
				const payload = templateMessage();
				const approved = writtenText(options.written, 'whatsapp', lang) ? { copyNote: 'An approved template’s words cannot change: the AI Offer Writer’s text is used inside the 24-hour window only' } : {};
				return { kind: 'template', payload, template: `${payload.template.name} (${payload.template.language.code})`, copy: 'template', ...approved };
			}
			// The written body stands in for Message Body and Message Text; the link line and the buttons stay the node's.
			const textsWith = (text: string | undefined): WhatsAppTexts => {
				const texts = options.texts(lang);
				if (text === undefined) return texts;
				const link = context.restore_url && !text.includes(context.restore_url) ? `\n${RESTORE_LINK_LINE[lang]} ${context.restore_url}` : '';
				return { ...texts, body: { name: 'AI Offer Writer', render: () => text }, text: { name: 'AI Offer Writer', render: () => `${text}${link}` } };
			};
			const written = writtenText(options.written, 'whatsapp', lang);
			const build = <T extends WhatsAppPayload>(payloadOf: (texts: WhatsAppTexts) => T) => withWritten(written, (text) => payloadOf(textsWith(text)));
			if (resolved === 'text') {
				const built = build((texts) => whatsappTextPayload(address, texts, context));
				return { kind: 'text', payload: built.value, copy: built.copy, copyNote: built.copyNote };
			}
			if (resolved === 'replyButtons') {
				const built = build((texts) => whatsappReplyButtonsPayload(address, texts, context));
				return { kind: 'replyButtons', payload: built.value, copy: built.copy, copyNote: built.copyNote };
			}
			if (resolved === 'list') {
				const built = build((texts) => whatsappListPayload(address, texts, context));
				return { kind: 'list', payload: built.value, copy: built.copy, copyNote: built.copyNote };
			}
			const built = build((texts) => whatsappInteractivePayload(address, texts, context));
			// Auto: the template too, ready for a 131047 (the store's window can be a little behind Meta's).
			let fallback: WhatsAppTemplatePayload | undefined;
			if (options.kind === 'auto' && !(isMarketing(options.template(lang)) && marketingBlockedForNumber(address).blocked)) {
				try {
					fallback = templateMessage();
				} catch {
					fallback = undefined;
				}
			}
			return { kind: 'interactive', payload: built.value, fallback, copy: built.copy, copyNote: built.copyNote };
		},
		async send(message, context) {
			const tagged = <T extends WhatsAppPayload>(payload: T): T => ({ ...payload, biz_opaque_callback_data: context.messageId });
			const accepted = (sent: Awaited<ReturnType<typeof sendWhatsAppMessage>>, kind: WhatsAppMessage['kind'], template: string | undefined, fellBack: boolean): ProviderAcceptance => ({
				providerId: sent.messageId,
				details: {
					kind,
					...(template ? { template } : {}),
					...(sent.messageStatus ? { whatsapp_status: sent.messageStatus } : {}),
					...(fellBack ? { fell_back_to_template: true } : {}),
				},
			});
			try {
				return accepted(await sendWhatsAppMessage(options.ctx, options.credentials, tagged(message.payload)), message.kind, message.template, false);
			} catch (error) {
				if (error instanceof MetaGraphError && error.fallbackToTemplate && message.fallback) {
					const template = `${message.fallback.template.name} (${message.fallback.template.language.code})`;
					// The template's approved words go out instead: the output and the store say so.
					if (message.copy === 'ai') Object.assign(message, { copy: 'template', copyNote: 'Meta answered that the 24-hour window had closed, so the approved template went out instead of the AI Offer Writer’s text' });
					try {
						return accepted(await sendWhatsAppMessage(options.ctx, options.credentials, tagged(message.fallback)), 'template', template, true);
					} catch (second) {
						throw toDeliveryError(second);
					}
				}
				throw toDeliveryError(error);
			}
		},
		describe(message) {
			return { kind: message.kind, ...(message.template ? { template: message.template } : {}), payload: message.payload, ...describeCopy(message) };
		},
		copyOf: (message) => message.copy,
		onPermanentFailure: permanentFailureHook('whatsapp', WHATSAPP_ERROR_RULES),
	};
}

// ── Panel: the template list and the Preview list ────────────────────────────────────────────────────────────

/** "name|language" of a Template field, or null when empty. */
export function parseTemplateChoice(value: unknown): { name: string; language: string } | null {
	if (typeof value !== 'string' || !value.trim() || value.startsWith('=')) return null;
	const [name, language] = value.trim().split('|');
	return name && language ? { name, language } : null;
}

async function panelTemplates(ctx: ILoadOptionsFunctions): Promise<WhatsAppTemplate[]> {
	const credentials = readMetaCredentials(await ctx.getCredentials(META_CREDENTIAL));
	return await listWhatsAppTemplates(ctx as unknown as GraphContext, credentials);
}

/** The Template dropdowns: the WhatsApp Business Account's approved templates. */
export async function whatsappTemplateOptions(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const templates = await panelTemplates(this);
	return templates.map((t) => ({
		name: `${t.name} (${t.language}) · ${t.category.toLowerCase()}`,
		value: `${t.name}|${t.language}`,
		description: shorten(t.components?.find((c) => c.type.toUpperCase() === 'BODY')?.text ?? '', 200),
	}));
}

/** The Preview list: per language the message this kind sends, as the sample customer would read it. */
export async function whatsappPreviewOptions(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const get = panelParameter(this);
	const { stage, languages, discount } = panelSetup(get);
	const both = languages.length > 1;
	const kind = (get('messageKind') as WhatsAppKind | undefined) ?? 'auto';
	const options = get('options') as { shopName?: unknown; restoreUrl?: unknown } | undefined;
	const plain = (v: unknown) => (typeof v === 'string' && !v.startsWith('=') ? v : undefined);
	const texts = whatsappTextsFromFields((name) => get(name));
	const specs = readTemplateValues(get('templateValues'));
	let templates: WhatsAppTemplate[] | null | undefined;
	const lines = [sampleLine(discount)];
	for (const lang of languages) {
		const context = buildTemplateContext({
			cart: sampleCart(),
			stage,
			language: lang,
			discount,
			shop: { name: plain(options?.shopName) },
			restoreUrl: plain(options?.restoreUrl),
			recommendations: panelShowsRecommendations(get) ? sampleRecommendations() : null,
		});
		try {
			if (kind === 'auto' || kind === 'interactive') {
				const payload = whatsappInteractivePayload('36301234567', texts(0, lang), context);
				const interactive = payload.interactive as { body: { text: string }; action: { parameters: { display_text: string } } };
				lines.push(previewLine(lang, both, 'body', kind === 'auto' ? 'Within 24 hours' : 'Message', interactive.body.text));
				lines.push(previewLine(lang, both, 'button', 'Button', `[ ${interactive.action.parameters.display_text} ] → ${context.restore_url}`));
			}
			if (kind === 'text') lines.push(previewLine(lang, both, 'text', 'Text', whatsappTextPayload('36301234567', texts(0, lang), context).text.body));
			if (kind === 'replyButtons') {
				const preview = replyButtonsPreview(whatsappReplyButtonsPayload('36301234567', texts(0, lang), context));
				lines.push(previewLine(lang, both, 'body', 'Message', preview.body));
				lines.push(previewLine(lang, both, 'button', 'Buttons', preview.buttons.map((b) => `[ ${b} ]`).join(' ')));
			}
			if (kind === 'list') {
				const preview = listPreview(whatsappListPayload('36301234567', texts(0, lang), context));
				lines.push(previewLine(lang, both, 'body', 'Message', preview.body));
				const rows = preview.sections.length > 1 ? preview.sections.map((section) => `${section.title}: ${section.rows.join('; ')}`).join(' · ') : preview.rows.join('; ');
				lines.push(previewLine(lang, both, 'button', 'List', `[ ${preview.button} ] → ${rows}`));
			}
			if (kind === 'auto' || kind === 'template') {
				const choice = parseTemplateChoice(get(templateFieldName(lang)));
				const label = kind === 'auto' ? 'Otherwise the template' : 'Template';
				if (!choice) {
					lines.push(previewLine(lang, both, 'template', `⚠ ${label}`, `${TEMPLATE_LABEL[lang]} is not chosen`));
					continue;
				}
				if (templates === undefined) templates = await panelTemplates(this).catch(() => null);
				const definition = templates?.find((t) => t.name === choice.name && t.language === choice.language);
				if (!definition) {
					lines.push(previewLine(lang, both, 'template', label, `${choice.name} (${choice.language}) — the text shows once the Meta credential can read your templates`));
					continue;
				}
				const values = templateBodyValues(definition, context, specs);
				const shape = templateShape(definition);
				const extras = [shape.couponButtonIndex !== undefined && context.discount?.code ? `[ Copy code ${context.discount.code} ]` : '', shape.dynamicUrlButtonIndex !== undefined ? '[ link to the cart ]' : ''].filter(Boolean).join(' ');
				lines.push(previewLine(lang, both, 'template', `${label} ${definition.name}`, `${fillTemplateText(definition, values)}${extras ? ` ${extras}` : ''}`));
			}
		} catch (error) {
			if (!(error instanceof TemplateError) && !(error instanceof MessageLimitError)) throw error;
			lines.push(previewLine(lang, both, 'error', '⚠ Would not be sent', error.message));
		}
	}
	return lines;
}

/** What a reply-button message shows: its text and the button titles. */
export function replyButtonsPreview(payload: WhatsAppInteractivePayload): { body: string; buttons: string[] } {
	const i = payload.interactive as Extract<WhatsAppInteractivePayload['interactive'], { type: 'button' }>;
	return { body: i.body.text, buttons: i.action.buttons.map((b) => b.reply.title) };
}

/** What a list message shows: its text, its button and each row as "title (description)", in all and per section. */
export function listPreview(payload: WhatsAppInteractivePayload): { body: string; button: string; rows: string[]; sections: Array<{ title?: string; rows: string[] }> } {
	const i = payload.interactive as Extract<WhatsAppInteractivePayload['interactive'], { type: 'list' }>;
	const sections = i.action.sections.map((s) => ({ ...(s.title ? { title: s.title } : {}), rows: s.rows.map((r) => (r.description ? `${r.title} (${r.description})` : r.title)) }));
	return { body: i.body.text, button: i.action.button, rows: sections.flatMap((s) => s.rows), sections };
}

/** The Template Values collection as the code reads it. */
export function readTemplateValues(raw: unknown): TemplateValueSpec[] {
	const list = (raw as { value?: Array<{ name?: unknown; source?: unknown; text?: unknown }> } | undefined)?.value ?? [];
	return list.map((v) => ({
		name: typeof v.name === 'string' ? v.name : undefined,
		source: (typeof v.source === 'string' ? v.source : 'custom') as TemplateValueSource,
		text: typeof v.text === 'string' ? v.text : undefined,
	}));
}

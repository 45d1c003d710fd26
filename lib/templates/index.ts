import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { compile } from 'html-to-text';
import juice from 'juice';

import type { Cart, RecommendedProduct } from '../store';
import {
	byStage,
	EMAIL_PIECE_LABELS,
	EMAIL_PIECES,
	FINAL_OFFER_STAGE,
	fieldLabel,
	isShippedText,
	REQUIRED_EMAIL_PIECES,
	shippedEmailCopy,
	shippedSmsText,
	SMS_TEXT_LABEL,
	type EmailPiece,
	type Language,
} from './copy';
import { compileTemplate, TemplateError, type CompiledTemplate } from './engine';
import { analyseSms, transliterateToGsm7, type SmsAnalysis } from './gsm';
import { formatMoney, localeTag, safeUrl, templateLanguage } from './helpers';
import { MAX_RECOMMENDATIONS } from '../recommendations';

export { TemplateError, compileTemplate, TEMPLATE_HELPERS, type CompiledTemplate } from './engine';
export { analyseSms, transliterateToGsm7, isGsm7Char, type SmsAnalysis, type SmsEncoding } from './gsm';
export { formatMoney, formatDate, localeTag, safeUrl, templateLanguage } from './helpers';

export * from './copy';

export interface ShopInfo {
	name?: string;
	phone?: string;
	email?: string;
	address?: string;
}

export interface DiscountInfo {
	code: string;
	/** What the code gives, e.g. "10%" or "2 000 Ft": the copy adds the word "kedvezmény" / "off" itself. */
	text?: string;
	/** ISO date-time */
	valid_until?: string;
}

/** Everything a message template sees. Values are raw: HTML templates escape them when they print them. */
export interface MessageTemplateContext {
	lang: Language;
	locale: string;
	currency: string;
	timezone: string;
	customer: { first_name: string | null; last_name: string | null };
	items: Array<{
		name: string;
		quantity: number;
		price: number;
		line_total: number;
		price_text: string;
		line_total_text: string;
		image_url: string | null;
		url: string | null;
		[key: string]: unknown;
	}>;
	total: number;
	total_text: string;
	restore_url: string | null;
	discount: DiscountInfo | null;
	shop: ShopInfo;
	/**
	 * A replacement for the Intro field's text, e.g. the AI Offer Writer's (printed as is, not a template). When
	 * the email is rendered this holds the intro it shows: this replacement, or else the rendered Intro field.
	 */
	intro: string | null;
	unsubscribe_url: string | null;
	cart_id: string;
	/** Which follow-up this is (the send node's Stage): 1 first reminder, 2 second, 3 and later the final offer. */
	stage: number;
	/** Stage 3 or later: the shipped copy says it is the last reminder and shows when the code expires. */
	final_offer: boolean;
	/**
	 * The products Cart Check recommends (at most 10; the email shows the first 4), prices in the cart's language, links
	 * only http(s). Empty when there are none or Show Recommended Products is off.
	 */
	recommendations: TemplateRecommendation[];
	/** The rendered text pieces, for the HTML template (set by renderEmail). */
	subject?: string;
	preheader?: string;
	headline?: string;
	offer?: string;
	button?: string;
}

/** A recommended product as templates see it: raw values, escaped where they are printed. */
export interface TemplateRecommendation {
	product_id: string;
	title: string;
	price: number;
	/** The price as the cart's customer reads it ("12 990 Ft"), formatted like the cart's own prices. */
	price_text: string;
	image_url: string | null;
	url: string | null;
	category: string | null;
}

export { MAX_RECOMMENDATIONS };
/** The email shows this many: a short block under the cart, not a catalogue. */
export const EMAIL_RECOMMENDATIONS = 4;

export interface ContextInput {
	cart: Cart;
	stage: number;
	language?: Language | 'auto';
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	unsubscribeUrl?: string | null;
	/** Overrides the cart's restore URL (e.g. a shortened or tracked link). */
	restoreUrl?: string | null;
	timezone?: string;
	/** Cart Check's recommended products (the send node's item); their prices are formatted again here. */
	recommendations?: ReadonlyArray<Partial<RecommendedProduct> & Pick<RecommendedProduct, 'product_id' | 'title'>> | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/**
 * The recommendations as templates see them (read and deduplicated where they enter: lib/recommendations): a price in
 * the cart's language (else the given price text), links only http(s), a title on one line.
 */
function templateRecommendations(input: ContextInput['recommendations'], currency: string, locale: string): TemplateRecommendation[] {
	return (input ?? []).slice(0, MAX_RECOMMENDATIONS).map((product) => {
		const raw = product.price as unknown;
		const price = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() ? Number(raw) : NaN;
		return {
			product_id: String(product.product_id),
			title: String(product.title).trim().replace(/\s+/g, ' '),
			price: Number.isFinite(price) ? price : 0,
			price_text: (Number.isFinite(price) ? formatMoney(price, text(product.currency) ?? currency, locale) : '') || (text(product.price_text) ?? ''),
			image_url: safeUrl(product.image_url),
			url: safeUrl(product.url),
			category: text(product.category),
		};
	});
}

/** What every send node's adapter holds for its items (the node's Stage, Shop, Discount, Intro, Options). */
export interface SendContextOptions {
	stage: number;
	shop?: ShopInfo;
	discount?: Partial<DiscountInfo> | null;
	intro?: string | null;
	restoreUrl?: string | null;
	timezone?: string;
	recommendations?: ContextInput['recommendations'];
}

/** The context a channel renders a cart's message from, in `language`; `extra` adds what only that channel has. */
export function sendContext(options: SendContextOptions, cart: Cart, language: Language, extra: Partial<ContextInput> = {}): MessageTemplateContext {
	return buildTemplateContext({
		cart,
		stage: options.stage,
		language,
		shop: options.shop,
		discount: options.discount,
		intro: options.intro,
		restoreUrl: options.restoreUrl,
		timezone: options.timezone,
		recommendations: options.recommendations,
		...extra,
	});
}

export function buildTemplateContext(input: ContextInput): MessageTemplateContext {
	const { cart } = input;
	const lang = !input.language || input.language === 'auto' ? templateLanguage(cart.locale) : input.language;
	const locale = cart.locale && templateLanguage(cart.locale) === lang ? localeTag(cart.locale) : lang === 'hu' ? 'hu-HU' : 'en-GB';
	const currency = (cart.currency || 'HUF').trim().toUpperCase();
	const money = (v: number) => formatMoney(v, currency, locale);
	const items = (cart.items ?? []).map((item) => {
		const price = Number(item.price) || 0;
		const quantity = Number(item.quantity) || 1;
		return {
			...item,
			name: String(item.name ?? ''),
			quantity,
			price,
			line_total: price * quantity,
			price_text: money(price),
			line_total_text: money(price * quantity),
			image_url: safeUrl(item.image_url),
			url: safeUrl(item.url),
		};
	});
	const total = Number.isFinite(cart.value) && cart.value > 0 ? cart.value : items.reduce((sum, i) => sum + i.line_total, 0);
	const code = input.discount?.code?.toString().trim();
	return {
		lang,
		locale,
		currency,
		timezone: input.timezone ?? 'Europe/Budapest',
		customer: { first_name: cart.first_name, last_name: cart.last_name },
		items,
		total,
		total_text: money(total),
		restore_url: safeUrl(input.restoreUrl || cart.restore_url),
		discount: code
			? { code, text: input.discount?.text?.toString().trim() || undefined, valid_until: input.discount?.valid_until || undefined }
			: null,
		shop: input.shop ?? {},
		intro: input.intro?.trim() || null,
		unsubscribe_url: input.unsubscribeUrl ?? null,
		cart_id: cart.cart_id,
		stage: input.stage,
		final_offer: input.stage >= FINAL_OFFER_STAGE,
		recommendations: templateRecommendations(input.recommendations, currency, locale),
	};
}

// ── Shipped templates ──────────────────────────────────────────────────────────────────────────────────
const DIR = __dirname;
const read = (...parts: string[]) => readFileSync(path.join(DIR, ...parts), 'utf8');

let emailCss: string | undefined;
const shipped = new Map<string, CompiledTemplate<MessageTemplateContext>>();

function shippedTemplate(key: string, file: string[], kind: 'html' | 'text', source?: string) {
	let template = shipped.get(key);
	if (!template) {
		template = compileTemplate<MessageTemplateContext>(key, source ?? read(...file), { kind, trusted: true });
		shipped.set(key, template);
	}
	return template;
}

// ── Email ──────────────────────────────────────────────────────────────────────────────────────────────
export interface EmailTemplates {
	html: CompiledTemplate<MessageTemplateContext>;
	/** One template per text piece; null: the piece is left out (its field was emptied). */
	pieces: Record<EmailPiece, CompiledTemplate<MessageTemplateContext> | null>;
	/** Plain-text part; when absent it is derived from the HTML. */
	text?: CompiledTemplate<MessageTemplateContext>;
}

export interface CustomEmailTemplates {
	html?: string;
	text?: string;
	/**
	 * The text fields (Subject, Preheader, …) of this language. Missing, or still the shipped text of some stage:
	 * the shipped text of the message's stage. Empty: the shipped text for Subject and Button Label; any other
	 * piece is left out.
	 */
	pieces?: Partial<Record<EmailPiece, string | null>>;
}

function emailPiece(lang: Language, piece: EmailPiece, value: string | null | undefined) {
	const shipped = (kind: Parameters<typeof shippedEmailCopy>[1]) => shippedEmailCopy(lang, kind)[piece];
	const useShipped = () => shippedTemplate(`email/copy.json#${lang}.${piece}`, [], 'text', byStage(shipped));
	if (value === undefined || value === null) return useShipped();
	if (!value.trim()) return REQUIRED_EMAIL_PIECES.has(piece) ? useShipped() : null;
	if (isShippedText(value, shipped)) return useShipped();
	return compileTemplate<MessageTemplateContext>(fieldLabel(EMAIL_PIECE_LABELS[piece], lang), value, { kind: 'text' });
}

/**
 * The templates for one language: the shipped ones, with any of them replaced by the user's. Compiles
 * everything now, so a broken template fails here — before anything is claimed or sent.
 */
export function emailTemplates(lang: Language, custom: CustomEmailTemplates = {}): EmailTemplates {
	if (custom.html?.trim() && !/\{\{\s*unsubscribe_url\s*\}\}/.test(custom.html)) {
		// Gmail/Yahoo bulk-sender rules and GDPR: every marketing email carries a visible unsubscribe link.
		throw new TemplateError('HTML Template', undefined, 'has no visible unsubscribe link: add <a href="{{unsubscribe_url}}">…</a>');
	}
	const pieces = Object.fromEntries(EMAIL_PIECES.map((piece) => [piece, emailPiece(lang, piece, custom.pieces?.[piece])])) as EmailTemplates['pieces'];
	return {
		html: custom.html?.trim()
			? compileTemplate('HTML Template', custom.html, { kind: 'html' })
			: shippedTemplate(`email/${lang}.hbs`, ['email', `${lang}.hbs`], 'html'),
		pieces,
		text: custom.text?.trim() ? compileTemplate('Text Template', custom.text, { kind: 'text' }) : undefined,
	};
}

export interface RenderedEmail {
	subject: string;
	preheader: string;
	headline: string;
	/** The intro the email shows: the context's replacement, or the rendered Intro field. */
	intro: string;
	offer: string;
	button: string;
	html: string;
	text: string;
}

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/\s{2,}/g, ' ').trim();

/**
 * The plain-text part's converter, compiled once: html-to-text's `convert` compiles its options on every call, which
 * was a third of an email's rendering time (profiled in the send benchmark).
 */
let htmlToText: ((html: string) => string) | undefined;
const compileHtmlToText = () =>
	compile({
		wordwrap: 78,
		selectors: [
			{ selector: '.preheader', format: 'skip' },
			{ selector: 'title', format: 'skip' },
			{ selector: 'img', format: 'skip' },
			{ selector: 'h1', options: { uppercase: false } },
			{ selector: 'h2', options: { uppercase: false } },
			{ selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
			{ selector: 'table', format: 'block' },
			{ selector: 'tr', format: 'block' },
			{ selector: 'td', format: 'block' },
		],
	});

export function renderEmail(templates: EmailTemplates, context: MessageTemplateContext): RenderedEmail {
	const piece = (name: EmailPiece) => templates.pieces[name]?.render(context) ?? '';
	// A subject or preview text set on the context (the AI Offer Writer's) is printed as is, like the intro.
	const subject = oneLine(context.subject?.trim() || piece('subject'));
	const preheader = oneLine(context.preheader?.trim() || piece('preheader'));
	const headline = oneLine(piece('headline'));
	const intro = context.intro?.trim() || piece('intro').trim();
	const offer = oneLine(piece('offer'));
	const button = oneLine(piece('button'));
	const full = { ...context, subject, preheader, headline, intro: intro || null, offer, button, recommendations: (context.recommendations ?? []).slice(0, EMAIL_RECOMMENDATIONS) };
	const rawHtml = templates.html.render(full);
	emailCss ??= read('email', 'email.css');
	const html = juice.inlineContent(rawHtml, emailCss, { preserveMediaQueries: true, applyWidthAttributes: true, removeStyleTags: false });
	const text = templates.text
		? templates.text.render(full)
		: (htmlToText ??= compileHtmlToText())(rawHtml);
	return { subject, preheader, headline, intro, offer, button, html, text };
}

// ── SMS ────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * The SMS template for one language: the SMS Text field, or the shipped text of the message's stage when the
 * field is missing, empty or still holds the shipped text of some stage. Compiled now: a broken field fails here.
 */
export function smsTemplate(lang: Language, custom?: string | null): CompiledTemplate<MessageTemplateContext> {
	const shipped = (kind: Parameters<typeof shippedSmsText>[1]) => shippedSmsText(lang, kind);
	return custom?.trim() && !isShippedText(custom, shipped)
		? compileTemplate(fieldLabel(SMS_TEXT_LABEL, lang), custom, { kind: 'text' })
		: shippedTemplate(`sms/copy.json#${lang}`, [], 'text', byStage(shipped));
}

export interface RenderedSms extends SmsAnalysis {
	body: string;
	transliterated: boolean;
}

export function renderSms(
	template: CompiledTemplate<MessageTemplateContext>,
	context: MessageTemplateContext,
	options: { optOutLine?: string; transliterate?: boolean } = {},
): RenderedSms {
	// Intl puts no-break spaces in amounts ("12 990 Ft"); on SMS they would force UCS-2 for nothing.
	let body = template.render(context).replace(/[\u00a0\u202f\u2009]/g, ' ').replace(/[ \t]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim();
	if (options.optOutLine?.trim()) body = `${body}\n${options.optOutLine.trim()}`;
	if (options.transliterate) body = transliterateToGsm7(body);
	return { body, transliterated: !!options.transliterate, ...analyseSms(body) };
}


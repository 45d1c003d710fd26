import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

import { checkCount, checkLength, checkUnique, checkUrl, MessageLimitError, visibleLength } from '../meta/limits';
import { DEFAULT_PHONE_COUNTRY, phoneRecipient } from '../phone';
import type { WhatsAppTemplate } from './transport';

/**
 * WhatsApp Cloud API message bodies (`POST /{phone-number-id}/messages`), built by pure functions that check
 * every Meta limit before anything is sent. Limits (Meta's docs, checked June 2026):
 *   text body ≤ 4096 · interactive body ≤ 1024 · header text ≤ 60 · footer ≤ 60
 *   reply buttons 1–3, unique titles, title ≤ 20, id ≤ 256
 *   list: button text ≤ 20, ≤ 10 sections, ≤ 10 rows in all, row id ≤ 200, row title ≤ 24, row description ≤ 72,
 *         section title ≤ 24 (required when there is more than one section)
 *   CTA URL: display text ≤ 20, an http(s) URL
 *   template: copy-code coupon ≤ 15 characters (Meta's limit for the copy-code example; longer codes are
 *   refused); text parameters without new lines, tabs or more than 4 spaces in a row.
 */
export const WHATSAPP_LIMITS = {
	text: 4096,
	body: 1024,
	header: 60,
	footer: 60,
	buttonTitle: 20,
	buttonId: 256,
	replyButtons: 3,
	listButton: 20,
	listSections: 10,
	listRows: 10,
	rowId: 200,
	rowTitle: 24,
	rowDescription: 72,
	sectionTitle: 24,
	ctaDisplayText: 20,
	couponCode: 15,
	templateParameter: 1024,
} as const;

const L = WHATSAPP_LIMITS;

interface Base {
	messaging_product: 'whatsapp';
	recipient_type: 'individual';
	/** E.164 digits without '+', e.g. 36301234567. */
	to: string;
	/** Echoed by Meta in this message's status webhooks: our message id, so a status finds its message even when the sender stopped before recording the wamid. */
	biz_opaque_callback_data?: string;
}

export interface WhatsAppTextPayload extends Base {
	type: 'text';
	text: { body: string; preview_url?: boolean };
}

export type TemplateParameter = { type: 'text'; text: string; parameter_name?: string } | { type: 'image'; image: { link: string } } | { type: 'coupon_code'; coupon_code: string };

export interface TemplateComponent {
	type: 'header' | 'body' | 'button';
	sub_type?: 'copy_code' | 'url' | 'quick_reply';
	index?: string;
	parameters: TemplateParameter[];
}

export interface WhatsAppTemplatePayload extends Base {
	type: 'template';
	template: { name: string; language: { code: string; policy?: 'deterministic' }; components?: TemplateComponent[] };
}

type InteractiveHeader = { type: 'text'; text: string } | { type: 'image'; image: { link: string } };

export interface WhatsAppInteractivePayload extends Base {
	type: 'interactive';
	interactive:
		| { type: 'button'; header?: InteractiveHeader; body: { text: string }; footer?: { text: string }; action: { buttons: Array<{ type: 'reply'; reply: { id: string; title: string } }> } }
		| {
				type: 'list';
				header?: { type: 'text'; text: string };
				body: { text: string };
				footer?: { text: string };
				action: { button: string; sections: Array<{ title?: string; rows: Array<{ id: string; title: string; description?: string }> }> };
		  }
		| {
				type: 'cta_url';
				header?: InteractiveHeader;
				body: { text: string };
				footer?: { text: string };
				action: { name: 'cta_url'; parameters: { display_text: string; url: string } };
		  };
}

export type WhatsAppPayload = WhatsAppTextPayload | WhatsAppTemplatePayload | WhatsAppInteractivePayload;

// ---------------------------------------------------------------------------------------------------------
// Numbers

/** Hungarian shops first: a number without a country code is read as Hungarian (06 30 … → 36 30 …). */
export const DEFAULT_WHATSAPP_COUNTRY: CountryCode = DEFAULT_PHONE_COUNTRY;

/** A phone number as WhatsApp's `to` expects it: E.164 digits without the '+' (36301234567). Parsed by lib/channels/phone.ts. */
export function toWhatsAppNumber(phone: string, country: CountryCode = DEFAULT_WHATSAPP_COUNTRY): string {
	const recipient = phoneRecipient(phone, country);
	if (!recipient.ok) throw new MessageLimitError('whatsapp', 'Phone number', visibleLength(phone ?? ''), 15, `"${phone}" is not a phone number WhatsApp can reach (give it with its country code, e.g. +36 30 123 4567)`);
	return recipient.e164.replace(/^\+/, '');
}

/**
 * Meta does not deliver marketing templates to US numbers (+1 with a US area code) since April 2025: the send
 * would be charged nothing and delivered never. Says so, so the node skips instead of failing. Canadian and
 * other +1 numbers are not affected.
 */
export function marketingBlockedForNumber(phone: string): { blocked: boolean; reason?: 'us_marketing_not_delivered'; message?: string } {
	const parsed = parsePhoneNumberFromString(phone.startsWith('+') ? phone : `+${phone.replace(/^00/, '')}`);
	if (!parsed || parsed.countryCallingCode !== '1') return { blocked: false };
	const country = parsed.country;
	if (country && country !== 'US') return { blocked: false };
	return {
		blocked: true,
		reason: 'us_marketing_not_delivered',
		message: 'Meta does not deliver WhatsApp marketing templates to US (+1) numbers, so this one is skipped',
	};
}

// ---------------------------------------------------------------------------------------------------------
// Builders

const base = (to: string): Base => ({ messaging_product: 'whatsapp', recipient_type: 'individual', to: toWhatsAppNumber(to) });

export function buildWhatsAppText(to: string, body: string, options: { previewUrl?: boolean } = {}): WhatsAppTextPayload {
	checkLength('whatsapp', 'Text', body, L.text, { required: true });
	return { ...base(to), type: 'text', text: { body, ...(options.previewUrl ? { preview_url: true } : {}) } };
}

interface InteractiveCommon {
	to: string;
	body: string;
	headerText?: string;
	headerImageUrl?: string;
	footer?: string;
}

function header(input: InteractiveCommon): InteractiveHeader | undefined {
	if (input.headerImageUrl) {
		checkUrl('whatsapp', 'Header image', input.headerImageUrl);
		return { type: 'image', image: { link: input.headerImageUrl } };
	}
	if (input.headerText) {
		checkLength('whatsapp', 'Header', input.headerText, L.header);
		return { type: 'text', text: input.headerText };
	}
	return undefined;
}

function common(input: InteractiveCommon) {
	checkLength('whatsapp', 'Body', input.body, L.body, { required: true });
	if (input.footer) checkLength('whatsapp', 'Footer', input.footer, L.footer);
	const h = header(input);
	return { ...(h ? { header: h } : {}), body: { text: input.body }, ...(input.footer ? { footer: { text: input.footer } } : {}) };
}

export interface ReplyButton {
	id: string;
	title: string;
}

/** Interactive reply buttons: 1–3, unique titles ≤ 20, ids ≤ 256. */
export function buildWhatsAppButtons(input: InteractiveCommon & { buttons: ReplyButton[] }): WhatsAppInteractivePayload {
	checkCount('whatsapp', 'Reply buttons', input.buttons.length, L.replyButtons, 1);
	input.buttons.forEach((b, i) => {
		checkLength('whatsapp', `Button ${i + 1} title`, b.title, L.buttonTitle, { required: true });
		checkLength('whatsapp', `Button ${i + 1} id`, b.id, L.buttonId, { required: true });
	});
	checkUnique('whatsapp', 'Button title', input.buttons.map((b) => b.title), L.replyButtons);
	checkUnique('whatsapp', 'Button id', input.buttons.map((b) => b.id), L.replyButtons);
	const c = common(input);
	return {
		...base(input.to),
		type: 'interactive',
		interactive: { type: 'button', ...c, action: { buttons: input.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) } },
	};
}

export interface ListSection {
	title?: string;
	rows: Array<{ id: string; title: string; description?: string }>;
}

/** Interactive list: button text ≤ 20, ≤ 10 sections, ≤ 10 rows in all, row title ≤ 24, description ≤ 72. */
export function buildWhatsAppList(input: Omit<InteractiveCommon, 'headerImageUrl'> & { button: string; sections: ListSection[] }): WhatsAppInteractivePayload {
	checkLength('whatsapp', 'List button', input.button, L.listButton, { required: true });
	checkCount('whatsapp', 'List sections', input.sections.length, L.listSections, 1);
	const rows = input.sections.flatMap((s) => s.rows);
	checkCount('whatsapp', 'List rows', rows.length, L.listRows, 1);
	input.sections.forEach((s, i) => {
		if (input.sections.length > 1) checkLength('whatsapp', `Section ${i + 1} title`, s.title, L.sectionTitle, { required: true });
		else if (s.title) checkLength('whatsapp', `Section ${i + 1} title`, s.title, L.sectionTitle);
	});
	rows.forEach((r, i) => {
		checkLength('whatsapp', `Row ${i + 1} title`, r.title, L.rowTitle, { required: true });
		checkLength('whatsapp', `Row ${i + 1} id`, r.id, L.rowId, { required: true });
		if (r.description) checkLength('whatsapp', `Row ${i + 1} description`, r.description, L.rowDescription);
	});
	checkUnique('whatsapp', 'Row id', rows.map((r) => r.id), L.listRows);
	const c = common({ ...input, headerImageUrl: undefined });
	return {
		...base(input.to),
		type: 'interactive',
		interactive: {
			type: 'list',
			...(c as { header?: { type: 'text'; text: string }; body: { text: string }; footer?: { text: string } }),
			action: {
				button: input.button,
				sections: input.sections.map((s) => ({ ...(s.title ? { title: s.title } : {}), rows: s.rows.map((r) => ({ id: r.id, title: r.title, ...(r.description ? { description: r.description } : {}) })) })),
			},
		},
	};
}

/** Interactive call-to-action URL button: display text ≤ 20, an http(s) URL. */
export function buildWhatsAppCtaUrl(input: InteractiveCommon & { displayText: string; url: string }): WhatsAppInteractivePayload {
	checkLength('whatsapp', 'Link button text', input.displayText, L.ctaDisplayText, { required: true });
	checkUrl('whatsapp', 'Link button URL', input.url);
	const c = common(input);
	return { ...base(input.to), type: 'interactive', interactive: { type: 'cta_url', ...c, action: { name: 'cta_url', parameters: { display_text: input.displayText, url: input.url } } } };
}

export interface TemplateInput {
	to: string;
	/** The approved template's name and language code (e.g. hu, en_US). */
	name: string;
	language: string;
	/** Body values: in order for positional templates ({{1}}, {{2}}…), or by name for named ones. */
	body?: string[] | Record<string, string>;
	/** Image header (a public https link), e.g. the first cart item's picture. */
	headerImageUrl?: string;
	/** The discount code for the template's copy-code button, and that button's position (0-based). */
	couponCode?: string;
	couponButtonIndex?: number;
	/** The dynamic end of the template's URL button (e.g. the cart-restore path), and its position. */
	urlSuffix?: string;
	urlButtonIndex?: number;
}

function checkTemplateText(field: string, value: string) {
	checkLength('whatsapp', field, value, L.templateParameter, { required: true });
	if (/[\n\t]| {5,}/.test(value)) {
		throw new MessageLimitError('whatsapp', field, visibleLength(value), L.templateParameter, `${field} has a line break, a tab or more than 4 spaces in a row; WhatsApp template values must be one line`);
	}
}

/** An approved template message with body values, an optional image header, copy-code coupon and URL suffix. */
export function buildWhatsAppTemplate(input: TemplateInput): WhatsAppTemplatePayload {
	if (!/^[a-z0-9_]{1,512}$/.test(input.name)) throw new MessageLimitError('whatsapp', 'Template name', visibleLength(input.name), 512, `Template name "${input.name}" is not a WhatsApp template name (lower-case letters, digits and _)`);
	if (!/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/.test(input.language)) throw new MessageLimitError('whatsapp', 'Template language', visibleLength(input.language), 8, `Template language "${input.language}" is not a WhatsApp language code like hu or en_US`);
	const components: TemplateComponent[] = [];
	if (input.headerImageUrl) {
		checkUrl('whatsapp', 'Header image', input.headerImageUrl);
		components.push({ type: 'header', parameters: [{ type: 'image', image: { link: input.headerImageUrl } }] });
	}
	if (input.body) {
		const parameters: TemplateParameter[] = Array.isArray(input.body)
			? input.body.map((text, i) => (checkTemplateText(`Template value ${i + 1}`, text), { type: 'text', text }))
			: Object.entries(input.body).map(([name, text]) => (checkTemplateText(`Template value "${name}"`, text), { type: 'text', parameter_name: name, text }));
		if (parameters.length) components.push({ type: 'body', parameters });
	}
	if (input.couponCode !== undefined) {
		checkLength('whatsapp', 'Coupon code', input.couponCode, L.couponCode, { required: true });
		components.push({ type: 'button', sub_type: 'copy_code', index: String(input.couponButtonIndex ?? 0), parameters: [{ type: 'coupon_code', coupon_code: input.couponCode }] });
	}
	if (input.urlSuffix !== undefined) {
		checkLength('whatsapp', 'Link ending', input.urlSuffix, 2000, { required: true });
		components.push({ type: 'button', sub_type: 'url', index: String(input.urlButtonIndex ?? 0), parameters: [{ type: 'text', text: input.urlSuffix }] });
	}
	return { ...base(input.to), type: 'template', template: { name: input.name, language: { code: input.language }, ...(components.length ? { components } : {}) } };
}

// ---------------------------------------------------------------------------------------------------------
// Template definitions (from message_templates): what a template expects, so the node can fill it and a
// mismatch is named before Meta answers 132000.

export interface TemplateShape {
	/** Positional: how many {{n}}; named: the names in order. */
	bodyParameters: { format: 'POSITIONAL' | 'NAMED'; count: number; names: string[] };
	headerFormat?: string;
	couponButtonIndex?: number;
	/** Index of the first URL button whose URL ends in a variable. */
	dynamicUrlButtonIndex?: number;
}

export function templateShape(template: WhatsAppTemplate): TemplateShape {
	const components = template.components ?? [];
	const body = components.find((c) => c.type.toUpperCase() === 'BODY')?.text ?? '';
	const vars = [...body.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]);
	const unique = [...new Set(vars)];
	const format = template.parameter_format === 'NAMED' || unique.some((v) => !/^\d+$/.test(v)) ? 'NAMED' : 'POSITIONAL';
	const headerFormat = components.find((c) => c.type.toUpperCase() === 'HEADER')?.format?.toUpperCase();
	const buttons = components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
	const coupon = buttons.findIndex((b) => b.type.toUpperCase() === 'COPY_CODE');
	const url = buttons.findIndex((b) => b.type.toUpperCase() === 'URL' && /\{\{\s*1\s*\}\}\s*$/.test(b.url ?? ''));
	return {
		bodyParameters: { format, count: unique.length, names: format === 'NAMED' ? unique : [] },
		headerFormat,
		couponButtonIndex: coupon >= 0 ? coupon : undefined,
		dynamicUrlButtonIndex: url >= 0 ? url : undefined,
	};
}

/** Checks the values against the template's definition; names the first mismatch for the marketer. */
export function checkTemplateFit(template: WhatsAppTemplate, input: TemplateInput) {
	const shape = templateShape(template);
	const { format, count, names } = shape.bodyParameters;
	const given = input.body === undefined ? [] : Array.isArray(input.body) ? input.body : Object.keys(input.body);
	const fail = (message: string) => {
		throw new MessageLimitError('whatsapp', 'Template values', given.length, count, message);
	};
	if (format === 'NAMED') {
		if (Array.isArray(input.body) && given.length) fail(`Template "${template.name}" uses named values (${names.join(', ')}); give each value its name`);
		const missing = names.filter((n) => !given.includes(n));
		if (missing.length) fail(`Template "${template.name}" needs the value${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
		const extra = given.filter((n) => !names.includes(n));
		if (extra.length) fail(`Template "${template.name}" has no value named ${extra.join(', ')}`);
	} else if (given.length !== count) {
		fail(`Template "${template.name}" expects ${count} value${count === 1 ? '' : 's'} in its text; ${given.length} given`);
	}
	if (input.couponCode !== undefined && shape.couponButtonIndex === undefined) fail(`Template "${template.name}" has no copy-code button for the discount code`);
	if (input.urlSuffix !== undefined && shape.dynamicUrlButtonIndex === undefined) fail(`Template "${template.name}" has no link button with a variable ending`);
	if (input.headerImageUrl && shape.headerFormat !== 'IMAGE') fail(`Template "${template.name}" has no image header`);
	if (!input.headerImageUrl && shape.headerFormat === 'IMAGE') fail(`Template "${template.name}" has an image header, and no item of this cart has a picture: send image_url with the cart's items, or pick a template without an image header`);
	return shape;
}

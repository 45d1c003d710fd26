import { checkCount, checkLength, checkUnique, checkUrl, shorten } from '../meta/limits';

/**
 * Messenger Send API bodies (`POST /{page-id}/messages`), built by pure functions that check Meta's limits
 * before anything is sent. Always `messaging_type: RESPONSE` — a reply inside the 24-hour standard window.
 * Never a message tag: tags may not carry promotions, and marketing outside the window cannot reach EU users.
 * Limits (Meta's docs, checked June 2026):
 *   text ≤ 2000 · generic template ≤ 10 elements, title ≤ 80 (required), subtitle ≤ 80, ≤ 3 buttons each
 *   button template text ≤ 640, 1–3 buttons · button title ≤ 20 · postback payload ≤ 1000
 *   quick replies ≤ 13, title ≤ 20, payload ≤ 1000
 */
export const MESSENGER_LIMITS = {
	text: 2000,
	elements: 10,
	elementTitle: 80,
	elementSubtitle: 80,
	elementButtons: 3,
	buttonTemplateText: 640,
	buttonTitle: 20,
	payload: 1000,
	quickReplies: 13,
	quickReplyTitle: 20,
} as const;

const L = MESSENGER_LIMITS;

export type MessengerButton = { type: 'web_url'; url: string; title: string } | { type: 'postback'; title: string; payload: string };

export interface QuickReply {
	content_type: 'text';
	title: string;
	payload: string;
	image_url?: string;
}

export interface GenericElement {
	title: string;
	subtitle?: string;
	image_url?: string;
	default_action?: { type: 'web_url'; url: string };
	buttons?: MessengerButton[];
}

export type MessengerMessage =
	| { text: string; quick_replies?: QuickReply[] }
	| { attachment: { type: 'template'; payload: { template_type: 'generic'; elements: GenericElement[]; image_aspect_ratio?: 'horizontal' | 'square' } }; quick_replies?: QuickReply[] }
	| { attachment: { type: 'template'; payload: { template_type: 'button'; text: string; buttons: MessengerButton[] } }; quick_replies?: QuickReply[] };

export interface MessengerPayload {
	recipient: { id: string };
	messaging_type: 'RESPONSE';
	message: MessengerMessage;
}

function recipient(psid: string) {
	if (!/^\d{5,}$/.test((psid ?? '').trim())) {
		throw new Error(`"${psid}" is not a Messenger user id (the page-scoped id Meta gives when the customer writes to the page)`);
	}
	return { id: psid.trim() };
}

const payload = (psid: string, message: MessengerMessage): MessengerPayload => ({ recipient: recipient(psid), messaging_type: 'RESPONSE', message });

function checkButtons(field: string, buttons: MessengerButton[], min: number) {
	checkCount('messenger', `${field} buttons`, buttons.length, L.elementButtons, min);
	buttons.forEach((b, i) => {
		const name = `${field} button ${i + 1}`;
		checkLength('messenger', `${name} title`, b.title, L.buttonTitle, { required: true });
		if (b.type === 'web_url') checkUrl('messenger', `${name} link`, b.url);
		else checkLength('messenger', `${name} payload`, b.payload, L.payload, { required: true });
	});
	checkUnique('messenger', `${field} button title`, buttons.map((b) => b.title), L.elementButtons);
}

export function buildQuickReplies(replies: Array<{ title: string; payload: string; imageUrl?: string }>): QuickReply[] {
	checkCount('messenger', 'Quick replies', replies.length, L.quickReplies, 1);
	replies.forEach((r, i) => {
		checkLength('messenger', `Quick reply ${i + 1} title`, r.title, L.quickReplyTitle, { required: true });
		checkLength('messenger', `Quick reply ${i + 1} payload`, r.payload, L.payload, { required: true });
		if (r.imageUrl) checkUrl('messenger', `Quick reply ${i + 1} image`, r.imageUrl);
	});
	return replies.map((r) => ({ content_type: 'text', title: r.title, payload: r.payload, ...(r.imageUrl ? { image_url: r.imageUrl } : {}) }));
}

const withQuickReplies = (quickReplies?: Array<{ title: string; payload: string; imageUrl?: string }>) => (quickReplies?.length ? { quick_replies: buildQuickReplies(quickReplies) } : {});

export function buildMessengerText(psid: string, text: string, quickReplies?: Array<{ title: string; payload: string }>): MessengerPayload {
	checkLength('messenger', 'Text', text, L.text, { required: true });
	return payload(psid, { text, ...withQuickReplies(quickReplies) });
}

export interface CartElementInput {
	title: string;
	subtitle?: string;
	imageUrl?: string;
	/** Tapping the card opens this (the cart-restore link). */
	url?: string;
	buttons?: MessengerButton[];
}

/** Generic template carousel: ≤ 10 elements, title/subtitle ≤ 80, ≤ 3 buttons per element. */
export function buildMessengerCarousel(psid: string, elements: CartElementInput[], options: { quickReplies?: Array<{ title: string; payload: string }>; square?: boolean } = {}): MessengerPayload {
	checkCount('messenger', 'Carousel cards', elements.length, L.elements, 1);
	const built = elements.map((e, i): GenericElement => {
		checkLength('messenger', `Card ${i + 1} title`, e.title, L.elementTitle, { required: true });
		if (e.subtitle) checkLength('messenger', `Card ${i + 1} subtitle`, e.subtitle, L.elementSubtitle);
		if (e.imageUrl) checkUrl('messenger', `Card ${i + 1} image`, e.imageUrl);
		if (e.url) checkUrl('messenger', `Card ${i + 1} link`, e.url);
		if (e.buttons?.length) checkButtons(`Card ${i + 1}`, e.buttons, 0);
		return {
			title: e.title,
			...(e.subtitle ? { subtitle: e.subtitle } : {}),
			...(e.imageUrl ? { image_url: e.imageUrl } : {}),
			...(e.url ? { default_action: { type: 'web_url' as const, url: e.url } } : {}),
			...(e.buttons?.length ? { buttons: e.buttons } : {}),
		};
	});
	return payload(psid, {
		attachment: { type: 'template', payload: { template_type: 'generic', elements: built, ...(options.square ? { image_aspect_ratio: 'square' as const } : {}) } },
		...withQuickReplies(options.quickReplies),
	});
}

/** Button template: text ≤ 640 with 1–3 buttons. */
export function buildMessengerButtons(psid: string, text: string, buttons: MessengerButton[]): MessengerPayload {
	checkLength('messenger', 'Text', text, L.buttonTemplateText, { required: true });
	checkButtons('Message', buttons, 1);
	return payload(psid, { attachment: { type: 'template', payload: { template_type: 'button', text, buttons } } });
}

export interface CartItemForCard {
	name: string;
	quantity?: number;
	priceText?: string;
	imageUrl?: string;
}

/**
 * The cart as a carousel: one card per item (the first 10), each opening the cart-restore link, with a link
 * button and, when there is a discount code, a postback button carrying it. Names are shortened to fit.
 */
export function cartCarouselElements(items: CartItemForCard[], options: { restoreUrl?: string; openLabel: string; codeLabel?: string; code?: string }): CartElementInput[] {
	return items.slice(0, L.elements).map((item) => {
		const buttons: MessengerButton[] = [];
		if (options.restoreUrl) buttons.push({ type: 'web_url', url: options.restoreUrl, title: options.openLabel });
		if (options.code && options.codeLabel) buttons.push({ type: 'postback', title: options.codeLabel, payload: JSON.stringify({ kind: 'discount_code', code: options.code }) });
		const subtitle = [item.quantity && item.quantity > 1 ? `${item.quantity} ×` : '', item.priceText ?? ''].filter(Boolean).join(' ');
		return {
			title: shorten(item.name, L.elementTitle),
			...(subtitle ? { subtitle: shorten(subtitle, L.elementSubtitle) } : {}),
			...(item.imageUrl ? { imageUrl: item.imageUrl } : {}),
			...(options.restoreUrl ? { url: options.restoreUrl } : {}),
			buttons,
		};
	});
}

export interface RecommendedForCard {
	title: string;
	priceText?: string;
	imageUrl?: string;
	/** The product's page: the card opens it, and its button. */
	url?: string;
}

/**
 * Cards for recommended products, after the cart's (at most `room` of them): the name shortened to fit, "Neked
 * ajánljuk · 12 990 Ft" under it, the picture, and a button to the product's page when it has one.
 */
export function recommendationCarouselElements(products: RecommendedForCard[], options: { room: number; label: string; viewLabel: string }): CartElementInput[] {
	return products.slice(0, Math.max(0, Math.min(options.room, L.elements))).map((product) => {
		const subtitle = [options.label, product.priceText ?? ''].filter((p) => p.trim()).join(' · ');
		return {
			title: shorten(product.title, L.elementTitle),
			...(subtitle ? { subtitle: shorten(subtitle, L.elementSubtitle) } : {}),
			...(product.imageUrl ? { imageUrl: product.imageUrl } : {}),
			...(product.url ? { url: product.url } : {}),
			buttons: product.url ? [{ type: 'web_url', url: product.url, title: options.viewLabel }] : [],
		};
	});
}

import type { Language, StageKind } from '../../templates/copy';
import { CHAT_LABELS, chatBody, type ChatCopyData } from '../meta/copy';
import { shorten } from '../meta/limits';
import { WHATSAPP_LIMITS, type ListSection, type ReplyButton } from './messages';

/**
 * Shipped WhatsApp copy, Hungarian and English, for every message kind: text, reply buttons, list, CTA URL,
 * and the approved template the shop submits to Meta (its suggested wording, and the values this package
 * fills in). Every label fits WhatsApp's limits (button title ≤ 20, row title ≤ 24).
 */
export interface WhatsAppCopyData extends ChatCopyData {
	items?: Array<{ name: string; quantity?: number; priceText?: string }>;
}

export function whatsappText(language: Language, stage: StageKind, data: WhatsAppCopyData): string {
	return chatBody(language, stage, data, { withLink: true });
}

/** Reply buttons: back to the cart, the code (when there is one), unsubscribe. */
export function whatsappReplyButtons(language: Language, data: WhatsAppCopyData): ReplyButton[] {
	const l = CHAT_LABELS[language];
	return [
		{ id: 'cart_restore', title: l.openCart },
		...(data.code ? [{ id: 'discount_code', title: l.sendCode }] : []),
		{ id: 'marketing_stop', title: l.stop },
	];
}

export function whatsappInteractive(language: Language, stage: StageKind, data: WhatsAppCopyData) {
	const l = CHAT_LABELS[language];
	return {
		body: chatBody(language, stage, data),
		footer: data.shopName ? shorten(data.shopName, WHATSAPP_LIMITS.footer) : undefined,
		buttons: whatsappReplyButtons(language, data),
		cta: { displayText: l.openCart, url: data.restoreUrl },
		list: {
			button: l.listButton,
			sections: [
				{
					title: l.listSection,
					rows: (data.items ?? []).slice(0, WHATSAPP_LIMITS.listRows).map((item, i) => ({
						id: `item_${i + 1}`,
						title: shorten(item.name, WHATSAPP_LIMITS.rowTitle),
						...(item.priceText || item.quantity ? { description: shorten([item.quantity && item.quantity > 1 ? `${item.quantity} ×` : '', item.priceText ?? ''].filter(Boolean).join(' '), WHATSAPP_LIMITS.rowDescription) } : {}),
					})),
				},
			] as ListSection[],
		},
	};
}

/**
 * The marketing template we suggest the shop creates in WhatsApp Manager (category Marketing, named
 * parameters), one per language: an image header (the first cart item), the body, a copy-code button for
 * the discount code and a link button whose ending is the cart-restore path.
 */
export const SUGGESTED_TEMPLATES: Record<Language, { name: string; language: string; body: string; urlButton: string; parameters: string[] }> = {
	hu: {
		name: 'kosar_emlekezteto',
		language: 'hu',
		body: 'Szia! Elmentettük a kosaradat ({{cart_total}}). {{discount}} kedvezményt kapsz rá, a kódot a lenti gombbal másolhatod.',
		urlButton: 'Vissza a kosárhoz',
		parameters: ['cart_total', 'discount'],
	},
	en: {
		name: 'cart_reminder',
		language: 'en',
		body: "Hi! We've saved your cart ({{cart_total}}). Get {{discount}} off: copy your code with the button below.",
		urlButton: 'Back to my cart',
		parameters: ['cart_total', 'discount'],
	},
};

/** Named values for the suggested template, from the cart, customer and discount. */
export function suggestedTemplateValues(data: WhatsAppCopyData): Record<string, string> {
	return { cart_total: data.totalText ?? '', discount: data.discountText ?? '' };
}

import type { Language, StageKind } from '../../templates/copy';
import { CHAT_LABELS, chatBody, type ChatCopyData } from '../meta/copy';
import { cartCarouselElements, type CartItemForCard, type MessengerButton } from './messages';

/**
 * Shipped Messenger copy, Hungarian and English, for every message kind: text, the cart carousel, the
 * button template and quick replies. Every label fits Messenger's limits (button and quick-reply titles ≤ 20).
 */
export interface MessengerCopyData extends ChatCopyData {
	items?: CartItemForCard[];
}

export function messengerText(language: Language, stage: StageKind, data: MessengerCopyData): string {
	return chatBody(language, stage, data, { withLink: true });
}

/** Quick replies under a message: the code (when there is one), later, unsubscribe. */
export function messengerQuickReplies(language: Language, data: MessengerCopyData) {
	const l = CHAT_LABELS[language];
	return [
		...(data.code ? [{ title: l.sendCode, payload: JSON.stringify({ kind: 'discount_code', code: data.code }) }] : []),
		{ title: l.later, payload: JSON.stringify({ kind: 'later' }) },
		{ title: l.stop, payload: JSON.stringify({ kind: 'marketing_stop' }) },
	];
}

/** Cards of the cart's items, each opening the cart and offering the code. */
export function messengerCarousel(language: Language, data: MessengerCopyData) {
	const l = CHAT_LABELS[language];
	return cartCarouselElements(data.items ?? [], { restoreUrl: data.restoreUrl, openLabel: l.openCart, codeLabel: l.sendCode, code: data.code });
}

/** The button template: the message with a link back to the cart and the code button. */
export function messengerButtonTemplate(language: Language, stage: StageKind, data: MessengerCopyData): { text: string; buttons: MessengerButton[] } {
	const l = CHAT_LABELS[language];
	const buttons: MessengerButton[] = [];
	if (data.restoreUrl) buttons.push({ type: 'web_url', url: data.restoreUrl, title: l.openCart });
	if (data.code) buttons.push({ type: 'postback', title: l.sendCode, payload: JSON.stringify({ kind: 'discount_code', code: data.code }) });
	return { text: chatBody(language, stage, data), buttons };
}

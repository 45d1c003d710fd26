import type { INodeProperties } from 'n8n-workflow';

import { fieldLabel, LANGUAGES, type Language, type StageKind } from '../../templates/copy';
import { copyField, copyFieldName, copyNotice } from '../copy';
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

// ── Messenger Send's text fields (per language; the message text also per stage) ────────────────────────────

const NAME_HU = 'Szia{{#if customer.first_name}}, {{customer.first_name}}{{/if}}!';
const NAME_EN = 'Hi{{#if customer.first_name}} {{customer.first_name}}{{/if}}!';
const CODE_HU = '{{#if discount.code}}{{#if discount.text}}{{discount.text}} kedvezményt kapsz ezzel a kóddal{{else}}Kedvezményt kapsz ezzel a kóddal{{/if}}: {{discount.code}}{{/if}}';
const CODE_EN = '{{#if discount.code}}{{#if discount.text}}Get {{discount.text}} off with this code{{else}}Your discount code{{/if}}: {{discount.code}}{{/if}}';
const LINK_HU = '{{#if restore_url}}Itt folytathatod: {{restore_url}}{{/if}}';
const LINK_EN = '{{#if restore_url}}Pick up where you left off: {{restore_url}}{{/if}}';

/**
 * The shipped Message Text, as a template per language and stage kind: the same sentences as `chatBody` (the
 * greeting, the cart line, the code line, the link line), with placeholders the marketer can move. Lines that
 * come out empty are left out. With Button Template the link is on the button, so the link line is left out.
 */
export const MESSENGER_TEXT: Record<Language, Record<StageKind, string>> = {
	hu: {
		first: `${NAME_HU} Elmentettük a kosaradat ({{total_text}}), ott folytathatod, ahol abbahagytad.\n${CODE_HU}\n${LINK_HU}`,
		second: `${NAME_HU} Még mindig félretesszük neked a kosaradat ({{total_text}}).\n${CODE_HU}\n${LINK_HU}`,
		final: `${NAME_HU} Utoljára írunk a kosaradról ({{total_text}}), többet nem zavarunk vele.\n${CODE_HU}\n${LINK_HU}`,
	},
	en: {
		first: `${NAME_EN} We've saved your cart ({{total_text}}) so you can pick up where you left off.\n${CODE_EN}\n${LINK_EN}`,
		second: `${NAME_EN} Your cart ({{total_text}}) is still waiting for you.\n${CODE_EN}\n${LINK_EN}`,
		final: `${NAME_EN} This is our last message about your cart ({{total_text}}); we won't write about it again.\n${CODE_EN}\n${LINK_EN}`,
	},
};

export const MESSENGER_TEXT_LABEL = 'Message Text';

/**
 * The cards of recommended products (Cart Check's) after the cart's in the Cart Carousel: the words before the price
 * and the button to the product's page (at most 20 characters).
 */
export const RECOMMENDATION_CARD: Record<Language, { label: string; view: string }> = {
	hu: { label: 'Neked ajánljuk', view: 'Megnézem' },
	en: { label: 'You may also like', view: 'View' },
};

/** The button and quick-reply labels the marketer can change, each within Messenger's 20 characters. */
export const MESSENGER_LABELS = {
	linkButton: { label: 'Link Button Title', kinds: ['carousel', 'buttons'], description: 'The button that opens the cart (on every card, or under the message)', shipped: (l: Language) => CHAT_LABELS[l].openCart },
	codeButton: {
		label: 'Code Button Title',
		kinds: ['carousel', 'buttons', 'quickReplies'],
		description: 'The button or quick reply that asks for the discount code; shown only when there is a code',
		shipped: (l: Language) => CHAT_LABELS[l].sendCode,
	},
	laterReply: { label: 'Later Reply Title', kinds: ['quickReplies'], description: 'The quick reply for “not now”', shipped: (l: Language) => CHAT_LABELS[l].later },
	stopReply: { label: 'Unsubscribe Reply Title', kinds: ['quickReplies'], description: 'The quick reply that asks for no more messages', shipped: (l: Language) => CHAT_LABELS[l].stop },
} as const;

export type MessengerLabel = keyof typeof MESSENGER_LABELS;
export const MESSENGER_LABEL_KEYS = Object.keys(MESSENGER_LABELS) as MessengerLabel[];

/** The kinds that send a text (the carousel has none: its cards carry the cart). */
export const TEXT_KINDS = ['buttons', 'quickReplies', 'text'];

export const MESSENGER_COPY_FIELDS = [
	...LANGUAGES.map((lang) => copyFieldName('messengerText', lang)),
	...MESSENGER_LABEL_KEYS.flatMap((key) => LANGUAGES.map((lang) => copyFieldName(key, lang))),
];

/** Messenger Send's text fields per language: the message text (per stage), then the button and quick-reply titles. */
export function messengerCopyProperties(): INodeProperties[] {
	const text = LANGUAGES.flatMap((lang) =>
		copyField(
			lang,
			copyFieldName('messengerText', lang),
			MESSENGER_TEXT_LABEL,
			'The message; lines without text are left out. At most 2,000 characters, or 640 with Button Template, where the link is on the button and the link line is left out. Empty: the shipped text.',
			(kind) => MESSENGER_TEXT[lang][kind],
			5,
		).map((field) => ({ ...field, displayOptions: { show: { ...field.displayOptions?.show, messageKind: TEXT_KINDS } } })),
	);
	const labels = MESSENGER_LABEL_KEYS.flatMap((key) =>
		LANGUAGES.map(
			(lang): INodeProperties => ({
				displayName: fieldLabel(MESSENGER_LABELS[key].label, lang),
				name: copyFieldName(key, lang),
				type: 'string',
				default: MESSENGER_LABELS[key].shipped(lang),
				description: `${MESSENGER_LABELS[key].description}. At most 20 characters.`,
				displayOptions: { show: { messageKind: [...MESSENGER_LABELS[key].kinds] } },
			}),
		),
	);
	return [copyNotice('Messenger message'), ...text, ...labels];
}

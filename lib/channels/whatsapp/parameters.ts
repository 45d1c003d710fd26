import type { INodeProperties } from 'n8n-workflow';

import { LANGUAGES, type Language, type StageKind } from '../../templates';
import { copyField, copyFieldName, copyNotice } from '../copy';

/**
 * WhatsApp Send's own parameters: the message kind, the approved template per language and its values, the
 * shipped HU/EN texts of the interactive and text messages (prefilled per stage, like SMS Send's), the default
 * country. sendNodeProperties puts them among the shared ones.
 */

export type WhatsAppKind = 'auto' | 'template' | 'interactive' | 'replyButtons' | 'list' | 'text';

/** The text fields: the Text message, the interactive messages' text, the link button, the reply buttons, the list's button. */
export const WHATSAPP_TEXT_LABEL = 'Text Message';
export const WHATSAPP_BODY_LABEL = 'Button Message Text';
export const WHATSAPP_BUTTON_LABEL = 'Link Button Text';
export const WHATSAPP_REPLY_CODE_LABEL = 'Code Button Title';
export const WHATSAPP_REPLY_LATER_LABEL = 'Later Button Title';
export const WHATSAPP_REPLY_STOP_LABEL = 'Unsubscribe Button Title';
export const WHATSAPP_LIST_BUTTON_LABEL = 'List Button Text';

const COPY_PIECES = ['whatsappText', 'whatsappBody', 'whatsappButton', 'whatsappReplyCode', 'whatsappReplyLater', 'whatsappReplyStop', 'whatsappListButton'];
export const WHATSAPP_COPY_FIELDS = LANGUAGES.flatMap((lang) => COPY_PIECES.map((piece) => copyFieldName(piece, lang)));

/** The template field of a language: templateHu, templateEn; its label names it in errors. */
export const templateFieldName = (lang: Language) => copyFieldName('template', lang);
export const TEMPLATE_LABEL: Record<Language, string> = { hu: 'Template (Hungarian)', en: 'Template (English)' };

const greeting: Record<Language, string> = {
	hu: 'Szia{{#if customer.first_name}}, {{customer.first_name}}{{/if}}!',
	en: 'Hi{{#if customer.first_name}} {{customer.first_name}}{{/if}}!',
};
const cartLine: Record<Language, Record<StageKind, string>> = {
	hu: {
		first: 'Elmentettük a kosaradat ({{total_text}}), ott folytathatod, ahol abbahagytad.',
		second: 'Még mindig félretesszük neked a kosaradat ({{total_text}}).',
		final: 'Utoljára írunk a kosaradról ({{total_text}}), többet nem zavarunk vele.',
	},
	en: {
		first: "We've saved your cart ({{total_text}}) so you can pick up where you left off.",
		second: 'Your cart ({{total_text}}) is still waiting for you.',
		final: "This is our last message about your cart ({{total_text}}); we won't write about it again.",
	},
};
const codeLine: Record<Language, string> = {
	hu: '{{#if discount.code}}{{#if discount.text}}{{discount.text}} kedvezményt kapsz ezzel a kóddal{{else}}Kedvezményt kapsz ezzel a kóddal{{/if}}: {{discount.code}}{{/if}}',
	en: '{{#if discount.code}}{{#if discount.text}}Get {{discount.text}} off with this code{{else}}Your discount code{{/if}}: {{discount.code}}{{/if}}',
};
const linkLine: Record<Language, string> = {
	hu: '{{#if restore_url}}Itt folytathatod: {{restore_url}}{{/if}}',
	en: '{{#if restore_url}}Pick up where you left off: {{restore_url}}{{/if}}',
};
export const SHIPPED_BUTTON: Record<Language, string> = { hu: 'Vissza a kosárhoz', en: 'Back to my cart' };
/** Reply buttons (they answer in the chat, they open no link) and the list's button; each at most 20 characters. */
export const SHIPPED_REPLY: Record<Language, { code: string; later: string; stop: string; list: string }> = {
	hu: { code: 'Kérem a kódot', later: 'Majd később', stop: 'Leiratkozom', list: 'Termékeid' },
	en: { code: 'Send me the code', later: 'Maybe later', stop: 'Unsubscribe', list: 'Your items' },
};
/** The link line the reply-button and list messages add under their text (their buttons open no link). */
export const RESTORE_LINK_LINE: Record<Language, string> = { hu: 'Itt találod a kosaradat:', en: 'Here’s your cart:' };

export interface ShippedWhatsAppCopy {
	text: string;
	body: string;
	button: string;
	replyCode: string;
	replyLater: string;
	replyStop: string;
	listButton: string;
}

/** The shipped texts (the wording of lib/channels/meta/copy.ts, as templates the marketer can edit). */
export function shippedWhatsAppCopy(lang: Language, kind: StageKind): ShippedWhatsAppCopy {
	const body = `${greeting[lang]} ${cartLine[lang][kind]}\n${codeLine[lang]}`;
	const reply = SHIPPED_REPLY[lang];
	return {
		body,
		text: `${body}\n${linkLine[lang]}\n{{shop.name}}`,
		button: SHIPPED_BUTTON[lang],
		replyCode: reply.code,
		replyLater: reply.later,
		replyStop: reply.stop,
		listButton: reply.list,
	};
}

/** The per-language, per-stage text fields. */
export function whatsappCopyProperties(): INodeProperties[] {
	return [
		copyNotice('WhatsApp message'),
		...LANGUAGES.flatMap((lang) => [
			...copyField(
				lang,
				copyFieldName('whatsappBody', lang),
				WHATSAPP_BODY_LABEL,
				'The text of the button and list messages (within the 24-hour window), at most 1,024 characters. Reply Buttons and Product List add the link to the cart below it; the shop name goes below in small print. Empty: the shipped text.',
				(kind) => shippedWhatsAppCopy(lang, kind).body,
				4,
			),
			...copyField(
				lang,
				copyFieldName('whatsappButton', lang),
				WHATSAPP_BUTTON_LABEL,
				'The button that opens the cart, at most 20 characters',
				(kind) => shippedWhatsAppCopy(lang, kind).button,
			),
			...copyField(
				lang,
				copyFieldName('whatsappReplyCode', lang),
				WHATSAPP_REPLY_CODE_LABEL,
				'Reply Buttons: the button asking for the discount code (left out when there is no code), at most 20 characters',
				(kind) => shippedWhatsAppCopy(lang, kind).replyCode,
			),
			...copyField(
				lang,
				copyFieldName('whatsappReplyLater', lang),
				WHATSAPP_REPLY_LATER_LABEL,
				'Reply Buttons: the button for “not now”, at most 20 characters',
				(kind) => shippedWhatsAppCopy(lang, kind).replyLater,
			),
			...copyField(
				lang,
				copyFieldName('whatsappReplyStop', lang),
				WHATSAPP_REPLY_STOP_LABEL,
				'Reply Buttons: the button that stops these messages, at most 20 characters',
				(kind) => shippedWhatsAppCopy(lang, kind).replyStop,
			),
			...copyField(
				lang,
				copyFieldName('whatsappListButton', lang),
				WHATSAPP_LIST_BUTTON_LABEL,
				'Product List: the button that opens the list of the cart’s items, at most 20 characters',
				(kind) => shippedWhatsAppCopy(lang, kind).listButton,
			),
			...copyField(
				lang,
				copyFieldName('whatsappText', lang),
				WHATSAPP_TEXT_LABEL,
				'The whole message when Message Kind is Text, with the link to the cart; lines without text are left out. Empty: the shipped text.',
				(kind) => shippedWhatsAppCopy(lang, kind).text,
				5,
			),
		]),
	];
}

const SHOW_TEMPLATE = { show: { messageKind: ['auto', 'template'] } };

/** Message kind, template per language, template values, default country; the Options entries. */
export function whatsappNodeParameters() {
	const properties: INodeProperties[] = [
		{
			displayName: 'Message Kind',
			name: 'messageKind',
			type: 'options',
			default: 'auto',
			options: [
				{
					name: 'Auto',
					value: 'auto',
					description: 'A message with a link button when the customer wrote to you on WhatsApp in the last 24 hours, else your approved template',
				},
				{ name: 'Template', value: 'template', description: 'Always your approved template (the only kind WhatsApp allows outside the 24 hours)' },
				{ name: 'Interactive Buttons', value: 'interactive', description: 'A message with a button that opens the cart; only within 24 hours of the customer’s last message' },
				{
					name: 'Reply Buttons',
					value: 'replyButtons',
					description: 'The message with the link to the cart and up to three answer buttons (send the code, maybe later, unsubscribe); only within 24 hours of the customer’s last message',
				},
				{
					name: 'Product List',
					value: 'list',
					description: 'The message with the link to the cart and a list of the cart’s items, with quantity and price, then the products Cart Check recommends (up to 10 rows in all); only within 24 hours of the customer’s last message',
				},
				{ name: 'Text', value: 'text', description: 'A plain text message with the link; only within 24 hours of the customer’s last message' },
			],
			description: 'WhatsApp lets a business start a conversation only with a template approved by Meta',
		},
		{
			displayName:
				'WhatsApp allows a free-form message (text, buttons) only within 24 hours of the customer’s last message to you. Outside it only an approved marketing template goes out; customers without a recent message are skipped with the reason “window closed” when the kind needs the window. Meta does not deliver marketing templates to US (+1) numbers: those are skipped too.',
			name: 'windowNotice',
			type: 'notice',
			default: '',
		},
		...LANGUAGES.map(
			(lang): INodeProperties => ({
				displayName: TEMPLATE_LABEL[lang],
				name: templateFieldName(lang),
				type: 'options',
				default: '',
				typeOptions: { loadOptionsMethod: 'whatsappTemplates' },
				options: [],
				description: `The approved template ${lang === 'hu' ? 'Hungarian' : 'English'} customers get, from your WhatsApp Business Account. Its copy-code button gets the Discount Code, its link button the cart’s restore link, an image header the first item’s picture.`,
				displayOptions: SHOW_TEMPLATE,
			}),
		),
		{
			displayName: 'Template Values',
			name: 'templateValues',
			type: 'fixedCollection',
			placeholder: 'Add value',
			typeOptions: { multipleValues: true, sortable: true },
			default: {},
			description:
				'What goes in the template’s blanks, in order ({{1}}, {{2}}…) or by name. Empty: blanks named like cart_total, discount, first_name, discount_code, shop_name or first_item are filled in by their name.',
			displayOptions: SHOW_TEMPLATE,
			options: [
				{
					displayName: 'Value',
					name: 'value',
					values: [
						{
							displayName: 'Blank Name',
							name: 'name',
							type: 'string',
							default: '',
							placeholder: 'cart_total',
							description: 'For templates with named blanks; empty for numbered ones, which take the values in this order',
						},
						{
							displayName: 'Value',
							name: 'source',
							type: 'options',
							default: 'cartTotal',
							options: [
								{ name: 'Cart Restore Link', value: 'restoreUrl' },
								{ name: 'Cart Total', value: 'cartTotal' },
								{ name: 'Custom Text', value: 'custom' },
								{ name: 'Customer First Name', value: 'firstName' },
								{ name: 'Discount Amount', value: 'discountText' },
								{ name: 'Discount Code', value: 'discountCode' },
								{ name: 'First Item Name', value: 'firstItem' },
								{ name: 'Shop Name', value: 'shopName' },
							],
						},
						{
							displayName: 'Text',
							name: 'text',
							type: 'string',
							default: '',
							displayOptions: { show: { source: ['custom'] } },
						},
					],
				},
			],
		},
		{
			displayName: 'Default Country',
			name: 'region',
			type: 'string',
			default: 'HU',
			placeholder: 'HU',
			description: 'Two-letter country code (HU, AT, DE…) for numbers written without a country code: "06 30 123 4567" becomes 36301234567. Numbers that are not valid go to Skipped.',
		},
	];
	const options: INodeProperties[] = [
		{
			displayName: 'Link URL',
			name: 'restoreUrl',
			type: 'string',
			default: '',
			description: 'Where the link button and the link in the text lead; empty = the cart’s restore URL',
		},
		{ displayName: 'Shop Name', name: 'shopName', type: 'string', default: '', description: 'Shown in small print under the message; empty = none' },
	];
	return {
		discount: { codeDescription: 'Empty = no discount line. Usually the Discount Code node’s output. A template with a copy-code button needs it (at most 15 characters).', validUntil: false },
		properties,
		options,
	};
}

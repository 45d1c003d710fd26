import type { INodeProperties } from 'n8n-workflow';

import { LANGUAGE_NAMES, type Language } from '../../lib/templates/copy';

/**
 * What Reply to Customer says, as shipped. Placeholders as in the send nodes' texts: {{customer.first_name}},
 * {{discount.code}}, {{discount.text}} ("10%", "2 000 Ft"), {{discount.valid_until}}, {{restore_url}}, {{total_text}}; for a tapped
 * product {{product.title}}, {{product.price_text}}, {{product.url}}.
 */
export const REPLY_COPY: Record<Language, { code: string; noCode: string; product: string; text: string }> = {
	hu: {
		code: 'Szia{{#if customer.first_name}}, {{customer.first_name}}{{/if}}! Itt a kódod: {{discount.code}}{{#if discount.text}} – {{discount.text}} kedvezményt ad{{/if}}{{#if discount.valid_until}}{{#if discount.text}}, és{{else}} –{{/if}} {{date discount.valid_until "MMMM d"}}-ig érvényes{{/if}}.{{#if restore_url}} A kosarad itt vár: {{restore_url}}{{/if}}',
		noCode: 'Szia{{#if customer.first_name}}, {{customer.first_name}}{{/if}}! Ehhez a kosárhoz most sajnos nincs érvényes kedvezménykód, de elmentettük neked.{{#if restore_url}} Itt folytathatod a vásárlást: {{restore_url}}{{/if}}',
		product:
			'Szia{{#if customer.first_name}}, {{customer.first_name}}{{/if}}! {{#if product}}„{{product.title}}” – {{product.price_text}}.{{#if product.url}} Itt nézheted meg: {{product.url}}{{/if}}{{else}}Sajnos ezt a terméket most nem tudjuk megmutatni.{{/if}}{{#if restore_url}} A kosarad itt vár: {{restore_url}}{{/if}}',
		text: 'Szia{{#if customer.first_name}}, {{customer.first_name}}{{/if}}! Köszönjük az üzenetedet, hamarosan válaszolunk.',
	},
	en: {
		code: 'Hi{{#if customer.first_name}} {{customer.first_name}}{{/if}}! Here is your code: {{discount.code}}{{#if discount.text}} – {{discount.text}} off{{/if}}{{#if discount.valid_until}}, valid until {{date discount.valid_until "MMMM d"}}{{/if}}.{{#if restore_url}} Your cart is waiting here: {{restore_url}}{{/if}}',
		noCode: 'Hi{{#if customer.first_name}} {{customer.first_name}}{{/if}}! There is no discount code for this cart right now, but we have kept your cart for you.{{#if restore_url}} Pick up where you left off: {{restore_url}}{{/if}}',
		product:
			'Hi{{#if customer.first_name}} {{customer.first_name}}{{/if}}! {{#if product}}“{{product.title}}” – {{product.price_text}}.{{#if product.url}} Take a look: {{product.url}}{{/if}}{{else}}Sorry, we can’t show this product right now.{{/if}}{{#if restore_url}} Your cart is waiting here: {{restore_url}}{{/if}}',
		text: 'Hi{{#if customer.first_name}} {{customer.first_name}}{{/if}}! Thanks for your message, we will get back to you soon.',
	},
};

/** One answer text field per language, prefilled with the shipped copy. */
// The default is the shipped text of REPLY_COPY, which the rule cannot read through the function.
// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
export const textField = (name: 'code' | 'noCode' | 'product' | 'text', label: string, lang: Language, description: string, show: string): INodeProperties => ({
	displayName: `${label} (${LANGUAGE_NAMES[lang]})`,
	name: `${name}${lang === 'hu' ? 'Hu' : 'En'}`,
	type: 'string',
	typeOptions: { rows: 3 },
	default: REPLY_COPY[lang][name],
	description,
	displayOptions: { show: { answer: [show] } },
});

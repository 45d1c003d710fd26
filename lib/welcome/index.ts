/**
 * Welcome back in the shop's chat: what the Welcome Back Trigger answers the chat bubble (lib/welcome/chat-bubble.js)
 * for a visitor whose cart is in recovery — the greeting in the cart's language, the cart in short, its live code and
 * the recommendations — and the bubble script itself. Everything here is the shop's text or ours as plain strings: the
 * bubble prints it with textContent, never as HTML.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { Cart, WelcomeBackResult } from '../store';
import { buildTemplateContext, type TemplateRecommendation } from '../templates';
import { amountText } from '../templates/helpers';

type Language = 'hu' | 'en';
type Greeting = Extract<WelcomeBackResult, { greet: true }>;

/** At most this many cart lines are listed; the rest is "and 2 more items". */
export const GREETING_CART_LINES = 3;

/** The bubble's words, by language (the bubble has none of its own). `{n}`: a number. */
export const BUBBLE_LABELS: Record<Language, Record<string, string>> = {
	hu: {
		title: 'Üdv újra itt!',
		restore: 'Vissza a kosárhoz',
		code: 'Kedvezménykód',
		copy: 'Másolás',
		copied: 'Kimásolva',
		recommendations: 'Neked ajánljuk',
		close: 'Bezárás',
		more_items: '+{n} további termék',
		total: 'Összesen',
	},
	en: {
		title: 'Welcome back!',
		restore: 'Back to my cart',
		code: 'Discount code',
		copy: 'Copy',
		copied: 'Copied',
		recommendations: 'You may also like',
		close: 'Close',
		more_items: '+{n} more',
		total: 'Total',
	},
};

/** How long a code is still good for: "még 2 napig érvényes" / "valid for 2 more days" (hours, then minutes, near the end). */
export function validityText(validUntil: string | Date, lang: Language, now: Date = new Date()): string {
	const ms = new Date(validUntil).getTime() - now.getTime();
	const days = Math.floor(ms / 86_400_000);
	const hours = Math.floor(ms / 3_600_000);
	const minutes = Math.max(1, Math.ceil(ms / 60_000));
	if (lang === 'hu') {
		if (days >= 1) return `még ${days} napig érvényes`;
		if (hours >= 1) return `még ${hours} órán át érvényes`;
		return `még ${minutes} percig érvényes`;
	}
	if (days >= 1) return `valid for ${days} more ${days === 1 ? 'day' : 'days'}`;
	if (hours >= 1) return `valid for ${hours} more ${hours === 1 ? 'hour' : 'hours'}`;
	return `valid for ${minutes} more ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/**
 * "Szia, Anna! A kosaradban még ott vár: Túracipő, 42 és még 1 termék. Kedvezménykódod: KOD-1234, még 2 napig érvényes."
 * Built around the product name and the code, so no Hungarian article has to agree with a word we do not know.
 */
export function greetingText(cart: Cart, code: { code: string; valid_until: string } | null, lang: Language, now: Date = new Date()): string {
	const name = cart.first_name?.trim();
	const items = cart.items ?? [];
	const first = items[0]?.name?.trim();
	const more = items.length - 1;
	if (lang === 'hu') {
		const hello = name ? `Szia, ${name}!` : 'Szia!';
		const inCart = first ? ` A kosaradban még ott vár: ${first}${more > 0 ? ` és még ${more} termék` : ''}.` : ' Elmentettük a kosaradat.';
		const offer = code ? ` Kedvezménykódod: ${code.code}, ${validityText(code.valid_until, 'hu', now)}.` : '';
		return hello + inCart + offer;
	}
	const hello = name ? `Hi ${name}!` : 'Hi!';
	const inCart = first ? ` ${first}${more > 0 ? ` and ${more} more ${more === 1 ? 'item are' : 'items are'}` : ' is'} still in your cart.` : ' We’ve saved your cart.';
	const offer = code ? ` Your code ${code.code} is ${validityText(code.valid_until, 'en', now)}.` : '';
	return hello + inCart + offer;
}

/** The validity on a line of its own (under the code in the bubble): "Még 2 napig érvényes". */
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The greeting starts with "Szia"/"Hi": the bubble's title already says welcome back. */
export interface BubbleAnswer {
	greet: true;
	language: Language;
	greeting: string;
	cart: {
		items: Array<{ name: string; quantity: number; price_text: string; image_url: string | null; url: string | null }>;
		more_items: number;
		total_text: string;
		restore_url: string | null;
	};
	discount: { code: string; text: string; valid_until: string; valid_text: string } | null;
	recommendations: Array<Pick<TemplateRecommendation, 'product_id' | 'title' | 'price_text' | 'image_url' | 'url'>>;
	labels: Record<string, string>;
}

/**
 * What the bubble gets for a greeted visitor: only what the customer sees on their own screen (first name, cart lines,
 * code, links); never the email, phone or anything the shop did not show them.
 */
export function bubbleAnswer(result: Greeting, now: Date = new Date()): BubbleAnswer {
	const { cart } = result;
	// The messages' own context: the cart's language, its prices and total as the reminders print them, safe links.
	const context = buildTemplateContext({ cart, stage: 1, recommendations: result.recommendations });
	const code = result.discount;
	return {
		greet: true,
		language: context.lang,
		greeting: greetingText(cart, code, context.lang, now),
		cart: {
			items: context.items.slice(0, GREETING_CART_LINES).map((item) => ({ name: item.name, quantity: item.quantity, price_text: item.price_text, image_url: item.image_url, url: item.url })),
			more_items: Math.max(0, context.items.length - GREETING_CART_LINES),
			total_text: context.total_text,
			restore_url: context.restore_url,
		},
		discount: code
			? { code: code.code, text: amountText(code, context.locale), valid_until: code.valid_until, valid_text: capitalised(validityText(code.valid_until, context.lang, now)) }
			: null,
		recommendations: context.recommendations.map((p) => ({ product_id: p.product_id, title: p.title, price_text: p.price_text, image_url: p.image_url, url: p.url })),
		labels: BUBBLE_LABELS[context.lang],
	};
}

let bubbleScript: string | undefined;

/** The chat bubble's source (lib/welcome/chat-bubble.js, copied beside this module by the build), read once. */
export function chatBubbleScript(): string {
	bubbleScript ??= readFileSync(path.join(__dirname, 'chat-bubble.js'), 'utf8');
	return bubbleScript;
}

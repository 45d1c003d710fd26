/**
 * Previews of a send node's message, shared by every channel, before anything is sent: the Preview list in the node panel (a
 * load-options method, rendered with a sample cart and the panel's current fields) and Mode "Preview Only"
 * (every input item's cart, or the sample cart; nothing is claimed, sent or stored).
 */
import {
	NodeOperationError,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeExecutionData,
	type INodePropertyOptions,
} from 'n8n-workflow';

import { optionalStr } from '../n8n/parameters';
import { storeFor } from '../n8n/store';
import type { Cart, CartRecoveryStore, RecommendedProduct } from '../store';
import { FINAL_OFFER_STAGE, formatMoney, LANGUAGES, LANGUAGE_NAMES, templateLanguage, type DiscountInfo, type Language } from '../templates';
import type { PreviewTarget } from './types';

export type { PreviewTarget } from './types';

/** One item's Discount fields; empty ones undefined (`valid_until` only on nodes with Discount Valid Until). */
export function readDiscount(ctx: IExecuteFunctions, i: number): Partial<DiscountInfo> {
	return {
		code: optionalStr(ctx.getNodeParameter('discountCode', i, '')),
		text: optionalStr(ctx.getNodeParameter('discountText', i, '')),
		valid_until: optionalStr(ctx.getNodeParameter('discountValidUntil', i, '')),
	};
}

/** The preview's customer: Anna, two items, in forint. The English preview shows the same cart. */
export function sampleCart(): Cart {
	const now = new Date().toISOString();
	return {
		cart_id: 'sample-cart',
		source: 'sample',
		customer_id: null,
		email: 'anna.kovacs@example.com',
		phone: '+36301234567',
		first_name: 'Anna',
		last_name: 'Kovács',
		locale: null,
		currency: 'HUF',
		value: 17980,
		items: [
			{ name: 'Kotyogós kávéfőző', quantity: 1, price: 12990 },
			{ name: 'Kerámia bögre', quantity: 2, price: 2495 },
		],
		// As long as a shop's real restore links, so the SMS preview counts realistic segments.
		restore_url: 'https://www.webshop.example.hu/kosar/visszaallitas/8f3a2c91e7b4',
		status: 'recovering',
		created_at: now,
		last_activity_at: now,
		recovery_started_at: now,
		returned_at: null,
		converted_at: null,
		order_id: null,
		order_value: null,
		recovered_value: null,
		updated_at: now,
		messages: [],
	};
}

/**
 * What Cart Check might recommend for the sample cart (Recommend Products): two products from the same shop. The
 * panel's Preview shows them when Show Recommended Products is on; prices are formatted by the message.
 */
export function sampleRecommendations(): RecommendedProduct[] {
	const product = (product_id: string, title: string, price: number, category: string, reason: RecommendedProduct['reason']): RecommendedProduct => ({
		product_id,
		title,
		price,
		currency: 'HUF',
		price_text: '',
		image_url: null,
		url: `https://www.webshop.example.hu/termek/${product_id}`,
		category,
		reason,
	});
	return [product('tejhabosito', 'Tejhabosító kancsó', 3990, 'Kávézás', 'bought_together'), product('kave-250', 'Őrölt kávé 250 g', 2490, 'Kávé', 'best_seller')];
}

/** The panel's Options say to show recommended products (Show Recommended Products, on unless turned off). */
export function panelShowsRecommendations(get: (name: string) => unknown): boolean {
	const options = get('options') as { showRecommendations?: unknown } | undefined;
	return options?.showRecommendations !== false;
}

export const SAMPLE_CODE = 'KOSAR-7K3M9Q';

/** The shipped flow's discounts: none with the first reminder, 10% with the second, 20% for 7 days with the final offer. */
export function sampleDiscount(stage: number): Partial<DiscountInfo> | null {
	if (stage >= FINAL_OFFER_STAGE) return { code: SAMPLE_CODE, text: '20%', valid_until: new Date(Date.now() + 7 * 86_400_000).toISOString() };
	if (stage === 2) return { code: SAMPLE_CODE, text: '10%' };
	return null;
}

/**
 * The preview's discount: the node's Discount fields when they give a code; otherwise, for the sample cart, the
 * discount the shipped flow gives at this stage (in the panel, the fields usually read the input item, unknown there).
 */
export function previewDiscount(stage: number, fields: Partial<DiscountInfo>, sample: boolean): Partial<DiscountInfo> | null {
	if (fields.code) return fields;
	return sample ? sampleDiscount(stage) : null;
}

/** The first line of the Preview list: what it renders with. */
export function sampleLine(discount: Partial<DiscountInfo> | null): INodePropertyOptions {
	const cart = sampleCart();
	const total = formatMoney(cart.value, cart.currency, 'hu-HU').replace(/[\u00a0\u202f]/g, ' ');
	const code = discount?.code ? `discount code ${discount.code}${discount.text ? ` (${discount.text})` : ''}` : 'no discount code at this stage';
	return { name: `Sample cart: ${cart.first_name}, ${cart.items.length} items, ${total} · ${code}`, value: 'sample' };
}

/** The panel's current value of a parameter; undefined when it is not set or is an expression the panel could not work out. */
export function panelParameter(ctx: ILoadOptionsFunctions): (name: string) => unknown {
	return (name) => {
		const value = ctx.getCurrentNodeParameter(name);
		if (value === null || value === undefined) return undefined;
		if (typeof value === 'string' && value.startsWith('=')) return undefined;
		return value;
	};
}

/** Stage and languages as the panel shows them. */
export function panelSetup(get: (name: string) => unknown): { stage: number; languages: Language[]; discount: Partial<DiscountInfo> | null } {
	const stage = Math.max(1, Math.floor(Number(get('stage') ?? 1)) || 1);
	const language = get('language');
	const languages: Language[] = language === 'hu' || language === 'en' ? [language as Language] : [...LANGUAGES];
	const fields = { code: optionalStr(get('discountCode')), text: optionalStr(get('discountText')), valid_until: optionalStr(get('discountValidUntil')) };
	return { stage, languages, discount: previewDiscount(stage, fields, true) };
}

/** A line of the Preview list, prefixed with the language when the list shows two. */
export function previewLine(lang: Language, both: boolean, key: string, label: string, text: string): INodePropertyOptions {
	const oneLine = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
	return { name: `${both ? `${LANGUAGE_NAMES[lang]} · ` : ''}${label}: ${oneLine}`, value: `${lang}.${key}` };
}

/**
 * Mode Preview Only: each input item's cart from the store (read only), else the sample cart; one output item per
 * language it would be sent in (with From Cart Locale and the sample cart: Hungarian and English).
 */
export async function previewEachItem(
	ctx: IExecuteFunctions,
	render: (target: PreviewTarget) => Promise<INodeExecutionData> | INodeExecutionData,
): Promise<INodeExecutionData[]> {
	const items = ctx.getInputData();
	const out: INodeExecutionData[] = [];
	let store: CartRecoveryStore | null | undefined;
	for (let i = 0; i < items.length; i++) {
		let cartId: string | undefined;
		try {
			cartId = optionalStr(ctx.getNodeParameter('cartId', i, ''));
		} catch {
			cartId = undefined;
		}
		const stage = Number(ctx.getNodeParameter('stage', i, 1));
		if (!Number.isInteger(stage) || stage < 1) throw new NodeOperationError(ctx.getNode(), `Stage must be a whole number from 1 up, not "${stage}"`, { itemIndex: i });
		let cart: Cart | null = null;
		if (cartId) {
			if (store === undefined) store = await storeFor(ctx).catch(() => null);
			cart = store ? await store.getCart(cartId).catch(() => null) : null;
		}
		const language = ctx.getNodeParameter('language', i, 'auto');
		const languages: Language[] = language === 'hu' || language === 'en' ? [language as Language] : cart ? [templateLanguage(cart.locale)] : [...LANGUAGES];
		const discount = previewDiscount(stage, readDiscount(ctx, i), !cart);
		for (const lang of languages) out.push(await render({ index: i, cart: cart ?? sampleCart(), sample: !cart, lang, stage, discount }));
	}
	return out;
}

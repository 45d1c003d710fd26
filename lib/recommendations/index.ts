import type { CatalogueProduct, RecommendedProduct } from '../store';
import { formatMoney, localeTag } from '../templates/helpers';

/** The most products one message or greeting carries (WhatsApp's list and Messenger's carousel hold 10 in all). */
export const MAX_RECOMMENDATIONS = 10;

/**
 * The store's products with their price as the cart's customer reads it ("12 990 Ft", "€42.00"): in the product's
 * currency (always the cart's: the store recommends nothing priced in another) and the cart's language.
 */
export function withPriceText(products: CatalogueProduct[], cart: { locale?: string | null }): RecommendedProduct[] {
	const locale = localeTag(cart.locale);
	return products.map((product) => ({
		...product,
		price: Number(product.price),
		price_text: formatMoney(Number(product.price), product.currency, locale),
	}));
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * Recommended products as an item carries them (`recommendations`, from Cart Check or anything upstream): entries that
 * are objects with a product id and a title, each product once, at most MAX_RECOMMENDATIONS; anything else is left
 * out without a word (a recommendation is a nice-to-have, never a reason to fail a reminder). None usable: undefined.
 * Prices are formatted and links checked where a message prints them (lib/templates).
 */
export function readRecommendations(list: unknown): RecommendedProduct[] | undefined {
	if (!Array.isArray(list)) return undefined;
	const out: RecommendedProduct[] = [];
	const seen = new Set<string>();
	for (const entry of list) {
		if (!entry || typeof entry !== 'object' || Array.isArray(entry)) continue;
		const p = entry as Record<string, unknown>;
		if (!nonEmpty(p.product_id) || !nonEmpty(p.title) || seen.has(p.product_id.trim())) continue;
		seen.add(p.product_id.trim());
		const orNull = (v: unknown) => (nonEmpty(v) ? v.trim() : null);
		out.push({
			product_id: p.product_id.trim(),
			title: p.title.trim(),
			price: typeof p.price === 'number' ? p.price : Number(p.price),
			currency: nonEmpty(p.currency) ? p.currency.trim() : '',
			price_text: nonEmpty(p.price_text) ? p.price_text.trim() : '',
			image_url: orNull(p.image_url),
			url: orNull(p.url),
			category: orNull(p.category),
			reason: p.reason === 'bought_together' ? 'bought_together' : 'best_seller',
		});
		if (out.length === MAX_RECOMMENDATIONS) break;
	}
	return out.length ? out : undefined;
}

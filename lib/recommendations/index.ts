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

import { MAX_RECOMMENDATIONS, withPriceText } from '../../recommendations';
import type { Cart, CartRecoveryStore } from '../../store';
import { formatMoney, localeTag } from '../../templates/helpers';
import { shorten } from '../meta/limits';
import { WHATSAPP_LIMITS } from './messages';

/** A product as an answer names it: title, price as the cart's customer reads it, and its page (http(s) only). */
export interface TappedProduct {
	title: string;
	price_text: string;
	url: string | null;
	image_url: string | null;
}

/** A Product List row's title as the customer saw it (the builder and the answer to a tap must agree). */
export const listRowTitle = (title: string) => shorten(title, WHATSAPP_LIMITS.rowTitle);

/** The cart's lines as the Product List lists them (`item:<cart>:<n>` counts these). */
export const listedItems = <T extends { name: string }>(items: T[]) => items.filter((item) => item.name.trim());

const ROW = /^(item|rec):(.+):(\d{1,2})$/s;
const webLink = (url: unknown) => (typeof url === 'string' && /^https?:\/\/\S+$/i.test(url.trim()) ? url.trim() : null);

/** The cart and row a Product List row id names (`item:<cart>:<n>`, `rec:<cart>:<n>`), else null. */
export function productRow(payload: unknown): { kind: 'item' | 'rec'; cartId: string; index: number } | null {
	const match = typeof payload === 'string' ? ROW.exec(payload.trim()) : null;
	return match ? { kind: match[1] as 'item' | 'rec', cartId: match[2], index: Number(match[3]) - 1 } : null;
}

/**
 * The product a customer tapped in a Product List: the cart's line, or the recommendation, at the row's place — checked
 * against the row title they tapped, since the cart or the shop's orders may have changed since the list went out;
 * when the place holds another product, the one whose row title matches; none: null (the answer then says so).
 */
export async function tappedProduct(store: CartRecoveryStore, cart: Cart, payload: unknown, tappedTitle: string | null): Promise<TappedProduct | null> {
	const row = productRow(payload);
	if (!row || row.cartId !== cart.cart_id) return null;
	const candidates: TappedProduct[] =
		row.kind === 'item'
			? listedItems(cart.items ?? []).map((item) => ({
					title: item.name.trim(),
					price_text: formatMoney(Number(item.price), cart.currency, localeTag(cart.locale)),
					url: webLink(item.url),
					image_url: webLink(item.image_url),
				}))
			: withPriceText((await store.recommendProducts(cart.cart_id, MAX_RECOMMENDATIONS)).products, cart).map((p) => ({
					title: p.title,
					price_text: p.price_text,
					url: webLink(p.url),
					image_url: webLink(p.image_url),
				}));
	const seen = tappedTitle?.trim();
	const atPlace = candidates[row.index];
	if (atPlace && (!seen || listRowTitle(atPlace.title) === seen)) return atPlace;
	return (seen && candidates.find((p) => listRowTitle(p.title) === seen)) || null;
}

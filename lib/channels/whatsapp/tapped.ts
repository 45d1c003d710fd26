import { createHash } from 'node:crypto';

import { MAX_RECOMMENDATIONS, withPriceText } from '../../recommendations';
import type { Cart, CartRecoveryStore } from '../../store';
import { formatMoney, safeUrl } from '../../templates/helpers';
import { shorten } from '../meta/limits';
import { WHATSAPP_LIMITS } from './messages';

/** A product as an answer names it: title, price as the customer reads it, and its page (http(s) only). */
export interface TappedProduct {
	title: string;
	price_text: string;
	url: string | null;
	image_url: string | null;
}

/** A Product List row's title as the customer saw it. */
export const listRowTitle = (title: string) => shorten(title, WHATSAPP_LIMITS.rowTitle);

/** The cart's lines as the Product List lists them (`item:<cart>:<n>` counts these). */
export const listedItems = <T extends { name: string }>(items: T[]) => items.filter((item) => item.name.trim());

/** Eight hex digits naming a product in a row id, from its product id, else its SKU, else its title. */
const productTag = (product: { product_id?: unknown; sku?: unknown; name?: unknown; title?: unknown }) => {
	const key = [product.product_id, product.sku, product.name ?? product.title].find((v) => typeof v === 'string' && v.trim());
	return createHash('sha256').update(String(key ?? '').trim()).digest('hex').slice(0, 8);
};

/**
 * A Product List row id: `item:<cart id>:<n>:<tag>` for the cart's n-th line, `rec:<cart id>:<n>:<tag>` for its n-th
 * recommendation. The tag names the product, so a tap is answered with that product even when the cart or the shop's
 * orders changed since the list went out (row titles alone cannot tell two variants apart once cut to 24 characters).
 */
export const productRowId = (kind: 'item' | 'rec', cartId: string, n: number, product: Parameters<typeof productTag>[0]) => `${kind}:${cartId}:${n}:${productTag(product)}`;

// Lists sent before the tag existed end at the place; the store reads the cart id with its own pattern (meta/events.ts).
const ROW = /^(item|rec):(.+):(\d{1,2})(?::([0-9a-f]{8}))?$/s;

/** The cart, place and product tag a Product List row id names, else null (a `more:` row, a button, a text). */
export function productRow(payload: unknown): { kind: 'item' | 'rec'; cartId: string; index: number; tag: string | null } | null {
	const match = typeof payload === 'string' ? ROW.exec(payload.trim()) : null;
	return match ? { kind: match[1] as 'item' | 'rec', cartId: match[2], index: Number(match[3]) - 1, tag: match[4] ?? null } : null;
}

/**
 * The product a customer tapped in a Product List: by the tag in the row id, wherever it is now in the cart or the
 * recommendations (a list sent before tags: the product at the row's place if its title is the one tapped, else the one
 * product with that title). Not there any more, or not told apart: null — the answer then says so, never another
 * product. Recommendations are the store's (Cart Check's), recomputed now: ones put on the item by another node are
 * not found. Prices in `locale` (the answer's language).
 */
export async function tappedProduct(store: CartRecoveryStore, cart: Cart, payload: unknown, tappedTitle: string | null, locale: string): Promise<TappedProduct | null> {
	const row = productRow(payload);
	if (!row || row.cartId !== cart.cart_id) return null;
	const candidates =
		row.kind === 'item'
			? listedItems(cart.items ?? []).map((item) => ({
					tag: productTag(item),
					product: { title: item.name.trim(), price_text: formatMoney(Number(item.price), cart.currency, locale), url: safeUrl(item.url), image_url: safeUrl(item.image_url) },
				}))
			: withPriceText((await store.recommendProducts(cart.cart_id, MAX_RECOMMENDATIONS)).products, { locale }).map((p) => ({
					tag: productTag(p),
					product: { title: p.title, price_text: p.price_text, url: safeUrl(p.url), image_url: safeUrl(p.image_url) },
				}));
	if (row.tag) return candidates.find((c) => c.tag === row.tag)?.product ?? null;
	const seen = tappedTitle?.trim();
	if (!seen) return null;
	const atPlace = candidates[row.index];
	if (atPlace && listRowTitle(atPlace.product.title) === seen) return atPlace.product;
	const titled = candidates.filter((c) => listRowTitle(c.product.title) === seen);
	return titled.length === 1 ? titled[0].product : null;
}

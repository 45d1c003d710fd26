import { ShopSyncError, type ShopDiscount, type ShopHttp, type ShopRemoveResult, type ShopSyncResult } from './http';
import { withShopRetry, type RetryPolicy } from './retry';
import { deleteShopifyDiscount, syncShopifyDiscount } from './shopify';
import { deleteWooCoupon, syncWooCoupon } from './woocommerce';

/** The Webshop credential's fields the shop API needs (names as in credentials/WebshopApi.credentials.ts). */
export interface WebshopCredentialData {
	platform?: unknown;
	shopUrl?: unknown;
	wooConsumerKey?: unknown;
	wooConsumerSecret?: unknown;
	shopifyAccessToken?: unknown;
	shopifyApiVersion?: unknown;
}

export type ShopPlatform = 'woocommerce' | 'shopify';

/** One shop, with retries: what Discount Code (create, deactivate) and Consent Check (erase) call. */
export interface ShopClient {
	platform: ShopPlatform;
	/** Creates the code in the shop; transient failures are retried, looking the code up after an unanswered create. */
	sync(discount: ShopDiscount, mayExist: boolean): Promise<ShopSyncResult>;
	/** Deletes a synced code from the shop (404 = already gone = fine); transient failures are retried. */
	remove(shopRef: string): Promise<ShopRemoveResult>;
}

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function shopClient(credentials: WebshopCredentialData, http: ShopHttp, retry: RetryPolicy = {}): ShopClient {
	const platform = text(credentials.platform);
	if (platform === 'woocommerce') {
		const config = { shopUrl: text(credentials.shopUrl), consumerKey: text(credentials.wooConsumerKey), consumerSecret: text(credentials.wooConsumerSecret) };
		return {
			platform,
			sync: (d, mayExist) => withShopRetry((_n, previous) => syncWooCoupon(http, config, d, mayExist || previous !== null), retry),
			remove: (ref) => withShopRetry(() => deleteWooCoupon(http, config, ref), retry),
		};
	}
	if (platform === 'shopify') {
		const config = { shopUrl: text(credentials.shopUrl), accessToken: text(credentials.shopifyAccessToken), apiVersion: text(credentials.shopifyApiVersion) };
		return {
			platform,
			sync: (d, mayExist) => withShopRetry((_n, previous) => syncShopifyDiscount(http, config, d, mayExist || previous !== null), retry),
			remove: (ref) => withShopRetry(() => deleteShopifyDiscount(http, config, ref), retry),
		};
	}
	throw new ShopSyncError(`The shop API needs a Webshop credential for WooCommerce or Shopify, not "${platform || 'generic'}"`, 0, 'unsupported_platform');
}

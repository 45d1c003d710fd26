import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { hasWebshopCredential, shopClientFor } from '../../../../lib/n8n/shop';
import { ShopSyncError } from '../../../../lib/shop';
import { discountJson, perItem, requiredString, str, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['discountCode'], operation: ['deactivate'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Code',
		name: 'code',
		type: 'string',
		default: '={{ $json.discount.code }}',
		required: true,
		description: 'The code to stop; already filled in with the code an earlier Discount Code step made',
		displayOptions: { show },
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		placeholder: 'Customer bought without the code',
		description: 'Stored with the code',
		displayOptions: { show },
	},
	{
		displayName: 'Remove From Shop',
		name: 'removeFromShop',
		type: 'boolean',
		default: true,
		description:
			'Whether to delete the code in WooCommerce or Shopify too when it was synced there (needs the Webshop credential). A code the shop no longer has counts as removed.',
		displayOptions: { show },
	},
];

/**
 * Idempotent; an unknown code fails the item. Adds discount: { …, status: 'deactivated', changed, shop }. A code
 * synced to the shop is deleted there too (WooCommerce coupon, Shopify price rule with its code): deactivating it
 * only here would leave it redeemable at the shop's checkout. The code is deactivated here first, so a shop that
 * is down fails the item with the code already stopped here; a rerun retries the shop (404 there = done).
 */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const code = requiredString(this, 'code', 'Code', i, 'Set Code to the code to stop, e.g. the one an earlier Discount Code step made');
		const result = await store.deactivateDiscountCode(code, str(this.getNodeParameter('reason', i, '')));
		if (!result.code) {
			throw new NodeOperationError(this.getNode(), `"Code": discount code "${code}" does not exist`, { itemIndex: i });
		}
		const { shop_platform: platform, shop_ref: shopRef } = result.code;
		let shop: IDataObject | null = null;
		if (platform && shopRef && this.getNodeParameter('removeFromShop', i, true)) {
			if (!hasWebshopCredential(this)) {
				throw new NodeOperationError(this.getNode(), `Code ${result.code.code} was deactivated here but is still live in ${platform}`, {
					itemIndex: i,
					description: 'Select the Webshop credential of that shop so the code is deleted there too, then run again (deactivating again changes nothing).',
				});
			}
			try {
				const client = await shopClientFor(this, i);
				if (client.platform !== platform) {
					throw new ShopSyncError(`Code ${result.code.code} was synced to ${platform}, but the Webshop credential is for ${client.platform}`, 0, 'platform_mismatch');
				}
				const removed = await client.remove(shopRef);
				shop = { platform, shop_ref: shopRef, removed: removed.removed, already_gone: removed.alreadyGone };
			} catch (error) {
				const transient = error instanceof ShopSyncError && error.transient;
				throw new NodeOperationError(this.getNode(), `Code ${result.code.code} was deactivated here, but not removed from ${platform}: ${(error as Error).message}`, {
					itemIndex: i,
					description: transient
						? 'The shop is unavailable or rate-limiting (after retries). Run the node again later: it deletes the code in the shop then.'
						: 'Check the Webshop credential, or delete the code in the shop by hand.',
				});
			}
		}
		return { output: 0, json: { ...items[i].json, discount: { ...discountJson(result.code), changed: result.changed, shop } } };
	});
}

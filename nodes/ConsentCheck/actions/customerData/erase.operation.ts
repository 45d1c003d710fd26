import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { hasWebshopCredential, shopClientFor } from '../../../../lib/n8n/shop';
import { ShopSyncError, type ShopClient } from '../../../../lib/shop';
import type { CartRecoveryStore, ConsentSubject } from '../../../../lib/store';
import { perItem, readSubject, requireSubject, subjectFields, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['customerData'], operation: ['erase'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Deletes every cart, message, consent, discount code and anything else stored about this person. Only a one-way scrambled copy of their addresses (salted hash) stays, so later imports or carts never contact them again. This cannot be undone.',
		name: 'eraseNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	...subjectFields('customerData', ['erase']),
	{
		displayName: 'Remove Synced Codes From Shop',
		name: 'removeFromShop',
		type: 'boolean',
		default: true,
		description:
			'Whether to delete the customer’s discount codes in WooCommerce or Shopify too (they carry the customer’s email or ID there). Needs the Webshop credential. A shop that cannot be reached never stops the erasure here; the result lists the codes left in the shop.',
		displayOptions: { show },
	},
];

interface ShopCleanup extends IDataObject {
	/** The customer's codes that were synced to a shop. */
	synced_codes: number;
	removed: number;
	/** Of those removed: the shop did not have them any more. */
	already_gone: number;
	failed: number;
	/** Shop references (coupon / price rule ids, no personal data) left in the shop, to delete by hand. */
	failures: Array<{ platform: string; shop_ref: string; reason: string }>;
	/** Set when nothing was tried: no Webshop credential, or Remove Synced Codes From Shop is off. */
	skipped: string | null;
}

/** "HTTP 503", "HTTP 401 woocommerce_rest_authentication_error", "network": the shop's status and code, never its wording. */
const reasonOf = (error: unknown) => {
	if (!(error instanceof ShopSyncError)) return 'error';
	if (!error.status) return error.code ?? 'error';
	return error.code ? `HTTP ${error.status} ${error.code}` : `HTTP ${error.status}`;
};

/**
 * The customer's synced codes (read before erasure deletes them) are deleted in the shop one by one; each failure
 * is counted and reported, never thrown. After a transient failure (shop down, after retries) the rest are not
 * tried, so a dead shop costs one round of retries, not one per code.
 */
async function removeSyncedCodes(ctx: IExecuteFunctions, store: CartRecoveryStore, subject: ConsentSubject, i: number): Promise<ShopCleanup> {
	const report: ShopCleanup = { synced_codes: 0, removed: 0, already_gone: 0, failed: 0, failures: [], skipped: null };
	let rows: Array<Record<string, unknown>>;
	try {
		rows = ((await store.exportCustomer(subject)).tables.discount_codes ?? []).filter((r) => r.shop_platform && r.shop_ref);
	} catch {
		return { ...report, skipped: 'could not list the customer’s codes' };
	}
	report.synced_codes = rows.length;
	if (!rows.length) return report;
	if (!ctx.getNodeParameter('removeFromShop', i, true)) return { ...report, skipped: 'Remove Synced Codes From Shop is off' };
	if (!hasWebshopCredential(ctx)) return { ...report, skipped: 'no Webshop credential selected' };
	let client: ShopClient | null = null;
	let stop: string | null = null;
	try {
		client = await shopClientFor(ctx, i);
	} catch (error) {
		stop = reasonOf(error);
	}
	for (const row of rows) {
		const platform = String(row.shop_platform);
		const shopRef = String(row.shop_ref);
		const fail = (reason: string) => {
			report.failed++;
			report.failures.push({ platform, shop_ref: shopRef, reason });
		};
		if (stop || !client) {
			fail(stop ?? 'not tried');
			continue;
		}
		if (platform !== client.platform) {
			fail(`synced to ${platform}, the Webshop credential is for ${client.platform}`);
			continue;
		}
		try {
			const removed = await client.remove(shopRef);
			report.removed++;
			if (removed.alreadyGone) report.already_gone++;
		} catch (error) {
			fail(reasonOf(error));
			if (error instanceof ShopSyncError && error.transient) stop = `${reasonOf(error)} (shop unavailable, not tried)`;
		}
	}
	return report;
}

/**
 * GDPR Art. 17: the output item holds no personal data, only erasure: { erased, deleted: { <table>: n }, suppressed,
 * shop: { synced_codes, removed, already_gone, failed, failures, skipped } }.
 */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const subject = readSubject(this, i);
		requireSubject(this, subject, i);
		// The shop first: erasure deletes the rows that say which codes went to the shop. A crash in between
		// leaves those rows, so a rerun removes what is left (404 in the shop = already gone).
		const shop = await removeSyncedCodes(this, store, subject, i);
		const result = await store.eraseCustomer(subject);
		return { output: 0, json: { erasure: { ...result, shop } } };
	});
}

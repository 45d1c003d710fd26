import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { cartRecoveryStoreTest } from '../../lib/n8n/store';
import { choice, count, expression, grouped, live, money } from '../../lib/n8n/subtitleText';
import { webshopApiTest } from '../../lib/n8n/webshop';
import { properties } from './actions/descriptions';
import { router } from './actions/router';

export class DiscountCode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Discount Code',
		name: 'discountCode',
		icon: { light: 'file:discountCode.svg', dark: 'file:discountCode.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: undefined, // not an AI tool: it issues, redeems and syncs discount codes (n8n-workflow's type has no `false`)
		// Create: "15 % · 7 days" or "2 000 Ft · 7 days", also when read from Settings; the others: the operation in words.
		subtitle: expression(
			`((op, off, days) => (op === "create" ? off + " · " + days : op))(` +
				`${choice(live('operation', 'create'), { validate: 'validate a code', redeem: 'redeem a code', deactivate: 'deactivate a code' })}, ` +
				`((p, off) => (p === "rules" ? off + " by rules" : off))(${live('pricing', 'same')}, ((t, pct, amt) => (t === "fixed" ? amt : pct + " %"))(${live('discountType', 'percent')}, ${grouped(live('amount', '10'))}, ${money(live('amount', '10'), live('currency', 'HUF'))})), ` +
				`${count(live('options.validityDays', '7'), 'day', 'days')})`,
		),
		description: 'Creates a unique, single-use discount code for each cart and follow-up, checks and redeems codes at checkout, and adds them to WooCommerce or Shopify',
		defaults: { name: 'Discount Code' },
		inputs: [NodeConnectionTypes.Main],
		// Validate: Valid / Invalid; Redeem: Redeemed / Rejected; Create and Deactivate: one output.
		outputs: `={{ $parameter["operation"] === "validate" ? [{ "type": "main", "displayName": "Valid" }, { "type": "main", "displayName": "Invalid" }] : $parameter["operation"] === "redeem" ? [{ "type": "main", "displayName": "Redeemed" }, { "type": "main", "displayName": "Rejected" }] : [{ "type": "main", "displayName": "" }] }}`,
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			// Optional: Create's "Sync to Shop", Deactivate of a synced code, and "Verify Webshop Signature" of
			// Validate / Redeem use it; each says clearly when it is missing.
			{ name: 'webshopApi', displayName: 'Webshop (Adds Codes to the Shop, Checks Requests)', required: false, testedBy: 'webshopApiTest' },
		],
		properties,
	};

	methods = { credentialTest: { cartRecoveryStoreTest, webshopApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}

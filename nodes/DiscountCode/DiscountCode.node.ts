import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { cartRecoveryStoreTest } from '../../lib/n8n/store';
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
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Issues unique, single-use discount codes per cart and stage, validates and redeems them, syncs them to the shop',
		defaults: { name: 'Discount Code' },
		inputs: [NodeConnectionTypes.Main],
		// Validate: Valid / Invalid; Redeem: Redeemed / Rejected; Create and Deactivate: one output.
		outputs: `={{ $parameter["operation"] === "validate" ? [{ "type": "main", "displayName": "Valid" }, { "type": "main", "displayName": "Invalid" }] : $parameter["operation"] === "redeem" ? [{ "type": "main", "displayName": "Redeemed" }, { "type": "main", "displayName": "Rejected" }] : [{ "type": "main", "displayName": "" }] }}`,
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			// Optional: Create's "Sync to Shop", Deactivate of a synced code, and "Verify Webshop Signature" of
			// Validate / Redeem use it; each says clearly when it is missing.
			{ name: 'webshopApi', displayName: 'Webshop (Signed Requests, Shop Sync)', required: false, testedBy: 'webshopApiTest' },
		],
		properties,
	};

	methods = { credentialTest: { cartRecoveryStoreTest, webshopApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}

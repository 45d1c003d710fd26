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

export class ConsentCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Consent Check',
		name: 'consentCheck',
		icon: { light: 'file:consentCheck.svg', dark: 'file:consentCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: undefined, // not an AI tool: it records, withdraws and erases consent (n8n-workflow's type has no `false`)
		subtitle: '={{ $parameter["operation"] === "check" ? "check " + $parameter["channels"].join(", ") : $parameter["operation"] }}',
		description: 'Checks, records and withdraws per-channel marketing consent; exports, erases and purges customer data',
		defaults: { name: 'Consent Check' },
		inputs: [NodeConnectionTypes.Main],
		// Check routes to Allowed / Blocked; every other operation has one output.
		outputs: `={{ $parameter["resource"] === "consent" && $parameter["operation"] === "check" ? [{ "type": "main", "displayName": "Allowed" }, { "type": "main", "displayName": "Blocked" }] : [{ "type": "main", "displayName": "" }] }}`,
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			// Optional: "Verify Webshop Signature" of Record Consent, and Erase removing the customer's synced codes from the shop.
			{ name: 'webshopApi', displayName: 'Webshop (Signed Requests, Removing Codes)', required: false, testedBy: 'webshopApiTest' },
		],
		properties,
	};

	methods = { credentialTest: { cartRecoveryStoreTest, webshopApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}

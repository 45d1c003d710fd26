import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { cartRecoveryStoreTest } from '../../lib/n8n/store';
import { choice, expression, list, live } from '../../lib/n8n/subtitleText';
import { webshopApiTest } from '../../lib/n8n/webshop';
import { properties } from './actions/descriptions';
import { router } from './actions/router';

/** Channels as the subtitle says them. */
const CHANNEL_WORDS = { email: 'email', sms: 'SMS', messenger: 'Messenger', whatsapp: 'WhatsApp' };

export class ConsentCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Consent Check',
		name: 'consentCheck',
		icon: { light: 'file:consentCheck.svg', dark: 'file:consentCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: undefined, // not an AI tool: it records, withdraws and erases consent (n8n-workflow's type has no `false`)
		// The operation and its channels in words: "check email or SMS", "record SMS consent", "erase customer data".
		subtitle: expression(
			`((res, op, channels, channel) => { const o = op || (res === "customerData" ? "export" : "check"); ` +
				`if (o === "check") return "check " + (channels || "consent"); if (o === "record") return "record " + channel + " consent"; ` +
				`return ${choice('o', { withdraw: 'withdraw consent', unsubscribeUrl: 'build unsubscribe link', export: 'export customer data', erase: 'erase customer data', purge: 'purge old data' })}; })(` +
				`${live('resource', 'consent')}, ${live('operation')}, ` +
				`${list(live('channels', 'email'), CHANNEL_WORDS, `(${live('mode', 'any')} === "all" ? "and" : "or")`)}, ` +
				`${choice(live('channel', 'email'), CHANNEL_WORDS)})`,
		),
		description: 'Checks whether a customer agreed to marketing messages on each channel, records and withdraws that consent; exports, erases and purges customer data (GDPR)',
		defaults: { name: 'Consent Check' },
		inputs: [NodeConnectionTypes.Main],
		// Check routes to Allowed / Blocked; every other operation has one output.
		outputs: `={{ $parameter["resource"] === "consent" && $parameter["operation"] === "check" ? [{ "type": "main", "displayName": "Allowed" }, { "type": "main", "displayName": "Blocked" }] : [{ "type": "main", "displayName": "" }] }}`,
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			// Optional: "Verify Webshop Signature" of Record Consent, and Erase removing the customer's synced codes from the shop.
			{ name: 'webshopApi', displayName: 'Webshop (Checks Requests, Removes Codes in the Shop)', required: false, testedBy: 'webshopApiTest' },
		],
		properties,
	};

	methods = { credentialTest: { cartRecoveryStoreTest, webshopApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}

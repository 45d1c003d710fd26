import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { channelDefinition } from '../../lib/channels';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, sendNodeSubtitle } from '../../lib/delivery/node';
import { cartRecoveryStoreTest } from '../../lib/n8n/store';

/** Everything Email Send knows about its channel is in lib/channels/email/; the description stays here, where n8n's lint reads it. */
const email = channelDefinition('email');

export class EmailSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Email Send',
		name: 'emailSend',
		icon: { light: 'file:emailSend.svg', dark: 'file:emailSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: sendNodeSubtitle(),
		description: 'Sends the cart reminder email through SendGrid: consent, quiet hours, exactly once, one-click unsubscribe',
		defaults: { name: 'Email Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: DELIVERY_OUTPUT_NAMES,
		usableAsTool: undefined, // not an AI tool: it emails customers (n8n-workflow's type has no `false`)
		credentials: [
			// Labelled for what each is for: without displayName n8n labels both fields just "Credential".
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'sendGridCartRecoveryApi', displayName: 'SendGrid Account (Sends the Email)', required: true, testedBy: 'sendGridCartRecoveryTest' },
		],
		properties: sendNodeProperties(email),
	};

	methods = {
		credentialTest: { cartRecoveryStoreTest, sendGridCartRecoveryTest: email.credential.test },
		loadOptions: { [email.preview.method]: email.preview.options },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSendNode(this, email);
	}
}

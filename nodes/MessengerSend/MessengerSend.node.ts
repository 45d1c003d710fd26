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

/** Everything Messenger Send knows about its channel is in lib/channels/messenger/; the description stays here, where n8n's lint reads it. */
const messenger = channelDefinition('messenger');

export class MessengerSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Messenger Send',
		name: 'messengerSend',
		icon: { light: 'file:messengerSend.svg', dark: 'file:messengerSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: sendNodeSubtitle(),
		description: 'Sends the cart to customers who wrote to your Facebook page in the last 24 hours: consent, quiet hours, frequency cap, exactly once',
		defaults: { name: 'Messenger Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: DELIVERY_OUTPUT_NAMES,
		usableAsTool: undefined, // not an AI tool: it messages customers (n8n-workflow's type has no `false`)
		credentials: [
			// Labelled for what each is for: without displayName n8n labels both fields just "Credential".
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'metaCartRecoveryApi', displayName: 'Meta Account (Sends as Your Facebook Page)', required: true, testedBy: 'metaCartRecoveryTest' },
		],
		properties: sendNodeProperties(messenger),
	};

	methods = {
		credentialTest: { cartRecoveryStoreTest, metaCartRecoveryTest: messenger.credential.test },
		loadOptions: { [messenger.preview.method]: messenger.preview.options },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSendNode(this, messenger);
	}
}

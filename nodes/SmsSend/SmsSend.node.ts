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

/** Everything SMS Send knows about its channel is in lib/channels/sms/; the description stays here, where n8n's lint reads it. */
const sms = channelDefinition('sms');

export class SmsSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMS Send',
		name: 'smsSend',
		icon: { light: 'file:smsSend.svg', dark: 'file:smsSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: sendNodeSubtitle(),
		description: 'Sends the cart reminder SMS through Twilio: consent, quiet hours, frequency cap, exactly once, segment count',
		defaults: { name: 'SMS Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: DELIVERY_OUTPUT_NAMES,
		usableAsTool: undefined, // not an AI tool: it texts customers (n8n-workflow's type has no `false`)
		credentials: [
			// Labelled for what each is for: without displayName n8n labels both fields just "Credential".
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'twilioCartRecoveryApi', displayName: 'Twilio Account (Sends the SMS)', required: true, testedBy: 'twilioCartRecoveryTest' },
		],
		properties: sendNodeProperties(sms),
	};

	methods = {
		credentialTest: { cartRecoveryStoreTest, twilioCartRecoveryTest: sms.credential.test },
		loadOptions: { [sms.preview.method]: sms.preview.options },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSendNode(this, sms);
	}
}

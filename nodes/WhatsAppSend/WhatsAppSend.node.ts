import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { channelDefinition } from '../../lib/channels';
import { whatsappTemplateOptions } from '../../lib/channels/whatsapp';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, sendNodeSubtitle } from '../../lib/delivery/node';
import { cartRecoveryStoreTest } from '../../lib/n8n/store';

/** Everything WhatsApp Send knows about its channel is in lib/channels/whatsapp/; the description stays here, where n8n's lint reads it. */
const whatsapp = channelDefinition('whatsapp');

export class WhatsAppSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Send',
		name: 'whatsAppSend',
		icon: { light: 'file:whatsAppSend.svg', dark: 'file:whatsAppSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: sendNodeSubtitle(),
		description: 'Sends the cart reminder on WhatsApp (Cloud API): approved template with the coupon button, or a button message within 24 hours; consent, quiet hours, exactly once',
		defaults: { name: 'WhatsApp Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: DELIVERY_OUTPUT_NAMES,
		usableAsTool: undefined, // not an AI tool: it messages customers (n8n-workflow's type has no `false`)
		credentials: [
			// Labelled for what each is for: without displayName n8n labels both fields just "Credential".
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'metaCartRecoveryApi', displayName: 'Meta Account (Sends the WhatsApp Message)', required: true, testedBy: 'metaCartRecoveryTest' },
		],
		properties: sendNodeProperties(whatsapp),
	};

	methods = {
		credentialTest: { cartRecoveryStoreTest, metaCartRecoveryTest: whatsapp.credential.test },
		loadOptions: { [whatsapp.preview.method]: whatsapp.preview.options, whatsappTemplates: whatsappTemplateOptions },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSendNode(this, whatsapp);
	}
}

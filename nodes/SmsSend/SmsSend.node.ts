import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { CountryCode } from 'libphonenumber-js';

import { prepareSmsTemplates, smsChannel } from '../../lib/delivery/channels/sms';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, type SendSetup } from '../../lib/delivery/node';
import { isoRegion, regionOrFail } from '../../lib/n8n/isoCodes';
import { optionalStr as str } from '../../lib/n8n/parameters';
import { twilioCartRecoveryTest } from '../../lib/n8n/providers';
import { cartRecoveryStoreTest } from '../../lib/n8n/store';
import { TwilioSmsClient, type TwilioCredentials } from '../../lib/providers/twilio';

export class SmsSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMS Send',
		name: 'smsSend',
		icon: { light: 'file:smsSend.svg', dark: 'file:smsSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{"stage " + $parameter["stage"] + ($parameter["transliterate"] ? " · GSM-7" : "")}}',
		description: 'Sends the cart reminder SMS through Twilio: consent, quiet hours, frequency cap, exactly once, segment count',
		defaults: { name: 'SMS Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: DELIVERY_OUTPUT_NAMES,
		usableAsTool: undefined, // not an AI tool: it texts customers (n8n-workflow's type has no `false`)
		credentials: [
			{ name: 'cartRecoveryStoreApi', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'twilioCartRecoveryApi', required: true, testedBy: 'twilioCartRecoveryTest' },
		],
		properties: sendNodeProperties({
			channel: 'sms',
			noun: 'SMS',
			templates: {
				builtIn: 'The shipped Hungarian / English reminder',
				custom: { name: 'Custom', description: 'Your own Handlebars text' },
			},
			customTemplate: [
				{
					displayName: 'Message Template',
					name: 'smsTemplate',
					type: 'string',
					typeOptions: { rows: 4 },
					default: '',
					required: true,
					placeholder: 'Szia {{customer.first_name}}! {{total_text}} maradt a kosaradban: {{restore_url}}',
					description: 'Handlebars: customer.first_name, total_text, items, discount.code, discount.text, restore_url, shop.name, intro',
					displayOptions: { show: { template: ['custom'] } },
				},
			],
			discount: { codeDescription: 'Empty = no discount sentence. Usually the Discount Code node’s output.', validUntil: false },
			properties: [
				{
					displayName: 'Transliterate to GSM-7',
					name: 'transliterate',
					type: 'boolean',
					default: false,
					description: 'Whether to rewrite á í ó ú ő ű as a i o u ö ü and drop emoji, so the SMS fits GSM-7 (160 characters per segment instead of 70) and costs fewer segments',
				},
				{
					displayName: 'Add Opt-Out Line',
					name: 'optOut',
					type: 'boolean',
					default: true,
					description: 'Whether to end the SMS with how to stop these messages (default “Leiratkozás: STOP” / “Reply STOP to opt out”)',
				},
				{
					displayName: 'Opt-Out Text',
					name: 'optOutText',
					type: 'string',
					default: '',
					placeholder: 'Leiratkozás: STOP',
					description: 'Empty = the language’s default line',
					displayOptions: { show: { optOut: [true] } },
				},
				{
					displayName: 'Default Country',
					name: 'region',
					type: 'string',
					default: 'HU',
					placeholder: 'HU',
					description: 'ISO 3166 two-letter country for numbers without a country code: "06 30 123 4567" becomes +36301234567. Invalid numbers go to Skipped.',
				},
			],
			options: [
				{
					displayName: 'Intro Text',
					name: 'intro',
					type: 'string',
					typeOptions: { rows: 2 },
					default: '',
					description: 'Replaces the first sentence, e.g. an expression with the AI Offer Writer’s SMS text',
				},
				{
					displayName: 'Link URL',
					name: 'restoreUrl',
					type: 'string',
					default: '',
					description: 'The link in the SMS (e.g. a short link); empty = the cart’s restore URL',
				},
				{ displayName: 'Shop Name', name: 'shopName', type: 'string', default: '', description: 'Signs the SMS' },
				{
					displayName: 'Status Callback URL',
					name: 'statusCallback',
					type: 'string',
					default: '',
					description: 'Twilio posts delivery status here (e.g. the Channel Events trigger’s URL)',
				},
			],
		}),
	};

	methods = { credentialTest: { cartRecoveryStoreTest, twilioCartRecoveryTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// Before anything is claimed or sent: an unknown region ("XX") would read every national number as
		// invalid and skip every SMS as "not a valid phone number". Empty keeps meaning HU. With Continue On Fail
		// the item fails alone: smsChannel refuses the region, so the item goes to Skipped / the error output.
		const regions = this.getInputData().map((_, i) => {
			const value = String(this.getNodeParameter('region', i, 'HU') ?? '').trim() || 'HU';
			const region = isoRegion(value);
			if (region) return region as CountryCode;
			if (this.continueOnFail()) return value as CountryCode;
			return regionOrFail(this.getNode(), 'Default Country', value, i) as CountryCode;
		});
		return executeSendNode(this, {
			credential: 'twilioCartRecoveryApi',
			prepare: async ({ credentials, language, customTemplate }: SendSetup<TwilioCredentials>) => ({
				templateFor: prepareSmsTemplates(language, customTemplate ? String(this.getNodeParameter('smsTemplate', 0, '')) : undefined),
				client: new TwilioSmsClient(credentials),
			}),
			adapter: (shared, { index: i, request, language, options, discount, intro, restoreUrl }) => {
				const optOut = this.getNodeParameter('optOut', i, true) as boolean;
				return smsChannel(
					{
						client: shared.client,
						language,
						stage: request.stage,
						shop: { name: str(options.shopName) },
						discount,
						intro,
						restoreUrl,
						region: regions[i],
						transliterate: this.getNodeParameter('transliterate', i, false) as boolean,
						optOutLine: optOut ? String(this.getNodeParameter('optOutText', i, '') ?? '') : null,
						statusCallback: str(options.statusCallback),
					},
					shared.templateFor,
				);
			},
		});
	}
}

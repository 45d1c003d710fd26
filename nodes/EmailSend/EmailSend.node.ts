import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { UNSUBSCRIBE_WEBHOOK_PATH, unsubscribeSecret } from '../../lib/consent/unsubscribe';
import { emailChannel, prepareEmailTemplates } from '../../lib/delivery/channels/email';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, type SendSetup } from '../../lib/delivery/node';
import { optionalStr as str } from '../../lib/n8n/parameters';
import { sendGridCartRecoveryTest } from '../../lib/n8n/providers';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import { productionWebhookUrl } from '../../lib/n8n/urls';
import { SendGridClient, type SendGridCredentials } from '../../lib/providers/sendgrid';

export class EmailSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Email Send',
		name: 'emailSend',
		icon: { light: 'file:emailSend.svg', dark: 'file:emailSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{"stage " + $parameter["stage"] + " · " + $parameter["language"]}}',
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
		properties: sendNodeProperties({
			channel: 'email',
			noun: 'email',
			templates: {
				builtIn: 'The shipped Hungarian / English cart reminder',
				custom: { name: 'Custom HTML', description: 'Your own Handlebars HTML' },
			},
			customTemplate: [
				{
					displayName:
						'Handlebars. Values: <code>customer.first_name</code>, <code>items</code> (each: <code>name quantity price_text line_total_text image_url url</code>), <code>total_text</code>, <code>discount.code</code>, <code>discount.text</code>, <code>restore_url</code>, <code>unsubscribe_url</code> (required), <code>shop.*</code>, <code>intro</code>. Helpers: <code>money</code>, <code>date</code>, <code>url</code>, <code>eq</code>, <code>or</code>, <code>and</code>. Every value is HTML-escaped; <code>{{{…}}}</code> is refused.',
					name: 'templateNotice',
					type: 'notice',
					default: '',
					displayOptions: { show: { template: ['custom'] } },
				},
				{
					displayName: 'HTML Template',
					name: 'htmlTemplate',
					type: 'string',
					typeOptions: { rows: 12, editor: 'htmlEditor' },
					default: '',
					required: true,
					displayOptions: { show: { template: ['custom'] } },
				},
			],
			discount: { codeDescription: 'Shown in the discount block; empty = no discount block. Usually the Discount Code node’s output.', validUntil: true },
			properties: [
				{
					displayName: 'Unsubscribe URL',
					name: 'unsubscribeBaseUrl',
					type: 'string',
					default: '',
					placeholder: 'https://n8n.example.com/webhook/cart-recovery/unsubscribe',
					description: 'The production URL of your unsubscribe workflow’s webhook. A signed token is added per recipient; used for the visible link and the one-click List-Unsubscribe header (RFC 8058).',
					hint: `Empty: this n8n’s production webhook URL + /${UNSUBSCRIBE_WEBHOOK_PATH}, the webhook of the shipped unsubscribe workflow`,
				},
				{
					displayName: 'Unsubscribe Mailbox',
					name: 'unsubscribeMailto',
					type: 'string',
					default: '',
					placeholder: 'unsubscribe@example.com',
					description: 'Optional mailto: address added to List-Unsubscribe (the token goes in the subject)',
				},
				{
					displayName: 'Shop',
					name: 'shop',
					type: 'collection',
					placeholder: 'Add Shop Detail',
					default: {},
					description: 'Shown in the email: the contact lines appear only with an email or phone, the name and address above the unsubscribe link',
					options: [
						{ displayName: 'Name', name: 'name', type: 'string', default: '' },
						{ displayName: 'Customer Service Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '' },
						{ displayName: 'Customer Service Phone', name: 'phone', type: 'string', default: '' },
						{ displayName: 'Postal Address', name: 'address', type: 'string', default: '' },
					],
				},
			],
			options: [
				{
					displayName: 'Categories',
					name: 'categories',
					type: 'string',
					default: '',
					description: 'Extra SendGrid categories, comma-separated (campaign and stage are always added)',
				},
				{
					displayName: 'Intro Text',
					name: 'intro',
					type: 'string',
					typeOptions: { rows: 3 },
					default: '',
					description: 'Your own words instead of the opening paragraph; empty = the shipped paragraph for the stage',
				},
				{
					displayName: 'Preheader',
					name: 'preheader',
					type: 'string',
					default: '',
					description: 'Inbox preview text (Handlebars); empty = the template’s',
				},
				{
					displayName: 'Reply-To Email',
					name: 'replyTo',
					type: 'string',
					default: '',
					placeholder: 'name@email.com',
					description: 'Where the customer’s reply goes, e.g. customer service; empty = the credential’s Reply-To',
				},
				{
					displayName: 'Restore URL',
					name: 'restoreUrl',
					type: 'string',
					default: '',
					description: 'Link of the “complete your purchase” button; empty = the cart’s restore URL',
				},
				{
					displayName: 'Sandbox Mode',
					name: 'sandbox',
					type: 'boolean',
					default: false,
					description: 'Whether SendGrid only validates the email without delivering it (mail_settings.sandbox_mode). The message still counts as sent for this cart and stage.',
				},
				{
					displayName: 'Sender Name',
					name: 'fromName',
					type: 'string',
					default: '',
					placeholder: 'Chatbuddy Webshop',
					description: 'The name the customer sees as the sender; empty = the credential’s From Name',
				},
				{
					displayName: 'Subject',
					name: 'subject',
					type: 'string',
					default: '',
					description: 'Subject line (Handlebars, e.g. {{customer.first_name}}); empty = the template’s',
				},
				{
					displayName: 'Text Template',
					name: 'textTemplate',
					type: 'string',
					typeOptions: { rows: 6 },
					default: '',
					description: 'Plain-text part (Handlebars); empty = generated from the HTML',
				},
			],
		}),
	};

	methods = { credentialTest: { cartRecoveryStoreTest, sendGridCartRecoveryTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return executeSendNode(this, {
			credential: 'sendGridCartRecoveryApi',
			prepare: async ({ credentials, language, customTemplate }: SendSetup<SendGridCredentials>) => {
				const options = this.getNodeParameter('options', 0, {}) as IDataObject;
				const templatesFor = prepareEmailTemplates(language, {
					html: customTemplate ? String(this.getNodeParameter('htmlTemplate', 0, '')) : undefined,
					subject: String(options.subject ?? ''),
					preheader: String(options.preheader ?? ''),
					text: String(options.textTemplate ?? ''),
				});
				return {
					templatesFor,
					client: new SendGridClient(credentials),
					secret: await unsubscribeSecret(await storeFor(this)),
					// Empty Unsubscribe URL: the shipped unsubscribe workflow's webhook on this n8n.
					defaultUnsubscribeUrl: productionWebhookUrl(this, UNSUBSCRIBE_WEBHOOK_PATH),
				};
			},
			adapter: (shared, { index: i, request, language, options, discount, intro, restoreUrl }) => {
				const shop = this.getNodeParameter('shop', i, {}) as IDataObject;
				return emailChannel(
					{
						client: shared.client,
						language,
						shop: { name: str(shop.name), email: str(shop.email), phone: str(shop.phone), address: str(shop.address) },
						discount,
						intro,
						restoreUrl,
						unsubscribe: {
							baseUrl: str(this.getNodeParameter('unsubscribeBaseUrl', i, '')) ?? shared.defaultUnsubscribeUrl,
							secret: shared.secret,
							mailto: str(this.getNodeParameter('unsubscribeMailto', i, '')),
						},
						campaign: request.campaign ?? 'abandoned-cart',
						stage: request.stage,
						sandbox: options.sandbox === true,
						fromName: str(options.fromName),
						replyTo: str(options.replyTo),
						categories: String(options.categories ?? '')
							.split(',')
							.map((c) => c.trim())
							.filter(Boolean),
					},
					shared.templatesFor,
				);
			},
		});
	}
}

import {
	NodeConnectionTypes,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeCredentialTestResult,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { unsubscribeSecret } from '../../lib/consent/unsubscribe';
import { emailChannel, prepareEmailTemplates } from '../../lib/delivery/channels/email';
import {
	DELIVERY_OUTPUT_NAMES,
	deliveryNotice,
	executeDelivery,
	policyProperties,
	requestProperties,
	retryOptions,
} from '../../lib/delivery/node';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import { SendGridClient, testSendGridCredentials, type SendGridCredentials } from '../../lib/providers/sendgrid';
import type { Language } from '../../lib/templates';

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
		usableAsTool: true,
		credentials: [
			{ name: 'cartRecoveryStoreApi', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'sendGridCartRecoveryApi', required: true, testedBy: 'sendGridCartRecoveryTest' },
		],
		properties: [
			deliveryNotice('email'),
			...requestProperties(),
			{
				displayName: 'Language',
				name: 'language',
				type: 'options',
				default: 'auto',
				options: [
					{ name: 'From Cart Locale', value: 'auto', description: 'Hungarian for hu carts (and carts without a locale), English otherwise' },
					{ name: 'Hungarian', value: 'hu' },
					{ name: 'English', value: 'en' },
				],
			},
			{
				displayName: 'Template',
				name: 'template',
				type: 'options',
				default: 'builtIn',
				options: [
					{ name: 'Built-In', value: 'builtIn', description: 'The shipped Hungarian / English cart reminder' },
					{ name: 'Custom HTML', value: 'custom', description: 'Your own Handlebars HTML' },
				],
			},
			{
				displayName:
					'Handlebars. Values: <code>customer.first_name</code>, <code>items</code> (each: <code>name quantity price_text line_total_text image_url url</code>), <code>total_text</code>, <code>discount.code</code>, <code>discount.text</code>, <code>restore_url</code>, <code>unsubscribe_url</code> (required), <code>shop.*</code>, <code>intro</code>. Helpers: <code>money</code>, <code>date</code>, <code>url</code>. Every value is HTML-escaped; <code>{{{…}}}</code> is refused.',
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
			{
				displayName: 'Discount Code',
				name: 'discountCode',
				type: 'string',
				default: '={{ $json.discount?.code ?? "" }}',
				description: 'Shown in the discount block; empty = no discount block. Usually the Discount Code node’s output.',
			},
			{
				displayName: 'Discount Amount',
				name: 'discountText',
				type: 'string',
				default: '={{ $json.discount?.amount_text ?? "" }}',
				placeholder: '10%',
				description: 'What the code gives, e.g. 10% or 2 000 Ft (the Discount Code node’s amount_text)',
			},
			{
				displayName: 'Discount Valid Until',
				name: 'discountValidUntil',
				type: 'string',
				default: '={{ $json.discount?.valid_until ?? "" }}',
				description: 'ISO date-time; printed in the customer’s locale',
			},
			{
				displayName: 'Unsubscribe URL',
				name: 'unsubscribeBaseUrl',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'https://n8n.example.com/webhook/cart-recovery/unsubscribe',
				description: 'The production URL of your unsubscribe workflow’s webhook. A signed token is added per recipient; used for the visible link and the one-click List-Unsubscribe header (RFC 8058).',
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
				description: 'Shown in the contact footer',
				options: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{ displayName: 'Customer Service Email', name: 'email', type: 'string', placeholder: 'name@email.com', default: '' },
					{ displayName: 'Customer Service Phone', name: 'phone', type: 'string', default: '' },
					{ displayName: 'Postal Address', name: 'address', type: 'string', default: '' },
				],
			},
			...policyProperties('email'),
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
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
						description: 'Replaces the opening paragraph, e.g. an expression with the AI Offer Writer’s email body (shown escaped)',
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
						description: 'Overrides the credential’s reply-to',
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
					...retryOptions,
				],
			},
		],
	};

	methods = {
		credentialTest: {
			cartRecoveryStoreTest,
			async sendGridCartRecoveryTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				const result = await testSendGridCredentials(credential.data as unknown as SendGridCredentials);
				return { status: result.ok ? 'OK' : 'Error', message: result.message };
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = (await this.getCredentials('sendGridCartRecoveryApi')) as unknown as SendGridCredentials;
		return executeDelivery(
			this,
			async () => {
				const language = this.getNodeParameter('language', 0) as Language | 'auto';
				const options = this.getNodeParameter('options', 0, {}) as IDataObject;
				const custom = this.getNodeParameter('template', 0) === 'custom';
				const templatesFor = prepareEmailTemplates(language, {
					html: custom ? String(this.getNodeParameter('htmlTemplate', 0, '')) : undefined,
					subject: String(options.subject ?? ''),
					preheader: String(options.preheader ?? ''),
					text: String(options.textTemplate ?? ''),
				});
				const store = await storeFor(this);
				return { templatesFor, language, client: new SendGridClient(credentials), secret: await unsubscribeSecret(store) };
			},
			(shared, i, request) => {
				const options = this.getNodeParameter('options', i, {}) as IDataObject;
				const shop = this.getNodeParameter('shop', i, {}) as IDataObject;
				return emailChannel(
					{
						client: shared.client,
						language: shared.language,
						shop: { name: str(shop.name), email: str(shop.email), phone: str(shop.phone), address: str(shop.address) },
						discount: {
							code: str(this.getNodeParameter('discountCode', i, '')),
							text: str(this.getNodeParameter('discountText', i, '')),
							valid_until: str(this.getNodeParameter('discountValidUntil', i, '')),
						},
						intro: str(options.intro),
						restoreUrl: str(options.restoreUrl),
						unsubscribe: {
							baseUrl: String(this.getNodeParameter('unsubscribeBaseUrl', i)),
							secret: shared.secret,
							mailto: str(this.getNodeParameter('unsubscribeMailto', i, '')),
						},
						campaign: request.campaign ?? 'abandoned-cart',
						stage: request.stage,
						sandbox: options.sandbox === true,
						categories: String(options.categories ?? '')
							.split(',')
							.map((c) => c.trim())
							.filter(Boolean),
					},
					shared.templatesFor,
				) as never;
			},
		);
	}
}

function str(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const s = String(value).trim();
	return s ? s : undefined;
}

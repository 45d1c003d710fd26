import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { UNSUBSCRIBE_WEBHOOK_PATH, unsubscribeSecret } from '../../lib/consent/unsubscribe';
import { EMAIL_COPY_FIELDS, emailCopyProperties } from '../../lib/delivery/channels/copy';
import { emailChannel, emailPreviewOptions, emailTemplatesFromFields, type ItemParameter } from '../../lib/delivery/channels/email';
import { previewEachItem } from '../../lib/delivery/channels/preview';
import { DELIVERY_OUTPUT_NAMES, executeSendNode, sendNodeProperties, sendNodeSubtitle, type SendSetup } from '../../lib/delivery/node';
import { toNodeError } from '../../lib/n8n/errors';
import { optionalStr as str } from '../../lib/n8n/parameters';
import { sendGridCartRecoveryTest } from '../../lib/n8n/providers';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import { productionWebhookUrl } from '../../lib/n8n/urls';
import { SendGridClient, type SendGridCredentials } from '../../lib/providers/sendgrid';
import { buildTemplateContext, LANGUAGES, renderEmail, TemplateError, type Language } from '../../lib/templates';

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
		properties: sendNodeProperties({
			channel: 'email',
			noun: 'email',
			templates: {
				builtIn: 'The shipped Hungarian / English cart reminder',
				custom: { name: 'Custom HTML', description: 'Your own Handlebars HTML' },
			},
			copy: emailCopyProperties(),
			preview: {
				method: 'emailPreview',
				dependsOn: ['stage', 'language', ...EMAIL_COPY_FIELDS],
				description: 'Open the list to read this email as Anna, a sample customer with two items in her cart, would get it, with the text above',
			},
			customTemplate: [
				{
					displayName:
						'Handlebars. Values: <code>customer.first_name</code>, <code>items</code> (each: <code>name quantity price_text line_total_text image_url url</code>), <code>total_text</code>, <code>discount.code</code>, <code>discount.text</code>, <code>restore_url</code>, <code>unsubscribe_url</code> (required), <code>shop.*</code>, and the text fields above, filled in: <code>subject</code>, <code>preheader</code>, <code>headline</code>, <code>intro</code>, <code>offer</code>, <code>button</code>. Helpers: <code>money</code>, <code>date</code>, <code>url</code>, <code>eq</code>, <code>or</code>, <code>and</code>. Every value is HTML-escaped; <code>{{{…}}}</code> is refused.',
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
					description: 'Whether SendGrid only checks the email without delivering it (its sandbox mode). The message still counts as sent for this cart and stage.',
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

	methods = {
		credentialTest: { cartRecoveryStoreTest, sendGridCartRecoveryTest },
		loadOptions: { emailPreview: emailPreviewOptions },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		// null, not an error, for a field the node does not have for this item (another language's, hidden).
		const read: ItemParameter = (name, i) => this.getNodeParameter(name, i, null);
		const shopOf = (i: number) => {
			const shop = this.getNodeParameter('shop', i, {}) as IDataObject;
			return { name: str(shop.name), email: str(shop.email), phone: str(shop.phone), address: str(shop.address) };
		};
		const unsubscribeBase = (i: number) => str(this.getNodeParameter('unsubscribeBaseUrl', i, '')) ?? productionWebhookUrl(this, UNSUBSCRIBE_WEBHOOK_PATH);
		const templatesFor = () => emailTemplatesFromFields(read, this.getNodeParameter('template', 0, 'builtIn') === 'custom');
		return executeSendNode(this, {
			credential: 'sendGridCartRecoveryApi',
			prepare: async ({ credentials, language }: SendSetup<SendGridCredentials>) => {
				// Every item's text, in every language it may be sent in, compiles now: a broken field fails the node,
				// naming the field, before anything is claimed or sent.
				const templates = templatesFor();
				const languages: Language[] = language === 'auto' ? [...LANGUAGES] : [language];
				this.getInputData().forEach((_, i) => languages.forEach((lang) => templates(i, lang)));
				return {
					templates,
					client: new SendGridClient(credentials),
					secret: await unsubscribeSecret(await storeFor(this)),
				};
			},
			adapter: (shared, { index: i, request, language, options, discount, intro, restoreUrl }) =>
				emailChannel(
					{
						client: shared.client,
						language,
						shop: shopOf(i),
						discount,
						intro,
						restoreUrl,
						unsubscribe: {
							baseUrl: unsubscribeBase(i),
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
					(lang) => shared.templates(i, lang),
				),
			preview: async () => {
				const templates = templatesFor();
				return previewEachItem(this, async ({ index: i, cart, sample, lang, stage, discount }) => {
					let rendered;
					try {
						const options = this.getNodeParameter('options', i, {}) as IDataObject;
						const offer = this.getInputData()[i]?.json?.offer as IDataObject | undefined;
						const context = buildTemplateContext({
							cart,
							stage,
							language: lang,
							shop: shopOf(i),
							discount,
							intro: typeof offer?.intro === 'string' ? offer.intro : null,
							restoreUrl: str(options.restoreUrl),
							// A link that unsubscribes nobody: the real one carries a token per recipient.
							unsubscribeUrl: `${unsubscribeBase(i)}?token=preview`,
						});
						rendered = renderEmail(templates(i, lang), context);
					} catch (error) {
						if (error instanceof TemplateError) {
							throw new NodeOperationError(this.getNode(), error.message, { itemIndex: i, description: 'Fix the text; nothing was sent' });
						}
						throw toNodeError(this.getNode(), error, i);
					}
					const { subject, preheader, headline, intro, offer, button, text, html } = rendered;
					return {
						json: {
							cart_id: sample ? null : cart.cart_id,
							sample_cart: sample,
							preview: {
								channel: 'email',
								language: lang,
								stage,
								subject,
								subject_characters: Array.from(subject).length,
								preheader,
								preheader_characters: Array.from(preheader).length,
								headline,
								intro,
								offer: discount?.code ? offer : '',
								discount_code: discount?.code ?? null,
								button,
								text,
							},
						},
						binary: { data: await this.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), 'email.html', 'text/html') },
						pairedItem: { item: i },
					};
				});
			},
		});
	}
}

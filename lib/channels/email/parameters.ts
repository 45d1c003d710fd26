import type { ChannelNodeParameters } from '../types';
import { UNSUBSCRIBE_WEBHOOK_PATH } from '../../consent/unsubscribe';

/** Email Send's own parameters (the text fields come from copy.ts), placed by sendNodeProperties among the shared ones. */
export function emailNodeParameters(): Omit<ChannelNodeParameters, 'copy'> {
	return {
		templates: {
			builtIn: 'The shipped Hungarian / English cart reminder',
			custom: { name: 'Custom HTML', description: 'Your own Handlebars HTML' },
		},
		customTemplate: [
			{
				displayName:
					'Handlebars. Values: <code>customer.first_name</code>, <code>items</code> (each: <code>name quantity price_text line_total_text image_url url</code>), <code>total_text</code>, <code>recommendations</code> (the products Cart Check recommends, up to 4, empty when none; each: <code>title price_text image_url url</code>), <code>discount.code</code>, <code>discount.text</code>, <code>restore_url</code>, <code>unsubscribe_url</code> (required), <code>shop.*</code>, and the text fields above, filled in: <code>subject</code>, <code>preheader</code>, <code>headline</code>, <code>intro</code>, <code>offer</code>, <code>button</code>. Helpers: <code>money</code>, <code>date</code>, <code>url</code>, <code>eq</code>, <code>or</code>, <code>and</code>. Inside <code>{{#each}}</code> write a link as <code>{{this.url}}</code> (<code>url</code> alone is the helper). Every value is HTML-escaped; <code>{{{…}}}</code> is refused.',
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
	};
}

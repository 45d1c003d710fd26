import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * SendGrid for the Email Send node: API key (Mail Send permission), sender, reply-to and API host (global,
 * EU data residency, or any base URL). Its Test is the `sendGridCartRecoveryTest` method of Email Send: it
 * checks the key against GET /v3/scopes and that it may send mail.
 */
export class SendGridCartRecoveryApi implements ICredentialType {
	name = 'sendGridCartRecoveryApi';

	displayName = 'SendGrid (Cart Recovery) API';

	icon: Icon = { light: 'file:../nodes/EmailSend/emailSend.svg', dark: 'file:../nodes/EmailSend/emailSend.dark.svg' };

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#email-send';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'A SendGrid API key with the Mail Send permission (Settings → API Keys)',
		},
		{
			displayName: 'From Email',
			name: 'fromEmail',
			type: 'string',
			placeholder: 'name@email.com',
			default: '',
			required: true,
			description: 'A verified sender, or an address on a domain you authenticated in SendGrid',
		},
		{
			displayName: 'From Name',
			name: 'fromName',
			type: 'string',
			default: '',
			placeholder: 'Chatbuddy Webshop',
		},
		{
			displayName: 'Reply-To Email',
			name: 'replyTo',
			type: 'string',
			default: '',
			placeholder: 'name@email.com',
			description: 'Where replies go, e.g. customer service. Leave empty for the From address.',
		},
		{
			displayName: 'API Host',
			name: 'region',
			type: 'options',
			default: 'global',
			options: [
				{ name: 'Global (api.sendgrid.com)', value: 'global' },
				{ name: 'EU Data Residency (api.eu.sendgrid.com)', value: 'eu', description: 'For an EU-pinned subuser: its key only works on this host' },
				{ name: 'Custom Base URL', value: 'custom' },
			],
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.sendgrid.com',
			description: 'The API address, without /v3',
			displayOptions: { show: { region: ['custom'] } },
		},
		{
			displayName: 'Event Webhook Verification Key',
			name: 'eventWebhookVerificationKey',
			type: 'string',
			default: '',
			placeholder: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...',
			description:
				'Only for the Channel Events Trigger. In SendGrid open Settings → Mail Settings → Event Webhook, turn on Signed Event Webhook and copy the Verification Key shown there. It is a public key, so it is not secret.',
		},
	];
}

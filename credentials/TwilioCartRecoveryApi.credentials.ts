import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Twilio for the SMS Send node: Account SID with an Auth Token or an API Key + Secret, the sender (a phone
 * number / alphanumeric sender ID, or a Messaging Service) and an optional API base URL. Its Test is the
 * `twilioCartRecoveryTest` method of SMS Send (fetches the account, checks the sender is set). Twilio signs its
 * webhooks with the Auth Token only: with an API Key the Channel Events Trigger reads `webhookAuthToken`.
 */
export class TwilioCartRecoveryApi implements ICredentialType {
	name = 'twilioCartRecoveryApi';

	displayName = 'Twilio (Cart Recovery) API';

	icon: Icon = { light: 'file:../nodes/SmsSend/smsSend.svg', dark: 'file:../nodes/SmsSend/smsSend.dark.svg' };

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#sms-send';

	properties: INodeProperties[] = [
		{
			displayName: 'Account SID',
			name: 'accountSid',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'AC…',
		},
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			default: 'authToken',
			options: [
				{ name: 'Auth Token', value: 'authToken' },
				{ name: 'API Key', value: 'apiKey', description: 'A revocable key (SK…) with its secret; recommended' },
			],
		},
		{
			displayName: 'Auth Token',
			name: 'authToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['authToken'] } },
		},
		{
			displayName: 'API Key SID',
			name: 'apiKeySid',
			type: 'string',
			default: '',
			placeholder: 'SK…',
			displayOptions: { show: { authType: ['apiKey'] } },
		},
		{
			displayName: 'API Key Secret',
			name: 'apiKeySecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['apiKey'] } },
		},
		{
			displayName: 'Auth Token for Webhook Signatures',
			name: 'webhookAuthToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Only needed for the Channel Events Trigger (delivery reports and replies). Twilio signs every request it sends to n8n with your account’s Auth Token, never with an API Key, so the trigger needs the Auth Token to check that a request really comes from Twilio. Copy it from the Twilio Console (Account Info). Sending SMS does not use it.',
			displayOptions: { show: { authType: ['apiKey'] } },
		},
		{
			displayName: 'Send From',
			name: 'senderType',
			type: 'options',
			default: 'phoneNumber',
			options: [
				{ name: 'Phone Number or Sender ID', value: 'phoneNumber' },
				{ name: 'Messaging Service', value: 'messagingService', description: 'Twilio picks the sender from the service’s pool' },
			],
		},
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			default: '',
			placeholder: '+36301234567',
			description: 'Your Twilio number with its country code (e.g. +36301234567), or a sender name of letters and digits where the country allows it',
			displayOptions: { show: { senderType: ['phoneNumber'] } },
		},
		{
			displayName: 'Messaging Service SID',
			name: 'messagingServiceSid',
			type: 'string',
			default: '',
			placeholder: 'MG…',
			displayOptions: { show: { senderType: ['messagingService'] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://api.twilio.com',
			description: 'Leave empty for https://api.twilio.com. Set it only to reach another Twilio API address.',
		},
	];
}

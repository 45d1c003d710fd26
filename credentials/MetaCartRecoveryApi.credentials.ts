import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Meta's Graph API for the WhatsApp Send and Messenger Send nodes: the WhatsApp part (access token, phone
 * number ID, business account ID), the Messenger part (Page ID and Page access token), the app secret that
 * signs Meta's webhooks and the verify token of their subscription handshake (both for the Channel Events
 * Trigger), the Graph API version and an overridable base URL. Fill in one part or both.
 *
 * Its Test is the `metaCartRecoveryTest` method (lib/channels/meta/credentialTest.ts) of the node that uses
 * it, not a declarative `test`: it checks each part on its own and says which one is wrong (n8n runs a
 * declarative test instead of the method whenever one is declared, so there is none here).
 */
export class MetaCartRecoveryApi implements ICredentialType {
	name = 'metaCartRecoveryApi';

	displayName = 'Meta (Cart Recovery) API';

	icon: Icon = { light: 'file:icons/meta.svg', dark: 'file:icons/meta.dark.svg' };

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#meta-cart-recovery-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Fill in the WhatsApp part, the Messenger part, or both. The Test checks each part you filled in.',
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'WhatsApp Access Token',
			name: 'whatsappAccessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'A permanent token of a system user: Meta Business Suite → Settings → Users → System users → Generate token, with the whatsapp_business_messaging and whatsapp_business_management permissions. The temporary token on the app’s WhatsApp → API Setup page stops working after 24 hours.',
		},
		{
			displayName: 'WhatsApp Phone Number ID',
			name: 'phoneNumberId',
			type: 'string',
			default: '',
			placeholder: '106540352242922',
			description: 'The number’s ID, not the phone number itself: in your app on developers.facebook.com → WhatsApp → API Setup, under the “From” number',
		},
		{
			displayName: 'WhatsApp Business Account ID',
			name: 'businessAccountId',
			type: 'string',
			default: '',
			placeholder: '102290129340398',
			description: 'Shown on the same API Setup page, and in WhatsApp Manager → Account tools. Needed to list your approved templates.',
		},
		{
			displayName: 'Facebook Page ID',
			name: 'pageId',
			type: 'string',
			default: '',
			placeholder: '109876543210987',
			description: 'The ID of the Page customers write to on Messenger: on the Page → About → Page transparency, or in Meta Business Suite → Settings → Pages',
		},
		{
			displayName: 'Page Access Token',
			name: 'pageAccessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'In your app on developers.facebook.com → Messenger → Messenger API Settings → Access tokens → Generate next to the Page. It needs the pages_messaging permission.',
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'In your app on developers.facebook.com → App settings → Basic → App secret (Show). The Channel Events Trigger uses it to check the signature on every webhook Meta sends (delivery, read, reply and opt-out events), so only Meta can post to it.',
		},
		{
			displayName: 'Webhook Verify Token',
			name: 'verifyToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Any phrase you choose; type the same phrase into Verify Token when you add the Channel Events Trigger’s Meta URL as the webhook callback in your Meta app (WhatsApp → Configuration, or Messenger → Webhooks). Needed only for the Channel Events Trigger.',
		},
		{
			displayName: 'Graph API Version',
			name: 'graphVersion',
			type: 'string',
			default: 'v25.0',
			description: 'The Meta Graph API version to call. v25.0 works until July 2028; change it when Meta retires it.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://graph.facebook.com',
			description: 'Leave as it is. Set it only to reach Meta through another address.',
		},
	];
}

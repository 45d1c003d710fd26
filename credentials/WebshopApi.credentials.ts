import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * The webshop: the secrets that prove a webhook delivery came from it (Abandoned Cart Trigger) and the shop's
 * own API (coupon sync of the Discount Code node). Field names are a contract shared by both nodes:
 * platform, shopUrl, wooConsumerKey, wooConsumerSecret, shopifyAccessToken, shopifyApiVersion, webhookSecret,
 * supabaseHeaderName, supabaseHeaderSecret.
 */
export class WebshopApi implements ICredentialType {
	name = 'webshopApi';

	// The name users look for is "Webshop" (the product brief's); it holds more than API keys (webhook secrets).
	// eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
	displayName = 'Webshop';

	icon: Icon = {
		light: 'file:../nodes/AbandonedCartTrigger/abandonedCartTrigger.svg',
		dark: 'file:../nodes/AbandonedCartTrigger/abandonedCartTrigger.dark.svg',
	};

	documentationUrl = 'https://github.com/cart-recovery/n8n-nodes-cart-recovery#webshop-events';

	properties: INodeProperties[] = [
		{
			displayName: 'Platform',
			name: 'platform',
			type: 'options',
			default: 'generic',
			options: [
				{ name: 'Generic', value: 'generic', description: 'Any shop that posts our generic JSON cart events' },
				{ name: 'Shopify', value: 'shopify', description: 'Shopify Admin API with an access token' },
				{ name: 'WooCommerce', value: 'woocommerce', description: 'WooCommerce REST API keys' },
			],
		},
		{
			displayName: 'Shop URL',
			name: 'shopUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://my-shop.myshopify.com',
			description:
				'The shop’s address: https://&lt;name&gt;.myshopify.com for Shopify, the WordPress site for WooCommerce. The credential test calls the shop API here.',
		},
		{
			displayName: 'Shopify Access Token',
			name: 'shopifyAccessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Admin API access token of your custom app (starts with shpat_)',
			displayOptions: { show: { platform: ['shopify'] } },
		},
		{
			displayName: 'Shopify API Version',
			name: 'shopifyApiVersion',
			type: 'string',
			default: '2026-10',
			placeholder: '2026-10',
			description: 'Shopify releases an Admin API version every quarter and supports each for at least 12 months',
			displayOptions: { show: { platform: ['shopify'] } },
		},
		{
			displayName: 'WooCommerce Consumer Key',
			name: 'wooConsumerKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'ck_…',
			description: 'WooCommerce → Settings → Advanced → REST API → Add key (read/write for coupon sync)',
			displayOptions: { show: { platform: ['woocommerce'] } },
		},
		{
			displayName: 'WooCommerce Consumer Secret',
			name: 'wooConsumerSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'cs_…',
			displayOptions: { show: { platform: ['woocommerce'] } },
		},
		{
			displayName: 'Webhook Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Signs every delivery (HMAC-SHA256 of the raw body). Shopify: the app’s client secret, or the key shown under Settings → Notifications → Webhooks. WooCommerce: the webhook’s Secret. Generic: any long random string your shop also knows.',
		},
		{
			displayName: 'Supabase Secret Header Name',
			name: 'supabaseHeaderName',
			type: 'string',
			default: 'x-webhook-secret',
			description: 'Only for Supabase Database Webhooks: the HTTP header you add to the webhook in Supabase',
		},
		{
			displayName: 'Supabase Secret Header Value',
			name: 'supabaseHeaderSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Only for Supabase Database Webhooks: the value of that header, a long random string',
		},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		if (credentials.platform === 'shopify') {
			requestOptions.headers = {
				...(requestOptions.headers ?? {}),
				'X-Shopify-Access-Token': String(credentials.shopifyAccessToken ?? ''),
			};
		} else if (credentials.platform === 'woocommerce') {
			requestOptions.auth = {
				username: String(credentials.wooConsumerKey ?? ''),
				password: String(credentials.wooConsumerSecret ?? ''),
			};
		}
		return requestOptions;
	}

	/**
	 * Shopify: GET /admin/api/<version>/shop.json; WooCommerce: GET /wp-json/wc/v3/system_status (both need the
	 * key to be valid); Generic: the shop URL answers.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ String($credentials.shopUrl).replace(/\\/+$/, "") }}',
			url: '={{ $credentials.platform === "shopify" ? "/admin/api/" + ($credentials.shopifyApiVersion || "2026-10") + "/shop.json" : $credentials.platform === "woocommerce" ? "/wp-json/wc/v3/system_status" : "/" }}',
			method: 'GET',
		},
	};
}

import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

/**
 * The webshop: the secrets that prove a webhook delivery came from it (Abandoned Cart Trigger) and the shop's
 * own API (coupon sync of the Discount Code node). Field names are a contract shared by both nodes:
 * platform, shopUrl, wooConsumerKey, wooConsumerSecret, shopifyAccessToken, shopifyApiVersion, webhookSecret,
 * signatureToleranceSeconds, supabaseHeaderName, supabaseHeaderSecret.
 *
 * Its Test is the `webshopApiTest` method of the nodes that use it (lib/n8n/webshop.ts), not a declarative
 * `test`: n8n's declarative test always makes a request, and the Generic platform (our JSON events, Supabase
 * Database Webhooks) has no shop API to call. Shopify: GET /admin/api/<version>/shop.json; WooCommerce:
 * GET /wp-json/wc/v3/coupons?per_page=1; Generic: the secrets are set and long enough.
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
				{
					name: 'Generic',
					value: 'generic',
					description: 'A shop that sends this package’s JSON cart events, or Supabase database webhooks: only the secrets that sign them, no shop API',
				},
				{ name: 'Shopify', value: 'shopify', description: 'Shopify webhooks, and the Admin API (access token) to add discount codes to the shop' },
				{ name: 'WooCommerce', value: 'woocommerce', description: 'WooCommerce webhooks, and the REST API (consumer key) to add discount codes to the shop' },
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
			displayOptions: { show: { platform: ['shopify', 'woocommerce'] } },
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
			description: 'WooCommerce → Settings → Advanced → REST API → Add key, with Read/Write access so discount codes can be added',
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
				'Signs every delivery (HMAC-SHA256). Shopify: the app’s client secret, or the key shown under Settings → Notifications → Webhooks. WooCommerce: the webhook’s Secret. Generic: a random string of at least 24 characters your shop also knows (e.g. openssl rand -hex 32).',
		},
		{
			displayName: 'Signature Time Window (Seconds)',
			name: 'signatureToleranceSeconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 3600, numberPrecision: 0 },
			default: 300,
			description:
				'Requests your shop signs itself (generic cart events, consent, discount codes) carry the time they were signed. One signed longer ago than this, or this far ahead, is refused, so a copied request cannot be sent again later. Keep the shop’s clock right. At most one hour: a longer window would let a copied request work for longer.',
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
			description: 'Only for Supabase Database Webhooks: the value of that header, a random string of at least 24 characters',
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
}

import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import {
	cartItem,
	DEFAULT_MAPPING,
	DEFAULT_SUPABASE_COLUMNS,
	IntakeError,
	receiveDelivery,
	signatureTolerance,
	webhookSigningPath,
	type IntakeConfig,
	type IntakeSource,
	type SenderSecrets,
	type SupabaseColumns,
} from '../../lib/intake';
import { cartRecoveryStoreTest, STORE_CREDENTIAL, storeCredentialId } from '../../lib/n8n/store';
import { choice, expression, live, text } from '../../lib/n8n/subtitleText';
import { webshopApiTest } from '../../lib/n8n/webshop';
import { credentialReadIsTransient, forgetWebhookCredentials, webhookCredentials } from '../../lib/n8n/webhookCredentials';
import { currencyOrFail, regionOrFail } from '../../lib/n8n/isoCodes';
import { getStore, type CartRecoveryStore, type StoreCredentials } from '../../lib/store';

const COLUMN_LABELS: Record<keyof SupabaseColumns, string> = {
	cartId: 'Cart ID Column',
	customerId: 'Customer ID Column',
	email: 'Email Column',
	phone: 'Phone Column',
	messengerPsid: 'Messenger PSID Column',
	whatsappPhone: 'WhatsApp Phone Column',
	whatsappBsuid: 'WhatsApp User ID Column',
	firstName: 'First Name Column',
	lastName: 'Last Name Column',
	locale: 'Locale Column',
	currency: 'Currency Column',
	value: 'Cart Value Column',
	items: 'Cart Items Column',
	lastActivity: 'Last Activity Column',
	restoreUrl: 'Restore URL Column',
	orderId: 'Order ID Column',
	orderValue: 'Order Value Column',
};

// Like n8n's Webhook node, this trigger is called at a URL the user enters in the shop (or in Supabase); it
// registers nothing on a third-party service, so there is no webhook lifecycle (checkExists/create/delete).
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class AbandonedCartTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Abandoned Cart Trigger',
		name: 'abandonedCartTrigger',
		icon: { light: 'file:abandonedCartTrigger.svg', dark: 'file:abandonedCartTrigger.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves exactly like 1. n8n 2.x evaluates an expression for every webhook request to a node at
		// typeVersion 1 (the Webhook v1 `binaryData` option, webhook-helpers parseRequestBody), which costs an
		// expression isolate per request; from 1.1 on it does not (README, "Benchmark").
		version: [1, 1.1],
		defaultVersion: 1.1,
		// Where the events come from ("from Shopify"), and a warning when anyone may post to it.
		subtitle: expression(
			text('from '),
			choice(live('source', 'generic'), { generic: 'your shop', shopify: 'Shopify', woocommerce: 'WooCommerce', supabase: 'Supabase' }),
			`(${live('verification', 'signature')} === "none" ? " · not verified" : "")`,
		),
		description: 'Starts the recovery flow when a shopper leaves a cart: receives the cart and order events your webshop sends',
		defaults: { name: 'Abandoned Cart Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'webshopApi', displayName: 'Webshop (Checks Who Sent the Event)', required: true, testedBy: 'webshopApiTest', displayOptions: { show: { verification: ['signature'] } } },
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				// The answer to an enrolling event goes once n8n has created the flow's execution (n8n defers an
				// 'onReceived' answer the node leaves to it until then): a 202 means the flow exists. A number, from an
				// expression: n8n passes this value to the response as it is.
				responseCode: '={{202}}',
				// n8n evaluates this once the execution exists, so $execution.id is the flow's run. The trigger takes that
				// id (to note which run carries the cart's flow, for Restart Stopped Flow) and answers the shop with its own
				// body instead: see webhook().
				responseData: '={{ $execution.id }}',
				path: 'cart-events',
			},
		],
		properties: [
			{
				displayName:
					'Point your shop’s webhooks at the Production URL above. Every event updates the cart; the flow starts <b>once per cart</b>, when it first appears, not at every update. An order marks its cart as purchased and starts nothing. Your shop gets an answer at once: accepted (HTTP 202, sent once the flow has started), refused with the reason (HTTP 400, 401, 413 or 415), or asked to send it again later (HTTP 5xx, nothing kept) when n8n or the store is unavailable.',
				name: 'intro',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Source',
				name: 'source',
				type: 'options',
				default: 'generic',
				options: [
					{
						name: 'Generic JSON',
						value: 'generic',
						description: 'Your shop sends cart and order events in this package’s JSON format, signed with the secret in the Webshop credential',
					},
					{
						name: 'Shopify',
						value: 'shopify',
						description: 'Shopify’s checkout and order webhooks, checked with the secret in the Webshop credential',
					},
					{
						name: 'WooCommerce',
						value: 'woocommerce',
						description: 'WooCommerce’s order webhooks mark carts as purchased. Carts come to a second trigger set to Generic JSON.',
					},
					{
						name: 'Supabase Database Webhook',
						value: 'supabase',
						description: 'A Supabase database webhook on your carts (or sessions) table, sent with a secret header',
					},
				],
			},
			{
				displayName: 'Verify Sender',
				name: 'verification',
				type: 'options',
				default: 'signature',
				options: [
					{
						name: 'Signature (Recommended)',
						value: 'signature',
						description: 'Accept only events signed with the secret in the Webshop credential (for Supabase: sent with its secret header)',
					},
					{
						name: 'None',
						value: 'none',
						description: 'Accept anything sent to the URL. Only for tests on your own computer.',
					},
				],
			},
			{
				displayName:
					'<b>Warning:</b> without verification anyone who learns this URL can create carts and start follow-ups to any address. Use it only for tests on your own computer.',
				name: 'noVerificationWarning',
				type: 'notice',
				default: '',
				displayOptions: { show: { verification: ['none'] } },
			},
			{
				displayName:
					'WooCommerce sends no cart webhooks. Send carts to a second Abandoned Cart Trigger set to Generic JSON, and save the same cart ID on each order (Cart ID Meta Key under Options), so the order finds its cart.',
				name: 'wooNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { source: ['woocommerce'] } },
			},
			{
				displayName: 'Re-Entry Cooldown (Hours)',
				name: 'cooldownHours',
				type: 'number',
				default: 24,
				typeOptions: { minValue: 0, numberPrecision: 0 },
				description: 'A customer whose earlier cart started the flow within this many hours does not start it again',
				displayOptions: { hide: { source: ['woocommerce'] } },
			},
			{
				displayName: 'Attribution Window (Days)',
				name: 'attributionDays',
				type: 'number',
				default: 5,
				typeOptions: { minValue: 0, numberPrecision: 0 },
				description: 'An order placed within this many days after a follow-up was sent counts as recovered, with its value',
			},
			{
				displayName: 'Column Names',
				name: 'columns',
				type: 'collection',
				placeholder: 'Add Column Name',
				default: {},
				description: 'The column names of your Supabase table, when they differ from the ones shown (for example, the cart ID in session_id)',
				displayOptions: { show: { source: ['supabase'] } },
				options: (Object.keys(COLUMN_LABELS) as Array<keyof SupabaseColumns>).map((key) => ({
					displayName: COLUMN_LABELS[key],
					name: key,
					type: 'string' as const,
					default: DEFAULT_SUPABASE_COLUMNS[key],
				})),
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Body Size Limit (KB)',
						name: 'maxBodyKb',
						type: 'number',
						default: 512,
						typeOptions: { minValue: 1, numberPrecision: 0 },
						description: 'Larger events are refused and not stored',
					},
					{
						displayName: 'Cart ID Meta Key',
						name: 'wooCartIdMetaKey',
						type: 'string',
						default: '_cart_recovery_cart_id',
						description: 'The WooCommerce order meta field that holds the cart ID your cart events used',
					},
					{
						displayName: 'Default Country for Phone Numbers',
						name: 'defaultCountry',
						type: 'string',
						default: 'HU',
						description: 'Two-letter country code, e.g. HU, for phone numbers your shop sends without a country code',
					},
					{
						displayName: 'Default Currency',
						name: 'defaultCurrency',
						type: 'string',
						default: 'HUF',
						description: 'Three-letter currency code, e.g. HUF, for events that name no currency',
					},
					{
						displayName: 'Paid Order Statuses',
						name: 'wooPaidStatuses',
						type: 'multiOptions',
						default: ['processing', 'completed', 'on-hold'],
						description: 'WooCommerce order statuses that count as a purchase',
						options: [
							{ name: 'Completed', value: 'completed' },
							{ name: 'On Hold', value: 'on-hold' },
							{ name: 'Pending Payment', value: 'pending' },
							{ name: 'Processing', value: 'processing' },
						],
					},
				],
			},
		],
	};

	methods = { credentialTest: { cartRecoveryStoreTest, webshopApiTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const answer = (status: number, body: IDataObject): IWebhookResponseData => {
			res.status(status).json(body);
			return { noWebhookResponse: true };
		};

		const source = this.getNodeParameter('source', 'generic') as IntakeSource;
		const verification = this.getNodeParameter('verification', 'signature') as 'signature' | 'none';
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const columns = this.getNodeParameter('columns', {}) as Partial<SupabaseColumns>;

		// Credentials come from a short per-process cache: reading one from n8n inside a webhook costs an expression
		// isolate (lib/n8n/webhookCredentials.ts). The store is only used once the delivery is valid.
		const storePromise: Promise<CartRecoveryStore> = webhookCredentials(this, STORE_CREDENTIAL).then((c) => getStore(c as unknown as StoreCredentials, storeCredentialId(this)));
		storePromise.catch(() => undefined); // awaited below; a failure must not become an unhandled rejection
		let secrets: SenderSecrets = {};
		let signatureToleranceSeconds: number | undefined;
		if (verification === 'signature') {
			let credentials: IDataObject;
			try {
				credentials = await webhookCredentials(this, 'webshopApi');
			} catch (error) {
				this.logger.error(`Abandoned Cart Trigger: could not read the Webshop credential: ${(error as Error).message}`);
				// n8n could not read its own database in time (a burst of deliveries, a busy SQLite): nothing was stored,
				// so the shop's retry is safe — a 503 says so, where n8n's own answer to a throw would be a bare 500.
				if (credentialReadIsTransient(error)) {
					res.setHeader('Retry-After', '30');
					return answer(503, { accepted: false, error: 'n8n could not read the Webshop credential; retry later' });
				}
				// No credential chosen, deleted, or not decryptable with this n8n's key: no retry mends that.
				return answer(500, { accepted: false, error: `Abandoned Cart Trigger is misconfigured: the Webshop credential cannot be used (${(error as Error).message})` });
			}
			secrets = {
				webhookSecret: credentials.webhookSecret as string,
				supabaseHeaderName: credentials.supabaseHeaderName as string,
				supabaseHeaderSecret: credentials.supabaseHeaderSecret as string,
			};
			signatureToleranceSeconds = signatureTolerance(credentials.signatureToleranceSeconds);
		}
		// A typo in these options would mis-map every event: refuse deliveries (500, nothing stored, so the shop
		// retries once the node is fixed) with the option named, in the answer and in n8n's log.
		let defaultCurrency: string;
		let defaultCountry: string;
		try {
			defaultCurrency = currencyOrFail(this.getNode(), 'Default Currency', options.defaultCurrency || DEFAULT_MAPPING.defaultCurrency);
			defaultCountry = regionOrFail(this.getNode(), 'Default Country for Phone Numbers', options.defaultCountry || DEFAULT_MAPPING.defaultCountry);
		} catch (error) {
			this.logger.error(`Abandoned Cart Trigger is misconfigured: ${(error as Error).message}`);
			return answer(500, { accepted: false, error: `Abandoned Cart Trigger is misconfigured: ${(error as Error).message}` });
		}
		const config: IntakeConfig = {
			source,
			verification,
			secrets,
			signatureToleranceSeconds,
			maxBodyBytes: Math.round(Number(options.maxBodyKb ?? 512) * 1024),
			mapping: {
				defaultCurrency,
				defaultCountry,
				supabaseColumns: { ...DEFAULT_SUPABASE_COLUMNS, ...dropEmpty(columns) },
				wooCartIdMetaKey: String(options.wooCartIdMetaKey || DEFAULT_MAPPING.wooCartIdMetaKey),
				wooPaidStatuses: (options.wooPaidStatuses as string[] | undefined) ?? DEFAULT_MAPPING.wooPaidStatuses,
			},
		};

		// Only the bytes received are verified and read, never n8n's parse of them. A multipart request has no raw
		// body left to read (n8n's form parser consumed it): it stays empty and is refused for its content type.
		if (!req.rawBody && typeof req.readRawBody === 'function') await req.readRawBody().catch(() => undefined);
		const rawBody = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
		// The URL the shop posts to, as n8n shows it (the Webhook node's rule: manual runs listen on the test URL).
		const webhookUrl = this.getNodeWebhookUrl('default') ?? '';
		const path = webhookSigningPath(this.getMode() === 'manual' ? webhookUrl.replace('/webhook/', '/webhook-test/') : webhookUrl);

		let outcome;
		try {
			outcome = receiveDelivery({ headers: req.headers, rawBody, path }, config);
		} catch (error) {
			if (error instanceof IntakeError) return answer(error.status, error.toResponse());
			throw new NodeOperationError(this.getNode(), error as Error);
		}
		if (outcome.kind === 'ping') return answer(200, { accepted: true, enrolled: false, duplicate: false, outcome: 'ping' });
		if (outcome.kind === 'ignored') {
			return answer(202, { accepted: true, enrolled: false, duplicate: false, outcome: 'ignored', reason: outcome.reason });
		}

		const event = outcome.event;
		let result;
		try {
			const store = await storePromise;
			result = await store.recordCartEvent(event, {
				cooldownSeconds: Math.round(Number(this.getNodeParameter('cooldownHours', 24)) * 3600),
				attributionSeconds: Math.round(Number(this.getNodeParameter('attributionDays', 5)) * 86400),
			});
		} catch (error) {
			// Nothing was stored (one transaction): the shop may retry. Re-read the store credential next time, so a
			// corrected credential takes effect at once.
			forgetWebhookCredentials(this, STORE_CREDENTIAL);
			this.logger.error(`Abandoned Cart Trigger: the store refused event ${event.event_id}: ${(error as Error).message}`);
			// Shops' webhook senders back off on their own; Retry-After tells those that read it when to come back.
			res.setHeader('Retry-After', '30');
			return answer(503, { accepted: false, error: 'The cart store is unavailable; retry later' });
		}

		const body: IDataObject = {
			accepted: true,
			enrolled: result.enrolled,
			duplicate: result.duplicate,
			outcome: result.outcome,
		};
		if (!result.enrolled) return answer(202, body);
		// n8n answers this one itself, after creating the execution. If it cannot (its own database or queue failed),
		// it answers 500 and the flow never starts: the enrolment is withdrawn, so the shop's retry of the same event
		// enrols the cart again instead of meeting a duplicate with no flow behind it.
		res.once('finish', () => {
			if (res.statusCode < 500) return;
			void storePromise
				.then((store) => store.withdrawEnrolment(event))
				.then(
					(withdrawal) => this.logger.warn(`Abandoned Cart Trigger: n8n could not start the flow for cart ${event.cart_id} (answered ${res.statusCode}); enrolment ${withdrawal.withdrawn ? 'withdrawn, the shop\'s retry enrols it again' : `kept (${withdrawal.reason})`}`),
					(error: Error) => this.logger.error(`Abandoned Cart Trigger: n8n could not start the flow for cart ${event.cart_id}, and withdrawing its enrolment failed: ${error.message}`),
				);
		});
		// n8n sends the execution's id as the answer (responseData above): the shop gets this body instead, and the
		// store notes which run carries the cart's flow — from its first moment, so that even a run whose worker dies
		// before its first Cart Check can be restarted (Restart Stopped Flow).
		const send = res.send.bind(res);
		res.send = ((payload?: unknown) => {
			res.send = send;
			// n8n's own failure (it could not create the execution) goes out as n8n wrote it; the withdrawal above runs.
			if (res.statusCode >= 500) return send(payload);
			if (typeof payload === 'string' && EXECUTION_ID.test(payload)) {
				void storePromise
					.then((store) => store.checkCart(event.cart_id, payload))
					.catch((error: Error) => this.logger.warn(`Abandoned Cart Trigger: could not note run ${payload} of cart ${event.cart_id}: ${error.message}`));
			} else {
				this.logger.warn(`Abandoned Cart Trigger: n8n gave no execution id for cart ${event.cart_id}; its run is noted at its first Cart Check`);
			}
			// Whatever n8n evaluated, the shop gets the trigger's answer.
			return res.json(body);
		}) as typeof res.send;
		return {
			webhookResponse: body,
			workflowData: [[{ json: cartItem(event, result) as unknown as IDataObject }]],
		};
	}
}

/** An n8n execution id as n8n 2.x gives it: digits (Postgres and SQLite alike). Anything else is not noted. */
const EXECUTION_ID = /^\d{1,20}$/;

function dropEmpty(columns: Partial<SupabaseColumns>): Partial<SupabaseColumns> {
	return Object.fromEntries(Object.entries(columns).filter(([, value]) => typeof value === 'string' && value.trim())) as Partial<SupabaseColumns>;
}

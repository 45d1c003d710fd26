import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { signatureTolerance, webhookSigningPath } from '../../lib/intake';
import { cartRecoveryStoreTest, STORE_CREDENTIAL, storeCredentialId } from '../../lib/n8n/store';
import { webshopApiTest } from '../../lib/n8n/webshop';
import { credentialReadIsTransient, forgetWebhookCredentials, webhookCredentials } from '../../lib/n8n/webhookCredentials';
import { MAX_RECOMMENDATIONS } from '../../lib/recommendations';
import { getStore, StoreError, type StoreCredentials } from '../../lib/store';
import { bubbleAnswer, chatBubbleScript } from '../../lib/welcome';
import { readWelcomeBackRequest } from '../../lib/welcome/request';

// Called by the shop's page at URLs the user pastes there; it registers nothing with anyone, so no lifecycle.
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class WelcomeBackTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Welcome Back Trigger',
		name: 'welcomeBackTrigger',
		icon: { light: 'file:welcomeBackTrigger.svg', dark: 'file:welcomeBackTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "greets returning customers in the shop" }}',
		description:
			'Greets a customer who comes back to the shop after a reminder, in the shop’s chat: their cart, their code and products they may like. Serves the chat bubble script too.',
		defaults: { name: 'Welcome Back Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		outputNames: ['Greeted'],
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{ name: 'webshopApi', displayName: 'Webshop (Its Webhook Secret Checks the Visitor)', required: true, testedBy: 'webshopApiTest' },
		],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'welcome-back' },
			// n8n names a node's webhooks default or setup; "setup" here serves the chat bubble's script.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'chat-bubble.js' },
		],
		properties: [
			{
				displayName:
					'Put the chat bubble on your shop’s pages with a script tag whose src is the <b>chat-bubble.js</b> Production URL above. For a visitor your shop knows — logged in, or whose session holds the cart — your server adds who they are as JSON and its signature: <code>data-visitor</code> and <code>data-signature</code>, signed with the Webshop credential’s Webhook Secret for the <b>welcome-back</b> URL. Never sign an ID read from the address bar unchecked. The README, “Welcome back in the shop’s chat”, has the snippet.',
				name: 'intro',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Products to Recommend',
				name: 'recommendProducts',
				type: 'number',
				default: 4,
				typeOptions: { minValue: 0, maxValue: MAX_RECOMMENDATIONS, numberPrecision: 0 },
				description:
					'How many “you may also like” products the greeting carries (0: none; the bubble shows up to 4, a chat widget gets them all). The same choice as Cart Check’s: bought together by other customers, then best sellers at similar prices.',
			},
			{
				displayName: 'Greet Up To (Days After the Last Reminder)',
				name: 'greetWithinDays',
				type: 'number',
				default: 14,
				typeOptions: { minValue: 1, maxValue: 365, numberPrecision: 0 },
				description: 'A customer is greeted only when a reminder went to their cart within this many days: someone still filling their cart, or back months later, is not “back after a reminder”',
			},
			{
				displayName: 'Run the Workflow for Each Greeting',
				name: 'startWorkflow',
				type: 'boolean',
				default: true,
				description:
					'Whether each greeted customer runs the workflow (one execution per greeting, saying whom it greeted). Off: the greetings are answered and counted in the report, with no executions.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Allowed Shop Origins',
						name: 'allowedOrigins',
						type: 'string',
						default: '',
						placeholder: 'https://cipobolt.hu, https://www.cipobolt.hu',
						description: 'Only pages on these addresses may ask (comma-separated). Empty: any page that has a valid signature.',
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
			res.status(status).setHeader('Cache-Control', 'no-store');
			res.json(body);
			return { noWebhookResponse: true };
		};

		if (this.getWebhookName() === 'setup') {
			res.status(200);
			res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
			res.setHeader('Cache-Control', 'public, max-age=300');
			res.setHeader('X-Content-Type-Options', 'nosniff');
			res.send(chatBubbleScript());
			return { noWebhookResponse: true };
		}

		const options = this.getNodeParameter('options', {}) as IDataObject;
		const limit = Number(this.getNodeParameter('recommendProducts', 4));
		const withinDays = Number(this.getNodeParameter('greetWithinDays', 14));
		// An expression can give anything: the operator reads which field in the log; the caller learns nothing.
		if (!Number.isInteger(limit) || limit < 0 || limit > MAX_RECOMMENDATIONS || !Number.isInteger(withinDays) || withinDays < 1 || withinDays > 365) {
			this.logger.error(`Welcome Back Trigger is misconfigured: Products to Recommend must be a whole number from 0 to ${MAX_RECOMMENDATIONS}, Greet Up To from 1 to 365 days`);
			return answer(500, { greet: false, error: 'Welcome Back Trigger is misconfigured; see the n8n log' });
		}

		const storePromise = webhookCredentials(this, STORE_CREDENTIAL).then((c) => getStore(c as unknown as StoreCredentials, storeCredentialId(this)));
		storePromise.catch(() => undefined); // awaited below; a refused request must not leave an unhandled rejection
		let secret: string;
		let toleranceSeconds: number;
		try {
			const credentials = await webhookCredentials(this, 'webshopApi');
			secret = String(credentials.webhookSecret ?? '');
			toleranceSeconds = signatureTolerance(credentials.signatureToleranceSeconds);
		} catch (error) {
			this.logger.error(`Welcome Back Trigger: could not read the Webshop credential: ${(error as Error).message}`);
			if (credentialReadIsTransient(error)) {
				res.setHeader('Retry-After', '30');
				return answer(503, { greet: false, error: 'n8n could not read the Webshop credential; retry later' });
			}
			return answer(500, { greet: false, error: 'Welcome Back Trigger is misconfigured: the Webshop credential cannot be used' });
		}

		// Only the bytes received are verified and read, never n8n's parse of them.
		if (!req.rawBody && typeof req.readRawBody === 'function') await req.readRawBody().catch(() => undefined);
		const rawBody = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
		const webhookUrl = this.getNodeWebhookUrl('default') ?? '';
		const signingPath = webhookSigningPath(this.getMode() === 'manual' ? webhookUrl.replace('/webhook/', '/webhook-test/') : webhookUrl);

		const request = readWelcomeBackRequest({
			headers: req.headers,
			rawBody,
			path: signingPath,
			secret,
			toleranceSeconds,
			allowedOrigins: String(options.allowedOrigins ?? ''),
		});
		if (!request.ok) {
			if (!secret) this.logger.error('Welcome Back Trigger: the Webshop credential has no Webhook Secret, so every visitor is refused');
			return answer(request.status, { greet: false, error: request.error, field: request.field });
		}

		let result;
		try {
			result = await (await storePromise).welcomeBack(request.visitor, request.requestId, limit, withinDays);
		} catch (error) {
			if (error instanceof StoreError && error.isInvalidInput) return answer(400, { greet: false, error: error.message, field: 'body' });
			forgetWebhookCredentials(this, STORE_CREDENTIAL);
			this.logger.error(`Welcome Back Trigger: the store failed: ${(error as Error).message}`);
			res.setHeader('Retry-After', '30');
			return answer(503, { greet: false, error: 'The cart store is unavailable; retry later' });
		}
		if (!result.greet) {
			// Nothing personal either way; a replay is named, so a shop developer testing with one signature sees why.
			if (result.reason === 'replay') return answer(409, { greet: false, error: 'signature: this signed request was already answered; sign each page view anew (add a nonce)' });
			return answer(200, { greet: false });
		}

		const body = bubbleAnswer(result);
		const answered = answer(200, body as unknown as IDataObject);
		if (this.getNodeParameter('startWorkflow', true) !== true) return answered;
		const { recommendations } = body;
		const cart = result.cart;
		const who = cart.first_name?.trim() || 'a customer';
		const sentence = `Greeted ${who} (cart ${cart.cart_id}) in the shop’s chat${result.returned_now ? ', back for the first time since the reminder' : ''}${body.discount ? ` · code ${body.discount.code}` : ''} · ${recommendations.length === 1 ? '1 product' : `${recommendations.length} products`} recommended`;
		return {
			...answered,
			workflowData: [
				[
					{
						json: {
							result: sentence,
							cart_id: cart.cart_id,
							customer_id: cart.customer_id,
							first_name: cart.first_name,
							language: body.language,
							greeting: body.greeting,
							returned_now: result.returned_now,
							discount: body.discount as unknown as IDataObject,
							recommendations: recommendations as unknown as IDataObject[],
						},
					},
				],
			],
		};
	}
}

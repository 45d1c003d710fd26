import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { channelDefinition } from '../../lib/channels';
import { twilioSigningToken } from '../../lib/channels/sms/events';
import { eventItem, OUTPUTS, outputOf, type EventOutput } from '../../lib/events/item';
import { PROVIDER_WEBHOOKS, providerLabel, receiveChannelEvents } from '../../lib/events/receive';
import type { EventProvider, EventRequest, EventSecrets } from '../../lib/events/types';
import { IntakeError } from '../../lib/intake/errors';
import { webhookSigningPath } from '../../lib/intake/signature';
import { cartRecoveryStoreTest, STORE_CREDENTIAL, storeCredentialId } from '../../lib/n8n/store';
import { choice, expression, live } from '../../lib/n8n/subtitleText';
import { credentialReadIsTransient, forgetWebhookCredentials, webhookCredentials } from '../../lib/n8n/webhookCredentials';
import { getStore, StoreError, type StoreCredentials } from '../../lib/store';
import type { RecordChannelEventResult } from '../../lib/store/types';

const CREDENTIAL: Record<EventProvider, string> = {
	sendgrid: 'sendGridCartRecoveryApi',
	twilio: 'twilioCartRecoveryApi',
	meta: 'metaCartRecoveryApi',
};

/** The provider secrets in the node's provider credential (lib/events/types.ts, EventSecrets). */
function secretsFrom(provider: EventProvider, credentials: IDataObject): EventSecrets {
	if (provider === 'sendgrid') return { sendGridVerificationKey: String(credentials.eventWebhookVerificationKey ?? '') };
	if (provider === 'twilio') return { twilioAuthToken: twilioSigningToken(credentials) };
	return { metaAppSecret: String(credentials.appSecret ?? ''), metaVerifyToken: String(credentials.verifyToken ?? '') };
}

/** The credential field a provider's check needs and lacks, for the log. */
function missingSecret(provider: EventProvider, secrets: EventSecrets, handshake: boolean): string | undefined {
	if (provider === 'sendgrid' && !secrets.sendGridVerificationKey) return 'Event Webhook Verification Key';
	if (provider === 'twilio' && !secrets.twilioAuthToken) return 'Auth Token';
	if (provider === 'meta' && handshake && !secrets.metaVerifyToken) return 'Webhook Verify Token';
	if (provider === 'meta' && !handshake && !secrets.metaAppSecret) return 'App Secret';
	return undefined;
}

const OUTPUT_INDEX: Record<EventOutput, number> = { reply: 0, status: 1, opt_out: 2 };

// Like the Abandoned Cart Trigger, this is called at a URL the user pastes into each provider's console; it
// registers nothing with the provider, so there is no webhook lifecycle (checkExists/create/delete).
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class ChannelEventsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Channel Events Trigger',
		name: 'channelEventsTrigger',
		icon: { light: 'file:channelEventsTrigger.svg', dark: 'file:channelEventsTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: expression(choice(live('provider', 'sendgrid'), { sendgrid: 'SendGrid email events', twilio: 'Twilio SMS events', meta: 'WhatsApp and Messenger events' })),
		description:
			'Hears back from SendGrid, Twilio and Meta: deliveries, opens, clicks, replies and opt-outs, recorded in the store and handed to the workflow',
		defaults: { name: 'Channel Events Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: [...OUTPUTS],
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			{
				name: 'sendGridCartRecoveryApi',
				displayName: 'SendGrid Account (Its Verification Key Checks the Events)',
				required: true,
				testedBy: 'sendGridCartRecoveryTest',
				displayOptions: { show: { provider: ['sendgrid'] } },
			},
			{
				name: 'twilioCartRecoveryApi',
				displayName: 'Twilio Account (Its Auth Token Checks the Events)',
				required: true,
				testedBy: 'twilioCartRecoveryTest',
				displayOptions: { show: { provider: ['twilio'] } },
			},
			{
				name: 'metaCartRecoveryApi',
				displayName: 'Meta (Its App Secret Checks the Events)',
				required: true,
				testedBy: 'metaCartRecoveryTest',
				displayOptions: { show: { provider: ['meta'] } },
			},
		],
		webhooks: [
			// Meta confirms a callback URL with a GET before it sends events; the other providers only POST.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'events' },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'events' },
		],
		properties: [
			{
				displayName:
					'Paste the Production URL above into the provider’s console (the README, “Channel events”, says where for each). Every event is checked against the provider’s signature and recorded in the store, once, however often the provider sends it. Forged or altered requests get HTTP 401 and change nothing.',
				name: 'intro',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Provider',
				name: 'provider',
				type: 'options',
				default: 'sendgrid',
				options: [
					{
						name: 'SendGrid (Email)',
						value: 'sendgrid',
						description: 'SendGrid’s Event Webhook: processed, delivered, deferred, bounced, opened, clicked, unsubscribed, spam reports',
					},
					{
						name: 'Twilio (SMS)',
						value: 'twilio',
						description: 'Twilio’s status callbacks (sent, delivered, failed) and the SMS customers send to your number, STOP included',
					},
					{
						name: 'Meta (WhatsApp and Messenger)',
						value: 'meta',
						description: 'Your Meta app’s webhooks: WhatsApp and Messenger deliveries, reads, replies, button presses and opt-outs',
					},
				],
			},
			{
				displayName:
					'In SendGrid: Settings → Mail Settings → Event Webhook. Paste the Production URL as the Post URL, tick the events you want, turn on <b>Signed Event Webhook</b> and copy its Verification Key into the SendGrid credential.',
				name: 'sendGridNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { provider: ['sendgrid'] } },
			},
			{
				displayName:
					'In SMS Send, paste the Production URL as Status Callback URL (delivery reports). In Twilio’s console, paste it as the “A message comes in” webhook of your number or Messaging Service (replies and STOP).',
				name: 'twilioNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { provider: ['twilio'] } },
			},
			{
				displayName:
					'In your Meta app: WhatsApp → Configuration (and Messenger → Settings) → Webhooks. Paste the Production URL as the Callback URL and the Webhook Verify Token of the Meta credential as the Verify Token, then subscribe to <b>messages</b> (WhatsApp: also <b>user_preferences</b>; Messenger: also <b>messaging_postbacks</b>, <b>message_deliveries</b>, <b>message_reads</b>).',
				name: 'metaNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { provider: ['meta'] } },
			},
			{
				displayName: 'Start the Workflow For',
				name: 'startFor',
				type: 'multiOptions',
				default: ['reply', 'opt_out'],
				description:
					'Which events run the workflow. Every event is recorded in the store either way. Delivery reports come several per message, so leave Status Events off unless the workflow does something with them.',
				options: [
					{ name: 'Replies', value: 'reply', description: 'Texts, button presses, postbacks and quick replies from customers' },
					{ name: 'Status Events', value: 'status', description: 'Sent, delivered, opened, read, clicked, bounced, failed' },
					{ name: 'Opt-Outs', value: 'opt_out', description: 'Unsubscribes, spam reports, STOP messages and stop buttons' },
				],
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
						default: 2048,
						typeOptions: { minValue: 1, numberPrecision: 0 },
						description: 'Larger requests are refused and nothing of them is recorded. SendGrid sends events in batches, so keep it generous.',
					},
					{
						displayName: 'Public URL',
						name: 'publicUrl',
						type: 'string',
						default: '',
						placeholder: 'https://n8n.example.hu/webhook/…/events',
						description:
							'Only for Twilio, when n8n sits behind a proxy that changes the address: the URL exactly as Twilio calls it (Twilio signs it). Empty: the Production URL shown above.',
					},
					{
						displayName: 'Include Duplicate Deliveries',
						name: 'includeDuplicates',
						type: 'boolean',
						default: false,
						description: 'Whether an event the provider sent again (already recorded) runs the workflow again. Off: it runs once per event.',
					},
				],
			},
		],
	};

	methods = {
		credentialTest: {
			cartRecoveryStoreTest,
			sendGridCartRecoveryTest: channelDefinition('email').credential.test,
			twilioCartRecoveryTest: channelDefinition('sms').credential.test,
			metaCartRecoveryTest: channelDefinition('whatsapp').credential.test,
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const answerJson = (status: number, body: IDataObject): IWebhookResponseData => {
			res.status(status).json(body);
			return { noWebhookResponse: true };
		};

		const provider = this.getNodeParameter('provider', 'sendgrid') as EventProvider;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const startFor = new Set(this.getNodeParameter('startFor', ['reply', 'opt_out']) as string[]);
		const isSetup = this.getWebhookName() === 'setup';

		const storePromise = webhookCredentials(this, STORE_CREDENTIAL).then((c) => getStore(c as unknown as StoreCredentials, storeCredentialId(this)));
		storePromise.catch(() => undefined); // awaited below; a refused request must not leave an unhandled rejection
		let secrets: EventSecrets;
		try {
			secrets = secretsFrom(provider, await webhookCredentials(this, CREDENTIAL[provider]));
		} catch (error) {
			this.logger.error(`Channel Events Trigger: the ${providerLabel(provider)} credential cannot be read: ${(error as Error).message}`);
			if (credentialReadIsTransient(error)) {
				// n8n's own database was busy: nothing was recorded, and the provider sends the batch again.
				res.setHeader('Retry-After', '30');
				return answerJson(503, { received: false, error: `n8n could not read the ${providerLabel(provider)} credential; retry later` });
			}
			return answerJson(500, { received: false, error: `The ${providerLabel(provider)} credential of the Channel Events Trigger cannot be read` });
		}

		// Without its secret a provider's every request is refused (401/403, fail closed); say so where the operator looks.
		const missing = missingSecret(provider, secrets, isSetup);
		if (missing) this.logger.warn(`Channel Events Trigger: the ${providerLabel(provider)} credential has no ${missing}, so every ${providerLabel(provider)} request is refused`);

		// A typo in Public URL would fail every Twilio signature as "does not match": say what is wrong instead (500,
		// nothing stored, so Twilio's retry succeeds once the node is fixed).
		const configuredUrl = String(options.publicUrl ?? '').trim();
		if (configuredUrl && !/^https?:\/\/[^/\s]+/i.test(configuredUrl)) {
			this.logger.error(`Channel Events Trigger is misconfigured: Public URL "${configuredUrl.slice(0, 80)}" is not an http(s) URL`);
			return answerJson(500, { received: false, error: 'Channel Events Trigger is misconfigured: its Public URL option is not an http(s) URL' });
		}

		// Only the bytes received are verified and read, never n8n's parse of them (a form or multipart parse has
		// no raw body left; it stays empty and fails the signature).
		if (!isSetup && !req.rawBody && typeof req.readRawBody === 'function') await req.readRawBody().catch(() => undefined);
		const rawBody = Buffer.isBuffer(req.rawBody) ? req.rawBody : Buffer.alloc(0);
		const request: EventRequest = {
			method: isSetup ? 'GET' : 'POST',
			headers: req.headers,
			rawBody,
			url: publicUrl(this, String(options.publicUrl ?? ''), req.originalUrl ?? req.url ?? ''),
			query: (req.query ?? {}) as EventRequest['query'],
		};

		let received;
		try {
			received = receiveChannelEvents(provider, request, secrets, { maxBodyBytes: Math.round(Number(options.maxBodyKb ?? 2048) * 1024) });
		} catch (error) {
			if (error instanceof IntakeError) {
				if (isSetup) {
					res.status(error.status).type('text/plain').send(error.message);
					return { noWebhookResponse: true };
				}
				return answerJson(error.status, { received: false, error: error.message, ...(error.field ? { field: error.field } : {}) });
			}
			throw new NodeOperationError(this.getNode(), error as Error);
		}
		if (received.kind === 'handshake') {
			res.status(200).type('text/plain').send(received.challenge);
			return { noWebhookResponse: true };
		}

		// One store call per event, in the provider's order. An event the store refuses as invalid (its SQL rules: a time
		// in the future, an id too long) is skipped and named in the answer; the rest of the batch is recorded, so one
		// bad event does not make the provider send the whole batch again forever. If the store fails part-way, the
		// answer is 503 and the events recorded so far still run the workflow: the provider sends the batch again, those
		// come back as duplicates and the rest is recorded, so nothing is lost or doubled.
		const includeDuplicates = options.includeDuplicates === true;
		const outputs: INodeExecutionData[][] = OUTPUTS.map(() => []);
		const counts = { events: received.events.length, recorded: 0, duplicates: 0 };
		const rejected: Array<{ event_id: string; error: string }> = [];
		// An opt-out that came in the same message as a reply (a STOP text, a stop button): the reply item says so, so
		// nothing answers it with an offer.
		const optOuts = new Set(received.events.filter((e) => e.kind === 'opt_out').map((e) => e.eventId));
		let outage: string | undefined;
		try {
			const store = await storePromise;
			for (const event of received.events) {
				const result: RecordChannelEventResult | StoreError = await store.recordChannelEvent(event).catch((error: unknown) => {
					if (error instanceof StoreError && error.isInvalidInput) return error;
					throw new NodeOperationError(this.getNode(), error as Error);
				});
				if (result instanceof StoreError) {
					rejected.push({ event_id: event.eventId, error: result.message });
					this.logger.warn(`Channel Events Trigger: ${providerLabel(provider)} event ${event.eventId} refused: ${result.message}`);
					continue;
				}
				if (result.duplicate) counts.duplicates++;
				else counts.recorded++;
				const output = outputOf(event);
				if (!startFor.has(output) || (result.duplicate && !includeDuplicates)) continue;
				const item = eventItem(event, result);
				if (event.kind === 'reply' && optOuts.has(`${event.eventId}:optout`)) item.opted_out = true;
				outputs[OUTPUT_INDEX[output]].push({ json: item });
			}
		} catch (error) {
			forgetWebhookCredentials(this, STORE_CREDENTIAL);
			outage = (error as Error).message;
			this.logger.error(`Channel Events Trigger: the store failed while recording ${providerLabel(provider)} events: ${outage}`);
		}

		const started = outputs.some((items) => items.length > 0) ? { workflowData: outputs } : {};
		if (outage !== undefined) {
			res.setHeader('Retry-After', '30');
			res.status(503).json({ received: false, error: 'The cart store is unavailable; retry later', ...counts });
			return { noWebhookResponse: true, ...started };
		}
		if (rejected.length && rejected.length === received.events.length) {
			res.status(400).json({ received: false, error: `event ${rejected[0].event_id}: ${rejected[0].error}`, field: 'event', rejected });
			return { noWebhookResponse: true };
		}
		const answer = PROVIDER_WEBHOOKS[provider].answer;
		if (answer) res.status(200).type(answer.contentType).send(answer.body);
		else res.status(200).json({ received: true, ...counts, ...(rejected.length ? { rejected } : {}) });
		return { noWebhookResponse: true, ...started };
	}
}

/**
 * The URL the provider called, as it signed it: the node's Public URL option, else n8n's own URL for this webhook
 * (the test URL while the editor listens), with the query string the request carried.
 */
function publicUrl(context: IWebhookFunctions, configured: string, requestPath: string): string {
	const query = requestPath.includes('?') ? requestPath.slice(requestPath.indexOf('?')) : '';
	let base = configured.trim();
	if (!base) {
		const url = context.getNodeWebhookUrl('default') ?? '';
		base = context.getMode() === 'manual' ? url.replace('/webhook/', '/webhook-test/') : url;
	}
	if (!webhookSigningPath(base)) return '';
	return base.split('?')[0] + query;
}

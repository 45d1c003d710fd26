import { createHmac } from 'node:crypto';

import type { EventRequest } from '../../lib/events/types';

/**
 * Meta's webhook deliveries as Meta sends them, for the Channel Events Trigger's tests: bodies shaped like the
 * samples in Meta's WhatsApp Cloud API webhook reference (messages field: statuses sent/delivered/read/failed,
 * messages text/button/interactive button_reply and list_reply/image; user_preferences) and the Messenger
 * Platform's (messages, messaging_postbacks, message_deliveries, message_reads), signed with the app secret as
 * Meta signs them: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
 */

export const APP_SECRET = 'test-app-secret';
export const VERIFY_TOKEN = 'my secret phrase';
export const WABA_ID = '102290129340398';
export const PHONE_NUMBER_ID = '106540352242922';
export const DISPLAY_PHONE = '15550783881';
export const WA_ID = '36301234567';
export const BSUID = 'HU.13491208655302741918';
export const PAGE_ID = '109876543210987';
export const PSID = '6789012345678901';

/** The X-Hub-Signature-256 value Meta puts on a body. */
export function signMeta(appSecret: string, body: Buffer | string): string {
	return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** A signed POST as the trigger hands it to the provider (exact bytes, lower-case headers). */
export function metaPost(body: unknown, options: { secret?: string; signature?: string | null; contentType?: string; raw?: Buffer | string } = {}): EventRequest {
	const raw = options.raw !== undefined ? Buffer.from(options.raw) : Buffer.from(JSON.stringify(body), 'utf8');
	const headers: EventRequest['headers'] = { 'content-type': options.contentType ?? 'application/json', 'user-agent': 'facebookexternalua' };
	const signature = options.signature === undefined ? signMeta(options.secret ?? APP_SECRET, raw) : options.signature;
	if (signature !== null) headers['x-hub-signature-256'] = signature;
	return { method: 'POST', headers, rawBody: raw, url: 'https://n8n.example.com/webhook/channel-events/meta', query: {} };
}

/** Meta's GET verification request. */
export function metaHandshake(params: Record<string, string | undefined>): EventRequest {
	const query: EventRequest['query'] = {};
	for (const [k, v] of Object.entries(params)) if (v !== undefined) query[k] = v;
	const search = new URLSearchParams(query as Record<string, string>).toString();
	return { method: 'GET', headers: {}, rawBody: Buffer.alloc(0), url: `https://n8n.example.com/webhook/channel-events/meta?${search}`, query };
}

export const handshakeParams = (overrides: Record<string, string | undefined> = {}) => ({
	'hub.mode': 'subscribe',
	'hub.verify_token': VERIFY_TOKEN,
	'hub.challenge': '1158201444',
	...overrides,
});

// ── WhatsApp ────────────────────────────────────────────────────────────────────────────────────────────────

const metadata = { display_phone_number: DISPLAY_PHONE, phone_number_id: PHONE_NUMBER_ID };

/** One WABA entry with one change per value given. */
export function whatsappBody(...changes: Array<{ field: string; value: Record<string, unknown> }>) {
	return { object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes }] };
}

export const wamid = (n: number | string) => `wamid.HBgLMzYzMDEyMzQ1NjcVAgARGBI${n}QUFBQjEyMzQ1Njc4OQA=`;

export interface StatusInit {
	id?: string;
	status: 'sent' | 'delivered' | 'read' | 'failed';
	timestamp?: string;
	recipientId?: string | null;
	recipientUserId?: string;
	bizOpaque?: string;
	error?: { code: number; title: string; message?: string; details?: string };
}

/** A statuses[] item as Meta sends it (pricing on sent/delivered; errors on failed). */
export function whatsappStatus(init: StatusInit): Record<string, unknown> {
	return {
		id: init.id ?? wamid(1),
		status: init.status,
		timestamp: init.timestamp ?? '1750263773',
		...(init.recipientId === null ? {} : { recipient_id: init.recipientId ?? WA_ID }),
		...(init.recipientUserId ? { recipient_user_id: init.recipientUserId } : {}),
		...(init.bizOpaque ? { biz_opaque_callback_data: init.bizOpaque } : {}),
		...(init.status === 'failed'
			? {
					errors: [
						{
							code: init.error?.code ?? 131026,
							title: init.error?.title ?? 'Message undeliverable',
							message: init.error?.message ?? init.error?.title ?? 'Message undeliverable',
							error_data: { details: init.error?.details ?? 'Message Undeliverable.' },
							href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
						},
					],
				}
			: {
					conversation: { id: 'f1c2a3b4c5d6e7f8a9b0c1d2e3f4a5b6', origin: { type: 'marketing' } },
					pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' },
				}),
	};
}

export const whatsappStatuses = (...statuses: Array<Record<string, unknown>>) =>
	whatsappBody({ field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses } });

export const contact = (name = 'Kiss Anna', waId: string | null = WA_ID, userId?: string) => ({
	profile: { name },
	...(waId ? { wa_id: waId } : {}),
	...(userId ? { user_id: userId } : {}),
});

/** A messages[] item: `content` is the type's own object, e.g. `{ type: 'text', text: { body } }`. */
export function whatsappMessage(content: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return { from: WA_ID, id: wamid('IN1'), timestamp: '1749416383', ...content, ...extra };
}

export const whatsappMessages = (messages: Array<Record<string, unknown>>, contacts: Array<Record<string, unknown>> = [contact()]) =>
	whatsappBody({ field: 'messages', value: { messaging_product: 'whatsapp', metadata, contacts, messages } });

export const waText = (body: string) => ({ type: 'text', text: { body } });
export const waButton = (payload: string, text: string) => ({ type: 'button', button: { payload, text } });
export const waButtonReply = (id: string, title: string) => ({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } });
export const waListReply = (id: string, title: string, description = '') => ({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id, title, description } } });
export const waImage = () => ({ type: 'image', image: { caption: '', mime_type: 'image/jpeg', sha256: 'a'.repeat(44), id: '1003383421387256' } });
export const replyContext = (id = wamid(1)) => ({ context: { from: DISPLAY_PHONE, id } });

/** The user_preferences webhook: the customer stopped or resumed marketing messages. */
export function whatsappPreference(value: 'stop' | 'resume', overrides: Record<string, unknown> = {}) {
	return whatsappBody({
		field: 'user_preferences',
		value: {
			messaging_product: 'whatsapp',
			metadata,
			contacts: [contact()],
			user_preferences: [
				{
					wa_id: WA_ID,
					detail: value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
					category: 'marketing_messages',
					value,
					timestamp: 1750263773,
					...overrides,
				},
			],
		},
	});
}

// ── Messenger ───────────────────────────────────────────────────────────────────────────────────────────────

export const MESSENGER_TIME = 1458692752478;

/** One Page entry with the messaging events given (sender = the customer, recipient = the page). */
export function messengerBody(...events: Array<Record<string, unknown>>) {
	return {
		object: 'page',
		entry: [{ id: PAGE_ID, time: MESSENGER_TIME, messaging: events.map((e) => ({ sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: MESSENGER_TIME, ...e })) }],
	};
}

export const mid = (n: number | string) => `m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P${n}`;

export const msgText = (text: string, extra: Record<string, unknown> = {}) => ({ message: { mid: mid(1), text, ...extra } });
export const msgQuickReply = (text: string, payload: string) => ({ message: { mid: mid(2), text, quick_reply: { payload } } });
export const msgAttachment = () => ({ message: { mid: mid(3), attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/a.jpg' } }] } });
export const msgEcho = () => ({ sender: { id: PAGE_ID }, recipient: { id: PSID }, message: { mid: mid(4), is_echo: true, app_id: 1517776481860111, text: 'hello' } });
export const postback = (payload: string, title: string, withMid = true) => ({ postback: { title, payload, ...(withMid ? { mid: mid(5) } : {}) } });
export const delivery = (mids?: string[], watermark = 1458668856253) => ({ delivery: { ...(mids ? { mids } : {}), watermark } });
export const read = (watermark = 1458668856253) => ({ read: { watermark } });

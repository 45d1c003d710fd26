import { matchOptOutKeyword } from '../../consent/keywords';
import type { ChannelEvent, OptOutEvent, ReplyEvent, StatusEvent } from '../../events/types';
import { object, optionalArray, optionalObject, optionalString, optionalText, payloadAction, string, unixMillis, type Json } from '../meta/events';

/**
 * Messenger Platform webhooks (`object: "page"`) as channel events. Each `entry[]` (one Page) has `messaging[]`,
 * one event each, from `sender.id` (the customer's page-scoped id, PSID) with `timestamp` in Unix milliseconds:
 *
 *   message   `{ mid, text?, quick_reply?: { payload }, reply_to?: { mid }, attachments?, is_echo? }` — is_echo is
 *             the page's own message coming back (sender is the page): skipped;
 *   postback  `{ mid?, title, payload }` — a button of a template was pressed;
 *   delivery  `{ mids?, watermark }` — delivered: the listed messages, or every message up to the watermark;
 *   read      `{ watermark }` — every message up to the watermark was seen.
 *
 * Other events (optins, referrals, reactions, handovers) and entries without `messaging` (feed changes,
 * standby) carry nothing for cart recovery and are skipped.
 */

const PROVIDER = 'meta' as const;
const CHANNEL = 'messenger' as const;

function statusEvent(init: Pick<StatusEvent, 'eventId' | 'at' | 'address' | 'status' | 'providerId' | 'watermark'>): StatusEvent {
	return { kind: 'status', provider: PROVIDER, channel: CHANNEL, messageId: null, errorCode: null, errorDetail: null, permanent: false, machine: false, ...init };
}

function replyEvents(init: Omit<ReplyEvent, 'kind' | 'provider' | 'channel' | 'action' | 'cartId'>): ChannelEvent[] {
	const { action, cartId } = payloadAction(init.payload);
	const reply: ReplyEvent = { kind: 'reply', provider: PROVIDER, channel: CHANNEL, ...init, action, cartId };
	const optOut = (source: string, detail: string | null): OptOutEvent => ({
		kind: 'opt_out',
		provider: PROVIDER,
		channel: CHANNEL,
		eventId: `${init.eventId}:optout`,
		at: init.at,
		address: init.address,
		source,
		detail,
		messageId: null,
		cartId,
		text: init.text,
	});
	if (action === 'stop') return [reply, optOut('button_stop', init.payload)];
	if (!action && init.text) {
		const match = matchOptOutKeyword(init.text);
		if (match.matched) return [reply, optOut('messenger_keyword', match.keyword)];
	}
	return [reply];
}

function messagingEvents(m: Json, at: string): ChannelEvent[] {
	const message = optionalObject(m.message, `${at}.message`);
	// The page's own messages echo back with the page as sender: nothing the customer did.
	if (message?.is_echo === true) return [];
	const psid = string(object(m.sender, `${at}.sender`).id, `${at}.sender.id`);
	const time = unixMillis(m.timestamp, `${at}.timestamp`);

	if (message) {
		const mid = string(message.mid, `${at}.message.mid`);
		const quick = optionalObject(message.quick_reply, `${at}.message.quick_reply`);
		const payload = quick ? optionalString(quick.payload, `${at}.message.quick_reply.payload`) : null;
		const replyTo = optionalObject(message.reply_to, `${at}.message.reply_to`);
		optionalArray(message.attachments, `${at}.message.attachments`);
		return replyEvents({
			eventId: mid,
			at: time.iso,
			address: psid,
			reply: payload ? 'quick_reply' : 'text',
			text: optionalText(message.text, `${at}.message.text`),
			payload,
			inReplyTo: replyTo ? optionalString(replyTo.mid, `${at}.message.reply_to.mid`) : null,
		});
	}

	const postback = optionalObject(m.postback, `${at}.postback`);
	if (postback) {
		const mid = optionalString(postback.mid, `${at}.postback.mid`);
		return replyEvents({
			// Older postbacks carry no mid: the moment and the customer name it (a redelivery repeats both).
			eventId: mid ?? `${time.digits}:postback:${psid}`,
			at: time.iso,
			address: psid,
			reply: 'postback',
			text: optionalText(postback.title, `${at}.postback.title`),
			payload: optionalString(postback.payload, `${at}.postback.payload`),
			inReplyTo: null,
		});
	}

	const delivery = optionalObject(m.delivery, `${at}.delivery`);
	if (delivery) {
		const mids = optionalArray(delivery.mids, `${at}.delivery.mids`).map((mid, i) => string(mid, `${at}.delivery.mids[${i}]`));
		const watermark = unixMillis(delivery.watermark, `${at}.delivery.watermark`);
		if (mids.length) {
			return mids.map((mid) => statusEvent({ eventId: `${mid}:delivered`, at: time.iso, address: psid, status: 'delivered', providerId: mid, watermark: null }));
		}
		return [statusEvent({ eventId: `${watermark.digits}:delivery:${psid}`, at: time.iso, address: psid, status: 'delivered', providerId: null, watermark: watermark.iso })];
	}

	const read = optionalObject(m.read, `${at}.read`);
	if (read) {
		const watermark = unixMillis(read.watermark, `${at}.read.watermark`);
		return [statusEvent({ eventId: `${watermark.digits}:read:${psid}`, at: time.iso, address: psid, status: 'read', providerId: null, watermark: watermark.iso })];
	}
	return [];
}

/** The events of a verified `page` body; `entry` is already known to be an array. */
export function messengerEvents(entries: unknown[]): ChannelEvent[] {
	const events: ChannelEvent[] = [];
	entries.forEach((item, i) => {
		const entry = object(item, `entry[${i}]`);
		optionalArray(entry.messaging, `entry[${i}].messaging`).forEach((raw, j) => {
			const at = `entry[${i}].messaging[${j}]`;
			events.push(...messagingEvents(object(raw, at), at));
		});
	});
	return events;
}

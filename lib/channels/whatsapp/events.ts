import { matchOptOutKeyword } from '../../consent/keywords';
import type { ChannelEvent, DeliveryStatus, OptInEvent, OptOutEvent, ReplyEvent, ReplyKind, StatusEvent } from '../../events/types';
import { invalid } from '../../intake/errors';
import { array, object, optionalArray, optionalObject, optionalString, optionalText, ourMessageId, payloadAction, string, unixSeconds, type Json } from '../meta/events';

/**
 * WhatsApp Cloud API webhooks (`object: "whatsapp_business_account"`) as channel events. Meta batches: each
 * `entry[]` (one WhatsApp Business Account) has `changes[]`, each with a `field` and its `value`:
 *
 *   field "messages", value.statuses[] — what happened to a message we sent: `{ id: wamid, status: sent|delivered|
 *     read|failed, timestamp: "<unix s>", recipient_id: wa_id, recipient_user_id?: BSUID, biz_opaque_callback_data?,
 *     errors?: [{ code, title, message, error_data: { details } }] }`;
 *   field "messages", value.messages[] — what the customer sent: `{ from: wa_id, from_user_id?: BSUID, id, timestamp,
 *     type, context?: { id }, text | button | interactive | image | … }`, with value.contacts[] `{ profile: { name },
 *     wa_id, user_id? }` naming the sender;
 *   field "user_preferences", value.user_preferences[] — the customer stopped or resumed marketing messages from
 *     the business: `{ wa_id, user_id?, category: "marketing_messages", value: "stop"|"resume", detail, timestamp }`.
 *
 * Other fields (template status, account updates, …) carry no customer event and are skipped. Since April 2026
 * Meta adds business-scoped user ids (BSUIDs) and may leave out the phone number of a customer who uses a
 * WhatsApp username: every wa_id is optional here, the BSUID is carried along where the event has room for it.
 */

const PROVIDER = 'meta' as const;
const CHANNEL = 'whatsapp' as const;

const STATUSES: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

/**
 * Failures that will not change on a retry to this customer (Meta's WhatsApp error codes): 131026 the number cannot
 * receive WhatsApp messages (no account, terms not accepted, outdated app), 131050 the customer stopped marketing
 * messages from this business, 131021 the recipient is the sending number itself. Left out on purpose: 131047
 * (24-hour window closed — a template still goes), 131049 (Meta's per-user marketing cap, lifts within days),
 * 131048 / 130429 / 131056 (sender-side limits) and template or parameter errors (the message, not the customer).
 */
export const WHATSAPP_PERMANENT_ERRORS: ReadonlySet<number> = new Set([131026, 131050, 131021]);
/** The customer turned off marketing messages from this business: a consent withdrawal (as Send's error rule does). */
export const WHATSAPP_MARKETING_OPT_OUT = 131050;

interface Contact {
	waId: string | null;
	userId: string | null;
	name: string | null;
}

function readContacts(value: Json, path: string): Contact[] {
	return optionalArray(value.contacts, `${path}.contacts`).map((item, i) => {
		const at = `${path}.contacts[${i}]`;
		const contact = object(item, at);
		const profile = optionalObject(contact.profile, `${at}.profile`);
		return {
			waId: optionalString(contact.wa_id, `${at}.wa_id`),
			userId: optionalString(contact.user_id, `${at}.user_id`),
			name: profile ? optionalText(profile.name, `${at}.profile.name`) : null,
		};
	});
}

/** The contact entry of a sender: matched by wa_id or BSUID, or the only one in the change. */
function contactOf(contacts: Contact[], waId: string | null, userId: string | null): Contact | undefined {
	return contacts.find((c) => (waId && c.waId === waId) || (userId && c.userId === userId)) ?? (contacts.length === 1 ? contacts[0] : undefined);
}

/** Meta's error code (a number; a string of digits from some proxies). Anything else is refused. */
function errorCode(value: unknown, path: string): number | null {
	if (value === undefined || value === null) return null;
	if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
	if (typeof value === 'string' && /^\d{1,12}$/.test(value)) return Number(value);
	throw invalid(path, 'must be a number (Meta\'s error code)');
}

function statusEvents(value: Json, path: string): ChannelEvent[] {
	const events: ChannelEvent[] = [];
	optionalArray(value.statuses, `${path}.statuses`).forEach((item, i) => {
		const at = `${path}.statuses[${i}]`;
		const s = object(item, at);
		const wamid = string(s.id, `${at}.id`);
		const raw = string(s.status, `${at}.status`);
		const when = unixSeconds(s.timestamp, `${at}.timestamp`);
		const address = optionalString(s.recipient_id, `${at}.recipient_id`);
		const bsuid = optionalString(s.recipient_user_id, `${at}.recipient_user_id`);
		const messageId = ourMessageId(optionalString(s.biz_opaque_callback_data, `${at}.biz_opaque_callback_data`, 4096));
		const errors = optionalArray(s.errors, `${at}.errors`);
		const first = errors.length ? object(errors[0], `${at}.errors[0]`) : undefined;
		const code = first ? errorCode(first.code, `${at}.errors[0].code`) : null;
		const title = first ? optionalText(first.title, `${at}.errors[0].title`) : null;
		const message = first ? optionalText(first.message, `${at}.errors[0].message`) : null;
		const data = first ? optionalObject(first.error_data, `${at}.errors[0].error_data`) : undefined;
		const details = data ? optionalText(data.details, `${at}.errors[0].error_data.details`) : null;
		const status = STATUSES[raw];
		// Meta adds status values now and then (e.g. for calls and payments); only ours are recorded.
		if (!status) return;
		const event: StatusEvent = {
			kind: 'status',
			provider: PROVIDER,
			channel: CHANNEL,
			eventId: `${wamid}:${status}`,
			at: when,
			address,
			status,
			messageId,
			providerId: wamid,
			errorCode: code !== null ? String(code) : null,
			errorDetail: title ?? message ?? details,
			permanent: status === 'failed' && code !== null && WHATSAPP_PERMANENT_ERRORS.has(code),
			machine: false,
		};
		events.push(event);
		if (status === 'failed' && code === WHATSAPP_MARKETING_OPT_OUT) {
			const optOut: OptOutEvent = {
				kind: 'opt_out',
				provider: PROVIDER,
				channel: CHANNEL,
				eventId: `${wamid}:optout`,
				at: when,
				address,
				source: 'whatsapp_131050',
				detail: details ?? title ?? message ?? String(code),
				messageId,
				cartId: null,
				bsuid,
			};
			events.push(optOut);
		}
	});
	return events;
}

interface Inbound {
	reply: ReplyKind;
	text: string | null;
	payload: string | null;
}

/** What a customer message says, by its `type`. Media, stickers, locations, reactions… count as a reply without text. */
function inbound(m: Json, type: string, at: string): Inbound | null {
	switch (type) {
		case 'text': {
			const text = object(m.text, `${at}.text`);
			return { reply: 'text', text: optionalText(text.body, `${at}.text.body`), payload: null };
		}
		case 'button': {
			// A template's quick-reply button: payload as set at send time (else Meta repeats the label), text the label.
			const button = object(m.button, `${at}.button`);
			return { reply: 'button', text: optionalText(button.text, `${at}.button.text`), payload: optionalString(button.payload, `${at}.button.payload`) };
		}
		case 'interactive': {
			const interactive = object(m.interactive, `${at}.interactive`);
			const kind = string(interactive.type, `${at}.interactive.type`);
			if (kind === 'button_reply' || kind === 'list_reply') {
				const choice = object(interactive[kind], `${at}.interactive.${kind}`);
				return {
					reply: kind === 'button_reply' ? 'button' : 'list',
					text: optionalText(choice.title, `${at}.interactive.${kind}.title`),
					payload: string(choice.id, `${at}.interactive.${kind}.id`),
				};
			}
			return { reply: 'text', text: null, payload: null }; // a Flow's answer and the like: a reply all the same
		}
		case 'system':
			return null; // Meta's notice that the customer changed number: not something the customer sent
		default:
			return { reply: 'text', text: null, payload: null };
	}
}

function messageEvents(value: Json, path: string, contacts: Contact[]): ChannelEvent[] {
	const events: ChannelEvent[] = [];
	optionalArray(value.messages, `${path}.messages`).forEach((item, i) => {
		const at = `${path}.messages[${i}]`;
		const m = object(item, at);
		const id = string(m.id, `${at}.id`);
		const when = unixSeconds(m.timestamp, `${at}.timestamp`);
		const type = string(m.type, `${at}.type`);
		const from = optionalString(m.from, `${at}.from`);
		const fromUserId = optionalString(m.from_user_id, `${at}.from_user_id`);
		const context = optionalObject(m.context, `${at}.context`);
		const inReplyTo = context ? optionalString(context.id, `${at}.context.id`) : null;
		const said = inbound(m, type, at);
		if (!said) return;
		const contact = contactOf(contacts, from, fromUserId);
		const address = from ?? contact?.waId ?? null;
		const bsuid = fromUserId ?? contact?.userId ?? null;
		const { action, cartId } = payloadAction(said.payload);
		const reply: ReplyEvent = {
			kind: 'reply',
			provider: PROVIDER,
			channel: CHANNEL,
			eventId: id,
			at: when,
			address,
			reply: said.reply,
			text: said.text,
			payload: said.payload,
			action,
			cartId,
			inReplyTo,
			bsuid,
			profileName: contact?.name ?? null,
		};
		events.push(reply);
		const optOut = (source: string, detail: string | null): OptOutEvent => ({
			kind: 'opt_out',
			provider: PROVIDER,
			channel: CHANNEL,
			eventId: `${id}:optout`,
			at: when,
			address,
			source,
			detail,
			messageId: null,
			cartId,
			bsuid,
			text: said.text,
		});
		if (action === 'stop') events.push(optOut('button_stop', said.payload));
		else if (!action && said.text) {
			// Free text, or a button whose payload is not ours (a template quick reply labelled "Leiratkozom").
			const match = matchOptOutKeyword(said.text);
			if (match.matched) events.push(optOut('whatsapp_keyword', match.keyword));
		}
	});
	return events;
}

function preferenceEvents(value: Json, path: string, contacts: Contact[]): ChannelEvent[] {
	const events: ChannelEvent[] = [];
	optionalArray(value.user_preferences, `${path}.user_preferences`).forEach((item, i) => {
		const at = `${path}.user_preferences[${i}]`;
		const p = object(item, at);
		const category = string(p.category, `${at}.category`);
		const choice = string(p.value, `${at}.value`);
		const when = unixSeconds(p.timestamp, `${at}.timestamp`);
		const waId = optionalString(p.wa_id, `${at}.wa_id`);
		const userId = optionalString(p.user_id, `${at}.user_id`);
		const detail = optionalText(p.detail, `${at}.detail`);
		if (category !== 'marketing_messages' || (choice !== 'stop' && choice !== 'resume')) return;
		const contact = contactOf(contacts, waId, userId);
		const address = waId ?? contact?.waId ?? null;
		const bsuid = userId ?? contact?.userId ?? null;
		const who = address ?? bsuid;
		if (!who) throw invalid(`${at}.wa_id`, 'is missing (and so is user_id): the preference names no customer');
		// Meta gives the change no id: who, what and when make one (a redelivery repeats all three).
		const eventId = `${who}:marketing_messages:${choice}:${Date.parse(when) / 1000}`;
		if (choice === 'stop') {
			const event: OptOutEvent = { kind: 'opt_out', provider: PROVIDER, channel: CHANNEL, eventId, at: when, address, source: 'whatsapp_marketing_stop', detail: detail ?? 'stop', messageId: null, cartId: null, bsuid };
			events.push(event);
		} else {
			const event: OptInEvent = { kind: 'opt_in', provider: PROVIDER, channel: CHANNEL, eventId, at: when, address, source: 'whatsapp_marketing_resume', detail: detail ?? 'resume', bsuid };
			events.push(event);
		}
	});
	return events;
}

/** The events of a verified `whatsapp_business_account` body; `entry` is already known to be an array. */
export function whatsappEvents(entries: unknown[]): ChannelEvent[] {
	const events: ChannelEvent[] = [];
	entries.forEach((item, i) => {
		const entry = object(item, `entry[${i}]`);
		array(entry.changes, `entry[${i}].changes`).forEach((raw, j) => {
			const path = `entry[${i}].changes[${j}]`;
			const change = object(raw, path);
			const field = string(change.field, `${path}.field`);
			if (field !== 'messages' && field !== 'user_preferences') return;
			const value = object(change.value, `${path}.value`);
			const contacts = readContacts(value, `${path}.value`);
			if (field === 'messages') events.push(...statusEvents(value, `${path}.value`), ...messageEvents(value, `${path}.value`, contacts));
			else events.push(...preferenceEvents(value, `${path}.value`, contacts));
		});
	});
	return events;
}

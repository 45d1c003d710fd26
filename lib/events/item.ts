import type { IDataObject } from 'n8n-workflow';

import { maskAddress } from '../consent/unsubscribe';
import { channelName } from '../n8n/outcome';
import type { RecordChannelEventResult } from '../store/types';
import type { ChannelEvent, ReplyAction } from './types';

/** The trigger's outputs, in order: what a customer sent, what happened to a message, who opted out. */
export const OUTPUTS = ['Reply', 'Status', 'Opt-out'] as const;
export type EventOutput = 'reply' | 'status' | 'opt_out';

/** Which output an event goes to; an opt-in (START) is something the customer sent, so it is a Reply. */
export function outputOf(event: ChannelEvent): EventOutput {
	if (event.kind === 'status') return 'status';
	if (event.kind === 'opt_out') return 'opt_out';
	return 'reply';
}

const ACTION_WORDS: Record<ReplyAction, string> = {
	code: 'asked for the discount code',
	later: 'asked to be reminded later',
	stop: 'asked for no more messages',
	cart: 'opened the cart',
};

const STATUS_WORDS: Record<string, string> = {
	processed: 'accepted by the provider',
	deferred: 'delayed by the receiving server (the provider keeps trying)',
	sent: 'sent',
	delivered: 'delivered',
	opened: 'opened',
	read: 'read',
	clicked: 'clicked',
	bounced: 'bounced',
	dropped: 'not sent: the provider dropped it',
	failed: 'not delivered',
};

function quote(text: string | null | undefined, max = 60): string {
	const value = (text ?? '').replace(/\s+/g, ' ').trim();
	if (!value) return '';
	return `“${value.length > max ? `${value.slice(0, max - 1)}…` : value}”`;
}

/** The address as the store keys it: Meta gives a WhatsApp number without its '+' (wa_id). */
function addressOf(event: ChannelEvent): string | null {
	if (!event.address) return null;
	return event.channel === 'whatsapp' && /^\d{7,15}$/.test(event.address) ? `+${event.address}` : event.address;
}

/** "Anna (a***@example.hu)", "+36 30 *** **67", or "a customer" when the event names nobody. */
function who(event: ChannelEvent, result: RecordChannelEventResult): string {
	const address = addressOf(event);
	const masked = address ? maskAddress(event.channel, address) : '';
	const name = result.cart?.first_name?.trim();
	if (name && masked) return `${name} (${masked})`;
	return name || masked || 'a customer';
}

/** One plain sentence: what this event was and what it changed. */
export function eventSentence(event: ChannelEvent, result: RecordChannelEventResult): string {
	const channel = channelName(event.channel);
	if (result.duplicate) return `Already recorded: the provider sent this ${channel} event again; nothing changed`;
	if (event.kind === 'status') {
		const what = STATUS_WORDS[event.status] ?? event.status;
		if (!result.message) return `${channel} event "${what}" for a message this store did not send (or no longer holds); recorded, nothing changed`;
		const subject = `The stage ${result.message.stage} ${channel} to ${who(event, result)}`;
		if (event.kind === 'status' && event.machine) return `${subject} was opened by a mail client's privacy proxy, not by a person: recorded, not counted as an open`;
		const detail = event.errorCode || event.errorDetail ? ` (${[event.errorCode, event.errorDetail].filter(Boolean).join(': ')})` : '';
		const permanent = (event.status === 'bounced' || event.status === 'failed' || event.status === 'dropped') && event.permanent ? ', permanently' : '';
		if (result.effect === 'completed_queued') return `${subject}: ${what}${permanent}${detail}; its sender had stopped before recording it, so it is now marked as sent`;
		if (result.effect === 'status_kept') return `${subject}: ${what}${detail}, reported late; it stays "${result.message.status}"`;
		const returned = event.status === 'clicked' ? '; the customer came back to the shop' : '';
		return `${subject}: ${what}${permanent}${detail}${returned}`;
	}
	if (event.kind === 'opt_out') {
		const why = event.detail ? ` (${event.detail})` : '';
		return result.consent_withdrawn || result.effect === 'consent_withdrawn'
			? `${who(event, result)} opted out of ${channel}${why}: consent withdrawn, no more ${channel} messages to them`
			: `${who(event, result)} opted out of ${channel}${why}; their consent was already withdrawn (or never given), nothing more is sent`;
	}
	if (event.kind === 'opt_in') {
		return `${who(event, result)} asked to receive ${channel} messages again${event.detail ? ` (${event.detail})` : ''}: recorded; consent is not restored until they give it on your consent form`;
	}
	const said = event.text ? ` ${quote(event.text)}` : '';
	const action = event.action ? `: ${ACTION_WORDS[event.action]}` : '';
	// The code itself stays out of the sentence (it is copied into alerts and logs); the item carries it for the answer.
	const code = event.action === 'code' ? (result.code ? ' (the cart has a valid code)' : ' (no valid code for this cart)') : '';
	const kind = event.reply === 'text' ? 'wrote' : 'pressed';
	return `${who(event, result)} ${kind} on ${channel}${said}${action}${code}`;
}

/** The output item of one event: the sentence first, then what a workflow needs to react (answer, tag, alert). */
export function eventItem(event: ChannelEvent, result: RecordChannelEventResult): IDataObject {
	const item: IDataObject = {
		result: eventSentence(event, result),
		event: event.kind === 'status' ? event.status : event.kind,
		channel: event.channel,
		provider: event.provider,
		// Reply to Customer answers each event at most once, by this id.
		event_id: event.eventId,
		customer: addressOf(event) ? maskAddress(event.channel, addressOf(event)!) : null,
		address: addressOf(event),
		first_name: result.cart?.first_name ?? null,
		locale: result.cart?.locale ?? null,
		cart_id: result.message?.cart_id ?? result.cart?.cart_id ?? null,
		cart_status: result.cart?.status ?? null,
		stage: result.message?.stage ?? null,
		message_id: result.message?.message_id ?? null,
		occurred_at: event.at,
		effect: result.effect,
		duplicate: result.duplicate,
	};
	if (event.kind === 'status') {
		Object.assign(item, {
			status: result.message?.status ?? null,
			previous_status: result.message?.previous_status ?? null,
			provider_message_id: event.providerId,
			permanent: event.permanent,
			machine_open: event.machine,
			error_code: event.errorCode,
			error_detail: event.errorDetail,
			url: event.url ?? null,
		});
	} else if (event.kind === 'reply') {
		Object.assign(item, {
			reply_kind: event.reply,
			text: event.text,
			payload: event.payload,
			action: event.action,
			in_reply_to: event.inReplyTo,
			profile_name: event.profileName ?? null,
			whatsapp_bsuid: event.bsuid ?? null,
			// Only to the customer who asked for it, and only then (the store gives it only to the cart's own contact).
			code: event.action === 'code' ? (result.code ?? null) : null,
			window_open_until: result.window_open_until ?? null,
		});
	} else {
		Object.assign(item, {
			source: event.source,
			detail: event.detail,
			text: event.text ?? null,
			consent_withdrawn: event.kind === 'opt_out' ? result.consent_withdrawn : false,
			whatsapp_bsuid: event.bsuid ?? null,
		});
	}
	return item;
}

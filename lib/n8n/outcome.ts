import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { CHANNEL_ADDRESSES } from '../channels/address';
import { maskAddress } from '../consent/unsubscribe';
import type { Channel } from '../store';
import { formatMoney } from '../templates/helpers';

/**
 * "What happened to Anna?" — answered where a marketer looks:
 *  - every item our nodes pass on starts with `result`, one plain sentence about this node's decision, so an End
 *    node's output opens with the answer;
 *  - the same sentence, the customer (masked), the cart, its value and the stage reached go into the execution's
 *    custom data, which n8n's executions list shows for each run.
 * And an item never carries a delivery block of an earlier message as if it were the current node's: a node that
 * receives one moves it into `earlier_messages` (stage, channel, outcome, time) before it adds its own.
 */

/** "email", "SMS", "WhatsApp": as each channel's addressing names it (lib/channels/address.ts). */
export const channelName = (channel: unknown): string => CHANNEL_ADDRESSES[channel as Channel]?.label ?? String(channel ?? 'message');

/** A message the item went through before reaching this node. */
export interface EarlierMessage {
	stage: number;
	channel: string;
	outcome: string;
	reason?: string;
	at?: string;
}

const isDelivery = (value: unknown): value is IDataObject =>
	!!value && typeof value === 'object' && typeof (value as IDataObject).outcome === 'string' && (value as IDataObject).stage !== undefined;

/**
 * The item's json for a node to build on: `result` and a `delivery` block of an earlier message are not passed
 * on as they are; the delivery is appended to `earlier_messages`.
 */
export function carryForward(json: IDataObject): IDataObject {
	const rest = { ...json };
	// A failed message arrives from a send node's error output: its delivery under `details`, its sentence in `message`.
	const failedDelivery = isDelivery(rest.details) ? rest.details : undefined;
	if (failedDelivery) {
		delete rest.details;
		delete rest.message;
		delete rest.error;
	}
	const delivery = failedDelivery ?? rest.delivery;
	delete rest.result;
	delete rest.delivery;
	if (!isDelivery(delivery)) return delivery === undefined ? rest : { ...rest, delivery };
	const earlier = Array.isArray(rest.earlier_messages) ? (rest.earlier_messages as unknown as EarlierMessage[]) : [];
	const entry: EarlierMessage = {
		stage: Number(delivery.stage),
		channel: String(delivery.channel),
		outcome: String(delivery.outcome),
		...(delivery.reason ? { reason: String(delivery.reason) } : {}),
		...(delivery.sent_at || delivery.sendAt ? { at: String(delivery.sent_at ?? delivery.sendAt) } : {}),
	};
	return { ...rest, earlier_messages: [...earlier, entry] as unknown as IDataObject[] };
}

/** The last message actually sent before this node ("stage 1 (email)"), or null. */
export function lastSent(json: IDataObject): { stage: number; channel: string } | null {
	const messages: EarlierMessage[] = [
		...(Array.isArray(json.earlier_messages) ? (json.earlier_messages as unknown as EarlierMessage[]) : []),
		...(isDelivery(json.delivery) ? [json.delivery as unknown as EarlierMessage] : []),
	];
	const sent = messages.filter((m) => m.outcome === 'sent');
	return sent.length ? sent[sent.length - 1] : null;
}

/** `result` first, so n8n's table and JSON views open with it. */
export function withResult(result: string, json: IDataObject): IDataObject {
	const out: IDataObject = { result, ...json };
	out.result = result; // the key stays first, the value is this node's
	return out;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/** "Anna · a***@example.hu": enough to find the customer in the list, too little to read their address off it. */
export function maskedCustomer(json: IDataObject): string {
	const name = text(json.first_name);
	const email = text(json.email);
	const phone = text(json.phone);
	const address = email ? maskAddress('email', email) : phone ? maskAddress('sms', phone) : null;
	return [name, address].filter(Boolean).join(' · ') || (text(json.customer_id) ? 'customer on file' : 'unknown customer');
}

/**
 * Writes this node's result into the execution's custom data (n8n: at most 10 keys, values up to 255 characters).
 * Later nodes overwrite Result and Stage, so a finished run shows where the customer's sequence ended.
 */
export function reportToExecution(ctx: IExecuteFunctions, json: IDataObject, result: string, stage?: number | null): void {
	const data: IDataObject = { Customer: maskedCustomer(json), Result: result };
	const cart = text(json.cart_id);
	if (cart) data.Cart = cart;
	const value = Number(json.value);
	if (json.value !== undefined && json.value !== null && Number.isFinite(value)) data.Value = formatMoney(value, text(json.currency) ?? 'HUF', text(json.locale) ?? 'hu-HU');
	if (stage) data.Stage = String(stage);
	const cut = (s: string) => (s.length > 255 ? `${s.slice(0, 254)}…` : s);
	try {
		for (const [key, v] of Object.entries(data)) ctx.customData.set(key, cut(String(v)));
	} catch {
		// An n8n without custom execution data (or a context that has none, like a partial test run): the item's
		// `result` still says what happened.
	}
}

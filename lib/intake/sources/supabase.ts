import { createHash } from 'node:crypto';

import type { CartEvent } from '../../store/types';
import { findUnstorableText } from '../body';
import { invalid } from '../errors';
import type { Delivery, MapResult, MappingOptions } from '../types';
import * as v from '../validate';

const TYPES = new Set(['INSERT', 'UPDATE', 'DELETE']);

/**
 * Supabase Database Webhooks: `{ type, table, schema, record, old_record }` for a row of the shop's sessions or
 * carts table (the seed's `user_sessions`), read through configurable column names. A row whose order column
 * holds a value is a purchase. Supabase sends no event id: the id is the table, operation and a hash of the
 * row, so an identical re-delivery is ignored.
 */
export function mapSupabase(body: unknown, _delivery: Delivery, options: MappingOptions): MapResult {
	if (!v.isObject(body)) throw invalid('body', `must be a JSON object, not ${v.typeName(body)}`);
	const op = body.type;
	if (typeof op !== 'string' || !TYPES.has(op)) throw invalid('type', `unknown event ${JSON.stringify(op ?? null).slice(0, 40)} (Supabase sends INSERT, UPDATE or DELETE)`);
	if (op === 'DELETE') return { kind: 'ignored', reason: 'deleted rows are not cart activity' };
	const record = body.record;
	if (!v.isObject(record)) throw invalid('record', `must be an object, not ${v.typeName(record)}`);
	const c = options.supabaseColumns;
	const at = (column: string) => `record.${column}`;
	const cartId = v.requireId(record[c.cartId], at(c.cartId));
	const orderId = c.orderId ? v.optionalId(record[c.orderId], at(c.orderId)) : null;
	const table = `${typeof body.schema === 'string' ? body.schema : 'public'}.${typeof body.table === 'string' ? body.table : '?'}`;
	const country = options.defaultCountry as never;

	const event: CartEvent = {
		source: 'supabase',
		event_id: `${table}:${op}:${createHash('sha256').update(JSON.stringify(record)).digest('hex')}`,
		type: orderId ? 'order' : 'cart',
		cart_id: cartId,
		customer_id: v.optionalId(record[c.customerId], at(c.customerId)),
		email: v.email(record[c.email], at(c.email), false),
		phone: v.phone(record[c.phone], at(c.phone), false, country),
		first_name: v.optionalText(record[c.firstName], at(c.firstName)),
		last_name: v.optionalText(record[c.lastName], at(c.lastName)),
		locale: v.locale(record[c.locale], at(c.locale), false),
		currency: v.currency(record[c.currency], at(c.currency), options.defaultCurrency),
		restore_url: v.url(record[c.restoreUrl], at(c.restoreUrl), false),
	};
	// Channel contacts, when the table has the columns; like email and phone, an unusable value is dropped.
	const psid = c.messengerPsid ? v.messengerPsid(record[c.messengerPsid], at(c.messengerPsid), false) : null;
	if (psid) event.messenger_psid = psid;
	const whatsapp = c.whatsappPhone ? v.phone(record[c.whatsappPhone], at(c.whatsappPhone), false, country) : null;
	if (whatsapp) event.whatsapp_phone = whatsapp;
	const bsuid = c.whatsappBsuid ? v.whatsappBsuid(record[c.whatsappBsuid], at(c.whatsappBsuid), false) : null;
	if (bsuid) event.whatsapp_bsuid = bsuid;
	const occurred = v.timestamp(record[c.lastActivity], at(c.lastActivity));
	if (occurred) event.occurred_at = occurred;
	if (c.items in record) {
		let list = record[c.items];
		if (typeof list === 'string') {
			try {
				list = JSON.parse(list);
			} catch {
				throw invalid(at(c.items), 'must be a JSON array of cart lines');
			}
			// JSON inside a string column: its escapes (\u0000, \ud800) only now become characters.
			const unstorable = findUnstorableText(list, at(c.items));
			if (unstorable) throw invalid(unstorable.field, unstorable.problem);
		}
		event.items = v.items(list, at(c.items), (raw) => ({ ...raw, name: raw.name ?? raw.title ?? raw.product_name }) as v.ItemShape, false);
	}
	const value = v.optionalMoney(record[c.value], at(c.value));
	if (value !== undefined) event.value = value;
	else if (event.items) event.value = v.itemsTotal(event.items);
	if (orderId) {
		event.order_id = orderId;
		event.order_value = (c.orderValue ? v.optionalMoney(record[c.orderValue], at(c.orderValue)) : undefined) ?? event.value ?? null;
	}
	return { kind: 'event', event };
}

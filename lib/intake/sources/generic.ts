import type { CartEvent } from '../../store/types';
import { invalid } from '../errors';
import { bodyFingerprint } from '../signature';
import type { Delivery, MapResult, MappingOptions } from '../types';
import * as v from '../validate';

/**
 * The generic JSON cart event (README, "The generic format"; lib/intake/cart-event.schema.json): the normalised
 * shape itself, validated strictly — a shop that writes its own integration gets told exactly what is wrong.
 */
export function mapGeneric(body: unknown, delivery: Delivery, options: MappingOptions): MapResult {
	if (!v.isObject(body)) throw invalid('body', `must be a JSON object, not ${v.typeName(body)}`);
	const type = body.type ?? 'cart';
	if (type !== 'cart' && type !== 'order') throw invalid('type', `unknown event type ${JSON.stringify(type).slice(0, 40)} (use "cart" or "order")`);
	const country = options.defaultCountry as never;
	const event: CartEvent = {
		source: 'generic',
		event_id: v.optionalId(body.event_id, 'event_id') ?? `sha256:${bodyFingerprint(delivery.rawBody)}`,
		type,
		cart_id: v.requireId(body.cart_id, 'cart_id'),
		customer_id: v.optionalId(body.customer_id, 'customer_id'),
		email: v.email(body.email, 'email', true),
		phone: v.phone(body.phone, 'phone', true, country),
		first_name: v.optionalText(body.first_name, 'first_name'),
		last_name: v.optionalText(body.last_name, 'last_name'),
		locale: v.locale(body.locale, 'locale', true),
		currency: v.currency(body.currency, 'currency', options.defaultCurrency),
		restore_url: v.url(body.restore_url, 'restore_url', true),
	};
	// The channel contacts are set only when given, so events without them keep their shape.
	const psid = v.messengerPsid(body.messenger_psid, 'messenger_psid', true);
	if (psid) event.messenger_psid = psid;
	const whatsapp = v.phone(body.whatsapp_phone, 'whatsapp_phone', true, country);
	if (whatsapp) event.whatsapp_phone = whatsapp;
	const bsuid = v.whatsappBsuid(body.whatsapp_bsuid, 'whatsapp_bsuid', true);
	if (bsuid) event.whatsapp_bsuid = bsuid;
	const occurred = v.timestamp(body.occurred_at, 'occurred_at');
	if (occurred) event.occurred_at = occurred;
	if (body.items !== undefined && body.items !== null) {
		event.items = v.items(body.items, 'items', (raw) => ({ ...raw, name: raw.name ?? raw.title }) as v.ItemShape, true);
	}
	const value = v.optionalMoney(body.value, 'value');
	if (value !== undefined) event.value = value;
	else if (event.items) event.value = v.itemsTotal(event.items);
	if (type === 'order') {
		event.order_id = v.optionalId(body.order_id, 'order_id');
		event.order_value = v.optionalMoney(body.order_value, 'order_value') ?? event.value ?? null;
	}
	return { kind: 'event', event };
}

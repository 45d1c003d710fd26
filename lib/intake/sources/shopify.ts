import type { CartEvent } from '../../store/types';
import { IntakeError, invalid } from '../errors';
import { bodyFingerprint, headerValue } from '../signature';
import type { Delivery, MapResult, MappingOptions } from '../types';
import * as v from '../validate';

const CHECKOUT_TOPICS = new Set(['checkouts/create', 'checkouts/update']);
const ORDER_TOPICS = new Set(['orders/create', 'orders/paid']);

/**
 * Shopify checkout and order webhooks (Admin API webhook payloads, JSON). A checkout is the cart: its
 * `cart_token` (or its own `token` when Shopify sends no cart token) is the cart id; an order carries the same
 * `cart_token` / `checkout_token`, which is how the purchase finds the cart. The event id is Shopify's
 * `X-Shopify-Event-Id` header, the same on every retry (Shopify's guidance for ignoring duplicates).
 * Shopify's HMAC covers the body only, not that header, so a captured delivery replayed with a new event id
 * would pass as new: the delivery is also known by its `X-Shopify-Webhook-Id` and by the hash of the signed
 * body (a retry carries the original payload), and it is a duplicate when any of these was seen.
 */
export function mapShopify(body: unknown, delivery: Delivery, options: MappingOptions): MapResult {
	const topic = headerValue(delivery.headers['x-shopify-topic'])?.trim();
	if (!topic) throw new IntakeError(400, 'X-Shopify-Topic: header is required (Shopify sends it with every webhook)', 'X-Shopify-Topic');
	if (!CHECKOUT_TOPICS.has(topic) && !ORDER_TOPICS.has(topic)) return { kind: 'ignored', reason: `topic ${topic} is not a cart event` };
	if (!v.isObject(body)) throw invalid('body', `must be a JSON object, not ${v.typeName(body)}`);

	const customer = v.isObject(body.customer) ? body.customer : {};
	const billing = v.isObject(body.billing_address) ? body.billing_address : {};
	const shipping = v.isObject(body.shipping_address) ? body.shipping_address : {};
	const country = options.defaultCountry as never;
	const firstPhone = [body.phone, customer.phone, body.sms_marketing_phone, billing.phone, shipping.phone]
		.map((p, i) => v.phone(p, `phone#${i}`, false, country))
		.find(Boolean);
	const isOrder = ORDER_TOPICS.has(topic) || (topic === 'checkouts/update' && !!body.completed_at);
	const resourceId = v.optionalId(body.id, 'id');

	let cartId: string | null;
	if (ORDER_TOPICS.has(topic)) {
		cartId = v.optionalId(body.cart_token, 'cart_token') ?? v.optionalId(body.checkout_token, 'checkout_token');
		if (!cartId) return { kind: 'ignored', reason: 'the order did not come from an online checkout (no cart_token or checkout_token)' };
	} else {
		cartId = v.optionalId(body.cart_token, 'cart_token') ?? v.optionalId(body.token, 'token');
		if (!cartId) throw invalid('token', 'is required: a checkout without cart_token or token cannot be tracked');
	}

	const updatedAt = v.timestamp(body.updated_at ?? body.created_at, body.updated_at ? 'updated_at' : 'created_at');
	const webhookId = v.optionalId(headerValue(delivery.headers['x-shopify-webhook-id']), 'X-Shopify-Webhook-Id');
	const eventId =
		v.optionalId(headerValue(delivery.headers['x-shopify-event-id']), 'X-Shopify-Event-Id') ??
		webhookId ??
		`${topic}:${resourceId ?? cartId}:${updatedAt ?? ''}`;

	const event: CartEvent = {
		source: 'shopify',
		event_id: eventId,
		type: isOrder ? 'order' : 'cart',
		cart_id: cartId,
		customer_id: gidNumber(customer.admin_graphql_api_id) ?? v.optionalId(customer.id, 'customer.id'),
		email: v.email(body.email, 'email', false) ?? v.email(customer.email, 'customer.email', false) ?? v.email(body.contact_email, 'contact_email', false),
		phone: firstPhone ?? null,
		first_name: v.optionalText(customer.first_name ?? billing.first_name ?? shipping.first_name, 'customer.first_name'),
		last_name: v.optionalText(customer.last_name ?? billing.last_name ?? shipping.last_name, 'customer.last_name'),
		locale: v.locale(body.customer_locale, 'customer_locale', false),
		currency: v.currency(body.presentment_currency ?? body.currency, body.presentment_currency ? 'presentment_currency' : 'currency'),
		restore_url: v.url(body.abandoned_checkout_url, 'abandoned_checkout_url', false),
		dedup_keys: [...(webhookId ? [`webhook:${webhookId}`] : []), `body:sha256:${bodyFingerprint(delivery.rawBody)}`],
	};
	if (updatedAt) event.occurred_at = updatedAt;
	event.items = v.items(body.line_items, 'line_items', pickLine, false);
	const total = body.current_total_price ?? body.total_price;
	event.value = total !== undefined && total !== null ? v.money(total, body.current_total_price !== undefined ? 'current_total_price' : 'total_price') : v.itemsTotal(event.items);
	if (isOrder) {
		event.order_id = ORDER_TOPICS.has(topic) ? (gidNumber(body.admin_graphql_api_id) ?? resourceId) : v.optionalId(body.order_id, 'order_id');
		event.order_value = event.value;
	}
	return { kind: 'event', event };
}

/** Shopify's exact id from `gid://shopify/Order/820982911946154508` (the numeric `id` loses digits in JSON.parse). */
function gidNumber(gid: unknown): string | null {
	return typeof gid === 'string' ? (/\/(\d+)$/.exec(gid)?.[1] ?? null) : null;
}

function pickLine(raw: Record<string, unknown>): v.ItemShape {
	const image = v.isObject(raw.image) ? raw.image.src : raw.image_url ?? raw.image;
	return {
		name: raw.presentment_title ?? raw.title ?? raw.name,
		quantity: raw.quantity,
		price: raw.price ?? raw.variant_price,
		sku: raw.sku,
		product_id: raw.product_id,
		image_url: typeof image === 'string' ? image : undefined,
	};
}

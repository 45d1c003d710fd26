import type { CartEvent } from '../../store/types';
import { invalid } from '../errors';
import { headerValue } from '../signature';
import type { Delivery, MapResult, MappingOptions } from '../types';
import * as v from '../validate';

const ORDER_TOPICS = new Set(['order.created', 'order.updated']);

/** WooCommerce pings a new webhook's delivery URL with a form body `webhook_id=<id>` and no signature. */
export function isWooCommercePing(delivery: Delivery): boolean {
	return headerValue(delivery.headers['x-wc-webhook-id']) === undefined && /^webhook_id=\d+$/.test(delivery.rawBody.toString('utf8').trim());
}

/**
 * WooCommerce order webhooks (REST API v3 order JSON) mark carts converted. WooCommerce has no cart
 * webhooks: the shop posts its carts in the generic format and stores the same cart id on the order as
 * meta data (`wooCartIdMetaKey`), which is how the order finds its cart. Unpaid statuses (pending, failed,
 * cancelled…) are not purchases and are ignored.
 */
export function mapWooCommerce(body: unknown, delivery: Delivery, options: MappingOptions): MapResult {
	const topic = headerValue(delivery.headers['x-wc-webhook-topic'])?.trim();
	if (topic && !ORDER_TOPICS.has(topic)) return { kind: 'ignored', reason: `topic ${topic} is not an order event` };
	if (!v.isObject(body)) throw invalid('body', `must be a JSON object, not ${v.typeName(body)}`);
	if (!topic && (body.line_items === undefined || body.status === undefined)) {
		throw invalid('X-WC-Webhook-Topic', 'header is required (WooCommerce sends it with every webhook)');
	}
	const orderId = v.requireId(body.id, 'id');
	const status = v.optionalText(body.status, 'status', 40);
	if (!status || !options.wooPaidStatuses.includes(status)) return { kind: 'ignored', reason: `order status ${status ?? '(none)'} is not a purchase` };

	const meta = Array.isArray(body.meta_data) ? body.meta_data : [];
	const entry = meta.find((m) => v.isObject(m) && m.key === options.wooCartIdMetaKey) as Record<string, unknown> | undefined;
	const cartId = entry ? v.optionalId(entry.value, `meta_data[${options.wooCartIdMetaKey}]`) : null;
	if (!cartId) return { kind: 'ignored', reason: `the order has no ${options.wooCartIdMetaKey} meta data, so it belongs to no tracked cart` };

	const billing = v.isObject(body.billing) ? body.billing : {};
	const modified = gmt(body.date_modified_gmt) ?? body.date_modified;
	const event: CartEvent = {
		source: 'woocommerce',
		event_id: `order.${orderId}.${status}.${typeof modified === 'string' ? modified : ''}`,
		type: 'order',
		cart_id: cartId,
		customer_id: body.customer_id && body.customer_id !== 0 && body.customer_id !== '0' ? v.optionalId(body.customer_id, 'customer_id') : null,
		email: v.email(billing.email, 'billing.email', false),
		phone: v.phone(billing.phone, 'billing.phone', false, options.defaultCountry as never),
		first_name: v.optionalText(billing.first_name, 'billing.first_name'),
		last_name: v.optionalText(billing.last_name, 'billing.last_name'),
		currency: v.currency(body.currency, 'currency'),
		order_id: String(body.number ?? orderId),
		order_value: v.money(body.total, 'total'),
	};
	const occurred = v.timestamp(gmt(body.date_paid_gmt) ?? gmt(body.date_created_gmt) ?? body.date_created, 'date_paid_gmt');
	if (occurred) event.occurred_at = occurred;
	event.value = event.order_value ?? undefined;
	return { kind: 'event', event };
}

/** WooCommerce *_gmt dates carry no zone designator. */
function gmt(value: unknown): string | undefined {
	return typeof value === 'string' && value ? (/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`) : undefined;
}

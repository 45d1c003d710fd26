import type { CartEvent } from '../store/types';
import { IntakeError } from './errors';
import { headerValue, verifyHmac, verifySharedSecret } from './signature';
import { mapGeneric } from './sources/generic';
import { mapShopify } from './sources/shopify';
import { mapSupabase } from './sources/supabase';
import { isWooCommercePing, mapWooCommerce } from './sources/woocommerce';
import type { Delivery, IntakeSource, MapResult, MappingOptions } from './types';

/** The secrets of the Webshop credential that verify a delivery. */
export interface SenderSecrets {
	webhookSecret?: string;
	supabaseHeaderName?: string;
	supabaseHeaderSecret?: string;
}

export interface IntakeConfig {
	source: IntakeSource;
	/** 'signature': HMAC / shared secret per source; 'none': accept anything (the node warns). */
	verification: 'signature' | 'none';
	secrets: SenderSecrets;
	maxBodyBytes: number;
	mapping: MappingOptions;
}

/** Where each source puts its signature, and how it is encoded. */
export const SIGNATURE_HEADERS = {
	generic: { header: 'x-signature', encoding: 'hex', prefix: 'sha256=' },
	shopify: { header: 'x-shopify-hmac-sha256', encoding: 'base64' },
	woocommerce: { header: 'x-wc-webhook-signature', encoding: 'base64' },
} as const;

export type IntakeOutcome = MapResult | { kind: 'ping'; reason: string };

/**
 * Everything the trigger does before the store: body size, sender verification, parsing, mapping and
 * validation. Pure (no I/O): throws IntakeError (400/401/413) for a delivery that must be refused, so a refused
 * delivery never reaches the store.
 */
export function receiveDelivery(delivery: Delivery, config: IntakeConfig): IntakeOutcome {
	const declared = Number(headerValue(delivery.headers['content-length']));
	if (delivery.rawBody.length > config.maxBodyBytes || (Number.isFinite(declared) && declared > config.maxBodyBytes)) {
		throw new IntakeError(413, `body: larger than the limit of ${config.maxBodyBytes} bytes`, 'body');
	}
	if (config.source === 'woocommerce' && isWooCommercePing(delivery)) {
		return { kind: 'ping', reason: 'WooCommerce webhook ping' };
	}
	if (config.verification !== 'none') verifySender(delivery, config);
	return mapBody(parseJson(delivery.rawBody), delivery, config.source, config.mapping);
}

export function verifySender(delivery: Delivery, config: Pick<IntakeConfig, 'source' | 'secrets'>): void {
	const { source, secrets } = config;
	if (source === 'supabase') {
		const name = (secrets.supabaseHeaderName || 'x-webhook-secret').toLowerCase();
		if (!secrets.supabaseHeaderSecret) throw new IntakeError(401, 'signature: the Webshop credential has no Supabase secret header value, so no delivery can be verified', name);
		if (!verifySharedSecret(delivery.headers[name], secrets.supabaseHeaderSecret)) {
			throw new IntakeError(401, `${name}: missing or wrong shared secret`, name);
		}
		return;
	}
	const spec = SIGNATURE_HEADERS[source];
	if (!secrets.webhookSecret) throw new IntakeError(401, 'signature: the Webshop credential has no Webhook Secret, so no delivery can be verified', spec.header);
	const given = delivery.headers[spec.header];
	if (headerValue(given) === undefined) throw new IntakeError(401, `${spec.header}: signature header is missing`, spec.header);
	const ok = verifyHmac({
		given,
		secret: secrets.webhookSecret,
		payload: delivery.rawBody,
		encoding: spec.encoding,
		prefix: 'prefix' in spec ? spec.prefix : undefined,
	});
	if (!ok) throw new IntakeError(401, `${spec.header}: signature does not match the body`, spec.header);
}

export function parseJson(raw: Buffer): unknown {
	const text = raw.toString('utf8').replace(/^\uFEFF/, '');
	if (!text.trim()) throw new IntakeError(400, 'body: is empty (send a JSON object)', 'body');
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new IntakeError(400, `body: not valid JSON (${(error as Error).message.slice(0, 80)})`, 'body');
	}
}

export function mapBody(body: unknown, delivery: Delivery, source: IntakeSource, mapping: MappingOptions): MapResult {
	switch (source) {
		case 'generic':
			return mapGeneric(body, delivery, mapping);
		case 'shopify':
			return mapShopify(body, delivery, mapping);
		case 'woocommerce':
			return mapWooCommerce(body, delivery, mapping);
		case 'supabase':
			return mapSupabase(body, delivery, mapping);
	}
}

/** The item the trigger outputs when a cart enters recovery: the normalised cart, flat, for `$json.cart_id` etc. */
export function cartItem(event: CartEvent, result: { outcome: string; cart_status: string | null }) {
	return {
		cart_id: event.cart_id,
		source: event.source,
		event_id: event.event_id,
		customer_id: event.customer_id ?? null,
		email: event.email ?? null,
		phone: event.phone ?? null,
		first_name: event.first_name ?? null,
		last_name: event.last_name ?? null,
		locale: event.locale ?? null,
		currency: event.currency ?? null,
		value: event.value ?? 0,
		items: event.items ?? [],
		item_count: (event.items ?? []).reduce((n, item) => n + item.quantity, 0),
		restore_url: event.restore_url ?? null,
		occurred_at: event.occurred_at ?? new Date().toISOString(),
		outcome: result.outcome,
		cart_status: result.cart_status,
	};
}

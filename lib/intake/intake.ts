import type { CartEvent } from '../store/types';
import { findUnstorableText, jsonContentTypeProblem } from './body';
import { IntakeError, invalid } from './errors';
import { checkWebshopSignature, DEFAULT_SIGNATURE_TOLERANCE_SECONDS, headerValue, verifyHmac, verifySharedSecret } from './signature';
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
	/** How old (or how far ahead) a generic X-Signature timestamp may be; default 300 s (Webshop credential). */
	signatureToleranceSeconds?: number;
	maxBodyBytes: number;
	mapping: MappingOptions;
}

/** Where each platform puts its body signature, and how it is encoded (generic: checkWebshopSignature). */
export const SIGNATURE_HEADERS = {
	shopify: { header: 'x-shopify-hmac-sha256', encoding: 'base64' },
	woocommerce: { header: 'x-wc-webhook-signature', encoding: 'base64' },
} as const;

export type IntakeOutcome = MapResult | { kind: 'ping'; reason: string };

/**
 * Everything the trigger does before the store: body size, content type, sender verification, parsing, text
 * the store cannot hold, mapping and validation. Pure (no I/O): throws IntakeError (400/401/413/415) for a
 * delivery that must be refused, so a refused delivery never reaches the store.
 */
export function receiveDelivery(delivery: Delivery, config: IntakeConfig): IntakeOutcome {
	const declared = Number(headerValue(delivery.headers['content-length']));
	if (delivery.rawBody.length > config.maxBodyBytes || (Number.isFinite(declared) && declared > config.maxBodyBytes)) {
		throw new IntakeError(413, `body: larger than the limit of ${config.maxBodyBytes} bytes`, 'body');
	}
	if (config.source === 'woocommerce' && isWooCommercePing(delivery)) {
		return { kind: 'ping', reason: 'WooCommerce webhook ping' };
	}
	const notJson = jsonContentTypeProblem(delivery.headers['content-type']);
	if (notJson) throw new IntakeError(415, `content-type: ${notJson}`, 'content-type');
	if (config.verification !== 'none') verifySender(delivery, config);
	const body = parseJson(delivery.rawBody);
	const unstorable = findUnstorableText(body);
	if (unstorable) throw invalid(unstorable.field, unstorable.problem);
	return mapBody(body, delivery, config.source, config.mapping);
}

export function verifySender(delivery: Delivery, config: Pick<IntakeConfig, 'source' | 'secrets' | 'signatureToleranceSeconds'>): void {
	const { source, secrets } = config;
	if (source === 'supabase') {
		const name = (secrets.supabaseHeaderName || 'x-webhook-secret').toLowerCase();
		if (!secrets.supabaseHeaderSecret) throw new IntakeError(401, 'signature: the Webshop credential has no Supabase secret header value, so no delivery can be verified', name);
		if (!verifySharedSecret(delivery.headers[name], secrets.supabaseHeaderSecret)) {
			throw new IntakeError(401, `${name}: missing or wrong shared secret`, name);
		}
		return;
	}
	const header = source === 'generic' ? 'x-signature' : SIGNATURE_HEADERS[source].header;
	if (!secrets.webhookSecret) throw new IntakeError(401, 'signature: the Webshop credential has no Webhook Secret, so no delivery can be verified', header);
	if (source === 'generic') {
		const result = checkWebshopSignature({
			given: delivery.headers[header],
			secret: secrets.webhookSecret,
			path: delivery.path,
			body: delivery.rawBody,
			toleranceSeconds: config.signatureToleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
		});
		if (!result.ok) throw new IntakeError(401, `${header}: ${result.message}`, header);
		return;
	}
	const spec = SIGNATURE_HEADERS[source];
	const given = delivery.headers[header];
	if (headerValue(given) === undefined) throw new IntakeError(401, `${header}: signature header is missing`, header);
	if (!verifyHmac({ given, secret: secrets.webhookSecret, payload: delivery.rawBody, encoding: spec.encoding })) {
		throw new IntakeError(401, `${header}: signature does not match the body`, header);
	}
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
		messenger_psid: event.messenger_psid ?? null,
		whatsapp_phone: event.whatsapp_phone ?? null,
		whatsapp_bsuid: event.whatsapp_bsuid ?? null,
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

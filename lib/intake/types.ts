import type { CartEvent } from '../store/types';

export type IntakeSource = 'generic' | 'shopify' | 'woocommerce' | 'supabase';
export const INTAKE_SOURCES: readonly IntakeSource[] = ['generic', 'shopify', 'woocommerce', 'supabase'];

export type Headers = Record<string, string | string[] | undefined>;

/** One HTTP delivery as the webhook received it. Header names are lower-case (Node's convention). */
export interface Delivery {
	headers: Headers;
	rawBody: Buffer;
	/** The path of the webhook URL it was sent to (a generic X-Signature covers it), e.g. /webhook/<id>/cart-events. */
	path: string;
}

/** Column names of the Supabase table whose Database Webhook posts cart changes (defaults: the seed's user_sessions). */
export interface SupabaseColumns {
	cartId: string;
	customerId: string;
	email: string;
	phone: string;
	/** Messenger page-scoped id (PSID). */
	messengerPsid: string;
	/** WhatsApp number, when it differs from the phone. */
	whatsappPhone: string;
	/** WhatsApp business-scoped user id (BSUID). */
	whatsappBsuid: string;
	firstName: string;
	lastName: string;
	locale: string;
	currency: string;
	value: string;
	items: string;
	lastActivity: string;
	restoreUrl: string;
	/** When this column holds a value the row is an order: the cart converted. */
	orderId: string;
	orderValue: string;
}

export const DEFAULT_SUPABASE_COLUMNS: SupabaseColumns = {
	cartId: 'session_id',
	customerId: 'customer_id',
	email: 'customer_email',
	phone: 'customer_phone',
	messengerPsid: 'messenger_psid',
	whatsappPhone: 'whatsapp_phone',
	whatsappBsuid: 'whatsapp_bsuid',
	firstName: 'first_name',
	lastName: 'last_name',
	locale: 'locale',
	currency: 'currency',
	value: 'cart_value',
	items: 'cart_items',
	lastActivity: 'last_activity',
	restoreUrl: 'restore_url',
	orderId: 'order_id',
	orderValue: 'order_value',
};

export interface MappingOptions {
	/** Currency of events that name none (generic, Supabase). Default HUF. */
	defaultCurrency: string;
	/** Country for phone numbers written without a country code. Default HU. */
	defaultCountry: string;
	supabaseColumns: SupabaseColumns;
	/** WooCommerce order meta_data key holding the cart id the shop used in its cart events. */
	wooCartIdMetaKey: string;
	/** WooCommerce order statuses that count as a purchase. */
	wooPaidStatuses: string[];
}

export const DEFAULT_MAPPING: MappingOptions = {
	defaultCurrency: 'HUF',
	defaultCountry: 'HU',
	supabaseColumns: DEFAULT_SUPABASE_COLUMNS,
	wooCartIdMetaKey: '_cart_recovery_cart_id',
	wooPaidStatuses: ['processing', 'completed', 'on-hold'],
};

/** What a mapper made of a verified, well-formed delivery. */
export type MapResult =
	| { kind: 'event'; event: CartEvent }
	/** A delivery that is valid but not about a cart we track (other topic, ping, POS order…): 202, nothing stored. */
	| { kind: 'ignored'; reason: string };

export type Channel = 'email' | 'sms' | 'messenger' | 'whatsapp';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'messenger', 'whatsapp'];

export type CartStatus = 'active' | 'recovering' | 'converted' | 'recovered' | 'closed';

export type MessageStatus =
	| 'queued'
	| 'released'
	| 'sent'
	| 'delivered'
	| 'opened'
	| 'clicked'
	| 'failed'
	| 'bounced';

export interface CartItem {
	sku?: string;
	name: string;
	quantity: number;
	price: number;
	image_url?: string;
	url?: string;
	[key: string]: unknown;
}

/** One webshop event, normalised from any source (generic JSON, Shopify, WooCommerce, Supabase). */
export interface CartEvent {
	source: string;
	event_id: string;
	type: 'cart' | 'order';
	cart_id: string;
	occurred_at?: string;
	customer_id?: string | null;
	email?: string | null;
	phone?: string | null;
	first_name?: string | null;
	last_name?: string | null;
	locale?: string | null;
	currency?: string;
	value?: number;
	items?: CartItem[];
	restore_url?: string | null;
	order_id?: string | null;
	order_value?: number | null;
}

export type CartEventOutcome =
	| 'duplicate'
	| 'enrolled'
	| 'updated'
	| 'cooldown'
	| 'ignored'
	| 'converted'
	| 'recovered';

export interface RecordCartEventResult {
	duplicate: boolean;
	enrolled: boolean;
	outcome: CartEventOutcome;
	cart_status: CartStatus | null;
	recovered_value?: number | null;
}

export interface CartMessageSummary {
	message_id: string;
	stage: number;
	channel: Channel;
	status: MessageStatus;
	provider_id: string | null;
	sent_at: string | null;
	error: string | null;
}

export interface Cart {
	cart_id: string;
	source: string;
	customer_id: string | null;
	email: string | null;
	phone: string | null;
	first_name: string | null;
	last_name: string | null;
	locale: string | null;
	currency: string;
	value: number;
	items: CartItem[];
	restore_url: string | null;
	status: CartStatus;
	created_at: string;
	last_activity_at: string;
	recovery_started_at: string | null;
	returned_at: string | null;
	converted_at: string | null;
	order_id: string | null;
	order_value: number | null;
	recovered_value: number | null;
	updated_at: string;
	messages: CartMessageSummary[];
}

export interface ClaimMessageInput {
	cartId: string;
	stage: number;
	channel: Channel;
	campaign?: string | null;
	variant?: string | null;
}

export type ClaimMessageResult =
	| { claimed: true; message_id: string; claim_token: string; status: 'queued'; attempts: number }
	| {
			claimed: false;
			message_id: string;
			status: MessageStatus;
			attempts: number;
			provider_id: string | null;
	  };

export interface CompleteMessageInput {
	messageId: string;
	claimToken: string;
	/** sent: the provider accepted it; failed: permanent error; released: certainly not accepted, may be claimed again. */
	status: 'sent' | 'failed' | 'released';
	providerId?: string | null;
	error?: string | null;
}

export interface CompleteMessageResult {
	completed: boolean;
	message_id: string;
	status: MessageStatus;
	provider_id: string | null;
	sent_at?: string | null;
}

export interface SchemaVersion {
	version: number;
	migrations: Array<{ version: number; name: string }>;
}

// ── Delivery (migration 3) ────────────────────────────────────────────────────────────────────────────
export interface ClaimDeliveryInput extends ClaimMessageInput {
	/** At most this many messages on the channel per customer within capWindowSeconds; null/0 = no cap. */
	capMax?: number | null;
	capWindowSeconds?: number | null;
}

export type ClaimDeliveryResult =
	| { claimed: true; reason: 'claimed'; message_id: string; claim_token: string; status: 'queued'; attempts: number }
	| {
			claimed: false;
			reason: 'already_claimed';
			message_id: string;
			status: MessageStatus;
			attempts: number;
			provider_id: string | null;
	  }
	| { claimed: false; reason: 'frequency_cap'; recent: number; next_allowed_at: string };

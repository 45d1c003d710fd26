import { StoreError } from './errors';
import { describeMissingMigrations, latestSchemaVersion } from './migrations';
import type { Transport } from './transports/Transport';
import type {
	Cart,
	CartEvent,
	ClaimDeliveryInput,
	ClaimDeliveryResult,
	ClaimMessageInput,
	ClaimMessageResult,
	CompleteMessageInput,
	CompleteMessageResult,
	RecordCartEventResult,
	SchemaVersion,
} from './types';

export interface StoreTransport extends Transport {
	currentVersion(): Promise<number>;
	/** Present on transports that may run DDL (Postgres, Embedded). */
	migrate?(): Promise<number>;
}

export interface RecordCartEventOptions {
	/** A customer who entered recovery this recently does not enter it again with another cart. Default 24 h. */
	cooldownSeconds?: number;
	/** An order within this long after a sent follow-up counts as recovered. Default 5 days. */
	attributionSeconds?: number;
}

/**
 * The typed store API: one method per SQL function in supabase/migrations. Every method is one atomic call,
 * so any number of n8n processes can share a store.
 */
export class CartRecoveryStore {
	private readiness?: Promise<number>;

	constructor(readonly transport: StoreTransport) {}

	/** Brings the schema up to date (Postgres, Embedded) or checks it is (Supabase). Runs once per store. */
	ready(): Promise<number> {
		this.readiness ??= this.prepare().catch((error) => {
			this.readiness = undefined;
			throw error;
		});
		return this.readiness;
	}

	private async prepare(): Promise<number> {
		const latest = latestSchemaVersion();
		const version = this.transport.migrate ? await this.transport.migrate() : await this.transport.currentVersion();
		if (version < latest) {
			throw new StoreError(
				`The Cart Recovery schema is at version ${version}, this package needs version ${latest}. ${describeMissingMigrations(version)}`,
				'SCHEMA_OUTDATED',
			);
		}
		return version;
	}

	private async call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
		await this.ready();
		return this.transport.call<T>(fn, args);
	}

	async schemaVersion(): Promise<SchemaVersion> {
		return this.call<SchemaVersion>('cart_recovery_schema_version', {});
	}

	async recordCartEvent(event: CartEvent, options: RecordCartEventOptions = {}): Promise<RecordCartEventResult> {
		return this.call<RecordCartEventResult>('cart_recovery_record_cart_event', {
			p_event: event,
			p_cooldown_seconds: options.cooldownSeconds,
			p_attribution_seconds: options.attributionSeconds,
		});
	}

	async getCart(cartId: string): Promise<Cart | null> {
		const cart = await this.call<Cart | null>('cart_recovery_get_cart', { p_cart_id: cartId });
		return cart ? normaliseCart(cart) : null;
	}

	async claimMessage(input: ClaimMessageInput): Promise<ClaimMessageResult> {
		return this.call<ClaimMessageResult>('cart_recovery_claim_message', {
			p_cart_id: input.cartId,
			p_stage: input.stage,
			p_channel: input.channel,
			p_campaign: input.campaign ?? null,
			p_variant: input.variant ?? null,
		});
	}

	async completeMessage(input: CompleteMessageInput): Promise<CompleteMessageResult> {
		return this.call<CompleteMessageResult>('cart_recovery_complete_message', {
			p_message_id: input.messageId,
			p_claim_token: input.claimToken,
			p_status: input.status,
			p_provider_id: input.providerId ?? null,
			p_error: input.error ?? null,
		});
	}

	/**
	 * Claims (cart, stage, channel) like claimMessage, after the per-customer frequency cap for the channel —
	 * both in one atomic call (migration 3), so concurrent workers cannot both pass the cap.
	 */
	async claimDelivery(input: ClaimDeliveryInput): Promise<ClaimDeliveryResult> {
		return this.call<ClaimDeliveryResult>('cart_recovery_claim_delivery', {
			p_cart_id: input.cartId,
			p_stage: input.stage,
			p_channel: input.channel,
			p_campaign: input.campaign ?? null,
			p_variant: input.variant ?? null,
			p_cap_max: input.capMax ?? null,
			p_cap_window_seconds: input.capWindowSeconds ?? null,
		});
	}

	async close(): Promise<void> {
		await this.transport.close();
	}
}

/** numeric columns arrive as JSON numbers from jsonb; keep them numbers whatever the transport. */
function normaliseCart(cart: Cart): Cart {
	return {
		...cart,
		value: Number(cart.value),
		order_value: cart.order_value === null ? null : Number(cart.order_value),
		recovered_value: cart.recovered_value === null ? null : Number(cart.recovered_value),
	};
}

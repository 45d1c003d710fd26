import { createClient, type SupabaseClient } from '@supabase/supabase-js';

import { StoreError } from '../errors';
import type { Transport } from './Transport';

export interface SupabaseOptions {
	url: string;
	/** The service-role key: the store functions are revoked from anon and authenticated users. */
	serviceRoleKey: string;
}

/**
 * Supabase through supabase-js `rpc`, i.e. PostgREST's `POST /rest/v1/rpc/<function>`. It cannot run DDL,
 * so migrations are applied by the user (Supabase CLI or SQL editor); the credential test says which.
 */
export class SupabaseTransport implements Transport {
	readonly kind = 'supabase' as const;
	private readonly client: SupabaseClient;

	constructor(options: SupabaseOptions) {
		this.client = createClient(options.url.replace(/\/+$/, ''), options.serviceRoleKey, {
			auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
		});
	}

	async call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
		const named = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
		const { data, error } = await this.client.rpc(fn, named);
		if (error) {
			throw new StoreError(error.message, error.code || undefined, error.hint || undefined);
		}
		return data as T;
	}

	async currentVersion(): Promise<number> {
		try {
			const result = await this.call<{ version: number }>('cart_recovery_schema_version', {});
			return Number(result.version);
		} catch (error) {
			if (error instanceof StoreError && error.isMissingFunction) return 0;
			throw error;
		}
	}

	async close(): Promise<void> {
		// supabase-js holds no connection of its own: each rpc is an HTTP request.
	}
}

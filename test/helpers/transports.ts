// The three store transports as test setups: the Postgres server (pg), PGlite in-process, and supabase-js
// through the loopback PostgREST fake that calls the real SQL functions. Each setup gets a store of its own
// (a fresh database, a fresh PGlite directory) plus direct SQL on the same database, for arranging what the
// store API cannot (e.g. ageing rows for purge) and for reading tables in assertions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { CartRecoveryStore, EmbeddedTransport, PostgresTransport, SupabaseTransport } from '../../lib/store';
import { startPostgrestFake, type PostgrestFake } from '../fakes/postgrest';
import { freshDatabase } from './postgres';

export type TransportKind = 'postgres' | 'embedded' | 'supabase';

export interface TransportSetup {
	kind: TransportKind;
	store: CartRecoveryStore;
	/** Direct SQL on the store's database (after migrations), bypassing the store API. */
	sql<R = Record<string, unknown>>(query: string, params?: unknown[]): Promise<R[]>;
	/** Supabase only: every RPC request supabase-js made to the PostgREST fake. */
	rpcRequests?: PostgrestFake['requests'];
	teardown(): Promise<void>;
}

export const SERVICE_ROLE_KEY = 'service-role-test-key';

interface Queryable {
	query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * [name, setup] for each transport; `label` names the databases (`<label>_pg`, `<label>_supabase`).
 * The names are the ones the store suites have always printed.
 */
export function storeTransports(label: string): Array<[string, () => Promise<TransportSetup>]> {
	return [
		[
			'postgres',
			async () => {
				const db = await freshDatabase(`${label}_pg`);
				const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: 60 }));
				return {
					kind: 'postgres',
					store,
					sql: async <R>(query: string, params: unknown[] = []) => (await store.ready(), (await db.pool.query(query, params)).rows as R[]),
					teardown: async () => (await store.close(), await db.drop()),
				};
			},
		],
		[
			'embedded (PGlite)',
			async () => {
				const dir = mkdtempSync(path.join(tmpdir(), 'cr-pglite-'));
				const transport = new EmbeddedTransport(dir);
				const store = new CartRecoveryStore(transport);
				// PGlite allows one connection per process: reach the transport's own database (as the consent suite does).
				const open = () => (transport as unknown as { open(): Promise<Queryable> }).open();
				return {
					kind: 'embedded',
					store,
					sql: async <R>(query: string, params: unknown[] = []) => (await store.ready(), (await (await open()).query(query, params)).rows as R[]),
					teardown: () => store.close(),
				};
			},
		],
		[
			'supabase (supabase-js → PostgREST)',
			async () => {
				const db = await freshDatabase(`${label}_supabase`);
				// The user applies migrations in Supabase; here the Postgres transport stands in for the SQL editor.
				const migrator = new PostgresTransport({ connectionString: db.url });
				await migrator.migrate();
				await migrator.close();
				const fake = await startPostgrestFake({ databaseUrl: db.url, serviceRoleKey: SERVICE_ROLE_KEY });
				const store = new CartRecoveryStore(new SupabaseTransport({ url: fake.url, serviceRoleKey: SERVICE_ROLE_KEY }));
				return {
					kind: 'supabase',
					store,
					sql: async <R>(query: string, params: unknown[] = []) => (await db.pool.query(query, params)).rows as R[],
					rpcRequests: fake.requests,
					teardown: async () => (await fake.close(), await db.drop()),
				};
			},
		],
	];
}

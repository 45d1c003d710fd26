import { Pool, type PoolConfig } from 'pg';

import { StoreError } from '../errors';
import { loadMigrations, MIGRATION_LOCK_KEY, readSchemaVersion } from '../migrations';
import { buildCallSql, type Transport } from './Transport';

export interface PostgresOptions {
	host: string;
	port: number;
	database: string;
	user: string;
	password?: string;
	/** disable: plain TCP; require: TLS without verifying the certificate; verify-full: TLS, verified (optionally against `ca`). */
	ssl: 'disable' | 'require' | 'verify-full';
	ca?: string;
	maxConnections?: number;
}

export function toPoolConfig(o: PostgresOptions): PoolConfig {
	return {
		host: o.host,
		port: o.port,
		database: o.database,
		user: o.user,
		password: o.password || undefined,
		max: o.maxConnections ?? 10,
		idleTimeoutMillis: 30_000,
		connectionTimeoutMillis: 10_000,
		ssl:
			o.ssl === 'disable'
				? false
				: o.ssl === 'require'
					? { rejectUnauthorized: false }
					: { rejectUnauthorized: true, ca: o.ca || undefined },
	};
}

export function toStoreError(error: unknown): StoreError {
	if (error instanceof StoreError) return error;
	const e = error as { message?: string; code?: string; hint?: string };
	return new StoreError(e?.message ?? String(error), e?.code, e?.hint);
}

/** Direct connection to a Postgres server through a pooled `pg` client. Applies pending migrations itself. */
export class PostgresTransport implements Transport {
	readonly kind = 'postgres' as const;
	private readonly pool: Pool;

	constructor(options: PostgresOptions | PoolConfig) {
		this.pool = new Pool('ssl' in options && typeof options.ssl === 'string' ? toPoolConfig(options as PostgresOptions) : (options as PoolConfig));
		// An idle client losing its connection must not crash n8n; the next call gets a fresh one.
		this.pool.on('error', () => undefined);
	}

	async call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
		const { sql, params } = buildCallSql(fn, args);
		try {
			const result = await this.pool.query(sql, params);
			return result.rows[0]?.result as T;
		} catch (error) {
			throw toStoreError(error);
		}
	}

	async currentVersion(): Promise<number> {
		try {
			return await readSchemaVersion((sql) => this.pool.query(sql));
		} catch (error) {
			throw toStoreError(error);
		}
	}

	/**
	 * Applies pending migrations, each in its own transaction, under a session advisory lock so that several
	 * n8n processes starting at once apply each migration exactly once.
	 */
	async migrate(): Promise<number> {
		const migrations = loadMigrations();
		const client = await this.pool.connect().catch((error) => {
			throw toStoreError(error);
		});
		try {
			await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
			try {
				let current = await readSchemaVersion((sql) => client.query(sql));
				for (const migration of migrations.filter((m) => m.version > current)) {
					await client.query('begin');
					try {
						await client.query(migration.sql);
						await client.query('commit');
					} catch (error) {
						await client.query('rollback');
						throw new StoreError(`Migration ${migration.file} failed: ${(error as Error).message}`, (error as { code?: string }).code);
					}
					current = migration.version;
				}
				return current;
			} finally {
				await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
			}
		} catch (error) {
			throw toStoreError(error);
		} finally {
			client.release();
		}
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}

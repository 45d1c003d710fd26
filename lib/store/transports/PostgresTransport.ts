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

/**
 * Socket errors and Postgres codes (57P01–57P03: shutting down, not accepting connections yet; class 08: connection
 * exception) that mean the server is down or went away, not that the call was wrong — in words: n8n replaces a
 * node error whose message contains "ECONNREFUSED" (and the like) with a generic line that names no store.
 */
const UNREACHABLE: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	EPIPE: 'connection closed',
	ETIMEDOUT: 'connection timed out',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	'57P01': 'the server is shutting down',
	'57P02': 'the server is shutting down',
	'57P03': 'the server is not accepting connections yet',
};
const DROPPED = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** `where` (host:port) names the server when the error is that it cannot be reached. */
export function toStoreError(error: unknown, where?: string): StoreError {
	if (error instanceof StoreError) return error;
	const e = error as { message?: string; code?: string; hint?: string };
	const message = e?.message ?? String(error);
	const reason = e?.code ? (UNREACHABLE[e.code] ?? (e.code.startsWith('08') ? 'connection failed' : undefined)) : undefined;
	if (where && (reason || DROPPED.test(message))) {
		return new StoreError(`Cannot reach the Cart Recovery Store (Postgres at ${where}): ${reason ?? message.replace(/\.$/, '').toLowerCase()}`, e?.code, 'Check that the Postgres server is running and reachable from n8n, then retry');
	}
	return new StoreError(message, e?.code, e?.hint);
}

/** Direct connection to a Postgres server through a pooled `pg` client. Applies pending migrations itself. */
export class PostgresTransport implements Transport {
	readonly kind = 'postgres' as const;
	private readonly pool: Pool;
	private readonly where: string;

	constructor(options: PostgresOptions | PoolConfig) {
		this.pool = new Pool('ssl' in options && typeof options.ssl === 'string' ? toPoolConfig(options as PostgresOptions) : (options as PoolConfig));
		const { host, port } = this.pool.options as { host?: string; port?: number; connectionString?: string };
		let url: URL | undefined;
		try {
			url = this.pool.options.connectionString ? new URL(this.pool.options.connectionString) : undefined;
		} catch {
			url = undefined;
		}
		this.where = `${url?.hostname || host || 'localhost'}:${url?.port || port || 5432}`;
		// An idle client losing its connection must not crash n8n; the next call gets a fresh one.
		this.pool.on('error', () => undefined);
	}

	async call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
		const { sql, params } = buildCallSql(fn, args);
		try {
			const result = await this.pool.query(sql, params);
			return result.rows[0]?.result as T;
		} catch (error) {
			throw toStoreError(error, this.where);
		}
	}

	async currentVersion(): Promise<number> {
		try {
			return await readSchemaVersion((sql) => this.pool.query(sql));
		} catch (error) {
			throw toStoreError(error, this.where);
		}
	}

	/**
	 * Applies pending migrations, each in its own transaction, under a session advisory lock so that several
	 * n8n processes starting at once apply each migration exactly once.
	 */
	async migrate(): Promise<number> {
		const migrations = loadMigrations();
		const client = await this.pool.connect().catch((error) => {
			throw toStoreError(error, this.where);
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
			throw toStoreError(error, this.where);
		} finally {
			client.release();
		}
	}

	async close(): Promise<void> {
		await this.pool.end();
	}
}

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

import { StoreError } from '../errors';
import { loadMigrations, readSchemaVersion } from '../migrations';
import { toStoreError } from './PostgresTransport';
import { buildCallSql, type Transport } from './Transport';

/** Default data directory: beside n8n's own data, so it travels with the n8n user folder. */
export function defaultEmbeddedDataDir(): string {
	const userFolder = process.env.N8N_USER_FOLDER || os.homedir();
	return path.join(userFolder, '.n8n', 'cart-recovery-store');
}

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * PGlite (Postgres compiled to WebAssembly) running inside the n8n process. One process may open a data
 * directory: a lock file stops a second n8n process (e.g. a queue-mode worker) with a clear error instead of
 * corrupting the data.
 */
export class EmbeddedTransport implements Transport {
	readonly kind = 'embedded' as const;
	private db?: PGlite;
	private opening?: Promise<PGlite>;
	private readonly lockFile: string;
	// PGlite runs one query at a time; a queue keeps a migration from interleaving with calls.
	private tail: Promise<unknown> = Promise.resolve();

	constructor(readonly dataDir: string = defaultEmbeddedDataDir()) {
		this.lockFile = path.join(this.dataDir, 'cart-recovery.lock');
	}

	/** Creates the lock file atomically; a lock left by a process that is gone is taken over. */
	private takeLock(): void {
		mkdirSync(this.dataDir, { recursive: true });
		for (let attempt = 0; attempt < 3; attempt++) {
			try {
				const fd = openSync(this.lockFile, 'wx');
				writeSync(fd, String(process.pid));
				closeSync(fd);
				return;
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw toStoreError(error);
			}
			const holder = Number(readFileSync(this.lockFile, 'utf8')) || 0;
			if (holder === process.pid) return;
			if (holder && processAlive(holder)) {
				throw new StoreError(
					`The Embedded store at ${this.dataDir} is open in another process (pid ${holder}). ` +
						'Embedded runs inside a single n8n process; with queue-mode workers use the Postgres or Supabase transport.',
					'EMBEDDED_LOCKED',
				);
			}
			rmSync(this.lockFile, { force: true }); // stale: its process is gone
		}
		throw new StoreError(`Could not lock the Embedded store at ${this.dataDir}`, 'EMBEDDED_LOCKED');
	}

	private async open(): Promise<PGlite> {
		if (this.db) return this.db;
		this.opening ??= (async () => {
			this.takeLock();
			const { PGlite } = await import('@electric-sql/pglite');
			const db = await PGlite.create(this.dataDir);
			this.db = db;
			return db;
		})();
		try {
			return await this.opening;
		} catch (error) {
			this.opening = undefined;
			throw toStoreError(error);
		}
	}

	private serial<T>(work: (db: PGlite) => Promise<T>): Promise<T> {
		const run = this.tail.then(async () => work(await this.open()));
		this.tail = run.catch(() => undefined);
		return run;
	}

	async call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
		const { sql, params } = buildCallSql(fn, args);
		return this.serial(async (db) => {
			try {
				const result = await db.query<{ result: T }>(sql, params);
				return result.rows[0]?.result as T;
			} catch (error) {
				throw toStoreError(error);
			}
		});
	}

	async currentVersion(): Promise<number> {
		return this.serial(async (db) => readSchemaVersion((sql) => db.query(sql)));
	}

	async migrate(): Promise<number> {
		return this.serial(async (db) => {
			let current = await readSchemaVersion((sql) => db.query(sql));
			for (const migration of loadMigrations().filter((m) => m.version > current)) {
				try {
					await db.transaction(async (tx) => {
						await tx.exec(migration.sql);
					});
				} catch (error) {
					throw new StoreError(`Migration ${migration.file} failed: ${(error as Error).message}`, (error as { code?: string }).code);
				}
				current = migration.version;
			}
			return current;
		});
	}

	async close(): Promise<void> {
		const db = this.db;
		this.db = undefined;
		this.opening = undefined;
		if (db) {
			await this.tail;
			await db.close();
		}
		try {
			if (Number(readFileSync(this.lockFile, 'utf8')) === process.pid) rmSync(this.lockFile);
		} catch {
			// already gone
		}
	}
}

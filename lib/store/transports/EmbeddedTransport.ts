import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

import { DATA_DIRECTORY_ERROR } from '../embeddedFolder';
import { StoreError } from '../errors';
import { loadMigrations, readSchemaVersion } from '../migrations';
import { toStoreError } from './PostgresTransport';
import { buildCallSql, type Transport } from './Transport';

const LOCK_FILE = 'cart-recovery.lock';

/**
 * Creates the data directory, or checks an existing one, and makes it private (0700). Called at every open: a
 * folder loosened since (a restore, a chmod) is corrected. Refuses a non-empty folder that is not a store, so a
 * mistyped Data Directory never turns someone's files into a database.
 */
function prepareDataDir(dataDir: string): void {
	const fail = (error: unknown): never => {
		const e = error as NodeJS.ErrnoException;
		throw new StoreError(`Data Directory ${dataDir} cannot be made private to n8n (${e.code ?? e.message}): does it belong to another user?`, DATA_DIRECTORY_ERROR);
	};
	if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) throw new StoreError(`Data Directory ${dataDir} is a file, not a folder.`, DATA_DIRECTORY_ERROR);
	try {
		mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	} catch (error) {
		fail(error);
	}
	const foreign = readdirSync(dataDir).filter((name) => name !== LOCK_FILE);
	if (foreign.length && !existsSync(path.join(dataDir, 'PG_VERSION'))) {
		throw new StoreError(
			`Data Directory ${dataDir} is not empty and holds no Cart Recovery store (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}). ` +
				'Choose an empty or new folder, or leave Data Directory empty to use this credential’s own folder.',
			DATA_DIRECTORY_ERROR,
		);
	}
	try {
		chmodSync(dataDir, 0o700);
	} catch (error) {
		fail(error);
	}
}

/**
 * Takes group and world access away from everything in the data directory. PGlite (Emscripten's file system)
 * creates its files 0666 whatever the umask; the directory's 0700 already keeps other users out, this keeps the
 * files private too when the folder is copied, backed up or loosened.
 */
function keepPrivate(dir: string): void {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, entry.name);
		if (entry.isSymbolicLink()) continue;
		const mode = lstatSync(p).mode & 0o777;
		if (mode & 0o077) chmodSync(p, mode & 0o700);
		if (entry.isDirectory()) keepPrivate(p);
	}
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

	/** `dataDir` as given (tests, tools); credentials reach it through resolveEmbeddedDataDir (../embeddedFolder). */
	constructor(readonly dataDir: string) {
		this.lockFile = path.join(this.dataDir, LOCK_FILE);
	}

	/** Creates the lock file atomically; a lock left by a process that is gone is taken over. */
	private takeLock(): void {
		for (let attempt = 0; attempt < 3; attempt++) {
			try {
				const fd = openSync(this.lockFile, 'wx', 0o600);
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
			prepareDataDir(this.dataDir);
			this.takeLock();
			const { PGlite } = await import('@electric-sql/pglite');
			const db = await PGlite.create(this.dataDir);
			keepPrivate(this.dataDir);
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
			keepPrivate(this.dataDir); // the tables a migration created
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
			try {
				keepPrivate(this.dataDir);
			} catch {
				// the next open corrects it
			}
		}
		try {
			if (Number(readFileSync(this.lockFile, 'utf8')) === process.pid) rmSync(this.lockFile);
		} catch {
			// already gone
		}
	}
}

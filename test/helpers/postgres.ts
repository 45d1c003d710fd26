import { randomBytes } from 'node:crypto';
import pg from 'pg';

import type { StoreCredentials } from '../../lib/store';

/** The Postgres server tests use; on CI and this machine 127.0.0.1:5432, database test, trust auth. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
	name: string;
	url: string;
	credentials: StoreCredentials;
	/** A pool on the database for assertions that read the tables directly. */
	pool: pg.Pool;
	drop(): Promise<void>;
}

/**
 * Supabase's API roles (cluster-wide, no login), so every test database runs the migrations' Supabase blocks
 * (revokes from anon/authenticated, grants to service_role) and the PostgREST fake can act as service_role.
 */
async function ensureSupabaseRoles(admin: pg.Client): Promise<void> {
	for (const role of ['anon', 'authenticated', 'service_role']) {
		try {
			await admin.query(`do $$ begin if not exists (select 1 from pg_roles where rolname = '${role}') then create role ${role} nologin; end if; end $$`);
		} catch (error) {
			// Two test files creating the role at once: the loser sees a duplicate, which is the state we want.
			if (!['42710', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
		}
	}
}

/** A database of its own for one test file, created on the TEST_DATABASE_URL server and dropped after. */
export async function freshDatabase(label: string): Promise<TestDatabase> {
	const server = new URL(TEST_DATABASE_URL);
	const name = `cr_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
	const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
	await admin.connect();
	await ensureSupabaseRoles(admin);
	await admin.query(`create database ${name}`);
	await admin.end();
	const url = new URL(server);
	url.pathname = `/${name}`;
	const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
	pool.on('error', () => undefined); // idle clients cut off by drop(force) must not fail the run
	return {
		name,
		url: url.toString(),
		credentials: {
			transport: 'postgres',
			host: server.hostname,
			port: Number(server.port || 5432),
			database: name,
			user: decodeURIComponent(server.username || 'postgres'),
			password: decodeURIComponent(server.password || ''),
			ssl: 'disable',
			maxConnections: 60,
		},
		pool,
		async drop() {
			await pool.end();
			const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
			await cleanup.connect();
			await cleanup.query(`drop database if exists ${name} with (force)`);
			await cleanup.end();
		},
	};
}

/** A database an earlier benchmark kept (--keep), opened without creating or dropping it (drop() only closes the pool). */
export function existingDatabase(name: string): TestDatabase {
	const url = new URL(TEST_DATABASE_URL);
	url.pathname = `/${name}`;
	const pool = new pg.Pool({ connectionString: url.toString() });
	return { name, url: url.toString(), credentials: { transport: 'postgres', host: url.hostname, port: Number(url.port || 5432), database: name, user: decodeURIComponent(url.username) }, pool, drop: async () => { await pool.end(); } };
}

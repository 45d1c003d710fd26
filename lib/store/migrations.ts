import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Migration {
	version: number;
	name: string;
	file: string;
	sql: string;
}

/** Source tree: <root>/supabase/migrations; built package: dist/supabase/migrations (copied by gulp). */
export const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', 'supabase', 'migrations');

let cached: Migration[] | undefined;

/**
 * The migrations in order. Files are named `<timestamp>_<name>.sql` (the Supabase CLI's convention) and each
 * ends by recording its own schema version in cart_recovery.schema_migrations; versions rise with the files.
 */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
	if (cached && dir === MIGRATIONS_DIR) return cached;
	const files = readdirSync(dir)
		.filter((f) => /^\d{14}_[a-z0-9_]+\.sql$/.test(f))
		.sort();
	let previous = 0;
	const migrations = files.map((file) => {
		const sql = readFileSync(path.join(dir, file), 'utf8');
		const recorded = /insert into cart_recovery\.schema_migrations\s*\(version, name\)\s*values\s*\((\d+),/.exec(sql);
		if (!recorded) throw new Error(`Migration ${file} must end by recording its version in cart_recovery.schema_migrations`);
		const version = Number(recorded[1]);
		if (version <= previous) throw new Error(`Migration ${file} records version ${version}, not above the previous file's ${previous}`);
		previous = version;
		return { version, name: file.replace(/^\d{14}_/, '').replace(/\.sql$/, ''), file, sql };
	});
	if (dir === MIGRATIONS_DIR) cached = migrations;
	return migrations;
}

export function latestSchemaVersion(): number {
	return loadMigrations().at(-1)?.version ?? 0;
}

/**
 * Reads the applied schema version, 0 before the first migration ran. Two statements because a query naming
 * a table that does not exist fails while it is parsed, whatever a CASE around it says.
 */
export async function readSchemaVersion(query: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }>): Promise<number> {
	const table = await query(`select to_regclass('cart_recovery.schema_migrations') is not null as present`);
	if (!table.rows[0].present) return 0;
	const result = await query('select coalesce(max(version), 0)::int as version from cart_recovery.schema_migrations');
	return Number(result.rows[0].version);
}

/** Arbitrary constant key for pg_advisory_lock: serialises migration runs across processes. */
export const MIGRATION_LOCK_KEY = 746_281_903;

/** Human instructions for a store that is behind: which files to run, in order. */
export function describeMissingMigrations(current: number): string {
	const missing = loadMigrations().filter((m) => m.version > current);
	if (missing.length === 0) return '';
	return `Run ${missing.length === 1 ? 'this migration' : 'these migrations, in order,'} in the Supabase SQL editor (or \`supabase db push\`): ${missing
		.map((m) => `supabase/migrations/${m.file}`)
		.join(', ')}`;
}

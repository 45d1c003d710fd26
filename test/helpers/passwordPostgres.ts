// A throwaway Postgres server with password (SCRAM) authentication, for tests that must see a wrong password
// rejected. The machine's main server (127.0.0.1:5432) trusts every local connection, so it cannot.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { StoreCredentials } from '../../lib/store';

export interface PasswordPostgres {
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
	/** A connection string with the right password. */
	url: string;
	/** Store credentials (Postgres transport) with the right password. */
	credentials: StoreCredentials;
	stop(): Promise<void>;
}

/** The newest Debian Postgres install (/usr/lib/postgresql/<major>/bin), or PG_BIN_DIR. */
function binDir(): string {
	if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
	const root = '/usr/lib/postgresql';
	const majors = existsSync(root) ? readdirSync(root).filter((d) => existsSync(path.join(root, d, 'bin', 'initdb'))) : [];
	if (!majors.length) throw new Error('passwordPostgres: no initdb under /usr/lib/postgresql/*/bin (set PG_BIN_DIR)');
	majors.sort((a, b) => Number(b) - Number(a));
	return path.join(root, majors[0], 'bin');
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const port = (server.address() as { port: number }).port;
			server.close(() => resolve(port));
		});
	});
}

const running = new Set<string>();
process.once('exit', () => {
	for (const dir of running) {
		try {
			execFileSync('runuser', ['-u', 'postgres', '--', path.join(binDir(), 'pg_ctl'), '-D', path.join(dir, 'data'), '-m', 'immediate', 'stop'], { stdio: 'ignore' });
		} catch {
			/* already gone */
		}
		rmSync(dir, { recursive: true, force: true });
	}
});

/**
 * initdb + pg_ctl start as the `postgres` OS user (tests run as root) on a free loopback port, with
 * scram-sha-256 for every connection, and a login role `cart_user` owning database `cart_store`.
 */
export async function startPasswordPostgres(options: { user?: string; password?: string; database?: string } = {}): Promise<PasswordPostgres> {
	const user = options.user ?? 'cart_user';
	const password = options.password ?? 'right-Passw0rd';
	const database = options.database ?? 'cart_store';
	const bin = binDir();
	const dir = mkdtempSync(path.join(tmpdir(), 'cr-pgpw-'));
	const data = path.join(dir, 'data');
	const superPassword = 'super-' + Math.random().toString(36).slice(2);
	const pwfile = path.join(dir, 'pwfile');
	writeFileSync(pwfile, superPassword + '\n');
	const asRoot = process.getuid?.() === 0;
	if (asRoot) {
		const pgUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
		const pgGid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
		chownSync(dir, pgUid, pgGid);
		chownSync(pwfile, pgUid, pgGid);
	}
	chmodSync(dir, 0o700);
	const run = (cmd: string, args: string[]) =>
		execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe', cwd: dir });
	const port = await freePort();
	try {
		run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
		running.add(dir);
		run(path.join(bin, 'pg_ctl'), [
			'-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30',
			'-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
			'start',
		]);
		const sql = [
			'-c', `create role ${user} login password '${password.replace(/'/g, "''")}'`,
			'-c', `create database ${database} owner ${user}`,
		];
		execFileSync(asRoot ? 'runuser' : 'psql', [...(asRoot ? ['-u', 'postgres', '--', path.join(bin, 'psql')] : []), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', ...sql], {
			env: { ...process.env, PGPASSWORD: superPassword },
			stdio: 'pipe',
		});
	} catch (error) {
		const e = error as { stderr?: Buffer; message: string };
		await stop();
		throw new Error(`passwordPostgres: ${e.message}\n${e.stderr?.toString() ?? ''}`);
	}

	async function stop(): Promise<void> {
		if (running.has(dir)) {
			try {
				run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
			} catch {
				/* not running */
			}
			running.delete(dir);
		}
		rmSync(dir, { recursive: true, force: true });
	}

	return {
		host: '127.0.0.1',
		port,
		database,
		user,
		password,
		url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
		credentials: { transport: 'postgres', host: '127.0.0.1', port, database, user, password, ssl: 'disable', maxConnections: 5 },
		stop,
	};
}

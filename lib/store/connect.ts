import { createHash } from 'node:crypto';

import { CartRecoveryStore, type StoreTransport } from './CartRecoveryStore';
import { StoreError } from './errors';
import { describeMissingMigrations, latestSchemaVersion, loadMigrations } from './migrations';
import { embeddedStoreRoot, resolveEmbeddedDataDir } from './embeddedFolder';
import { EmbeddedTransport } from './transports/EmbeddedTransport';
import { PostgresTransport } from './transports/PostgresTransport';
import { SupabaseTransport } from './transports/SupabaseTransport';

/** The fields of the Cart Recovery Store credential (credentials/CartRecoveryStoreApi.credentials.ts). */
export interface StoreCredentials {
	transport: 'embedded' | 'postgres' | 'supabase';
	dataDirectory?: string;
	host?: string;
	port?: number;
	database?: string;
	user?: string;
	password?: string;
	ssl?: 'disable' | 'require' | 'verify-full';
	caCertificate?: string;
	maxConnections?: number;
	supabaseUrl?: string;
	serviceRoleKey?: string;
}

/**
 * The transport a credential describes. `credentialId` is the n8n ID of the credential: an Embedded credential
 * that leaves Data Directory empty keeps its data in a folder named after it (lib/store/embeddedFolder.ts).
 */
export function createTransport(credentials: StoreCredentials, credentialId?: string): StoreTransport {
	switch (credentials.transport) {
		case 'postgres':
			return new PostgresTransport({
				host: credentials.host || 'localhost',
				port: Number(credentials.port) || 5432,
				database: credentials.database || 'postgres',
				user: credentials.user || 'postgres',
				password: credentials.password,
				ssl: credentials.ssl ?? 'disable',
				ca: credentials.caCertificate,
				maxConnections: credentials.maxConnections,
			});
		case 'supabase':
			if (!credentials.supabaseUrl || !credentials.serviceRoleKey) {
				throw new StoreError('The Supabase transport needs the project URL and the service role key');
			}
			return new SupabaseTransport({ url: credentials.supabaseUrl, serviceRoleKey: credentials.serviceRoleKey });
		case 'embedded':
		case undefined:
			return new EmbeddedTransport(resolveEmbeddedDataDir(credentials.dataDirectory, credentialId));
		default:
			throw new StoreError(`Unknown store transport "${String(credentials.transport)}"`);
	}
}

// One store (one pool, one PGlite instance) per distinct credential in this process, shared by every
// execution: opening a pool or a database per execution would cost more than the work itself.
const stores = new Map<string, CartRecoveryStore>();

const isEmbedded = (credentials: StoreCredentials) => credentials.transport === 'embedded' || credentials.transport === undefined;

function cacheKey(credentials: StoreCredentials, credentialId?: string): string {
	// Embedded stores are keyed by directory alone: one directory must never have two PGlite instances.
	const identity = isEmbedded(credentials) ? { embeddedDir: resolveEmbeddedDataDir(credentials.dataDirectory, credentialId) } : credentials;
	return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** The process-wide store of a credential; `credentialId` is its n8n ID (see createTransport). */
export function getStore(credentials: StoreCredentials, credentialId?: string): CartRecoveryStore {
	const key = cacheKey(credentials, credentialId);
	let store = stores.get(key);
	if (!store) {
		store = new CartRecoveryStore(createTransport(credentials, credentialId));
		stores.set(key, store);
	}
	return store;
}

/** Closes every cached store (tests, shutdown). */
export async function closeAllStores(): Promise<void> {
	const all = [...stores.values()];
	stores.clear();
	await Promise.all(all.map((s) => s.close().catch(() => undefined)));
}

export interface StoreTestResult {
	ok: boolean;
	message: string;
	version?: number;
}

/**
 * What the credential's Test button reports: the schema version, or exactly what is wrong (cannot connect,
 * wrong password, schema missing or behind, with the migrations to run).
 */
export async function testStoreConnection(credentials: StoreCredentials, credentialId?: string): Promise<StoreTestResult> {
	let transport: StoreTransport | undefined;
	const reuse = isEmbedded(credentials);
	if (reuse && !credentials.dataDirectory?.trim() && !credentialId) {
		// An instance owner may test a credential before it is saved: it has no ID, hence no folder yet.
		return { ok: true, message: `Embedded store: once saved, this credential keeps its data in a folder of its own in ${embeddedStoreRoot()}.` };
	}
	try {
		// Embedded shares the process-wide instance (a second PGlite on one directory is not allowed).
		const store = reuse ? getStore(credentials, credentialId) : new CartRecoveryStore((transport = createTransport(credentials)));
		const latest = latestSchemaVersion();
		if (store.transport.kind === 'supabase') {
			const version = await store.transport.currentVersion();
			if (version < latest) {
				return {
					ok: false,
					version,
					message:
						version === 0
							? `Connected to Supabase, but the Cart Recovery schema is missing. ${describeMissingMigrations(0)}`
							: `The Cart Recovery schema is at version ${version}; this package needs ${latest}. ${describeMissingMigrations(version)}`,
				};
			}
			return { ok: true, version, message: `Connected to Supabase. Cart Recovery schema version ${version}.` };
		}
		// Read-only: the Test never changes the database; pending migrations run on the first real use.
		const version = await store.transport.currentVersion();
		const pending = latestSchemaVersion() - version;
		const kind = store.transport instanceof EmbeddedTransport ? `embedded, data in ${store.transport.dataDir}` : store.transport.kind;
		return {
			ok: true,
			version,
			message:
				pending > 0
					? `Connected (${kind}). Cart Recovery schema version ${version}; ${pending === latest ? 'the schema will be created' : `${describePending(version)} will be applied`} on first use.`
					: `Connected (${kind}). Cart Recovery schema version ${version}.`,
		};
	} catch (error) {
		return { ok: false, message: explainConnectionError(error, credentials) };
	} finally {
		await transport?.close().catch(() => undefined);
	}
}

function describePending(current: number): string {
	const names = loadMigrations()
		.filter((m) => m.version > current)
		.map((m) => m.file);
	return names.length === 1 ? `migration ${names[0]}` : `migrations ${names.join(', ')}`;
}

function explainConnectionError(error: unknown, credentials: StoreCredentials): string {
	const e = error as { code?: string; message?: string };
	const where = credentials.transport === 'postgres' ? `${credentials.host}:${credentials.port ?? 5432}` : credentials.supabaseUrl;
	switch (e.code) {
		case '28P01':
			return `Wrong password for user "${credentials.user}" on ${where}.`;
		case '28000':
			return `User "${credentials.user}" may not connect to ${where}: ${e.message}`;
		case '3D000':
			return `Database "${credentials.database}" does not exist on ${where}.`;
		case 'ECONNREFUSED':
			return `Nothing accepts connections on ${where}: is the server running?`;
		case 'ENOTFOUND':
			return `Host not found: ${where}.`;
		case '42501':
			return `Permission denied: ${e.message}. With Supabase, use the service role key.`;
		default:
			return e.message || String(error);
	}
}

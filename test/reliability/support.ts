// Shared parts of the reliability checks (issue 16, item 4): a private Postgres cluster the test may stop and
// start (the shared server on 5432 is never touched), a small representative recovery flow (Abandoned Cart
// Trigger → Wait → Email Send) and signed cart events for it.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import pg from 'pg';

import type { StoreCredentials } from '../../lib/store';
import { freePort } from '../helpers/passwordPostgres';
import { signed } from '../trigger/support';

const PG_BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
	port: number;
	url: string;
	credentials: StoreCredentials;
	/** A pool for the test's own reads; its clients reconnect after a restart. */
	pool: pg.Pool;
	/** pg_ctl stop -m fast: every connection is cut, new ones are refused. */
	stopServer(): void;
	startServer(): void;
	destroy(): Promise<void>;
}

const clusters = new Set<string>();
process.once('exit', () => {
	for (const dir of clusters) {
		try {
			asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']);
		} catch {
			/* already stopped */
		}
		rmSync(dir, { recursive: true, force: true });
	}
});

function asPostgres(cmd: string, args: string[]): string {
	const bin = path.join(PG_BIN, cmd);
	const root = process.getuid?.() === 0;
	return execFileSync(root ? 'runuser' : bin, root ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: 'pipe', encoding: 'utf8' });
}

/** A throwaway Postgres cluster (trust auth, loopback, a free port, data under /tmp) with one database `store`. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
	const dir = mkdtempSync(path.join(tmpdir(), 'cr-reliability-pg-'));
	if (process.getuid?.() === 0) {
		const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
		const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
		chownSync(dir, uid, gid);
	}
	const data = path.join(dir, 'data');
	const port = await freePort();
	clusters.add(dir);
	asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
	const startServer = () =>
		asPostgres('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
	startServer();
	const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
	await admin.connect();
	await admin.query('create database store');
	await admin.end();
	const url = `postgres://postgres@127.0.0.1:${port}/store`;
	const pool = new pg.Pool({ connectionString: url, max: 4 });
	pool.on('error', () => undefined); // idle clients cut by the stop
	return {
		port,
		url,
		credentials: { transport: 'postgres', host: '127.0.0.1', port, database: 'store', user: 'postgres', password: '', ssl: 'disable', maxConnections: 20 },
		pool,
		stopServer: () => void asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']),
		startServer: () => void startServer(),
		async destroy() {
			await pool.end().catch(() => undefined);
			try {
				asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
			} catch {
				/* not running */
			}
			clusters.delete(dir);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

export const STORE_CREDENTIAL = { id: 'crRelStore000001', name: 'Cart Recovery Store (reliability)' };
export const WEBSHOP_CREDENTIAL = { id: 'crRelShop0000001', name: 'Webshop (reliability)' };
export const SENDGRID_CREDENTIAL = { id: 'crRelSendGrid001', name: 'SendGrid (reliability)' };

/**
 * Abandoned Cart Trigger → Wait (`waitSeconds`, an expression over the cart: `$json.cart_id`) → Email Send stage 1.
 * Email Send has no error output: a store or provider failure fails the execution, as a marketer would see it.
 */
export function emailFlow(id: string, webhookId: string, waitSeconds: string) {
	const uuid = (n: number) => `${id.slice(0, 8).toLowerCase().replace(/[^0-9a-f]/g, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
	return {
		id,
		webhookId,
		path: `/webhook/${webhookId}/cart-events`,
		json: {
			id,
			name: `Reliability flow ${id}`,
			nodes: [
				{
					id: uuid(1),
					name: 'Abandoned Cart Trigger',
					type: 'n8n-nodes-cart-recovery.abandonedCartTrigger',
					typeVersion: 1.1,
					position: [0, 0],
					webhookId,
					parameters: { source: 'generic', verification: 'signature', cooldownHours: 24, attributionDays: 5 },
					credentials: { webshopApi: WEBSHOP_CREDENTIAL, cartRecoveryStoreApi: STORE_CREDENTIAL },
				},
				{
					id: uuid(2),
					name: 'Wait Before First Reminder',
					type: 'n8n-nodes-base.wait',
					typeVersion: 1.1,
					position: [220, 0],
					webhookId: uuid(20),
					parameters: { amount: `={{ ${waitSeconds} }}`, unit: 'seconds' },
				},
				{
					id: uuid(3),
					name: 'Email Send (First Reminder)',
					type: 'n8n-nodes-cart-recovery.emailSend',
					typeVersion: 1,
					position: [440, 0],
					parameters: {
						cartId: '={{ $json.cart_id }}',
						stage: 1,
						campaign: 'abandoned-cart',
						language: 'hu',
						unsubscribeBaseUrl: '',
						shop: { name: 'Cipőbolt', email: 'ugyfelszolgalat@cipobolt.example.hu', phone: '+36 1 555 0100', address: 'Budapest' },
						options: { fromName: 'Cipőbolt' },
					},
					credentials: { cartRecoveryStoreApi: STORE_CREDENTIAL, sendGridCartRecoveryApi: SENDGRID_CREDENTIAL },
				},
			],
			connections: {
				'Abandoned Cart Trigger': { main: [[{ node: 'Wait Before First Reminder', type: 'main', index: 0 }]] },
				'Wait Before First Reminder': { main: [[{ node: 'Email Send (First Reminder)', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
			pinData: {},
		},
	};
}

export const emailOf = (cartId: string) => `${cartId}@example.hu`;

/** A generic cart event the shop posts, 31 minutes after the last activity (so it enters recovery at once). */
export function cartEvent(cartId: string, eventId = `${cartId}-created`) {
	return {
		event_id: eventId,
		type: 'cart',
		cart_id: cartId,
		occurred_at: new Date(Date.now() - 31 * 60_000).toISOString(),
		customer_id: `cust-${cartId}`,
		email: emailOf(cartId),
		first_name: 'Anna',
		locale: 'hu',
		currency: 'HUF',
		value: 24980,
		items: [{ sku: 'CIPO-42', name: 'Túracipő, 42', quantity: 1, price: 24980 }],
		restore_url: `https://cipobolt.example.hu/kosar/${cartId}`,
	};
}

/** The request a shop sends: the body serialised once and signed (X-Signature) for the trigger's path. */
export function signedCartEvent(urlPath: string, body: object, secret?: string): { headers: Record<string, string>; raw: Buffer } {
	return signed('generic', { headers: { 'content-type': 'application/json' }, body: body as Record<string, unknown> }, secret, urlPath);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, detail?: () => string): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const last = await probe();
		if (last) return last as T;
		await sleep(250);
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
}

// The benchmark's comparison workflow: the same intake built from n8n's built-in nodes (Webhook "respond when last
// node finishes" → Postgres upsert → IF), shared by trigger-intake.bench.ts and profile-intake.ts.
import { freshDatabase, type TestDatabase } from '../test/helpers/postgres';
import { webshopCredentials } from '../test/trigger/support';
import { POSTGRES_CREDENTIAL_ID, STORE_CREDENTIAL_ID, WEBSHOP_CREDENTIAL_ID } from '../test/trigger/workflows';

export const BUILTIN_ID = 'crBenchBuiltin01';
export const BUILTIN_PATH = 'bench-builtin-cart-events';

export const builtinWorkflow = {
	id: BUILTIN_ID,
	name: 'Cart intake from built-in nodes (benchmark)',
	nodes: [
		{
			id: 'b0000000-0000-4000-8000-000000000001',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'b0000000-0000-4000-8000-0000000000aa',
			parameters: { httpMethod: 'POST', path: BUILTIN_PATH, responseMode: 'lastNode', responseData: 'noData', options: {} },
		},
		{
			id: 'b0000000-0000-4000-8000-000000000002',
			name: 'Upsert Cart',
			type: 'n8n-nodes-base.postgres',
			typeVersion: 2.6,
			position: [220, 0],
			parameters: {
				operation: 'executeQuery',
				query:
					"insert into public.bench_carts as c (cart_id, email, currency, value, items, last_activity_at) values ($1, $2, $3, $4::numeric, $5::jsonb, now()) on conflict (cart_id) do update set email = coalesce(excluded.email, c.email), currency = excluded.currency, value = excluded.value, items = excluded.items, last_activity_at = now() returning cart_id, (xmax = 0) as inserted",
				options: { queryReplacement: '={{ [$json.body.cart_id, $json.body.email ?? null, $json.body.currency ?? "HUF", $json.body.value ?? 0, JSON.stringify($json.body.items ?? [])] }}' },
			},
			credentials: { postgres: { id: POSTGRES_CREDENTIAL_ID, name: 'Postgres (bench)' } },
		},
		{
			id: 'b0000000-0000-4000-8000-000000000003',
			name: 'New Cart?',
			type: 'n8n-nodes-base.if',
			typeVersion: 2.2,
			position: [440, 0],
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
					conditions: [{ id: 'c1', leftValue: '={{ $json.inserted }}', rightValue: '', operator: { type: 'boolean', operation: 'true', singleValue: true } }],
					combinator: 'and',
				},
				options: {},
			},
		},
		{ id: 'b0000000-0000-4000-8000-000000000004', name: 'Enrolled', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [660, 0], parameters: {} },
	],
	connections: {
		Webhook: { main: [[{ node: 'Upsert Cart', type: 'main', index: 0 }]] },
		'Upsert Cart': { main: [[{ node: 'New Cart?', type: 'main', index: 0 }]] },
		'New Cart?': { main: [[{ node: 'Enrolled', type: 'main', index: 0 }], []] },
	},
	settings: { executionOrder: 'v1' },
	pinData: {},
};

/**
 * A fresh database for one benchmark run with the built-in side's table, and the credentials both sides use
 * (our store and Webshop credentials, n8n's Postgres credential for the built-in flow).
 */
export async function benchDatabase(label: string): Promise<{ db: TestDatabase; credentials: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }> }> {
	const db = await freshDatabase(label);
	await db.pool.query(
		'create table public.bench_carts (cart_id text primary key, email text, currency char(3) not null, value numeric(14,2) not null, items jsonb not null, last_activity_at timestamptz not null)',
	);
	const url = new URL(db.url);
	const credentials = [
		{ id: STORE_CREDENTIAL_ID, name: 'Cart Recovery Store (tests)', type: 'cartRecoveryStoreApi', data: { ...db.credentials, maxConnections: 10 } },
		{ id: WEBSHOP_CREDENTIAL_ID, name: 'Webshop (tests)', type: 'webshopApi', data: webshopCredentials },
		{
			id: POSTGRES_CREDENTIAL_ID,
			name: 'Postgres (bench)',
			type: 'postgres',
			data: { host: url.hostname, port: Number(url.port || 5432), database: db.name, user: decodeURIComponent(url.username || 'postgres'), password: '', ssl: 'disable', maxConnections: 10 },
		},
	];
	return { db, credentials };
}

/** The p-th percentile of ascending latencies. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

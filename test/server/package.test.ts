// Our npm tarball in a real n8n server: installed as a community package the way n8n installs one, loaded by
// n8n, run from a workflow behind a production webhook, and the store credential's Test as the editor's Test button
// runs it. Queue mode (main, a webhook processor and two workers, the package in each) is test/scale/queue.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { CartRecoveryStoreApi } from '../../credentials/CartRecoveryStoreApi.credentials';
import { CartRecoveryStore, closeAllStores, latestSchemaVersion, loadMigrations, PostgresTransport } from '../../lib/store';
import { startPostgrestFake, type PostgrestFake } from '../fakes/postgrest';
import { nodeType, PACKAGE_NAME, startN8n, timings, type N8nServer } from '../harness/server';
import { startPasswordPostgres, type PasswordPostgres } from '../helpers/passwordPostgres';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

const smokeWorkflow = JSON.parse(readFileSync(path.join(__dirname, 'fixtures/smoke.workflow.json'), 'utf8'));
const SMOKE_ID: string = smokeWorkflow.id;
const SMOKE_PATH: string = smokeWorkflow.nodes.find((n: { name: string }) => n.name === 'Webhook').parameters.path;
const STORE_CREDENTIAL_ID: string = smokeWorkflow.nodes.find((n: { name: string }) => n.name === 'Cart Check').credentials.cartRecoveryStoreApi.id;

/** A cart last touched two hours ago: past the 30-minute threshold, above the 5000 Ft minimum. */
async function seedAbandonedCart(store: CartRecoveryStore, cartId: string) {
	const result = await store.recordCartEvent({
		source: 'generic',
		event_id: `evt-${cartId}`,
		type: 'cart',
		cart_id: cartId,
		occurred_at: new Date(Date.now() - 2 * 3600_000).toISOString(),
		email: 'vevo@example.hu',
		currency: 'HUF',
		value: 12990,
		items: [{ name: 'Kávéfőző', quantity: 1, price: 12990 }],
	});
	assert.equal(result.duplicate, false);
}

function storeCredentialFor(db: TestDatabase) {
	return { id: STORE_CREDENTIAL_ID, name: 'Cart Recovery Store (smoke)', type: 'cartRecoveryStoreApi', data: { ...db.credentials } };
}

async function postSmoke(n8n: N8nServer, cartId: string) {
	const res = await n8n.request(`/webhook/${SMOKE_PATH}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ cart_id: cartId }),
	});
	const text = await res.text();
	assert.equal(res.status, 200, `webhook answered ${res.status}: ${text}\n${n8n.logs().slice(-4000)}`);
	return JSON.parse(text);
}

function assertSmokeExecution(execution: any, cartId: string) {
	assert.equal(execution.status, 'success', JSON.stringify(execution.data?.resultData?.error ?? execution));
	const run = execution.data.resultData.runData['Cart Check'][0];
	const [stillAbandoned, activeAgain, purchased, notEligible] = run.data.main;
	assert.equal(stillAbandoned.length, 1);
	assert.deepEqual([activeAgain, purchased, notEligible].map((o: unknown[] | null) => o?.length ?? 0), [0, 0, 0]);
	assert.equal(stillAbandoned[0].json.cart_id, cartId);
	assert.equal(stillAbandoned[0].json.cart_check.outcome, 'stillAbandoned');
}

describe('the packed tarball in a real n8n server', () => {
	let db: TestDatabase;
	let seedStore: CartRecoveryStore;
	let n8n: N8nServer;

	before(async () => {
		db = await freshDatabase('server_pkg');
		seedStore = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
		await seedStore.ready();
		n8n = await startN8n({ label: 'package', credentials: [storeCredentialFor(db)], workflows: [smokeWorkflow] });
	});

	after(async () => {
		await n8n?.stop();
		await seedStore?.close();
		await closeAllStores();
		await db?.drop();
		console.log('[n8n harness timings, ms]', JSON.stringify(timings));
	});

	test('n8n loads our nodes and credential from the community-package folder', async () => {
		// Offline CLI listing, as n8n sees the user folder.
		const out = path.join(n8n.userFolder, 'nodes.json');
		await n8n.cli(['export:nodes', `--output=${out}`]);
		const exported = JSON.parse(readFileSync(out, 'utf8')) as Array<{ name: string }>;
		assert.ok(exported.some((n) => n.name === nodeType('cartCheck')), `export:nodes lists ${nodeType('cartCheck')}`);
		// The running server's type listings (what the editor loads).
		const nodes = (await (await n8n.request('/types/nodes.json', { headers: n8n.authHeaders() })).json()) as Array<{ name: string; credentials?: Array<{ name: string }> }>;
		const cartCheck = nodes.find((n) => n.name === nodeType('cartCheck'));
		assert.ok(cartCheck, 'the server serves our node type');
		assert.deepEqual(cartCheck.credentials?.map((c) => c.name), ['cartRecoveryStoreApi']);
		const credentials = (await (await n8n.request('/types/credentials.json', { headers: n8n.authHeaders() })).json()) as Array<{ name: string; displayName: string }>;
		assert.equal(credentials.find((c) => c.name === 'cartRecoveryStoreApi')?.displayName, new CartRecoveryStoreApi().displayName);
		// Installed from the tarball: n8n's package folder holds our package with its runtime dependencies only.
		const pkg = JSON.parse(readFileSync(path.join(n8n.userFolder, '.n8n/nodes/node_modules', PACKAGE_NAME, 'package.json'), 'utf8'));
		assert.equal(pkg.name, PACKAGE_NAME);
		assert.ok(readFileSync(path.join(n8n.userFolder, '.n8n/nodes/node_modules/pg/package.json')), 'runtime dependency pg installed');
	});

	test('smoke workflow: production webhook → Cart Check on a Postgres store', async () => {
		const cartId = `smoke-${Date.now()}`;
		await seedAbandonedCart(seedStore, cartId);
		const body = await postSmoke(n8n, cartId);
		const items = Array.isArray(body) ? body : [body];
		assert.equal(items.length, 1);
		assert.equal(items[0].cart_id, cartId);
		assert.equal(items[0].cart_check.outcome, 'stillAbandoned');
		assert.equal(items[0].value, 12990);

		const [execution] = await n8n.waitForExecutions(SMOKE_ID, 1);
		assert.equal(execution.mode, 'webhook');
		assertSmokeExecution(execution, cartId);
	});

	test('restart(): same user folder, database and URL; the published webhook still answers', async () => {
		await n8n.restart();
		const cartId = `restart-${Date.now()}`;
		await seedAbandonedCart(seedStore, cartId);
		const body = await postSmoke(n8n, cartId);
		assert.equal((Array.isArray(body) ? body : [body])[0].cart_id, cartId);
		const executions = await n8n.waitForExecutions(SMOKE_ID, 2);
		assertSmokeExecution(executions[1], cartId);
	});

	test('while running: createCredential + importWorkflow (published) serve a second webhook', async () => {
		const credentialId = await n8n.createCredential({ name: 'Cart Recovery Store (created)', type: 'cartRecoveryStoreApi', data: { ...db.credentials } });
		const copy = structuredClone(smokeWorkflow);
		copy.id = 'crSmokeWorkflow2';
		copy.name = 'Cart Recovery smoke (imported while running)';
		const webhook = copy.nodes.find((n: { name: string }) => n.name === 'Webhook');
		webhook.webhookId = '3b8f7c1e-2f4a-4c39-9a6e-5d1c0a9e0002';
		webhook.parameters.path = 'cart-recovery-smoke-2';
		copy.nodes.find((n: { name: string }) => n.name === 'Cart Check').credentials.cartRecoveryStoreApi = { id: credentialId, name: 'Cart Recovery Store (created)' };
		assert.equal(await n8n.importWorkflow(copy), copy.id);

		const cartId = `imported-${Date.now()}`;
		await seedAbandonedCart(seedStore, cartId);
		const res = await n8n.request('/webhook/cart-recovery-smoke-2', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ cart_id: cartId }),
		});
		assert.equal(res.status, 200, await res.clone().text());
		const [execution] = await n8n.waitForExecutions(copy.id, 1);
		assertSmokeExecution(execution, cartId);
	});

	describe("the store credential's Test, through n8n (POST /rest/credentials/test)", () => {
		let passwordPg: PasswordPostgres;
		let emptyDb: TestDatabase;
		let postgrest: PostgrestFake;

		before(async () => {
			passwordPg = await startPasswordPostgres();
			emptyDb = await freshDatabase('server_supabase_empty');
			postgrest = await startPostgrestFake({ databaseUrl: emptyDb.url, serviceRoleKey: 'service-role-key-test' });
		});
		after(async () => {
			await postgrest?.close();
			await emptyDb?.drop();
			await passwordPg?.stop();
		});

		test('a good Postgres credential reports the schema version', async () => {
			const result = await n8n.testCredential('cartRecoveryStoreApi', { ...db.credentials });
			assert.equal(result.status, 'OK', result.message);
			assert.match(result.message, new RegExp(`schema version ${latestSchemaVersion()}\\b`));
		});

		test('a wrong password fails with a clear message (SCRAM-authenticated server)', async () => {
			const good = await n8n.testCredential('cartRecoveryStoreApi', { ...passwordPg.credentials });
			assert.equal(good.status, 'OK', good.message);
			const wrong = await n8n.testCredential('cartRecoveryStoreApi', { ...passwordPg.credentials, password: 'not-the-password' });
			assert.equal(wrong.status, 'Error');
			assert.equal(wrong.message, `Wrong password for user "${passwordPg.user}" on 127.0.0.1:${passwordPg.port}.`);
		});

		test('a Supabase project without the schema names the migration to run', async () => {
			const result = await n8n.testCredential('cartRecoveryStoreApi', {
				transport: 'supabase',
				supabaseUrl: postgrest.url,
				serviceRoleKey: 'service-role-key-test',
			});
			assert.equal(result.status, 'Error');
			assert.match(result.message, /schema is missing/);
			const first = loadMigrations()[0];
			assert.ok(result.message.includes(first.file), `message names ${first.file}: ${result.message}`);
			assert.ok(postgrest.requests.length > 0, 'n8n called the Supabase REST endpoint');
		});
	});
});

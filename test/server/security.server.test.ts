// Security review (issue 10) in a real n8n server with our packed tarball, umask 022, two Cart Recovery Store
// credentials on the Embedded transport that both leave Data Directory empty:
//  - each credential has a store of its own, in a private (0700) folder named after its ID — a link signed by one
//    store does not unsubscribe in the other;
//  - the shipped unsubscribe workflow, as shipped, leaves no execution of a successful run in n8n (the decrypted
//    address stayed in the execution history before), and its page shows the address masked;
//  - the credential's Test says where the data lives and names Data Directory in every refusal.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ROOT, startN8n, TEST_TMP, type N8nServer } from '../harness/server';

process.umask(0o022); // n8n inherits it: the store must be private whatever the umask

const shipped = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'workflows', `${file}.json`), 'utf8'));
const unsubscribe = shipped('unsubscribe');
/** The credential id the shipped files reference for the store (A); B is a second team's credential. */
const STORE_A: string = unsubscribe.nodes.find((n: any) => n.type === 'n8n-nodes-cart-recovery.consentCheck').credentials.cartRecoveryStoreApi.id;
const STORE_B = 'crSecStoreB00001';
const EMBEDDED = { transport: 'embedded', dataDirectory: '' };

/** The same unsubscribe workflow for team B: its own path, its own store credential. */
function unsubscribeFor(storeId: string, id: string, webhookPath: string) {
	const copy = structuredClone(unsubscribe);
	copy.id = id;
	copy.name = `${copy.name} (${storeId})`;
	for (const n of copy.nodes) {
		if (n.type === 'n8n-nodes-base.webhook') Object.assign(n, { webhookId: randomUUID(), parameters: { ...n.parameters, path: webhookPath } });
		if (n.credentials?.cartRecoveryStoreApi) n.credentials.cartRecoveryStoreApi = { id: storeId, name: storeId };
	}
	return copy;
}

/** GET /webhook/<webhookPath>?email=… answers the store's unsubscribe URL for that address (Consent Check, Build Unsubscribe URL). */
function linkWorkflow(storeId: string, id: string, webhookPath: string) {
	return {
		id,
		name: `Unsubscribe link (${storeId})`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'GET', path: webhookPath, responseMode: 'lastNode', responseData: 'firstEntryJson', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Consent Check',
				type: 'n8n-nodes-cart-recovery.consentCheck',
				typeVersion: 1,
				position: [220, 0],
				parameters: { resource: 'consent', operation: 'unsubscribeUrl', baseUrl: 'https://shop.example.hu/leiratkozas', channel: 'email', address: '={{ $json.query.email }}' },
				credentials: { cartRecoveryStoreApi: { id: storeId, name: storeId } },
			},
		],
		connections: { Webhook: { main: [[{ node: 'Consent Check', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

const ADDRESS = `vevo.security.${Date.now().toString(36)}@example.hu`;
const mode = (p: string) => `0${(statSync(p).mode & 0o777).toString(8)}`;
let n8n: N8nServer;
let storeRoot: string;

before(async () => {
	n8n = await startN8n({
		label: 'security',
		// Custom Data Directories inside the test servers' folders are allowed (n8n's own default allows ~/.n8n-files).
		env: { N8N_RESTRICT_FILE_ACCESS_TO: path.join(TEST_TMP, 'n8n') },
		credentials: [
			{ id: STORE_A, name: 'Cart Recovery Store (team A)', type: 'cartRecoveryStoreApi', data: EMBEDDED },
			{ id: STORE_B, name: 'Cart Recovery Store (team B)', type: 'cartRecoveryStoreApi', data: EMBEDDED },
		],
		workflows: [unsubscribe, unsubscribeFor(STORE_B, 'crSecUnsubscrB01', 'security/unsubscribe-b'), linkWorkflow(STORE_A, 'crSecLinkA000001', 'security/link-a'), linkWorkflow(STORE_B, 'crSecLinkB000001', 'security/link-b')],
	});
	storeRoot = path.join(n8n.userFolder, '.n8n', 'cart-recovery-store');
});

after(async () => {
	await n8n?.stop();
});

async function link(which: 'a' | 'b'): Promise<string> {
	const res = await n8n.request(`/webhook/security/link-${which}?email=${encodeURIComponent(ADDRESS)}`);
	const text = await res.text();
	assert.equal(res.status, 200, text);
	return new URL(JSON.parse(text).unsubscribe_url).searchParams.get('token')!;
}

async function oneClick(webhookPath: string, token: string) {
	const res = await n8n.request(`/webhook/${webhookPath}?token=${token}`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: 'List-Unsubscribe=One-Click',
	});
	return { status: res.status, page: await res.text() };
}

describe('Embedded store and the shipped workflows in a real n8n (security review)', () => {
	test('two credentials that leave Data Directory empty: two stores, each in a private folder named after its credential', async () => {
		const [tokenA, tokenB] = [await link('a'), await link('b')];
		assert.notEqual(tokenA, tokenB, 'each store signs with its own secret');

		// Team A's link works on team A's unsubscribe workflow, and is refused by team B's store.
		const a = await oneClick('cart-recovery/unsubscribe', tokenA);
		assert.equal(a.status, 200, a.page);
		assert.match(a.page, /Sikeresen leiratkoztál/);
		const b = await oneClick('security/unsubscribe-b', tokenA);
		assert.equal(b.status, 400, b.page);
		assert.match(b.page, /Ez a link nem érvényes/);

		assert.deepEqual(readdirSync(path.join(storeRoot, 'credentials')).sort(), [STORE_A, STORE_B].sort());
		for (const id of [STORE_A, STORE_B]) {
			const dir = path.join(storeRoot, 'credentials', id);
			assert.equal(mode(dir), '0700', `${id}'s folder`);
			assert.equal(mode(path.join(dir, 'PG_VERSION')), '0600', `${id}'s files`);
		}
	});

	test('the shipped unsubscribe page shows the address masked', async () => {
		const page = await n8n.request(`/webhook/cart-recovery/unsubscribe?token=${await link('a')}`);
		assert.equal(page.status, 200);
		assert.match(await page.text(), /Leiratkozom \/ Unsubscribe/);
		const done = await oneClick('cart-recovery/unsubscribe', await link('a'));
		assert.equal(done.status, 200, done.page);
		assert.ok(done.page.includes(`(v***@example.hu)`), done.page);
		assert.ok(!done.page.includes(ADDRESS), 'the full address is not on the page');
	});

	test('the shipped unsubscribe workflow keeps no execution of a successful run: no address, no token in n8n', async () => {
		await oneClick('cart-recovery/unsubscribe', await link('a'));
		// n8n records executions here (the helper workflow keeps them, as n8n does by default)…
		const helper = await n8n.waitForExecutions('crSecLinkA000001', 1);
		assert.ok(JSON.stringify(helper).includes(ADDRESS), 'a kept execution holds the data it handled');
		// …but none of the shipped workflow's runs (GET page, one-click POSTs) stayed.
		await new Promise((r) => setTimeout(r, 1500));
		const kept = await n8n.executions(unsubscribe.id);
		assert.deepEqual(
			kept.map((e) => e.status),
			[],
			`kept: ${JSON.stringify(kept.map((e) => ({ id: e.id, status: e.status })))}`,
		);
	});

	test('the credential Test says where the data lives and names Data Directory in every refusal', async () => {
		const saved = await n8n.rest<{ status: string; message: string }>('POST', '/credentials/test', {
			credentials: { id: STORE_A, name: 'Cart Recovery Store (team A)', type: 'cartRecoveryStoreApi', data: EMBEDDED },
		});
		assert.equal(saved.status, 'OK', saved.message);
		assert.ok(saved.message.includes(path.join(storeRoot, 'credentials', STORE_A)), saved.message);

		const unsaved = await n8n.testCredential('cartRecoveryStoreApi', EMBEDDED);
		assert.equal(unsaved.status, 'OK', unsaved.message);
		assert.match(unsaved.message, /once saved, this credential keeps its data in a folder of its own/);

		const outside = await n8n.testCredential('cartRecoveryStoreApi', { transport: 'embedded', dataDirectory: path.join(TEST_TMP, 'n8n') });
		assert.equal(outside.status, 'Error');
		assert.match(outside.message, /^Data Directory must be a folder inside .*cart-recovery-store/);

		const own = await n8n.testCredential('cartRecoveryStoreApi', { transport: 'embedded', dataDirectory: `credentials/${STORE_B}` });
		assert.equal(own.status, 'Error');
		assert.match(own.message, /^Data Directory may not point into .*credentials/);

		const notes = path.join(storeRoot, 'notes');
		mkdirSync(notes, { recursive: true });
		writeFileSync(path.join(notes, 'todo.txt'), 'keep me');
		const foreign = await n8n.testCredential('cartRecoveryStoreApi', { transport: 'embedded', dataDirectory: 'notes' });
		assert.equal(foreign.status, 'Error');
		assert.match(foreign.message, /^Data Directory .*notes is not empty and holds no Cart Recovery store/);
		assert.deepEqual(readdirSync(notes), ['todo.txt'], 'left as it was');
	});
});

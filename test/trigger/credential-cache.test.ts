// The Abandoned Cart Trigger's per-process credential cache (lib/intake/credentialCache.ts): one load per key
// per TTL, shared by concurrent requests, failures not cached, keys per workflow + node + credential; and which
// failures to read a credential are worth a retry.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CredentialCache, credentialSlotKey } from '../../lib/intake';
import { credentialReadIsTransient } from '../../lib/n8n/webhookCredentials';

test('credential cache: one load per TTL, shared by concurrent callers, reloaded after the TTL', async () => {
	let now = 1_000;
	let loads = 0;
	const cache = new CredentialCache<{ secret: string }>(5_000, () => now);
	const load = async () => ({ secret: `s${++loads}` });
	const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
	assert.equal(loads, 1);
	assert.equal(a, b);
	now += 4_999;
	assert.equal((await cache.get('k', load)).secret, 's1');
	now += 1;
	assert.equal((await cache.get('k', load)).secret, 's2');
	cache.invalidate('k');
	assert.equal((await cache.get('k', load)).secret, 's3');
});

test('credential cache: a failed load is not cached', async () => {
	const cache = new CredentialCache<string>(60_000);
	await assert.rejects(cache.get('k', async () => Promise.reject(new Error('credential missing'))));
	assert.equal(await cache.get('k', async () => 'ok'), 'ok');
});

test('credential slot keys differ per workflow, node, type and credential id; none without an id', () => {
	const node = { id: 'n1', name: 'Trigger', credentials: { webshopApi: { id: 'c1' }, cartRecoveryStoreApi: { id: 'c2' } } };
	const keys = new Set([
		credentialSlotKey('w1', node, 'webshopApi'),
		credentialSlotKey('w2', node, 'webshopApi'),
		credentialSlotKey('w1', { ...node, id: 'n2' }, 'webshopApi'),
		credentialSlotKey('w1', node, 'cartRecoveryStoreApi'),
		credentialSlotKey('w1', { ...node, credentials: { webshopApi: { id: 'c9' } } }, 'webshopApi'),
	]);
	assert.equal(keys.size, 5);
	assert.equal(credentialSlotKey('w1', { name: 'T', credentials: { webshopApi: { id: null } } }, 'webshopApi'), undefined);
	assert.equal(credentialSlotKey('w1', { name: 'T' }, 'webshopApi'), undefined);
});

test('a credential read that failed on n8n’s busy database is worth a retry (503); a missing or undecryptable credential is not', () => {
	for (const transient of [
		'operation timed out for an unknown reason', // n8n's SQLite under a burst
		'Database is not ready!',
		'timeout exceeded when trying to connect', // n8n's Postgres pool
		'connect ECONNREFUSED 127.0.0.1:5432',
		'SQLITE_BUSY: database is locked',
	]) {
		assert.equal(credentialReadIsTransient(new Error(transient)), true, transient);
	}
	assert.equal(credentialReadIsTransient(new Error('Query failed', { cause: new Error('Connection terminated unexpectedly') })), true, 'the cause counts');
	for (const config of [
		'Node does not have any credentials set for "webshopApi"',
		'Credential with ID "crMissing" does not exist for type "webshopApi".',
		'Credentials could not be decrypted. The likely reason is that a different "encryptionKey" was used to encrypt the data.',
	]) {
		assert.equal(credentialReadIsTransient(new Error(config)), false, config);
	}
});

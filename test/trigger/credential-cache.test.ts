// The Abandoned Cart Trigger's per-process credential cache (lib/intake/credentialCache.ts): one load per key
// per TTL, shared by concurrent requests, failures not cached, keys per workflow + node + credential.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CredentialCache, credentialSlotKey } from '../../lib/intake';

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

// The Embedded (PGlite) store's folders: private files whatever the umask, one folder per credential, and a
// Data Directory confined to the store root and to what n8n allows files in (N8N_RESTRICT_FILE_ACCESS_TO).
// Each test gets an n8n user folder of its own (N8N_USER_FOLDER, as n8n sets it) and closes its stores.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { CartRecoveryStore, closeAllStores, EmbeddedTransport, embeddedStoreRoot, getStore, testStoreConnection, type CartEvent, type StoreCredentials } from '../../lib/store';

const EMBEDDED: StoreCredentials = { transport: 'embedded', dataDirectory: '' };
const mode = (p: string) => statSync(p).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;

/** Every file and folder under `dir` whose mode lets the group or others in, with its mode. */
function exposed(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		const p = path.join(entry.parentPath, entry.name);
		const m = lstatSync(p).mode & 0o777;
		if (!entry.isSymbolicLink() && m & 0o077) out.push(`${path.relative(dir, p)} ${octal(m)}`);
	}
	return out;
}
const countEntries = (dir: string) => readdirSync(dir, { recursive: true }).length;

let seq = 0;
const cartEvent = (): CartEvent => {
	seq++;
	return { source: 'generic', event_id: `evt-${process.pid}-${seq}`, type: 'cart', cart_id: `cart-${process.pid}-${seq}`, email: `vevo${seq}@example.hu`, currency: 'HUF', value: 12990, items: [{ name: 'Kávéfőző', quantity: 1, price: 12990 }] };
};

const saved = { userFolder: process.env.N8N_USER_FOLDER, restrict: process.env.N8N_RESTRICT_FILE_ACCESS_TO, umask: process.umask() };
let userFolder: string;
beforeEach(() => {
	userFolder = mkdtempSync(path.join(tmpdir(), 'cr-n8n-user-'));
	process.env.N8N_USER_FOLDER = userFolder;
	delete process.env.N8N_RESTRICT_FILE_ACCESS_TO; // n8n's default: files only in ~/.n8n-files
});
afterEach(async () => {
	await closeAllStores();
	process.umask(saved.umask);
	for (const [key, value] of [
		['N8N_USER_FOLDER', saved.userFolder],
		['N8N_RESTRICT_FILE_ACCESS_TO', saved.restrict],
	] as const) {
		if (value === undefined) delete process.env[key];
		else process.env[key] = value;
	}
});

describe('embedded store files are private', () => {
	test('with umask 022 the folder is 0700 and, after use, nothing in it is open to group or others; a loosened store is corrected at the next open', async () => {
		process.umask(0o022);
		const dir = path.join(userFolder, 'store');
		const store = new CartRecoveryStore(new EmbeddedTransport(dir));
		const e = cartEvent();
		await store.recordCartEvent(e); // migrations + a write: the unsubscribe secret and the suppression salt exist now
		assert.ok((await store.consentSecret()).unsubscribe_secret);
		assert.equal(octal(mode(dir)), '0700', 'while open');
		await store.close();
		assert.equal(octal(mode(dir)), '0700');
		assert.ok(countEntries(dir) > 500, `PGlite wrote its files (${countEntries(dir)})`);
		assert.deepEqual(exposed(dir), []);

		// A restore or a chmod loosened it: the next open makes it private again before anything is read.
		chmodSync(dir, 0o755);
		chmodSync(path.join(dir, 'PG_VERSION'), 0o666);
		chmodSync(path.join(dir, 'base'), 0o777);
		const again = new CartRecoveryStore(new EmbeddedTransport(dir));
		assert.equal((await again.getCart(e.cart_id))?.status, 'recovering', 'same data');
		assert.equal(octal(mode(dir)), '0700');
		assert.deepEqual(exposed(dir).filter((p) => p.startsWith('PG_VERSION') || p.startsWith('base ')), []);
		await again.close();
		assert.deepEqual(exposed(dir), []);
	});

	test('the lock file is private too, and a folder held by another live process is refused with an explanation', async () => {
		const dir = path.join(embeddedStoreRoot(), 'credentials', 'credLocked01');
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, 'cart-recovery.lock'), String(process.ppid));
		const result = await testStoreConnection(EMBEDDED, 'credLocked01');
		assert.equal(result.ok, false);
		assert.match(result.message, /open in another process .*queue-mode workers use the Postgres or Supabase transport/);

		const free = new EmbeddedTransport(path.join(userFolder, 'free'));
		await free.currentVersion();
		assert.equal(octal(mode(path.join(userFolder, 'free', 'cart-recovery.lock'))), '0600');
		await free.close();
	});
});

describe('one embedded store per credential', () => {
	test('credentials that leave Data Directory empty each get a folder of their own in the n8n user folder', async () => {
		const a = getStore(EMBEDDED, 'credStoreA001');
		const b = getStore({ transport: 'embedded' }, 'credStoreB002');
		assert.equal(getStore(EMBEDDED, 'credStoreA001'), a, 'one store per credential and process');
		const root = path.join(userFolder, '.n8n', 'cart-recovery-store');
		assert.equal((a.transport as EmbeddedTransport).dataDir, path.join(root, 'credentials', 'credStoreA001'));
		assert.equal((b.transport as EmbeddedTransport).dataDir, path.join(root, 'credentials', 'credStoreB002'));

		const e = cartEvent();
		await a.recordCartEvent(e);
		assert.equal((await a.getCart(e.cart_id))?.status, 'recovering');
		assert.equal(await b.getCart(e.cart_id), null, 'B does not see A’s carts');
		assert.notEqual((await a.consentSecret()).unsubscribe_secret, (await b.consentSecret()).unsubscribe_secret, 'nor shares its secrets');

		const testA = await testStoreConnection(EMBEDDED, 'credStoreA001');
		assert.equal(testA.ok, true, testA.message);
		assert.ok(testA.message.includes(path.join(root, 'credentials', 'credStoreA001')), testA.message);
	});

	test('an ID that is not a plain n8n ID never becomes a path; no ID (a credential not saved yet) opens nothing', async () => {
		const odd = getStore(EMBEDDED, '../../escape');
		const dir = (odd.transport as EmbeddedTransport).dataDir;
		assert.equal(path.dirname(dir), path.join(embeddedStoreRoot(), 'credentials'));
		assert.match(path.basename(dir), /^id-[0-9a-f]{32}$/);

		assert.throws(() => getStore(EMBEDDED), /Data Directory is empty.*save the credential first/);
		const unsaved = await testStoreConnection(EMBEDDED);
		assert.equal(unsaved.ok, true);
		assert.match(unsaved.message, /once saved, this credential keeps its data in a folder of its own/);
		assert.equal(existsSync(embeddedStoreRoot()), false, 'nothing created');
	});
});

describe('Data Directory', () => {
	const refused = async (dataDirectory: string, pattern: RegExp) => {
		const result = await testStoreConnection({ transport: 'embedded', dataDirectory }, 'credCustom001');
		assert.equal(result.ok, false, `${dataDirectory}: ${result.message}`);
		assert.match(result.message, /Data Directory/);
		assert.match(result.message, pattern);
		return result.message;
	};

	test('a folder of its own inside the store root is refused until N8N_RESTRICT_FILE_ACCESS_TO allows it, then opens', async () => {
		const root = embeddedStoreRoot();
		const message = await refused('shop-a', /outside the folders n8n allows files in \(N8N_RESTRICT_FILE_ACCESS_TO is not set, so n8n allows files only in ~\/\.n8n-files\)/);
		assert.match(message, /Leave Data Directory empty/);
		assert.equal(existsSync(path.join(root, 'shop-a')), false, 'nothing created');
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = '/srv/n8n-files';
		await refused('shop-a', /N8N_RESTRICT_FILE_ACCESS_TO allows \/srv\/n8n-files/);

		process.env.N8N_RESTRICT_FILE_ACCESS_TO = ` /srv/n8n-files ; ${path.join(root, 'shop-a')} `;
		const ok = await testStoreConnection({ transport: 'embedded', dataDirectory: 'shop-a' }, 'credCustom001');
		assert.equal(ok.ok, true, ok.message);
		assert.ok(ok.message.includes(path.join(root, 'shop-a')), ok.message);
		// The same folder by its full path is the same store (one PGlite per folder).
		assert.equal(getStore({ transport: 'embedded', dataDirectory: path.join(root, 'shop-a') }, 'credOther002'), getStore({ transport: 'embedded', dataDirectory: 'shop-a' }, 'credCustom001'));
		assert.equal(octal(mode(path.join(root, 'shop-a'))), '0700');
	});

	test('anything outside the store root, the root itself and the credentials’ own folders are refused, whatever N8N_RESTRICT_FILE_ACCESS_TO says', async () => {
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = ''; // n8n: no restriction at all
		const root = embeddedStoreRoot();
		const elsewhere = mkdtempSync(path.join(tmpdir(), 'cr-elsewhere-'));
		await refused(elsewhere, /must be a folder inside .*cart-recovery-store/);
		await refused('../../elsewhere', /must be a folder inside/);
		await refused('.', /must be a folder inside/);
		await refused(root, /must be a folder inside/);
		await refused('credentials/credStoreA001', /may not point into .*credentials: those are the credentials’ own folders/);
		await refused(path.join(root, 'credentials'), /may not point into/);
		// A link inside the root that leads out of it counts as where it leads.
		mkdirSync(root, { recursive: true });
		symlinkSync(elsewhere, path.join(root, 'link'));
		await refused('link/store', /must be a folder inside .*\(it is .*cr-elsewhere-/);
		assert.deepEqual(readdirSync(elsewhere), [], 'nothing written through the link');
	});

	test('a folder that is not empty and holds no store is refused and left as it was', async () => {
		const root = embeddedStoreRoot();
		process.env.N8N_RESTRICT_FILE_ACCESS_TO = root;
		const notes = path.join(root, 'notes');
		mkdirSync(notes, { recursive: true });
		chmodSync(notes, 0o755);
		writeFileSync(path.join(notes, 'todo.txt'), 'buy milk');
		await refused('notes', /notes is not empty and holds no Cart Recovery store \(todo\.txt\)\. Choose an empty or new folder/);
		assert.deepEqual(readdirSync(notes), ['todo.txt']);
		assert.equal(readFileSync(path.join(notes, 'todo.txt'), 'utf8'), 'buy milk');
		assert.equal(octal(mode(notes)), '0755', 'not even its mode changed');
		// The same for a credential's own folder that something else filled.
		const own = path.join(root, 'credentials', 'credFilled01');
		mkdirSync(own, { recursive: true });
		writeFileSync(path.join(own, 'x.bin'), 'x');
		const result = await testStoreConnection(EMBEDDED, 'credFilled01');
		assert.equal(result.ok, false);
		assert.match(result.message, /Data Directory .*credFilled01 is not empty and holds no Cart Recovery store/);
	});

	test('a store of an earlier version in the root itself (shared by every credential) is refused with where to move it', async () => {
		const root = embeddedStoreRoot();
		mkdirSync(root, { recursive: true });
		writeFileSync(path.join(root, 'PG_VERSION'), '17\n');
		const result = await testStoreConnection(EMBEDDED, 'credLegacy01');
		assert.equal(result.ok, false);
		assert.match(result.message, /earlier version of this package is in .*cart-recovery-store, where every credential shared it/);
		assert.ok(result.message.includes(path.join(root, 'credentials', 'credLegacy01')), result.message);
		assert.equal(existsSync(path.join(root, 'credentials')), false, 'nothing created');
	});
});

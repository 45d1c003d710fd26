// scripts/runtime.sh as `npm run …` calls it: npm exports the project's .npmrc (ignore-scripts=true) to its children,
// and the demo runs under `runtime.sh exec` while its own harness asks `runtime.sh n8n` for the runtime. These once
// made a fresh machine print a Node path that did not exist and hang forever on the install lock.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { ROOT } from '../harness/server';

const SCRIPT = path.join(ROOT, 'scripts', 'runtime.sh');
const asNpmRunDoes = { ...process.env, npm_config_ignore_scripts: 'true' };

test('under npm run (ignore-scripts exported) `runtime.sh node` prints a Node 24 that runs', () => {
	const out = spawnSync('bash', [SCRIPT, 'node'], { env: asNpmRunDoes, encoding: 'utf8', timeout: 120_000 });
	assert.equal(out.status, 0, out.stderr);
	const bin = out.stdout.trim();
	assert.ok(existsSync(bin), `${bin} exists`);
	const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
	assert.match(version, /^v24\./);
});

test('`runtime.sh exec` hands no install lock to the command it runs, so a nested `runtime.sh n8n` does not wait', () => {
	const listFds = `for fd in /proc/self/fd/*; do readlink "$fd"; done; bash ${JSON.stringify(SCRIPT)} n8n`;
	const out = spawnSync('bash', [SCRIPT, 'exec', 'bash', '-c', listFds], { env: asNpmRunDoes, encoding: 'utf8', timeout: 60_000 });
	assert.equal(out.status, 0, `nested runtime.sh n8n finished (exit ${out.status}, signal ${out.signal}): ${out.stderr}`);
	assert.ok(!out.stdout.includes('.lock'), `no descriptor on the install lock is inherited:\n${out.stdout}`);
	assert.ok(existsSync(path.join(out.stdout.trim().split('\n').at(-1)!, 'node_modules', 'n8n', 'bin', 'n8n')), 'the n8n folder it prints holds n8n');
	// And this test process itself holds no lock either.
	const own = readdirSync('/proc/self/fd').map((fd) => {
		try {
			return readlinkSync(`/proc/self/fd/${fd}`);
		} catch {
			return '';
		}
	});
	assert.ok(!own.some((target) => target.endsWith('.lock')));
});

test('a Node version the registry does not have fails clearly instead of printing a path that does not exist', () => {
	const cache = mkdtempSync(path.join(tmpdir(), 'cart-recovery-runtime-'));
	try {
		const out = spawnSync('bash', [SCRIPT, 'node'], {
			env: { ...asNpmRunDoes, CART_RECOVERY_CACHE: cache, CART_RECOVERY_NODE_VERSION: '24.999.0' },
			encoding: 'utf8',
			timeout: 120_000,
		});
		assert.notEqual(out.status, 0);
		assert.equal(out.stdout.trim(), '', 'no path on stdout');
		assert.match(out.stderr, /Node 24\.999\.0 failed after .* Last lines of .*node-24\.999\.0-install\.log/s);
		assert.ok(!existsSync(path.join(cache, 'node-24.999.0')), 'nothing half-installed is left where a later run would take it as done');
	} finally {
		rmSync(cache, { recursive: true, force: true });
	}
});

test('an n8n folder marked complete by an older script is checked again, and one whose native modules do not load is not used', () => {
	const cache = mkdtempSync(path.join(tmpdir(), 'cart-recovery-runtime-'));
	try {
		// Node from the real cache (a link, not a second 190 MB install); an "n8n" that an unchecked install left behind.
		const node = spawnSync('bash', [SCRIPT, 'node'], { env: asNpmRunDoes, encoding: 'utf8' }).stdout.trim();
		const nodeDir = node.split('/node_modules/')[0];
		symlinkSync(nodeDir, path.join(cache, path.basename(nodeDir)));
		const n8nDir = path.join(cache, 'n8n-0.0.0-unchecked');
		mkdirSync(path.join(n8nDir, 'node_modules', 'n8n', 'bin'), { recursive: true });
		writeFileSync(path.join(n8nDir, 'node_modules', 'n8n', 'bin', 'n8n'), '');
		writeFileSync(path.join(n8nDir, '.complete'), '');
		const out = spawnSync('bash', [SCRIPT, 'n8n'], {
			env: { ...asNpmRunDoes, CART_RECOVERY_CACHE: cache, CART_RECOVERY_N8N_VERSION: '0.0.0-unchecked' },
			encoding: 'utf8',
			timeout: 120_000,
		});
		assert.notEqual(out.status, 0, 'not usable, and the registry has no such n8n to install instead');
		assert.equal(out.stdout.trim(), '', 'no folder printed');
		assert.match(out.stderr, /checking the n8n 0\.0\.0-unchecked installed earlier/);
		assert.match(out.stderr, /does not pass the checks: installing it again/);
	} finally {
		rmSync(cache, { recursive: true, force: true });
	}
});

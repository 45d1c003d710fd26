// The markdown files the npm package ships are read where they are installed (node_modules/…/workflows/README.md,
// or after "npm pack"): every relative link and image in them must point at a file the package ships. The root
// README.md is left out: npm renders it on npmjs.com with links resolved against the GitHub repository.
// Reads the tarball scripts/test.sh packs (.test-tmp/n8n-nodes-cart-recovery.tgz), exactly what `npm publish` sends.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');
const TARBALL = path.join(ROOT, '.test-tmp', 'n8n-nodes-cart-recovery.tgz');

test('every relative link in a shipped markdown file (other than the root README) points at a shipped file', () => {
	assert.ok(existsSync(TARBALL), `${TARBALL} is missing: run the test through npm test (scripts/test.sh packs it)`);
	const files = new Set(
		execFileSync('tar', ['-tzf', TARBALL], { encoding: 'utf8' })
			.split('\n')
			.filter(Boolean)
			.map((f) => f.replace(/^package\//, '')),
	);
	const docs = [...files].filter((f) => f.endsWith('.md') && f !== 'README.md' && !f.startsWith('dist/'));
	assert.ok(docs.includes('workflows/README.md'), 'the package ships workflows/README.md');
	const broken: string[] = [];
	for (const doc of docs) {
		const text = execFileSync('tar', ['-xzOf', TARBALL, `package/${doc}`], { encoding: 'utf8' });
		for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
			if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // absolute URL, or an anchor in the same file
			const file = path.posix.normalize(path.posix.join(path.posix.dirname(doc), target.split('#')[0]));
			if (!files.has(file)) broken.push(`${doc}: ${target} (${file} is not in the package)`);
		}
	}
	assert.deepEqual(broken, []);
});

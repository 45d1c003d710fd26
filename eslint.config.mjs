// n8n's community-node lint rules in the variant for self-hosted packages; every other rule is kept, with
// two deliberate, scoped exceptions:
// - no-runtime-dependencies: this package needs runtime dependencies (pg, PGlite, supabase-js, the provider
//   SDKs the user chose), which is exactly why it is a self-hosted package and not an n8n Cloud one;
// - require-node-api-error in lib/: shared library code throws its own typed errors (StoreError, …);
//   every node converts them into NodeOperationError at its boundary (lib/n8n/errors.ts).
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'bench/**', 'scripts/**', '.test-tmp/**', 'gulpfile.js', 'index.js'] },
	{ files: ['package.json'], rules: { '@n8n/community-nodes/no-runtime-dependencies': 'off' } },
	{ files: ['lib/**/*.ts'], rules: { '@n8n/community-nodes/require-node-api-error': 'off' } },
];

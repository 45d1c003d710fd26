// n8n's community-node lint rules in the variant for self-hosted packages: we ship runtime dependencies
// (pg, PGlite, provider SDKs), which n8n Cloud does not allow; every other rule is kept.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'bench/**', 'scripts/**', '.test-tmp/**', 'gulpfile.js', 'index.js'] },
];

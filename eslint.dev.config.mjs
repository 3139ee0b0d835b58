// Lint for the code that is not shipped: tests, the sandbox, the bench and the scripts. They
// run in Node on a developer's machine or in CI, so they may use timers, processes, files and
// test-only secrets, which n8n's community rules forbid in the node's runtime code.
// The shipped code (nodes/, credentials/, package.json) is linted by eslint.config.mjs, which
// is @n8n/node-cli's own configuration, unchanged (`n8n-node lint`, strict mode).
// Run with --no-inline-config (npm run lint), so a disable comment hides nothing here.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = {
	require: 'readonly',
	module: 'writable',
	exports: 'writable',
	process: 'readonly',
	console: 'readonly',
	__dirname: 'readonly',
	__filename: 'readonly',
	Buffer: 'readonly',
	setTimeout: 'readonly',
	clearTimeout: 'readonly',
	setInterval: 'readonly',
	clearInterval: 'readonly',
	URL: 'readonly',
};

export default tseslint.config(
	{
		files: ['test/**/*.{ts,js,mjs}', 'sandbox/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,js}'],
		extends: [eslint.configs.recommended, tseslint.configs.recommended],
		languageOptions: { globals: node },
		rules: {
			'prefer-spread': 'off',
			// A `let` read by a shutdown handler before its one assignment stays a `let`.
			'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
			// `_name` marks what a signature or a destructuring leaves out on purpose.
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
			],
			// Tests load n8n-core's internals lazily (require inside a function) so that a test
			// file that does not need the engine does not start its timers.
			'@typescript-eslint/no-require-imports': 'off',
			// Test doubles and HTTP replies are loosely typed on purpose.
			'@typescript-eslint/no-explicit-any': 'off',
		},
	},
	{
		// jest's reporter strips terminal colour codes (ESC) from failure messages.
		files: ['test/helpers/failureDigest.js'],
		rules: { 'no-control-regex': 'off' },
	},
);

/**
 * End-to-end suite: a real n8n (2.x on Node 24 and 1.x on Node 20) with this package loaded,
 * against the 4SEE sandbox. Run with `npm run test:e2e` (builds first). Kept apart from the
 * unit tests' jest run: it installs n8n on first use and takes minutes.
 * @type {import('jest').Config}
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
	},
	// One file per n8n version and one for queue mode; two run side by side (most of their time
	// is spent waiting on polls; three n8n set-ups at once are slower on two cores, not faster).
	maxWorkers: 2,
	testTimeout: 10 * 60 * 1000,
	// One folder per run for the n8n processes it starts; teardown ends only those.
	globalSetup: '<rootDir>/test/e2e/global-setup.ts',
	globalTeardown: '<rootDir>/test/e2e/global-teardown.ts',
	// The secrets check: the sandbox runs with a canary key; outputs, errors and logs are scanned for it.
	setupFilesAfterEnv: ['<rootDir>/test/secrets/canary.setup.ts', '<rootDir>/test/helpers/scheduler.setup.ts'],
	// Each distinct failure once more at the very end, where a shortened CI log still shows it.
	reporters: ['default', '<rootDir>/test/helpers/failureDigest.js'],
	verbose: true,
};

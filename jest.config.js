/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
	},
	testTimeout: 30000,
	// The secrets check: the sandbox runs with a canary key; outputs, errors and logs are scanned for it.
	setupFilesAfterEnv: ['<rootDir>/test/secrets/canary.setup.ts', '<rootDir>/test/helpers/scheduler.setup.ts'],
	// Each distinct failure once more at the very end, where a shortened CI log still shows it.
	reporters: ['default', '<rootDir>/test/helpers/failureDigest.js'],
};

/**
 * The fault matrix and the bad-input catalogue (`npm run test:faults`): the nodes' real code
 * against the sandbox with every fault it can inject. Apart from the default jest run (its
 * files are *.faults.ts), so nothing runs twice. The secrets check runs here too.
 * @type {import('jest').Config}
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/faults'],
	testMatch: ['**/*.faults.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
	},
	setupFilesAfterEnv: ['<rootDir>/test/secrets/canary.setup.ts', '<rootDir>/test/helpers/scheduler.setup.ts'],
	// Each distinct failure once more at the very end, where a shortened CI log still shows it.
	reporters: ['default', '<rootDir>/test/helpers/failureDigest.js'],
	testTimeout: 120000,
};

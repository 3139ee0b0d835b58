/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * What npm would publish: exactly the compiled nodes and credential with their icons and codex
 * files, package.json, README, LICENSE and the `main` stub; nothing of the tests, the sandbox,
 * the bench, the scripts, the docs or the examples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packList, REPO_ROOT } from './pack';

const SHIPPED_SOURCES = ['nodes', 'credentials'];

function sourceFiles(dir: string): string[] {
	return fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.relative(REPO_ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** What the build must make of the shipped sources. */
function expectedFiles(): string[] {
	const expected = ['package.json', 'README.md', 'LICENSE.md', 'index.js'];
	for (const file of SHIPPED_SOURCES.flatMap(sourceFiles)) {
		if (file.endsWith('.ts')) {
			const base = `dist/${file.slice(0, -'.ts'.length)}`;
			// No declaration files: n8n needs none, and n8n's scanner lints a shipped .d.ts as
			// source (a credential's .d.ts fails its file-name rule).
			expected.push(`${base}.js`, `${base}.js.map`);
		} else if (/\.(svg|png|node\.json)$/.test(file)) {
			expected.push(`dist/${file}`);
		}
	}
	return expected.sort();
}

describe('npm pack', () => {
	let files: string[];
	beforeAll(() => {
		files = packList();
	}, 120_000);

	test('lists exactly the built nodes and credential, their icons and codex files, and the package files', () => {
		expect(files).toEqual(expectedFiles());
	});

	test('nothing from the tests, sandbox, bench, scripts, docs or examples', () => {
		const stray = files.filter((file) => /^(dist\/)?(test|sandbox|bench|scripts|docs|examples|\.github|\.ci)\//.test(file));
		expect(stray).toEqual([]);
	});

	test("every node and credential that package.json names for n8n is in the package, with its codex file and icons", () => {
		const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
			n8n: { nodes: string[]; credentials: string[] };
		};
		for (const entry of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) expect(files).toContain(entry);
		for (const node of pkg.n8n.nodes) expect(files).toContain(node.replace(/\.js$/, '.json'));
		for (const icon of ['dist/nodes/FourSee/fourSee.svg', 'dist/nodes/FourSee/fourSee.dark.svg', 'dist/credentials/fourSee.svg', 'dist/credentials/fourSee.dark.svg']) {
			expect(files).toContain(icon);
		}
	});

	test('the MIT licence ships, as package.json declares', () => {
		const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { license: string };
		expect(pkg.license).toBe('MIT');
		expect(files).toContain('LICENSE.md');
		expect(fs.readFileSync(path.join(REPO_ROOT, 'LICENSE.md'), 'utf8')).toMatch(/^# MIT License/);
	});
});

/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * n8n's community-package scanner, run as n8n runs it before a package is verified: its own
 * analysis with its own ESLint config, on the packed tarball and on the source it was built from
 * (package.json, nodes/, credentials/: the scanner's SOURCE_FILE_PATTERNS). Offline: the scanner's
 * analyzer is called directly, not its CLI, which downloads the package from the registry.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packAndUnpack, REPO_ROOT, type Packed } from './pack';

interface ScanReport {
	passed: boolean;
	message: string | null;
	files: string[];
	errors: number;
	warnings: number;
	problems: Array<{ file: string; line: number; rule: string | null; severity: string; message: string }>;
}

function scan(dir: string, patterns: string[] = []): ScanReport {
	// Without jest's NODE_ENV=test: eslint-plugin-n8n-nodes-base reads file names differently
	// under it (for its own tests), which n8n's scan never does.
	const { NODE_ENV: _jest, ...env } = process.env;
	const out = execFileSync(process.execPath, [path.join(__dirname, 'scan.mjs'), dir, ...patterns], {
		cwd: REPO_ROOT,
		env,
		encoding: 'utf8',
		maxBuffer: 64 * 1024 * 1024,
	});
	return JSON.parse(out.trim().split('\n').pop() as string) as ScanReport;
}

// The scanner's own list of a source checkout's files (scanner.mjs, SOURCE_FILE_PATTERNS).
const SOURCE_PATTERNS = ['package.json', '{nodes,credentials}/**/*.{js,ts,json}'];

describe("n8n's community-package scanner", () => {
	let packed: Packed;
	beforeAll(() => {
		packed = packAndUnpack();
	}, 120_000);
	afterAll(() => {
		if (packed) fs.rmSync(packed.workDir, { recursive: true, force: true });
	});

	test('the packed tarball: 0 errors, 0 warnings', () => {
		const report = scan(packed.dir);
		expect(report.problems).toEqual([]);
		expect(report).toMatchObject({ passed: true, errors: 0, warnings: 0 });
		// It read the compiled nodes and the published package.json, not an empty folder.
		expect(report.files).toEqual(expect.arrayContaining(['package.json', 'dist/nodes/FourSee/FourSee.node.js', 'dist/credentials/FourSeeApi.credentials.js']));
	}, 300_000);

	test('the source: 0 errors, 0 warnings', () => {
		const report = scan(REPO_ROOT, SOURCE_PATTERNS);
		expect(report.problems).toEqual([]);
		expect(report).toMatchObject({ passed: true, errors: 0, warnings: 0 });
		expect(report.files).toEqual(expect.arrayContaining(['package.json', 'nodes/FourSee/FourSee.node.ts', 'credentials/FourSeeApi.credentials.ts']));
		expect(report.files.some((file) => /^(test|sandbox|bench|scripts)\//.test(file))).toBe(false);
	}, 300_000);

	test('it does fail a package that breaks its rules (a runtime dependency, a timer in node code)', () => {
		const dir = fs.mkdtempSync(path.join(packed.workDir, 'bad-'));
		const pkg = JSON.parse(fs.readFileSync(path.join(packed.dir, 'package.json'), 'utf8')) as Record<string, unknown>;
		fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pkg, dependencies: { 'left-pad': '1.3.0' } }, null, 2));
		fs.mkdirSync(path.join(dir, 'nodes'));
		fs.writeFileSync(path.join(dir, 'nodes', 'Bad.node.js'), "'use strict';\nsetTimeout(() => undefined, 10);\n");
		const report = scan(dir);
		expect(report.passed).toBe(false);
		expect(report.problems.map((problem) => problem.rule)).toEqual(
			expect.arrayContaining(['@n8n/community-nodes/no-runtime-dependencies', '@n8n/community-nodes/no-restricted-globals']),
		);
	}, 300_000);
});

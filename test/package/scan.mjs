// Runs n8n's community-package scanner (@n8n/scan-community-package) on one folder, offline:
// its exported analyzePackage() gives the verdict n8n's scan gives, and the ESLint config it
// exports (buildScanConfig) is run once more the same way, with the scanner's own ESLint, to
// count warnings too (analyzePackage fails on errors only). Prints one JSON object.
// ESM because the scanner is; test/package/scanner.test.ts runs it in a child process.
//   node test/package/scan.mjs <folder> [glob ...]   (globs default to the scanner's own)
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const scannerPath = require.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
const fromScanner = createRequire(scannerPath);
const scanner = await import(pathToFileURL(scannerPath).href);
const { ESLint } = await import(pathToFileURL(fromScanner.resolve('eslint')).href);
const glob = fromScanner('fast-glob');

const [dir, ...patterns] = process.argv.slice(2);
if (!dir) {
	console.error('usage: node test/package/scan.mjs <folder> [glob ...]');
	process.exit(2);
}
// The scanner's defaults: every js/ts/json file of an unpacked tarball.
const filePatterns = patterns.length > 0 ? patterns : ['**/*.js', '**/*.ts', '**/*.json'];

const verdict = await scanner.analyzePackage(dir, filePatterns);

const eslint = new ESLint({
	cwd: dir,
	allowInlineConfig: false,
	overrideConfigFile: true,
	overrideConfig: await scanner.buildScanConfig(),
});
const files = glob.sync(filePatterns, { cwd: dir, absolute: true, ignore: ['node_modules/**', '**/package-lock.json'] });
const results = await eslint.lintFiles(files);
const problems = results.flatMap((result) =>
	result.messages.map((message) => ({
		file: result.filePath.slice(dir.length + 1),
		line: message.line,
		rule: message.ruleId,
		severity: message.severity === 2 ? 'error' : 'warning',
		message: message.message,
	})),
);
console.log(
	JSON.stringify({
		passed: verdict.passed,
		message: verdict.message ?? null,
		files: files.map((file) => file.slice(dir.length + 1)).sort(),
		errors: results.reduce((sum, result) => sum + result.errorCount, 0),
		warnings: results.reduce((sum, result) => sum + result.warningCount, 0),
		problems,
	}),
);

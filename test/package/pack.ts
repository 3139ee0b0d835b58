/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * The package as npm would publish it: `npm pack` of the built repo, its file list, and the
 * tarball unpacked into a throw-away folder (as the community-package scanner unpacks it).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.join(__dirname, '..', '..');

export interface Packed {
	/** Paths inside the package, as `npm pack --json` lists them. */
	files: string[];
	/** The unpacked package (its root, where package.json is). */
	dir: string;
	/** Folder holding the tarball and the unpacked copy; remove it when done. */
	workDir: string;
}

function npm(args: string[], cwd: string): string {
	// npm_config_* from an outer `npm test` (e.g. dry-run) must not change what pack does.
	const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')));
	return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function assertBuilt(): void {
	if (!fs.existsSync(path.join(REPO_ROOT, 'dist'))) {
		throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
	}
}

/** `npm pack --dry-run --json`: what would be published, without writing a tarball. */
export function packList(): string[] {
	assertBuilt();
	const [report] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], REPO_ROOT)) as Array<{
		files: Array<{ path: string }>;
	}>;
	return report.files.map((file) => file.path).sort();
}

/** `npm pack` into a throw-away folder, unpacked there. */
export function packAndUnpack(): Packed {
	assertBuilt();
	const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-4see-pack-'));
	const [report] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], REPO_ROOT)) as Array<{
		filename: string;
		files: Array<{ path: string }>;
	}>;
	const dir = path.join(workDir, 'package');
	fs.mkdirSync(dir);
	execFileSync('tar', ['-xzf', path.join(workDir, report.filename), '-C', dir, '--strip-components=1']);
	return { files: report.files.map((file) => file.path).sort(), dir, workDir };
}

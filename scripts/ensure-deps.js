#!/usr/bin/env node
// The first step of `npm start`, `npm test`, `npm run bench` and `npm run sandbox`: on a fresh
// clone (or after the lock file changed) it installs exactly what package-lock.json says, so the
// quick start's two commands (CONTRIBUTING.md) are all the set-up a new machine needs. Called inside those scripts, not
// as pre-scripts: the project's .npmrc sets ignore-scripts, under which npm skips pre-scripts.
// Plain Node on purpose: nothing else is installed yet when it runs.
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const lock = readFileSync(join(root, 'package-lock.json'));
const wanted = createHash('sha256').update(lock).digest('hex');
const stamp = join(root, 'node_modules', '.n8n-nodes-4see-lock');

const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (installed !== wanted) {
	console.log('Installing dependencies from package-lock.json (npm ci)...');
	execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
	writeFileSync(stamp, `${wanted}\n`);
}

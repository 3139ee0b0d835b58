#!/usr/bin/env node
// `npm run build`: dist/ becomes exactly what the package ships, and nothing else. It starts
// empty (a file whose source was deleted must not be published), TypeScript compiles nodes/ and
// credentials/ (tsconfig.build.json), and the files n8n reads beside the compiled code are
// copied next to it: icons (*.svg, *.png) and the codex files (*.node.json). Plain Node: this
// replaces gulp, which did only the copy. test/package/pack.test.ts checks the result.
const { execFileSync } = require('node:child_process');
const { cpSync, mkdirSync, readdirSync, rmSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const SHIPPED_DIRS = ['nodes', 'credentials'];
const STATIC_FILE = /\.(svg|png|node\.json)$/;

function* filesUnder(dir) {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = join(dir, entry.name);
		if (entry.isDirectory()) yield* filesUnder(full);
		else if (entry.isFile()) yield full;
	}
}

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
	cwd: root,
	stdio: 'inherit',
});
let copied = 0;
for (const dir of SHIPPED_DIRS) {
	for (const file of filesUnder(join(root, dir))) {
		if (!STATIC_FILE.test(file)) continue;
		const target = join(dist, relative(root, file));
		mkdirSync(dirname(target), { recursive: true });
		cpSync(file, target);
		copied++;
	}
}
console.log(`dist/ built: compiled ${SHIPPED_DIRS.join('/ and ')}/, copied ${copied} icon and codex files`);

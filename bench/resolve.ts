/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Node's own module resolution tries `.json` before tsx's `.ts`, so `FourSee.node` would load
 * the codex file FourSee.node.json instead of FourSee.node.ts. Imported first by the benchmark
 * scripts: a request for a `*.node` module that has a `.ts` source next to it gets the source.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';

type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
const moduleWithResolve = Module as unknown as { _resolveFilename: Resolve };
const original = moduleWithResolve._resolveFilename;
moduleWithResolve._resolveFilename = function (request, parent, ...rest) {
	if (request.endsWith('.node') && request.startsWith('.') && parent?.filename) {
		const source = path.resolve(path.dirname(parent.filename), `${request}.ts`);
		if (fs.existsSync(source)) return source;
	}
	return original.call(this, request, parent, ...rest);
};

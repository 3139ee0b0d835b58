/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * n8n-core writes its instance settings into N8N_USER_FOLDER on first use. Point it at a
 * throw-away temp folder before n8n-core is loaded, so tests never touch a user's real n8n,
 * and remove that folder when the test process ends. Imported for its side effect, first
 * thing, by the test harnesses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
if (!process.env.N8N_USER_FOLDER) {
	const folder = mkdtempSync(path.join(tmpdir(), 'n8n-nodes-4see-'));
	process.env.N8N_USER_FOLDER = folder;
	const remove = () => {
		rmSync(folder, { recursive: true, force: true });
		if (process.env.N8N_USER_FOLDER === folder) delete process.env.N8N_USER_FOLDER;
	};
	// In jest, after the test file (process exit hooks do not run in its workers).
	if (typeof afterAll === 'function') afterAll(remove);
	else process.on('exit', remove);
}

/**
 * n8n-core writes its instance settings into N8N_USER_FOLDER on first use. Point it at a
 * throw-away temp folder before n8n-core is loaded, so tests never touch a user's real n8n.
 * Imported for its side effect, first thing, by the workflow harness.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS ??= 'false';
if (!process.env.N8N_USER_FOLDER) {
	process.env.N8N_USER_FOLDER = mkdtempSync(path.join(tmpdir(), 'n8n-nodes-4see-'));
}

/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { PID_DIR_ENV } from './harness';

/**
 * Makes this run's own folder for the process groups it starts. Jest starts its workers after
 * globalSetup, so they inherit the variable; globalTeardown runs in this same process and reads
 * it back.
 */
export default async function globalSetup(): Promise<void> {
	process.env[PID_DIR_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-4see-e2e-pids-'));
}

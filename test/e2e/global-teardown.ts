/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { killRecordedServers, PID_DIR_ENV } from './harness';

/** Ends any n8n (or `npm start`) of THIS run that a crashed or timed-out test file left running. */
export default async function globalTeardown(): Promise<void> {
	const dir = process.env[PID_DIR_ENV];
	if (!dir) return;
	const killed = killRecordedServers(dir);
	if (killed > 0) console.warn(`e2e teardown: ended ${killed} process group(s) this run left running`);
}

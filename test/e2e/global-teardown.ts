import { killRecordedServers } from './harness';

/** Ends any n8n server a crashed or timed-out test file left running. */
export default async function globalTeardown(): Promise<void> {
	const killed = killRecordedServers();
	if (killed > 0) console.warn(`e2e teardown: ended ${killed} n8n server(s) left running`);
}

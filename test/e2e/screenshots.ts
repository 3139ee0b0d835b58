/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * Screenshots of the nodes in the real n8n editor, for the README, taken with Debian's
 * chromium driven by playwright-core (which brings no browser of its own).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';

import type { E2eEnv } from './harness';

export const CHROMIUM = '/usr/bin/chromium';
/**
 * Where the pictures go: the README's docs/screenshots/ only when asked for
 * (UPDATE_SCREENSHOTS=1), so that an ordinary test run leaves the tracked files alone (a new
 * picture differs in its pixels on every run); otherwise an ignored folder, to look at.
 */
export const SCREENSHOT_DIR =
	process.env.UPDATE_SCREENSHOTS === '1'
		? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
		: path.resolve(__dirname, '..', '..', '.n8n-runtime', 'screenshots');

const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

/**
 * Installs Debian's chromium when it is missing (CI runs as root on a fresh machine). Called from
 * a beforeAll with a timeout of its own: an install takes minutes on a cold machine and must not
 * eat the screenshot test's time. Asynchronous, so the sandbox in this process keeps answering.
 * Throws, naming the step, when chromium cannot be installed.
 */
export async function ensureChromium(): Promise<void> {
	if (fs.existsSync(CHROMIUM)) return;
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	for (const args of [['update', '-q'], ['install', '-y', '-q', 'chromium']]) {
		const child = spawn('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
		let stderr = '';
		child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const [code] = (await once(child, 'close')) as [number | null];
		if (code !== 0) {
			throw new Error(
				`apt-get ${args.join(' ')} failed (exit ${code}): Debian's chromium is needed for the screenshots ` +
					`(install it, or run as root so the suite can).\n${stderr.slice(-2000)}`,
			);
		}
	}
	if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is missing`);
}

async function openWorkflow(page: Page, editor: string, workflowId: string): Promise<void> {
	await page.goto(`${editor}/workflow/${workflowId}`, { waitUntil: 'domcontentloaded' });
	await page.locator('[data-test-id="canvas-node"]').first().waitFor({ state: 'visible', timeout: 60_000 });
	// Let the canvas fit the view and the icons load.
	await page.waitForLoadState('networkidle').catch(() => undefined);
	await page.waitForTimeout(1_000);
}

async function openNode(page: Page, nodeName: string): Promise<void> {
	await page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`).dblclick();
	await page.locator('[data-test-id="ndv"]').first().waitFor({ state: 'visible', timeout: 30_000 });
	await page.waitForTimeout(1_000);
}

async function closeNode(page: Page): Promise<void> {
	await page.keyboard.press('Escape');
	await page.locator('[data-test-id="ndv"]').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/**
 * Takes the README's screenshots and checks along the way what a user would see: the credential
 * dialog; each example workflow opening with our nodes rendered (not as unknown nodes); each
 * trigger's "Fetch Test Event" showing real records from the sandbox (not "No trigger output");
 * and the Google Sheets example run in the editor, every trailer of the fleet (`expectedRows`)
 * reaching the sheet.
 */
export async function takeScreenshots(env: E2eEnv, expectedRows: number): Promise<string[]> {
	if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: ensureChromium() runs first`);
	fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
	const editor = `http://localhost:${env.n8n.port}`;
	const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
	const files: string[] = [];
	const shot = async (page: Page, name: string) => {
		const file = path.join(SCREENSHOT_DIR, name);
		await page.screenshot({ path: file });
		files.push(file);
	};
	let page: Page | undefined;
	try {
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		const [name, value] = env.rest.authCookie.split('=', 2);
		await context.addCookies([{ name, value, url: editor }]);
		page = await context.newPage();

		// The credential, as a user fills it in.
		await page.goto(`${editor}/home/credentials/FourSeeCredent01`, { waitUntil: 'domcontentloaded' });
		const modal = page.locator('[data-test-id="editCredential-modal"]').first();
		await modal.waitFor({ state: 'visible', timeout: 60_000 });
		await modal.getByText('Integration API URL').first().waitFor({ state: 'visible', timeout: 30_000 });
		await page.waitForTimeout(1_500);
		await shot(page, 'credential-dialog.png');
		await page.keyboard.press('Escape');

		await openWorkflow(page, editor, 'FourSeeExample01');
		await shot(page, 'workflow-light-out-alert.png');
		await openNode(page, 'Stop light changed');
		await expectText(page, ['Trigger On', 'Only When', 'Field']);
		await fetchTestEvent(page);
		await shot(page, 'trigger-node-light-change.png');
		await closeNode(page);

		await openWorkflow(page, editor, 'FourSeeExample02');
		await shot(page, 'workflow-geofence-email.png');
		await openNode(page, 'Trailer entered the yard');
		await expectText(page, ['Area Centre Latitude', 'Radius (Meters)']);
		await fetchTestEvent(page);
		await shot(page, 'trigger-node-geofence.png');
		await closeNode(page);

		await openWorkflow(page, editor, 'FourSeeExample03');
		// What a user does first: run the whole workflow once from the editor.
		await page.locator('[data-test-id="execute-workflow-button"]').first().click();
		// Every connection of the run carries one item per active trailer, the last one included.
		const rows = page.getByText(new RegExp(`^${expectedRows} items?$`));
		await rows.first().waitFor({ state: 'visible', timeout: 120_000 });
		const leafTexts = `[...document.querySelectorAll('*')].filter((e) => e.children.length === 0 && /^${expectedRows} items?$/.test(e.textContent || '')).length >= 4`;
		await page.waitForFunction(leafTexts, undefined, { timeout: 120_000 });
		await page.waitForTimeout(1_000);
		await shot(page, 'workflow-google-sheets-sync.png');
		await openNode(page, "Append or update the trailer's row");
		await page
			.locator('[data-test-id="ndv"]')
			.getByText(new RegExp(`^${expectedRows} items?$`))
			.first()
			.waitFor({ state: 'visible', timeout: 30_000 });
		await closeNode(page);
		await openNode(page, 'Latest position of each trailer');
		await expectText(page, ['Latest Position Only', 'Simplify']);
		await shot(page, 'action-node-latest-positions.png');
		await closeNode(page);

		await openWorkflow(page, editor, 'FourSeeExample04');
		await shot(page, 'workflow-ai-agent-tools.png');
		await openNode(page, 'Recent GPS positions of a trailer');
		await expectText(page, ['Resource', 'Operation', 'Trailer']);
		await shot(page, 'tool-node-gps-positions.png');
		await closeNode(page);
		await context.close();
	} catch (error) {
		// What the browser showed when a step failed, beside the pictures (never in docs/).
		const failed = path.resolve(__dirname, '..', '..', '.n8n-runtime', 'screenshots', 'failed-step.png');
		fs.mkdirSync(path.dirname(failed), { recursive: true });
		await page?.screenshot({ path: failed }).catch(() => undefined);
		throw error;
	} finally {
		await browser.close();
	}
	return files;
}

/** "Fetch Test Event" in an open trigger: waits for real items in its output, not an empty one. */
async function fetchTestEvent(page: Page): Promise<void> {
	await page.locator('[data-test-id="ndv"] [data-test-id="node-execute-button"]').first().click();
	await page
		.locator('[data-test-id="ndv"]')
		.getByText(/^\d+ items?$/)
		.first()
		.waitFor({ state: 'visible', timeout: 90_000 });
	await page.waitForTimeout(1_000);
}

async function expectText(page: Page, texts: string[]): Promise<void> {
	const panel = page.locator('[data-test-id="ndv"]').first();
	for (const text of texts) {
		await panel.getByText(text, { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });
	}
}

/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
/**
 * npm run sandbox -- [--port 4480] [--api-key <key>] [--seed 1] [--token-ttl 1800] [--burst 100]
 *   [--refill 20] [--concurrency 8] [--fleets 3] [--trailers-per-fleet 25] [--devices-per-trailer 4]
 *   [--deliversafe-units 10] [--clock real|manual] [--start-time <iso>] [--history <s>]
 *   [--latency <ms>] [--max-take 500] [--retry-after seconds|date|none] [--all-active] [--quiet]
 */
import { parseArgs } from 'node:util';
import { DEMO_API_KEY, SandboxOptions, startSandbox } from './index';

const NUMBER_FLAGS: Record<string, keyof SandboxOptions> = {
	port: 'port',
	seed: 'seed',
	'token-ttl': 'tokenTtlSeconds',
	burst: 'burst',
	refill: 'refillPerSecond',
	concurrency: 'concurrency',
	fleets: 'fleets',
	'trailers-per-fleet': 'trailersPerFleet',
	'devices-per-trailer': 'devicesPerTrailer',
	'deliversafe-units': 'deliverSafeUnits',
	history: 'historySeconds',
	'gps-interval': 'gpsIntervalSeconds',
	'device-interval': 'deviceIntervalSeconds',
	'deliversafe-interval': 'deliverSafeIntervalSeconds',
	latency: 'latencyMs',
	'max-take': 'maxTake',
};

const USAGE = `Usage: npm run sandbox -- [options]

  --port <n>                 port on 127.0.0.1 (default 4480; 0 = any free port)
  --api-key <key>            the primary customer's API key (default ${DEMO_API_KEY})
  --seed <n>                 data is deterministic from the seed (default 1)
  --token-ttl <s>            JWT lifetime in seconds (default 1800)
  --burst <n>                token-bucket capacity per customer (default 100)
  --refill <n>               tokens added per second (default 20)
  --concurrency <n>          concurrent requests per customer (default 8)
  --fleets <n>               fleets of the primary customer (default 3)
  --trailers-per-fleet <n>   (default 25)
  --devices-per-trailer <n>  (default 4)
  --deliversafe-units <n>    (default 10)
  --clock real|manual        real: simulated time follows the wall clock (default);
                             manual: it moves only via POST /__sandbox/clock
  --start-time <iso>         simulated time at start (default: now, or 2026-01-01 when manual)
  --history <s>              telemetry exists this far back before the start (default 604800)
  --gps-interval <s> --device-interval <s> --deliversafe-interval <s>
                             seconds between records of a stream (default 60, 300, 1800)
  --latency <ms>             added latency per Integration API request (default 0)
  --max-take <n>             largest page a request may ask for (default 500); a larger
                             take gets a 400 naming take
  --retry-after seconds|date|none
                             how a 429 of the rate or concurrency limit names its wait:
                             delay-seconds (default), an HTTP date, or no Retry-After
  --all-active               every trailer and device in service (default: about one
                             trailer in five and a few devices are out of service)
  --quiet                    no request log
  --help`;

function main(): void {
	let parsed;
	try {
		parsed = parseArgs({
			options: {
				...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
				'api-key': { type: 'string' },
				clock: { type: 'string' },
				'retry-after': { type: 'string' },
				'start-time': { type: 'string' },
				quiet: { type: 'boolean' },
				'all-active': { type: 'boolean' },
				help: { type: 'boolean', short: 'h' },
			},
			strict: true,
			allowPositionals: false,
		});
	} catch (error) {
		fail((error as Error).message);
	}
	const values = parsed.values as Record<string, string | boolean | undefined>;
	if (values.help) {
		process.stdout.write(`${USAGE}\n`);
		return;
	}
	const options: SandboxOptions = {
		port: 4480,
		clock: 'real',
		quiet: values.quiet === true,
	};
	for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
		const text = values[flag];
		if (typeof text !== 'string') continue;
		const value = Number(text);
		if (text.trim() === '' || !Number.isFinite(value)) fail(`--${flag} must be a number, got '${text}'`);
		(options as Record<string, unknown>)[key] = value;
	}
	if (values['all-active'] === true) options.allActive = true;
	if (typeof values['api-key'] === 'string') options.apiKey = values['api-key'];
	if (typeof values['start-time'] === 'string') options.startTime = values['start-time'];
	const retryAfter = values['retry-after'];
	if (typeof retryAfter === 'string') {
		if (retryAfter !== 'seconds' && retryAfter !== 'date' && retryAfter !== 'none') {
			fail(`--retry-after must be seconds, date or none, got '${retryAfter}'`);
		}
		options.retryAfter = retryAfter;
	}
	if (typeof values.clock === 'string') {
		if (values.clock !== 'real' && values.clock !== 'manual') fail(`--clock must be real or manual, got '${values.clock}'`);
		options.clock = values.clock;
	}

	startSandbox(options).then(
		(sandbox) => {
			process.stdout.write(
				`4SEE sandbox listening on ${sandbox.url}\n` +
					`API key: ${sandbox.apiKey}\n` +
					`Use ${sandbox.url} as both the auth URL and the Integration API URL. Control API: ${sandbox.url}/__sandbox\n`,
			);
			let stopping = false;
			const stop = (signal: string) => {
				if (stopping) return;
				stopping = true;
				process.stdout.write(`4SEE sandbox stopping (${signal})\n`);
				void sandbox.close().then(() => process.exit(0));
			};
			process.once('SIGINT', () => stop('SIGINT'));
			process.once('SIGTERM', () => stop('SIGTERM'));
		},
		(error: Error & { code?: string }) =>
			fail(
				error.code === 'EADDRINUSE'
					? `port ${options.port} is in use; choose another with --port <n> (0 = any free port)`
					: error.message,
			),
	);
}

function fail(message: string): never {
	process.stderr.write(`4SEE sandbox: ${message}\n\n${USAGE}\n`);
	process.exit(2);
}

main();

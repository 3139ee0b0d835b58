/* eslint-disable -- Not shipped, so n8n-node lint's rules for a node's runtime code do not apply; eslint.dev.config.mjs lints this file (npm run lint). */
import { forgetSecrets, MAX_QUOTED, REDACTED, redact, redactBody, rememberSecret } from '../../../../nodes/FourSee/transport/redact';
import { fakeJwt } from '../../../helpers/context';

const KEY = 'Key-4see_Ab12Cd34+/Ef';
const TOKEN = 'opaque-session-token-9f8e7d';

beforeEach(() => {
	forgetSecrets();
	rememberSecret(KEY);
	rememberSecret(TOKEN);
});
afterAll(forgetSecrets);

function b64(text: string): string {
	return Buffer.from(text).toString('base64');
}

describe('redact', () => {
	test.each([
		['raw', (s: string) => `you sent ${s}, which is wrong`],
		['upper case', (s: string) => `YOU SENT ${s.toUpperCase()}`],
		['lower case', (s: string) => `you sent ${s.toLowerCase()}`],
		['URL-encoded', (s: string) => `query was ?k=${encodeURIComponent(s)}&x=1`],
		['URL-encoded, lower-case hex', (s: string) => `?k=${encodeURIComponent(s).toLowerCase()}`],
		['JSON-escaped', (s: string) => JSON.stringify({ echo: s })],
		['base64, aligned', (s: string) => `blob ${b64(s)}`],
		['base64, inside a longer blob (offset 1)', (s: string) => `blob ${b64(`x${s}y`)}`],
		['base64, inside a longer blob (offset 2)', (s: string) => `blob ${b64(`xy${s}yz`)}`],
		['base64url', (s: string) => `blob ${b64(`xy${s}`).replace(/\+/g, '-').replace(/\//g, '_')}`],
	])('removes the key and the token, %s', (_name, shape) => {
		for (const secret of [KEY, TOKEN]) {
			const out = redact(shape(secret), 10_000);
			expect(out).toContain(REDACTED);
			expect(out.toLowerCase()).not.toContain(secret.toLowerCase());
			expect(out).not.toContain(encodeURIComponent(secret));
			expect(out).not.toContain(b64(secret).slice(2, -4));
		}
	});

	test('removes anything after Bearer, a JWT of anyone, and an X-API-KEY header quoted back', () => {
		const jwt = fakeJwt({ sub: 'someone', exp: 1 });
		expect(redact('Authorization: Bearer abc.def-unknown was refused')).toBe(`Authorization: Bearer ${REDACTED} was refused`);
		expect(redact(`token ${jwt} expired`)).toBe(`token ${REDACTED} expired`);
		expect(redact('headers: {"X-API-KEY":"not-remembered-key"}')).toBe(`headers: {"X-API-KEY":"${REDACTED}"}`);
		expect(redact('authorization=bearer%20xyz123')).toBe(`authorization=bearer ${REDACTED}`);
	});

	test('cuts long texts to a few hundred characters, and a secret across the cut is still removed', () => {
		const huge = `${'x'.repeat(MAX_QUOTED - 5)}${KEY}${'y'.repeat(1_000_000)}`;
		const out = redact(huge);
		expect(out.length).toBeLessThanOrEqual(MAX_QUOTED + 1);
		expect(out.endsWith('…')).toBe(true);
		expect(out).not.toContain(KEY.slice(0, 5));
		expect(redact('short')).toBe('short');
	});
});

describe('redactBody', () => {
	test('returns the very same object when nothing in it is secret', () => {
		const body = { data: [{ id: 'T1', name: 'Trailer' }], next: 'p2' };
		expect(redactBody(body)).toBe(body);
	});

	test('redacts values and keys anywhere in the answer, and keeps the rest', () => {
		const body = JSON.parse(
			JSON.stringify({ data: [{ id: 'T1', note: `echo ${TOKEN}`, [KEY]: 1, nested: { a: [`Bearer ${TOKEN}`] } }] }),
		) as Record<string, unknown>;
		const safe = redactBody(body);
		const text = JSON.stringify(safe);
		expect(text).not.toContain(TOKEN);
		expect(text).not.toContain(KEY);
		expect(safe).toEqual({ data: [{ id: 'T1', note: `echo ${REDACTED}`, [REDACTED]: 1, nested: { a: [`Bearer ${REDACTED}`] } }] });
	});

	test('scans the text as the server sent it when given, instead of serialising the answer again', () => {
		const sent = JSON.stringify({ data: [{ id: 'T1', note: `echo ${TOKEN}` }] });
		const body = JSON.parse(sent) as Record<string, unknown>;
		expect(redactBody(body, sent)).toEqual({ data: [{ id: 'T1', note: `echo ${REDACTED}` }] });
		// The sent text decides alone when it has no escapes: it is what the answer was parsed from.
		const clean = { data: [{ id: 'T1' }] };
		expect(redactBody(clean, JSON.stringify(clean))).toBe(clean);
	});

	test.each([
		['\\u escapes', (text: string) => text.replace(/o/g, '\\u006f')],
		['escaped slashes', (text: string) => text.replace(/\//g, '\\/')],
	])('a sent text with %s (which can spell a secret the text does not show) is not trusted', (_name, escape) => {
		const plain = JSON.stringify({ data: [{ id: 'T1', note: `echo ${TOKEN} ${KEY}` }] });
		const sent = escape(plain);
		// The escapes hide one of the secrets from the sent text; the parsed answer holds both.
		expect([TOKEN, KEY].filter((secret) => !sent.includes(secret))).toHaveLength(1);
		const body = JSON.parse(sent) as Record<string, unknown>;
		expect(body).toEqual(JSON.parse(plain));
		expect(redactBody(body, sent)).toEqual({ data: [{ id: 'T1', note: `echo ${REDACTED} ${REDACTED}` }] });
	});

	test('leaves data that merely looks like a token alone: a JWT-shaped page token must stay intact', () => {
		const next = fakeJwt({ offset: 500 });
		const body = { data: [{ id: 'T1', note: 'Bearer of bad news' }], next };
		expect(redactBody(body)).toBe(body);
	});
});

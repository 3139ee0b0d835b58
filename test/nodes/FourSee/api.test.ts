/**
 * The contract module's parsing: every variant the contract says to tolerate must be read the
 * same way, and anything else must be refused rather than misread.
 */
import {
	checkServiceUrl,
	isValidId,
	jwtExpiry,
	parsePage,
	parseProblem,
	parseRotatedKey,
	parseTokenResponse,
	recordTimeMs,
	telemetryStartToken,
} from '../../../nodes/FourSee/api';
import { fakeJwt } from '../../helpers/context';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('parseTokenResponse', () => {
	test.each([
		['token', { token: 'abc' }],
		['accessToken', { accessToken: 'abc' }],
		['access_token', { access_token: 'abc' }],
		['jwt', { jwt: 'abc' }],
		['a bare JSON string', '"abc"'],
		['bare text', 'abc'],
		['bare text with a line break', 'abc\n'],
		['an object sent as text', '{"token":"abc"}'],
	])('reads the token from %s', (_name, body) => {
		expect(parseTokenResponse(body, NOW)?.token).toBe('abc');
	});

	test('the first present field wins, in the contract order', () => {
		expect(parseTokenResponse({ jwt: 'd', access_token: 'c', accessToken: 'b', token: 'a' }, NOW)?.token).toBe('a');
		expect(parseTokenResponse({ token: '', accessToken: 'b' }, NOW)?.token).toBe('b');
	});

	test('lifetime from expiresIn or expires_in (seconds)', () => {
		expect(parseTokenResponse({ token: 'a', expiresIn: 600 }, NOW)).toEqual({
			token: 'a',
			lifetimeSeconds: 600,
			expiresAtMs: NOW + 600_000,
		});
		expect(parseTokenResponse({ token: 'a', expires_in: '120' }, NOW)?.expiresAtMs).toBe(NOW + 120_000);
	});

	test('lifetime from the JWT exp claim when the body names none', () => {
		const exp = NOW / 1000 + 900;
		const parsed = parseTokenResponse({ token: fakeJwt({ sub: 'c1', exp }) }, NOW);
		expect(parsed?.expiresAtMs).toBe(exp * 1000);
		expect(parsed?.lifetimeSeconds).toBe(900);
		expect(jwtExpiry(fakeJwt({ exp }))).toBe(exp * 1000);
	});

	test('expiresIn beats the JWT exp; without either the lifetime is 1800 s', () => {
		const jwt = fakeJwt({ exp: NOW / 1000 + 900 });
		expect(parseTokenResponse({ token: jwt, expiresIn: 60 }, NOW)?.lifetimeSeconds).toBe(60);
		expect(parseTokenResponse({ token: 'opaque' }, NOW)).toEqual({
			token: 'opaque',
			lifetimeSeconds: 1800,
			expiresAtMs: NOW + 1_800_000,
		});
	});

	test.each([
		['an empty object', {}],
		['an empty string', ''],
		['a number', 42],
		['null', null],
		['an object without a token field', { message: 'ok' }],
		['broken JSON text', '{"token":'],
	])('finds no token in %s', (_name, body) => {
		expect(parseTokenResponse(body, NOW)).toBeUndefined();
	});
});

describe('parsePage', () => {
	test.each(['data', 'items', 'results', 'records'])('reads records from "%s"', (field) => {
		expect(parsePage({ [field]: [{ id: 1 }, { id: 2 }], next: 'n1' })).toEqual({
			records: [{ id: 1 }, { id: 2 }],
			next: 'n1',
		});
	});

	test('nextToken works like next; an empty or null next means the last page', () => {
		expect(parsePage({ data: [], nextToken: 't' })?.next).toBe('t');
		expect(parsePage({ data: [{ id: 1 }], next: null })?.next).toBeUndefined();
		expect(parsePage({ data: [{ id: 1 }], next: '' })?.next).toBeUndefined();
	});

	test('a next of any JSON scalar type is followed, as the text to send back', () => {
		expect(parsePage({ data: [{ id: 1 }], next: 2 })?.next).toBe('2');
		expect(parsePage({ data: [{ id: 1 }], next: 0 })?.next).toBe('0');
		expect(parsePage({ data: [{ id: 1 }], next: 1.5e3 })?.next).toBe('1500');
		expect(parsePage({ data: [{ id: 1 }], nextToken: true })?.next).toBe('true');
		expect(parsePage({ data: [{ id: 1 }], next: false })?.next).toBeUndefined();
		expect(parsePage({ data: [{ id: 1 }], next: { offset: 2 } })?.next).toBeUndefined();
	});

	test('a bare array is a single, last page', () => {
		expect(parsePage([{ id: 1 }])).toEqual({ records: [{ id: 1 }] });
	});

	test('an empty page can still carry next', () => {
		expect(parsePage({ data: [], next: 'more' })).toEqual({ records: [], next: 'more' });
	});

	test('anything else is not a page', () => {
		expect(parsePage({ id: 'f1', name: 'one fleet' })).toBeUndefined();
		expect(parsePage('<html>')).toBeUndefined();
		expect(parsePage(null)).toBeUndefined();
	});
});

describe('parseProblem', () => {
	test('reads an RFC 9457 problem with field errors', () => {
		const problem = parseProblem({
			type: 'https://example.com/validation',
			title: 'One or more validation errors occurred.',
			status: 400,
			detail: 'take must be between 1 and 500',
			errors: { take: ['must be between 1 and 500'], next: 'unknown token' },
		});
		expect(problem).toEqual({
			type: 'https://example.com/validation',
			title: 'One or more validation errors occurred.',
			status: 400,
			detail: 'take must be between 1 and 500',
			errors: { take: ['must be between 1 and 500'], next: ['unknown token'] },
		});
	});

	test('reads a problem that arrives as text', () => {
		expect(parseProblem('{"status":404,"detail":"no such trailer"}')).toEqual({ status: 404, detail: 'no such trailer' });
	});

	test('is undefined for bodies that are not problems', () => {
		expect(parseProblem('Internal Server Error')).toBeUndefined();
		expect(parseProblem({ foo: 1 })).toBeUndefined();
		expect(parseProblem(undefined)).toBeUndefined();
	});
});

describe('parseRotatedKey', () => {
	test.each(['apiKey', 'key', 'customerApiKey'])('reads the new key from %s', (field) => {
		expect(parseRotatedKey({ [field]: 'new-key' })).toBe('new-key');
	});
	test('is undefined without a key', () => {
		expect(parseRotatedKey({ ok: true })).toBeUndefined();
		expect(parseRotatedKey('new-key')).toBeUndefined();
	});
});

describe('telemetry time helpers', () => {
	test('the first next of a window is the start time in ISO-8601 UTC', () => {
		expect(telemetryStartToken(new Date(NOW))).toBe('2026-11-30T12:00:00.000Z');
	});
	test('record time from an ISO string or epoch ms; unreadable -> undefined', () => {
		expect(recordTimeMs({ timestamp: '2026-11-30T12:00:00Z' })).toBe(NOW);
		expect(recordTimeMs({ timestamp: NOW })).toBe(NOW);
		expect(recordTimeMs({ timestamp: 'yesterday' })).toBeUndefined();
		expect(recordTimeMs({})).toBeUndefined();
	});
});

describe('isValidId', () => {
	test.each(['F-100', 'trl_01', 'dev:9', 'A.b~c', '7', '__proto__', '_x'])('accepts %s', (id) => {
		expect(isValidId(id)).toBe(true);
	});
	test.each(['', '../x', 'a/b', 'a\\b', '..', 'a..b', ' a', 'a b', '.hidden', 'x\n', 'a?b', 'a#b', 'a%2Fb', 'x'.repeat(129)])(
		'refuses %j',
		(id) => {
			expect(isValidId(id)).toBe(false);
		},
	);
});

describe('checkServiceUrl', () => {
	test.each([
		['https://api.example.com', 'https://api.example.com'],
		['https://api.example.com/', 'https://api.example.com'],
		['https://api.example.com///', 'https://api.example.com'],
		['  https://api.example.com/prefix/ ', 'https://api.example.com/prefix'],
		['http://localhost:8080/', 'http://localhost:8080'],
		['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
		['http://127.8.9.10', 'http://127.8.9.10'],
		['http://[::1]:4000/', 'http://[::1]:4000'],
	])('accepts %s as %s', (input, url) => {
		expect(checkServiceUrl(input)).toEqual({ url });
	});

	test.each([
		['http://api.example.com', /plain http:\/\/.*localhost/],
		['http://10.0.0.5', /plain http:\/\//],
		['http://128.0.0.1', /plain http:\/\//],
		['http://localhost.example.com', /plain http:\/\//],
		// Resolved through DNS on many machines, like any other name.
		['http://evil.localhost', /plain http:\/\//],
		['http://localhost.', /plain http:\/\//],
		['ftp://api.example.com', /https:\/\//],
		['api.example.com', /not a valid URL/],
		['', /empty/],
		[undefined, /empty/],
		['https://user:pw@api.example.com', /user name or password/],
		['https://api.example.com/?take=1', /query/],
	])('refuses %j with a clear reason', (input, reason) => {
		const result = checkServiceUrl(input);
		expect('problem' in result && result.problem).toMatch(reason);
	});
});

/**
 * Loaded into the e2e suite's n8n processes (NODE_OPTIONS=--require): requests n8n's own Slack
 * and Google Sheets nodes make to their vendors' hosts (https, hard-coded in those nodes) go to
 * the suite's loopback stand-in instead (plain http), with the original host in a header. Every
 * other request, the 4SEE sandbox's included, is left alone. Test code only: never shipped.
 */
'use strict';
const http = require('node:http');
const https = require('node:https');

const target = process.env.FOURSEE_E2E_STAND_IN;
const HOSTS = new Set(['slack.com', 'sheets.googleapis.com', 'oauth2.googleapis.com', 'www.googleapis.com']);

if (target) {
	const standIn = new URL(target);
	const originalRequest = https.request;
	const originalGet = https.get;

	/** The (url, options, callback) forms of https.request, as one options object and callback. */
	const normalise = (args) => {
		const [first, second, third] = args;
		let options = {};
		let callback;
		if (typeof first === 'string' || first instanceof URL) {
			const url = new URL(String(first));
			options = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}` };
			if (typeof second === 'function') callback = second;
			else {
				options = { ...options, ...(second || {}) };
				callback = third;
			}
		} else {
			options = { ...(first || {}) };
			callback = second;
		}
		return { options, callback };
	};

	const redirected = (args) => {
		const { options, callback } = normalise(args);
		const host = String(options.hostname || options.host || '').replace(/:\d+$/, '');
		if (!HOSTS.has(host)) return undefined;
		const headers = { ...(options.headers || {}), 'x-stand-in-for': host };
		for (const name of Object.keys(headers)) if (name.toLowerCase() === 'host') delete headers[name];
		const rewritten = {
			method: options.method,
			path: options.path,
			headers,
			protocol: 'http:',
			hostname: standIn.hostname,
			port: standIn.port,
			agent: false,
			timeout: options.timeout,
			signal: options.signal,
		};
		return http.request(rewritten, callback);
	};

	https.request = function request(...args) {
		return redirected(args) || originalRequest.apply(https, args);
	};
	https.get = function get(...args) {
		const req = redirected(args);
		if (!req) return originalGet.apply(https, args);
		req.end();
		return req;
	};
}

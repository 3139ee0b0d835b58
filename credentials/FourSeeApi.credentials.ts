import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { DEFAULT_AUTH_URL, paths } from '../nodes/FourSee/api';
import { logIn } from '../nodes/FourSee/transport/login';
import { NO_REDIRECTS } from '../nodes/FourSee/transport/redirect';
import { bearer, SESSION_FOR_FIELD } from '../nodes/FourSee/transport/session';

/**
 * The 4SEE API credential: the API key and the two URLs, the session token n8n keeps for them,
 * how a request carries it, and the Test. The login itself (the key exchanged for a token, the
 * token shared by this process's executions) is the transport's (transport/login.ts).
 */
export class FourSeeApi implements ICredentialType {
	name = 'fourSeeApi';

	displayName = '4SEE API';

	icon: Icon = { light: 'file:fourSee.svg', dark: 'file:fourSee.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-4see/n8n-nodes-4see#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'The Customer API key your Grote representative gave you',
		},
		{
			displayName: 'Auth URL',
			name: 'authUrl',
			type: 'string',
			required: true,
			default: DEFAULT_AUTH_URL,
			description: 'Where the API key is exchanged for a session token. Keep the default unless Grote told you otherwise.',
		},
		{
			displayName: 'Integration API URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://your-integration-host.example.com',
			description: 'The Integration API address Grote gave you (each customer has their own)',
		},
		{
			displayName: 'Session Token',
			name: 'sessionToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{
			// What the session token was obtained for (the two URLs and a hash of the key): once
			// the credential names anything else, the token is not sent (see transport/session.ts).
			displayName: 'Session Token For',
			name: SESSION_FOR_FIELD,
			type: 'hidden',
			typeOptions: { password: true },
			default: '',
		},
	];

	/**
	 * n8n calls this when the stored session token is empty or was just refused (401), and
	 * stores what it returns in the credential for every later execution and worker.
	 */
	async preAuthentication(
		this: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
	): Promise<IDataObject> {
		return await logIn(this, credentials);
	}

	/**
	 * The Bearer header, set in code rather than by a generic `{{ }}` block: n8n evaluates such a
	 * block in the workflow's expression engine on every request, and a long poll outlives the
	 * isolate n8n lends it ("No bridge acquired", "Evaluator disposed"). Plain code cannot fail
	 * that way and costs nothing per request. The token is the one preAuthentication stored (or
	 * refreshed after a 401); it goes to no host but the request's own.
	 */
	authenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => bearer(credentials, requestOptions);

	/**
	 * n8n's "Test" runs preAuthentication (so the key is proven) and then this request with the
	 * fresh token against the Integration API URL (so that URL is proven too).
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: paths.fleets,
			qs: { take: 1 },
			method: 'GET',
			...NO_REDIRECTS,
		},
		// n8n shows these instead of a bare status: the test request does not follow redirects.
		rules: [301, 302, 303, 307, 308].map((value) => ({
			type: 'responseCode' as const,
			properties: {
				value,
				message: `The Integration API URL answered with a redirect (HTTP ${value}), which is not followed so that the session token only goes to the addresses in this credential. Enter the address 4SEE really serves the API at as the Integration API URL.`,
			},
		})),
	};
}

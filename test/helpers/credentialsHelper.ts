/**
 * The one credentials helper of the in-process harnesses (`context.ts` for transport and
 * credential tests, `workflow.ts` for whole workflows), written after n8n's
 * `packages/cli/src/credentials-helper.ts`: it runs the REAL credential class's
 * `preAuthentication` when n8n would (the expirable field empty, after a 401, or while testing
 * the credential), with the helpers narrowed as n8n narrows them; resolves a generic
 * `authenticate` block through n8n's expression engine; and writes refreshed tokens back to a
 * store shared by every run made from it, as n8n's database is shared by executions.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeProperties,
	IRequestOptionsSimplified,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { ICredentialsHelper, Workflow } from 'n8n-workflow';

/** n8n tests a credential through a mock NoOp node whose `temp` parameter is ''. */
export const TEST_NODE_TYPE = 'n8n-nodes-base.noOp';

/** Where the harness keeps what n8n's credential store holds, by credential type. */
export interface StoredCredentials {
	read(type: string): ICredentialDataDecryptedObject | undefined;
	/** A refreshed token or an updated credential written back (n8n's `updateCredentials`). */
	write(type: string, data: ICredentialDataDecryptedObject): void;
}

export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly types: ReadonlyMap<string, ICredentialType>,
		private readonly stored: StoredCredentials,
	) {
		super();
	}

	private type(name: string): ICredentialType {
		const type = this.types.get(name);
		if (!type) throw new Error(`Credential type ${name} is not registered in the harness`);
		return type;
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.type(typeName);
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (authenticate?.type === 'generic') {
			// As n8n's own helper: each key and value may be an expression over $credentials.
			const resolve = (value: string) => resolveCredentialExpression(workflow, node, value, credentials);
			const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
			for (const [outerKey, entries] of Object.entries(authenticate.properties)) {
				target[outerKey] ??= {};
				for (const [key, value] of Object.entries(entries as Record<string, string>)) {
					target[outerKey][resolve(key)] = resolve(value);
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.type(typeName);
		const expirable = type.properties.find((p) => p.type === 'hidden' && p.typeOptions?.expirable === true);
		if (expirable === undefined || typeof type.preAuthentication !== 'function') return undefined;
		const isTestingCredentials = node?.parameters?.temp === '' && node?.type === TEST_NODE_TYPE;
		// n8n applies the field's default ('') before this check, so a missing token is an empty one.
		const token = credentials[expirable.name];
		if (token !== '' && token !== undefined && !credentialsExpired && !isTestingCredentials) return undefined;
		// n8n narrows the helpers to `httpRequest` before handing them to the credential.
		const narrowed: IHttpRequestHelper = {
			helpers: { httpRequest: async (options) => await helpers.helpers.httpRequest(options) },
		};
		const output = await type.preAuthentication.call(narrowed, credentials);
		if (output?.[expirable.name] === undefined) return undefined;
		if (!node.credentials) return undefined;
		this.stored.write(typeName, { ...this.stored.read(typeName), ...output } as ICredentialDataDecryptedObject);
		return Object.assign(credentials, output);
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by the harness');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.stored.read(type);
		if (!stored) throw new Error(`No credentials of type ${type} in the harness store`);
		// A fresh copy per call, like n8n decrypting from its database.
		return { ...stored };
	}

	async updateCredentials(
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		this.stored.write(type, { ...data });
	}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.type(type).properties;
	}
}

/** As n8n's helper: a value starting with '=' is an expression over `$credentials`. */
export function resolveCredentialExpression(
	workflow: Workflow,
	node: INode,
	value: unknown,
	credentials: ICredentialDataDecryptedObject,
): string {
	if (typeof value !== 'string' || !value.startsWith('=')) return String(value);
	const resolved = workflow.expression.getSimpleParameterValue(
		node,
		value,
		'internal',
		{ $credentials: credentials },
		undefined,
		'',
	);
	return resolved === undefined || resolved === null ? '' : String(resolved);
}

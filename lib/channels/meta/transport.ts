import type { IDataObject, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

import { parseRetryAfter } from '../../delivery/errors';
import { graphRoot, type MetaCredentials } from './credentials';
import { classifyGraphError, classifyNetworkError, type GraphErrorBody, type MetaChannel } from './errors';

/**
 * The one door to Meta's Graph API for WhatsApp and Messenger. Requests go through n8n's own request helpers
 * (as n8n's Airtable v2 transport does), so n8n's proxy settings, SSRF rules and request logging apply:
 *   - node execution and load-options contexts: `this.helpers.httpRequest`;
 *   - the credential Test context, which only offers the legacy `this.helpers.request`: that one.
 * The token goes in an `Authorization: Bearer` header (never in the URL, where logs and proxies keep it). The
 * two Meta channels use different tokens (WhatsApp system-user token, Page access token), so the token is
 * passed per call rather than through the credential's `authenticate` block.
 * Every non-2xx answer becomes a MetaGraphError classified by Meta's error code (see errors.ts).
 */
export interface GraphHelpers {
	httpRequest?: (options: IHttpRequestOptions) => Promise<unknown>;
	request?: (uriOrObject: string | object, options?: object) => Promise<unknown>;
}

/** Any n8n context with request helpers: IExecuteFunctions, ILoadOptionsFunctions, ICredentialTestFunctions. */
export interface GraphContext {
	helpers: GraphHelpers;
}

export interface GraphCall {
	channel: MetaChannel;
	method: IHttpRequestMethods;
	/** Path under the versioned root, e.g. `123/messages` or `me`. */
	path: string;
	token: string;
	body?: IDataObject;
	qs?: Record<string, string | number>;
	/** Named in a template error's message. */
	template?: { name: string; language: string };
	timeoutMs?: number;
}

export interface GraphAnswer<T> {
	status: number;
	body: T;
	headers: Record<string, unknown>;
}

interface RawResponse {
	statusCode?: number;
	status?: number;
	body?: unknown;
	headers?: Record<string, unknown>;
}

function parseBody(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return body;
	}
}

export async function graphRequest<T = IDataObject>(ctx: GraphContext, credentials: MetaCredentials, call: GraphCall): Promise<GraphAnswer<T>> {
	const url = `${graphRoot(credentials)}/${call.path.replace(/^\/+/, '')}`;
	const headers = { Authorization: `Bearer ${call.token}`, Accept: 'application/json' };
	const timeout = call.timeoutMs ?? 30_000;
	let raw: RawResponse;
	try {
		if (ctx.helpers.httpRequest) {
			raw = (await ctx.helpers.httpRequest({
				method: call.method,
				url,
				headers,
				qs: call.qs,
				body: call.body,
				json: true,
				timeout,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			})) as RawResponse;
		} else if (ctx.helpers.request) {
			raw = (await ctx.helpers.request({
				method: call.method,
				uri: url,
				headers,
				qs: call.qs,
				body: call.body,
				json: true,
				timeout,
				resolveWithFullResponse: true,
				simple: false,
			})) as RawResponse;
		} else {
			throw new Error('This n8n context offers no request helper');
		}
	} catch (error) {
		throw classifyNetworkError(call.channel, error as { code?: string; message?: string });
	}
	const status = raw.statusCode ?? raw.status ?? 0;
	const body = parseBody(raw.body);
	const responseHeaders = raw.headers ?? {};
	if (status >= 200 && status < 300) return { status, body: body as T, headers: responseHeaders };
	const error = body && typeof body === 'object' && 'error' in body ? ((body as { error: GraphErrorBody }).error ?? {}) : { message: typeof body === 'string' ? body.slice(0, 300) : undefined };
	throw classifyGraphError({ channel: call.channel, status, error, retryAfterMs: parseRetryAfter(responseHeaders), template: call.template });
}

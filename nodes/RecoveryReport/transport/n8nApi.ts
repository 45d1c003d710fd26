import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type JsonObject } from 'n8n-workflow';

/** n8n's own public API (/api/v1), with the n8n API (Cart Recovery) credential: its key goes in X-N8N-API-KEY. */
export const N8N_API_CREDENTIAL = 'n8nCartRecoveryApi';

export interface CrashedRun {
	id: string;
	startedAt: string | null;
}

/**
 * The runs of `workflowId` that n8n marked crashed since `startedAfter`, oldest first. n8n marks a run crashed when
 * its process went away mid-run and nothing can resume it (main restarted after a worker died, a whole host
 * rebooted) — and runs no Error Trigger for it, so only a look at its executions finds it.
 */
export async function crashedRuns(ctx: IExecuteFunctions, workflowId: string, startedAfter: Date): Promise<CrashedRun[]> {
	const credentials = await ctx.getCredentials(N8N_API_CREDENTIAL);
	const baseUrl = String(credentials.baseUrl ?? '').replace(/\/+$/, '');
	if (!/^https?:\/\//.test(baseUrl)) {
		throw new NodeOperationError(ctx.getNode(), 'The n8n API credential has no Base URL', {
			description: 'Fill in Base URL in the n8n API credential, e.g. https://n8n.example.hu/api/v1',
		});
	}
	const runs: CrashedRun[] = [];
	let cursor: string | undefined;
	do {
		let page: { data?: IDataObject[]; nextCursor?: string | null };
		try {
			page = await ctx.helpers.httpRequestWithAuthentication.call(ctx, N8N_API_CREDENTIAL, {
				method: 'GET',
				url: `${baseUrl}/executions`,
				qs: { workflowId, status: 'crashed', startedAfter: startedAfter.toISOString(), limit: 250, ...(cursor ? { cursor } : {}) },
				json: true,
			});
		} catch (error) {
			const status = (error as { httpCode?: string; response?: { status?: number } }).response?.status ?? Number((error as { httpCode?: string }).httpCode);
			if (status === 401 || status === 403) {
				throw new NodeOperationError(ctx.getNode(), 'n8n refused the API key in the n8n API credential', {
					description: 'Create a new key in n8n (Settings → n8n API) with the right to read executions, and put it in the credential',
				});
			}
			throw new NodeApiError(ctx.getNode(), error as JsonObject, { message: `Cannot read n8n's executions at ${baseUrl}` });
		}
		for (const run of page.data ?? []) runs.push({ id: String(run.id), startedAt: run.startedAt ? String(run.startedAt) : null });
		cursor = page.nextCursor ?? undefined;
	} while (cursor);
	return runs.sort((a, b) => Number(a.id) - Number(b.id));
}

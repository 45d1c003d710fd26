import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * The production URL at which this n8n serves a Webhook node with the given `path`: the webhook base URL
 * (WEBHOOK_URL, else the instance URL, plus the N8N_ENDPOINT_WEBHOOK prefix, "webhook" by default) + path.
 *
 * IExecuteFunctions has no getter for the webhook base URL; n8n's execution context carries it as
 * `additionalData.webhookBaseUrl` (the same value `$execution.resumeUrl` is built from, with `webhook-waiting`).
 * Should a runtime not expose it, the instance base URL + "webhook" is the default layout.
 */
export function productionWebhookUrl(ctx: IExecuteFunctions, path: string): string {
	const additionalData = (ctx as unknown as { additionalData?: { webhookBaseUrl?: unknown } }).additionalData;
	const base =
		typeof additionalData?.webhookBaseUrl === 'string' && additionalData.webhookBaseUrl
			? additionalData.webhookBaseUrl
			: `${ctx.getInstanceBaseUrl().replace(/\/+$/, '')}/webhook`;
	return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

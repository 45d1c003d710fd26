import type { IExecuteFunctions, IHttpRequestMethods } from 'n8n-workflow';

import { shopClient, type RetryPolicy, type ShopClient, type ShopHttp, type WebshopCredentialData } from '../shop';

export const WEBSHOP_CREDENTIAL = 'webshopApi';

/** The shop clients' HTTP through n8n's request helper (proxy settings, logging), status codes handed back as they are. */
export function shopHttpFor(ctx: IExecuteFunctions): ShopHttp {
	return async (request) => {
		const response = (await ctx.helpers.httpRequest({
			method: request.method as IHttpRequestMethods,
			url: request.url,
			headers: request.headers,
			qs: request.qs,
			body: request.body as never,
			json: true,
			timeout: 30_000,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
		return { statusCode: response.statusCode, headers: response.headers ?? {}, body: response.body };
	};
}

/** Whether the node has a Webshop credential selected (it is optional where the shop is only cleaned up). */
export function hasWebshopCredential(ctx: IExecuteFunctions): boolean {
	return !!ctx.getNode().credentials?.[WEBSHOP_CREDENTIAL];
}

/** The node's shop (WooCommerce or Shopify) with bounded retries; throws ShopSyncError for another platform. */
export async function shopClientFor(ctx: IExecuteFunctions, itemIndex: number, retry?: RetryPolicy): Promise<ShopClient> {
	const credentials = (await ctx.getCredentials(WEBSHOP_CREDENTIAL, itemIndex)) as WebshopCredentialData;
	return shopClient(credentials, shopHttpFor(ctx), retry);
}

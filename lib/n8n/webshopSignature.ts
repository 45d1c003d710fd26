import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { headerValue, verifyHmac } from '../intake/signature';
import { WEBSHOP_CREDENTIAL } from './shop';

/**
 * "Verify Webshop Signature" for nodes behind a built-in Webhook node (discount validate / redeem, consent from
 * the checkout). n8n's Header Auth compares its secret with `!==`, which leaks through timing; this checks
 * `X-Signature: sha256=<hex>` = HMAC-SHA256 of the exact request bytes with the Webshop credential's Webhook
 * Secret, in constant time (lib/intake/signature.ts), as the Abandoned Cart Trigger does for generic events.
 *
 * The bytes come from the Webhook node's "Raw Body" option: n8n's Webhook node (v2) then puts the request body,
 * base64, in the item's binary property `data` (`binary.data = { data, mimeType }`), beside the parsed
 * `json.body` and `json.headers`.
 */
export const SIGNATURE_HEADER = 'X-Signature';
export const RAW_BODY_PROPERTY = 'data';
/** Every failure message starts with this, so a workflow can route it to a 401 answer. */
export const SIGNATURE_ERROR_PREFIX = 'Webshop signature check failed';

export const verifySignatureProperty = (show: Record<string, string[]>) => ({
	displayName: 'Verify Webshop Signature',
	name: 'verifySignature',
	type: 'boolean' as const,
	default: false,
	description: `Whether to accept only requests signed by the webshop: header ${SIGNATURE_HEADER}: sha256=<HMAC-SHA256 of the raw body with the Webshop credential's Webhook Secret, hex>. Turn on "Raw Body" in the Webhook node's options. A missing or wrong signature fails the item.`,
	displayOptions: { show },
});

function fail(ctx: IExecuteFunctions, itemIndex: number, why: string, description: string): never {
	throw new NodeOperationError(ctx.getNode(), `${SIGNATURE_ERROR_PREFIX}: ${why}`, { itemIndex, description });
}

/** Throws a NodeOperationError (message starting with SIGNATURE_ERROR_PREFIX, naming the header) unless the item is signed. */
export async function verifyWebshopSignature(ctx: IExecuteFunctions, item: INodeExecutionData, itemIndex: number): Promise<void> {
	const headers = (item.json.headers ?? {}) as Record<string, string | string[] | undefined>;
	const given = headerValue(headers[SIGNATURE_HEADER.toLowerCase()] ?? headers[SIGNATURE_HEADER]);
	if (!given) {
		fail(ctx, itemIndex, `the ${SIGNATURE_HEADER} header is missing`, `The webshop must send ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body>. Nothing was changed.`);
	}
	if (!item.binary?.[RAW_BODY_PROPERTY]) {
		fail(
			ctx,
			itemIndex,
			`the raw request body is missing, so ${SIGNATURE_HEADER} cannot be checked`,
			'Turn on "Raw Body" in the options of the Webhook node before this node. Nothing was changed.',
		);
	}
	const credentials = await ctx.getCredentials(WEBSHOP_CREDENTIAL, itemIndex);
	const secret = String(credentials.webhookSecret ?? '');
	if (!secret) {
		fail(ctx, itemIndex, 'the Webshop credential has no Webhook Secret', 'Set the Webhook Secret the webshop signs with in the Webshop credential.');
	}
	const raw = await ctx.helpers.getBinaryDataBuffer(itemIndex, RAW_BODY_PROPERTY);
	if (!verifyHmac({ given, secret, payload: raw, algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' })) {
		fail(ctx, itemIndex, `the ${SIGNATURE_HEADER} header does not match the request body`, 'The request was not signed with the Webshop credential’s Webhook Secret, or the body was changed on the way. Nothing was changed.');
	}
}

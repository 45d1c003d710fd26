import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import {
	checkWebshopSignature,
	findUnstorableText,
	headerValue,
	IntakeError,
	jsonContentTypeProblem,
	parseJson,
	signatureTolerance,
	webhookSigningPath,
	WEBSHOP_SIGNATURE_HEADER,
	type Headers,
} from '../intake';
import { isObject, typeName } from '../intake/validate';
import { hasWebshopCredential, WEBSHOP_CREDENTIAL } from './shop';

/**
 * "Verify Webshop Signature" for nodes behind a built-in Webhook node (discount validate / redeem, consent from
 * the checkout). n8n's Header Auth compares its secret with `!==`, which leaks through timing; this checks the
 * shop's `X-Signature: t=<unix seconds>,v1=<hex>` (lib/intake/signature.ts, the scheme the Abandoned Cart
 * Trigger checks for generic events) over the exact request bytes, the endpoint's path and the time, in
 * constant time, with the Webshop credential's Webhook Secret.
 *
 * The bytes come from the Webhook node's "Raw Body" option: n8n's Webhook node (v2) then puts the request body,
 * base64, in the item's binary property `data`, beside its own parse in `json.body`, `json.headers` and the
 * URL it listens on in `json.webhookUrl`. n8n's parse is not what was signed (a multipart request puts form
 * fields in `json.body` and an uploaded file in `binary.data`), so only JSON requests are taken, and the body
 * the node then reads is parsed from the verified bytes.
 */
export const SIGNATURE_HEADER = WEBSHOP_SIGNATURE_HEADER;
export const RAW_BODY_PROPERTY = 'data';
/** Every signature failure starts with this, so a workflow can route it to a 401 answer. */
export const SIGNATURE_ERROR_PREFIX = 'Webshop signature check failed';
/** A request that is not plain JSON, or whose JSON the store cannot hold: the workflows answer 400. */
export const REQUEST_ERROR_PREFIX = 'Webshop request refused';

const SCHEME = `${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<path>.<raw body>" with the Webhook Secret>`;

export const verifySignatureProperty = (show: Record<string, string[]>) => ({
	displayName: 'Verify Webshop Signature',
	name: 'verifySignature',
	type: 'boolean' as const,
	default: true,
	description: `Whether to accept only requests your webshop signed with the Webhook Secret of the Webshop credential. Needs Raw Body turned on in the Webhook node's options. Unsigned, copied, late or non-JSON requests fail and change nothing. How a shop signs a request: the README, "Signed webshop requests".`,
	displayOptions: { show },
});

function fail(ctx: IExecuteFunctions, itemIndex: number, why: string, description: string): never {
	throw new NodeOperationError(ctx.getNode(), `${SIGNATURE_ERROR_PREFIX}: ${why}`, { itemIndex, description });
}

function refuse(ctx: IExecuteFunctions, itemIndex: number, why: string): never {
	throw new NodeOperationError(ctx.getNode(), `${REQUEST_ERROR_PREFIX}: ${why}`, {
		itemIndex,
		description: 'The webshop must POST one JSON object as Content-Type: application/json. Nothing was changed.',
	});
}

/**
 * Verifies the item's request and returns its body parsed from the verified bytes. Throws a NodeOperationError
 * starting with SIGNATURE_ERROR_PREFIX (unsigned, forged, replayed, signed for another endpoint, raw body or
 * credential missing) or REQUEST_ERROR_PREFIX (not JSON, a file attached, text the store cannot hold).
 *
 * The verified body also replaces the item's `json.body`: the node's fields are expressions on `$json.body`
 * (their defaults, the shipped workflows), so every field the operation reads comes from the signed bytes.
 */
export async function verifiedWebshopBody(
	ctx: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
): Promise<{ body: IDataObject; signedAt: Date }> {
	const headers = (item.json.headers ?? {}) as Headers;
	const notJson = jsonContentTypeProblem(headers['content-type']);
	if (notJson) refuse(ctx, itemIndex, notJson);
	const files = Object.keys(item.binary ?? {}).filter((name) => name !== RAW_BODY_PROPERTY);
	if (files.length) refuse(ctx, itemIndex, `the request carries a file ("${files[0].slice(0, 40)}"); send only the JSON body`);

	const given = headerValue(headers[SIGNATURE_HEADER.toLowerCase()] ?? headers[SIGNATURE_HEADER]);
	if (!given) fail(ctx, itemIndex, `the ${SIGNATURE_HEADER} header is missing`, `The webshop must send ${SCHEME}. Nothing was changed.`);
	if (!item.binary?.[RAW_BODY_PROPERTY]) {
		fail(
			ctx,
			itemIndex,
			`the raw request body is missing, so ${SIGNATURE_HEADER} cannot be checked`,
			'Turn on "Raw Body" in the options of the Webhook node before this node. Nothing was changed.',
		);
	}
	if (!hasWebshopCredential(ctx)) {
		fail(ctx, itemIndex, 'no Webshop credential is selected', 'Select the Webshop credential whose Webhook Secret the shop signs with. Nothing was changed.');
	}
	const credentials = await ctx.getCredentials(WEBSHOP_CREDENTIAL, itemIndex);
	const secret = String(credentials.webhookSecret ?? '');
	if (!secret) {
		fail(ctx, itemIndex, 'the Webshop credential has no Webhook Secret', 'Set the Webhook Secret the webshop signs with in the Webshop credential.');
	}
	const path = webhookSigningPath(String(item.json.webhookUrl ?? ''));
	if (!path) {
		fail(
			ctx,
			itemIndex,
			'the item has no webhookUrl, so the endpoint the request was signed for is unknown',
			'Connect this node directly to the Webhook node that receives the shop’s request. Nothing was changed.',
		);
	}
	const raw = await ctx.helpers.getBinaryDataBuffer(itemIndex, RAW_BODY_PROPERTY);
	const toleranceSeconds = signatureTolerance(credentials.signatureToleranceSeconds);
	const check = checkWebshopSignature({ given, secret, path, body: raw, toleranceSeconds });
	if (!check.ok) {
		const description =
			check.problem === 'stale' || check.problem === 'future'
				? `A signed request is accepted for ${toleranceSeconds} s (Signature Time Window of the Webshop credential); a later copy of it is a replay. Nothing was changed.`
				: check.problem === 'mismatch'
					? 'The request was not signed with the Webshop credential’s Webhook Secret for this endpoint and time, or the body was changed on the way. Nothing was changed.'
					: `The webshop must send ${SCHEME}. Nothing was changed.`;
		fail(ctx, itemIndex, check.message, description);
	}

	let body: unknown;
	try {
		body = parseJson(raw);
	} catch (error) {
		if (error instanceof IntakeError) refuse(ctx, itemIndex, error.message);
		throw error;
	}
	if (!isObject(body)) refuse(ctx, itemIndex, `body: must be a JSON object, not ${typeName(body)}`);
	const unstorable = findUnstorableText(body);
	if (unstorable) refuse(ctx, itemIndex, `${unstorable.field}: ${unstorable.problem}`);
	item.json.body = body as IDataObject;
	return { body: body as IDataObject, signedAt: new Date(check.timestamp * 1000) };
}

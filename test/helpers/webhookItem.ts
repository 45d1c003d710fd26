// The item n8n's Webhook node (v2, "Raw Body" on) outputs for a shop's signed JSON request, for engine tests of the
// nodes behind it: headers, n8n's parse in `body`, the URL it listens on in `webhookUrl`, the exact bytes in
// `binary.data` (base64). Shaped after n8n-nodes-base's Webhook.node.js.
import type { IBinaryKeyData, IDataObject } from 'n8n-workflow';

import { signWebshopRequest } from '../../lib/intake';

export const WEBHOOK_BASE = 'http://127.0.0.1:5678/webhook';

export interface WebhookItemOptions {
	/** The webhook's path after /webhook/ the request arrived at, e.g. cart-recovery/discount/validate. */
	endpoint: string;
	/** The endpoint the shop signed it for (default: `endpoint`). */
	signedFor?: string;
	/** What the shop sent (serialised once; these bytes are signed). */
	body: object;
	secret: string;
	/** Unix seconds the request was signed at (default now). */
	timestamp?: number;
	/** Replaces n8n's parse in `json.body` (what a form or an edited item would put there). */
	parsed?: IDataObject;
	headers?: Record<string, string>;
	/** Binary properties beside the raw body (an uploaded file). */
	files?: IBinaryKeyData;
}

export function webhookItem(o: WebhookItemOptions): { json: IDataObject; binary: IBinaryKeyData } {
	const raw = JSON.stringify(o.body);
	const signature = signWebshopRequest({ secret: o.secret, path: new URL(`${WEBHOOK_BASE}/${o.signedFor ?? o.endpoint}`).pathname, body: raw, timestamp: o.timestamp });
	return {
		json: {
			headers: { 'content-type': 'application/json', 'x-signature': signature, ...o.headers },
			params: {},
			query: {},
			body: o.parsed ?? (JSON.parse(raw) as IDataObject),
			webhookUrl: `${WEBHOOK_BASE}/${o.endpoint}`,
			executionMode: 'production',
		},
		binary: { data: { data: Buffer.from(raw).toString('base64'), mimeType: 'application/json' }, ...o.files },
	};
}

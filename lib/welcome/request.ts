import type { IncomingHttpHeaders } from 'node:http';

import { checkWebshopSignature, findUnstorableText, headerValue, jsonContentTypeProblem, parseJson, WEBSHOP_SIGNATURE_HEADER } from '../intake';
import type { WelcomeBackVisitor } from '../store';

/** A visitor's JSON is a few ids: anything larger is not one. */
export const MAX_VISITOR_BYTES = 8 * 1024;

const VISITOR_FIELDS: Array<[keyof WelcomeBackVisitor, number]> = [
	['cart_id', 200],
	['customer_id', 200],
	['email', 320],
];

export interface WelcomeBackRequest {
	headers: IncomingHttpHeaders;
	/** The bytes received, exactly. */
	rawBody: Buffer;
	/** The path of the welcome-back URL, as the shop signs it. */
	path: string;
	/** The Webshop credential's Webhook Secret and time window. */
	secret: string;
	toleranceSeconds: number;
	/** The node's Allowed Shop Origins (comma-separated; empty: any). */
	allowedOrigins?: string;
	now?: number;
}

export type ReadRequestResult =
	| { ok: true; visitor: WelcomeBackVisitor; requestId: string }
	| { ok: false; status: 400 | 401 | 403 | 413 | 415; error: string; field: string };

const refuse = (status: 400 | 401 | 403 | 413 | 415, field: string, error: string): ReadRequestResult => ({ ok: false, status, error: `${field}: ${error}`, field });

/**
 * The shop's request checked in the order that keeps a forger from learning anything: size and content type, then the
 * signature over the exact bytes (constant time, inside the credential's time window), the page's origin, and only
 * then the JSON — read from the verified bytes. The request's id (its signing time and signature) lets the store refuse
 * a copy of it.
 */
export function readWelcomeBackRequest(request: WelcomeBackRequest): ReadRequestResult {
	if (request.rawBody.length > MAX_VISITOR_BYTES) return refuse(413, 'body', `larger than ${MAX_VISITOR_BYTES / 1024} KB; send only the visitor's ids`);
	const notJson = jsonContentTypeProblem(request.headers['content-type']);
	if (notJson) return { ok: false, status: 415, error: notJson, field: 'Content-Type' };
	// No secret set: refused like a wrong signature (the operator's log says why; the caller learns nothing).
	if (!request.secret) return refuse(401, WEBSHOP_SIGNATURE_HEADER, 'the signature cannot be verified');
	const given = request.headers[WEBSHOP_SIGNATURE_HEADER.toLowerCase()];
	const checked = checkWebshopSignature({ given, secret: request.secret, path: request.path, body: request.rawBody, toleranceSeconds: request.toleranceSeconds, now: request.now });
	if (!checked.ok) return refuse(401, WEBSHOP_SIGNATURE_HEADER, checked.message);
	if (!originAllowed(request.allowedOrigins, request.headers)) return refuse(403, 'Origin', 'this page’s address is not among the Allowed Shop Origins');
	let body: unknown;
	try {
		body = parseJson(request.rawBody);
	} catch (error) {
		return refuse(400, 'body', (error as Error).message);
	}
	const unstorable = findUnstorableText(body, 'body');
	if (unstorable) return { ok: false, status: 400, error: `${unstorable.field}: ${unstorable.problem}`, field: unstorable.field };
	if (!body || typeof body !== 'object' || Array.isArray(body)) return refuse(400, 'body', 'must be a JSON object with cart_id, customer_id or email');
	const visitor: WelcomeBackVisitor = {};
	for (const [field, max] of VISITOR_FIELDS) {
		const value = (body as Record<string, unknown>)[field];
		if (value === undefined || value === null || value === '') continue;
		const wholeNumber = field !== 'email' && typeof value === 'number' && Number.isInteger(value) && value >= 0;
		if (typeof value !== 'string' && !wholeNumber) return refuse(400, field, 'must be a string');
		const text = String(value).trim();
		if (text.length > max) return refuse(400, field, `must be at most ${max} characters`);
		if (field === 'email' && text && !/^[^@\s]+@[^@\s]+$/.test(text)) return refuse(400, field, 'is not an email address');
		if (text) visitor[field] = text;
	}
	if (!visitor.cart_id && !visitor.customer_id && !visitor.email) {
		return refuse(400, 'body', 'name the visitor with cart_id (the restore link’s cart), customer_id or email');
	}
	// The digest that was verified (a header may repeat v1=; only the one checked names the request).
	return { ok: true, visitor, requestId: `${checked.timestamp}.${checked.signature}` };
}

function originAllowed(configured: string | undefined, headers: IncomingHttpHeaders): boolean {
	const list = String(configured ?? '')
		.split(',')
		.map((o) => o.trim().replace(/\/+$/, '').toLowerCase())
		.filter(Boolean);
	if (!list.length) return true;
	const origin = headerValue(headers.origin)?.trim().toLowerCase();
	// A request with no Origin is no browser page's (a server calling with the signature): the signature decides.
	return !origin || list.includes(origin);
}

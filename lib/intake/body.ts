import { headerValue } from './signature';

/**
 * Request-shape rules every inbound webhook of the package applies (the Abandoned Cart Trigger and the nodes
 * behind a Webhook node that verify a webshop signature): JSON only, and no text the store cannot hold.
 */

/**
 * Why a request is not a plain JSON request, or undefined when it is. Anything else — a form, a multipart
 * upload — would let n8n parse fields that are not the bytes that were signed. Only UTF-8 is accepted: the
 * signed bytes are read as UTF-8.
 */
export function jsonContentTypeProblem(contentType: string | string[] | undefined): string | undefined {
	const value = headerValue(contentType)?.trim();
	if (!value) return 'the Content-Type header is missing; send the body as Content-Type: application/json';
	const [type, ...params] = value.split(';').map((part) => part.trim());
	if (type.toLowerCase() !== 'application/json') {
		return `Content-Type "${value.slice(0, 60)}" is not accepted; send the body as JSON with Content-Type: application/json (no forms, no files)`;
	}
	for (const param of params) {
		const [name, raw = ''] = param.split('=');
		const charset = raw.trim().replace(/^"|"$/g, '').toLowerCase();
		if (name.trim().toLowerCase() === 'charset' && charset !== 'utf-8' && charset !== 'utf8') {
			return `Content-Type charset "${charset.slice(0, 20)}" is not accepted; send UTF-8 (Content-Type: application/json; charset=utf-8)`;
		}
	}
	return undefined;
}

export interface UnstorableText {
	/** JSON path of the string, e.g. `items[2].title` (`body` for the body itself). */
	field: string;
	problem: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | undefined {
	if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored; remove it';
	if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate (e.g. \\ud800 without its pair), which is not text; send valid Unicode';
	return undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const child = (path: string, key: string) => {
	const step = IDENTIFIER.test(key) ? key : JSON.stringify(key);
	if (!path) return step;
	return IDENTIFIER.test(key) ? `${path}.${step}` : `${path}[${step}]`;
};

/**
 * The first string (value or key) in a parsed JSON body that Postgres `text` / `jsonb` cannot hold: a NUL
 * character, or an unpaired surrogate (JSON's `\ud800` escape parses to one). Such a body is a client error
 * (400 naming the field), never a store failure the shop would retry forever. Iterative, so a deeply nested
 * body cannot overflow the stack.
 */
export function findUnstorableText(value: unknown, root = ''): UnstorableText | undefined {
	const stack: Array<[unknown, string]> = [[value, root]];
	while (stack.length) {
		const [current, path] = stack.pop()!;
		if (typeof current === 'string') {
			const problem = textProblem(current);
			if (problem) return { field: path || 'body', problem };
		} else if (Array.isArray(current)) {
			for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${path || 'body'}[${i}]`]);
		} else if (typeof current === 'object' && current !== null) {
			const entries = Object.entries(current);
			for (const [key] of entries) {
				const problem = textProblem(key);
				if (problem) return { field: path || 'body', problem: `has a field name that ${problem}` };
			}
			for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], child(path, entries[i][0])]);
		}
	}
	return undefined;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One canned answer a fake gives instead of its normal behaviour (errors, rate limits, lost responses). */
export interface ScriptedResponse {
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** Accept nothing, answer nothing: close the socket before responding (the client sees a reset). */
	destroy?: boolean;
	/** Process the request normally (it counts as accepted) but drop the connection instead of answering. */
	acceptThenDrop?: boolean;
	/** Process the request normally (it counts as accepted) and give the normal answer only after this many ms: a client with a shorter timeout never learns the outcome. */
	acceptThenDelayMs?: number;
}

export interface RecordedRequest {
	method: string;
	path: string;
	headers: IncomingMessage['headers'];
	raw: string;
	at: number;
	/** What the fake answered with (status), or 'dropped'. */
	answer?: number | 'dropped';
}

export interface LoopbackServer {
	url: string;
	server: Server;
	close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse, raw: string) => unknown): Promise<LoopbackServer> {
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			Promise.resolve(handler(req, res, Buffer.concat(chunks).toString('utf8'))).catch((error) => {
				res.statusCode = 500;
				res.end(String(error));
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		server,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
	const text = body === undefined ? '' : JSON.stringify(body);
	res.writeHead(status, { ...(text ? { 'Content-Type': 'application/json' } : {}), ...headers });
	res.end(text);
}

/**
 * The scripted-answer handling the shop fakes share. `reply` answers (or, for acceptThenDrop, processes the
 * request and then drops the connection); `scriptedAnswered` is true when a script entry already answered the
 * request (a canned status, or destroy), so the fake's normal behaviour must not run.
 */
export function scriptedReplies(
	req: IncomingMessage,
	res: ServerResponse,
	record: RecordedRequest,
	scripted: ScriptedResponse | undefined,
): { reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void; scriptedAnswered: boolean } {
	const drop = () => {
		record.answer = 'dropped';
		req.socket.destroy();
	};
	const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
		if (scripted?.acceptThenDrop) return drop();
		record.answer = status;
		sendJson(res, status, payload, headers);
	};
	if (!scripted || scripted.acceptThenDrop) return { reply, scriptedAnswered: false };
	if (scripted.destroy) drop();
	else reply(scripted.status, scripted.body, scripted.headers);
	return { reply, scriptedAnswered: true };
}

/** Records a request to a JSON API fake: path with query, headers, raw bytes and the parsed body (raw if not JSON). */
export function recordJsonRequest(req: IncomingMessage, raw: string): { url: URL; record: RecordedRequest & { body: unknown } } {
	const url = new URL(req.url ?? '/', 'http://fake');
	let body: unknown = undefined;
	try {
		body = raw ? JSON.parse(raw) : undefined;
	} catch {
		body = raw;
	}
	return { url, record: { method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, raw, at: Date.now(), body } };
}

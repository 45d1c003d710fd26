import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/**
 * A loopback stand-in for Supabase's PostgREST, only its RPC surface: `POST /rest/v1/rpc/<function>` with
 * the function's named arguments as a JSON object, `apikey` + `Authorization: Bearer` headers, and
 * PostgREST's error body `{code, details, hint, message}` with its status mapping. It calls the real SQL
 * functions in a real Postgres database, so supabase-js is tested against the store as it is.
 */
export interface PostgrestFake {
	url: string;
	requests: Array<{ fn: string; args: Record<string, unknown>; headers: IncomingMessage['headers'] }>;
	close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** PostgREST's documented mapping of SQLSTATE classes to HTTP statuses (the subset our functions raise). */
function httpStatusFor(code: string): number {
	if (code === '42883') return 404;
	if (code === 'P0002') return 404;
	if (code === '42501') return 403;
	if (code === '23505') return 409;
	if (code.startsWith('23')) return 409;
	if (code.startsWith('08')) return 503;
	if (code.startsWith('53')) return 503;
	if (code.startsWith('28')) return 403;
	return 400;
}

export async function startPostgrestFake(options: { databaseUrl: string; serviceRoleKey: string }): Promise<PostgrestFake> {
	const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 20 });
	const requests: PostgrestFake['requests'] = [];

	const server: Server = createServer(async (req, res) => {
		const send = (status: number, body: unknown) => {
			res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
			res.end(JSON.stringify(body));
		};
		const match = /^\/rest\/v1\/rpc\/([^/?]+)/.exec(req.url ?? '');
		if (!match || req.method !== 'POST') {
			return send(404, { code: 'PGRST125', details: null, hint: null, message: `Invalid path specified in request URL` });
		}
		const bearer = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
		if (req.headers.apikey !== options.serviceRoleKey || bearer !== options.serviceRoleKey) {
			return send(401, { code: 'PGRST301', details: null, hint: null, message: 'JWSError JWSInvalidSignature' });
		}
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		let args: Record<string, unknown>;
		try {
			args = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
		} catch {
			return send(400, { code: 'PGRST102', details: null, hint: null, message: 'Empty or invalid json' });
		}
		const fn = match[1];
		requests.push({ fn, args, headers: req.headers });
		const names = Object.keys(args);
		if (!IDENTIFIER.test(fn) || !names.every((n) => IDENTIFIER.test(n))) {
			return send(400, { code: 'PGRST100', details: null, hint: null, message: 'Invalid function or argument name' });
		}
		// PostgREST looks the function up by name and argument names in its schema cache.
		const found = await pool.query(
			`select p.oid from pg_proc p join pg_namespace n on n.oid = p.pronamespace
			 where n.nspname = 'public' and p.proname = $1
			   and $2::text[] <@ coalesce(p.proargnames, '{}'::text[])`,
			[fn, names],
		);
		if (found.rowCount === 0) {
			return send(404, {
				code: 'PGRST202',
				details: `Searched for the function public.${fn}${names.length ? ` with parameters ${names.join(', ')}` : ' without parameters'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
				hint: null,
				message: `Could not find the function public.${fn}${names.length ? `(${names.join(', ')})` : ''} in the schema cache`,
			});
		}
		const params = names.map((n) => {
			const v = args[n];
			return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
		});
		const sql = `select public.${fn}(${names.map((n, i) => `${n} => $${i + 1}`).join(', ')}) as result`;
		// Like PostgREST, run the call as the role the key stands for (service_role), never as the superuser
		// this fixture connects with: missing grants fail here as they would on Supabase.
		const client = await pool.connect();
		try {
			await client.query('begin');
			await client.query('set local role service_role');
			const result = await client.query(sql, params);
			await client.query('commit');
			send(200, result.rows[0]?.result ?? null);
		} catch (error) {
			await client.query('rollback').catch(() => undefined);
			const e = error as { code?: string; message: string; detail?: string; hint?: string };
			const code = e.code ?? 'XX000';
			send(httpStatusFor(code), { code, details: e.detail ?? null, hint: e.hint ?? null, message: e.message });
		} finally {
			client.release();
		}
	});

	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		async close() {
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await pool.end();
		},
	};
}

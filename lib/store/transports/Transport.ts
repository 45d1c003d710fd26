/**
 * A transport runs one store function (a SQL function in supabase/migrations) with named arguments and
 * returns its jsonb result. The three transports differ only in how they reach Postgres.
 */
export interface Transport {
	readonly kind: 'postgres' | 'embedded' | 'supabase';
	call<T>(fn: string, args: Record<string, unknown>): Promise<T>;
	close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** `select public.fn(p_a => $1, p_b => $2) as result` for the SQL transports; names are checked, values bound. */
export function buildCallSql(fn: string, args: Record<string, unknown>): { sql: string; params: unknown[] } {
	if (!IDENTIFIER.test(fn)) throw new Error(`Invalid store function name "${fn}"`);
	const names = Object.keys(args).filter((name) => args[name] !== undefined);
	const params: unknown[] = [];
	const placeholders = names.map((name, i) => {
		if (!IDENTIFIER.test(name)) throw new Error(`Invalid store argument name "${name}"`);
		const value = args[name];
		// pg and PGlite turn JS arrays into Postgres arrays; our functions take jsonb, so send JSON text.
		params.push(value !== null && typeof value === 'object' && !(value instanceof Date) ? JSON.stringify(value) : value);
		return `${name} => $${i + 1}`;
	});
	return { sql: `select public.${fn}(${placeholders.join(', ')}) as result`, params };
}

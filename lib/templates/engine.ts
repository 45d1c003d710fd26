import Handlebars from 'handlebars';

import { formatDate, formatMoney, safeUrl } from './helpers';

/**
 * One Handlebars environment for every message template, with our helpers. HTML templates escape every
 * value ({{value}}); the triple-stash {{{value}}} is refused in user templates so nothing slips through
 * unescaped. Text templates (SMS, subject, plain text) are not HTML-escaped.
 */
const hbs = Handlebars.create();

hbs.registerHelper('money', function (this: unknown, amount: unknown, ...args: unknown[]) {
	const options = args.pop() as Handlebars.HelperOptions;
	const root = (options.data?.root ?? {}) as { currency?: string; locale?: string };
	const [currency, locale] = args as Array<string | undefined>;
	return formatMoney(amount, typeof currency === 'string' ? currency : root.currency, typeof locale === 'string' ? locale : root.locale);
});

hbs.registerHelper('date', function (this: unknown, value: unknown, ...args: unknown[]) {
	const options = args.pop() as Handlebars.HelperOptions;
	const root = (options.data?.root ?? {}) as { locale?: string; timezone?: string };
	const [format] = args as Array<string | undefined>;
	return formatDate(value, root.locale, root.timezone ?? 'Europe/Budapest', typeof format === 'string' ? format : undefined);
});

hbs.registerHelper('url', (value: unknown) => safeUrl(value) ?? '#');

hbs.registerHelper('multiply', (a: unknown, b: unknown) => Number(a) * Number(b));

hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

// {{#if (or shop.email shop.phone)}}: a block shown when any of the values is set, so copy never introduces
// details that are not there ("Questions? Write to us:" with no address).
hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));

const BUILT_IN_HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log', 'blockHelperMissing', 'helperMissing']);
export const TEMPLATE_HELPERS = ['money', 'date', 'url', 'multiply', 'eq', 'or', 'and'];
const KNOWN_HELPERS = new Set([...BUILT_IN_HELPERS, ...TEMPLATE_HELPERS]);

export class TemplateError extends Error {
	constructor(
		readonly templateName: string,
		readonly line: number | undefined,
		readonly reason: string,
	) {
		super(`Template "${templateName}" ${line ? `line ${line}: ` : ''}${reason}`);
		this.name = 'TemplateError';
	}
}

export interface CompiledTemplate<T = Record<string, unknown>> {
	name: string;
	render(context: T): string;
}

export interface CompileOptions {
	/** HTML templates escape values; text templates (SMS, subject, text part) do not. */
	kind: 'html' | 'text';
	/** Shipped templates may use {{{…}}} for values we built ourselves; user templates may not. */
	trusted?: boolean;
}

interface Node {
	type: string;
	loc?: { start: { line: number } };
	path?: { original?: string; type?: string };
	params?: Node[];
	hash?: { pairs: Array<{ value: Node }> };
	escaped?: boolean;
	program?: { body: Node[] };
	inverse?: { body: Node[] };
	body?: Node[];
}

/** Walks the parsed template: unknown helpers and unescaped output, each with its line. */
function checkAst(name: string, program: { body: Node[] }, options: CompileOptions) {
	const visit = (node: Node | undefined) => {
		if (!node) return;
		if (node.type === 'MustacheStatement' || node.type === 'BlockStatement' || node.type === 'SubExpression') {
			const helper = node.path?.original;
			const isCall = node.type === 'SubExpression' || (node.params?.length ?? 0) > 0 || (node.hash?.pairs.length ?? 0) > 0;
			if (isCall && helper && node.path?.type === 'PathExpression' && !KNOWN_HELPERS.has(helper)) {
				throw new TemplateError(name, node.loc?.start.line, `uses the unknown helper "${helper}" (helpers: ${[...TEMPLATE_HELPERS, 'if', 'unless', 'each', 'with', 'lookup'].join(', ')})`);
			}
			if (node.type === 'MustacheStatement' && node.escaped === false && options.kind === 'html' && !options.trusted) {
				throw new TemplateError(name, node.loc?.start.line, `uses {{{${helper ?? '…'}}}}, which would insert a value without HTML escaping; use {{${helper ?? '…'}}}`);
			}
			node.params?.forEach(visit);
			node.hash?.pairs.forEach((p) => visit(p.value));
		}
		node.program?.body.forEach(visit);
		node.inverse?.body.forEach(visit);
	};
	program.body.forEach(visit);
}

/**
 * Compiles a template now (not lazily on first use), so a template that does not compile fails with its
 * name and line before any message is claimed or sent.
 */
export function compileTemplate<T = Record<string, unknown>>(name: string, source: string, options: CompileOptions): CompiledTemplate<T> {
	let ast: { body: Node[] };
	try {
		ast = hbs.parse(source) as unknown as { body: Node[] };
	} catch (error) {
		const e = error as Error & { lineNumber?: number };
		const line = e.lineNumber ?? Number(/line (\d+)/.exec(e.message)?.[1]);
		const reason = e.message.replace(/^Parse error on line \d+:\s*/, '').replace(/\s*-\s*\d+:\d+$/, '').split('\n').filter(Boolean);
		throw new TemplateError(name, Number.isFinite(line) ? line : undefined, `does not compile: ${reason.join(' | ')}`);
	}
	checkAst(name, ast, options);
	const template = hbs.compile(source, { noEscape: options.kind === 'text', strict: false });
	return {
		name,
		render(context: T) {
			try {
				return template(context, { allowProtoPropertiesByDefault: false });
			} catch (error) {
				throw new TemplateError(name, undefined, `failed to render: ${(error as Error).message}`);
			}
		},
	};
}

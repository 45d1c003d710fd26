import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { renderDashboard } from '../../../../lib/analytics/dashboard';
import type { CartSearchResult, CartTimeline } from '../../../../lib/analytics/types';
import { perItem, periodFields, readPeriod, type OperationContext, type OperationResult } from '../common';
import { reportWithExperiments } from '../report/getReport.operation';

const show = { resource: ['dashboard'], operation: ['render'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Put this node between a Webhook (with a login: Basic Auth) and a Respond to Webhook that returns its html field. The page reads the period, language and search from the link, so its own links and form work.',
		name: 'dashboardNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	...periodFields(show),
];

const PAGE_PARAMETERS = ['period', 'from', 'to', 'lang', 'q', 'cart', 'campaign'] as const;
/** No period, search, cart id or campaign is longer. */
const MAX_PARAMETER_LENGTH = 200;

/**
 * The dashboard page for one request: the period and language from the request's query (else the node's period,
 * Hungarian), the search or the cart asked for. Returns { html, status }: 200, or 400 with the page saying what
 * was wrong in the link (a bad date never becomes an error page of n8n's).
 */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const query = (items[i].json.query ?? {}) as IDataObject;
		// A link is the visitor's input: a value with a control character (a NUL the database cannot store) or longer
		// than any real search is left out and named, so a bad link is a 400 with the reason, never a 503.
		const refused: string[] = [];
		const param = (name: (typeof PAGE_PARAMETERS)[number]) => {
			const value = typeof query[name] === 'string' ? (query[name] as string).trim() : '';
			// eslint-disable-next-line no-control-regex
			if (value.length > MAX_PARAMETER_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
				if (!refused.includes(name)) refused.push(name);
				return '';
			}
			return value;
		};
		const lang = param('lang') === 'en' ? 'en' : 'hu';
		const asked = { period: param('period') || (param('from') || param('to') ? 'custom' : ''), from: param('from'), to: param('to') };
		let status = 200;
		let notice: string | null = null;
		let resolved;
		try {
			resolved = readPeriod(this, i, asked.period ? asked : {});
		} catch (error) {
			// A hand-edited link with a wrong date: the page for the node's own period, and a 400 with the reason.
			status = 400;
			resolved = readPeriod(this, i);
			notice = (error as Error).message;
		}
		const campaign = param('campaign');
		if (campaign) resolved.input.campaign = campaign;
		const q = param('q');
		const cartParam = param('cart');
		if (refused.length) {
			status = 400;
			notice = `${notice ? `${notice}. ` : ''}Left out of the link: ${refused.join(', ')} (a control character, or longer than ${MAX_PARAMETER_LENGTH} characters)`;
		}
		const { report, experiments } = await reportWithExperiments(store, resolved.input);
		let search: { query: string; result: CartSearchResult } | null = null;
		let timeline: CartTimeline | null = null;
		if (q.length >= 2) search = { query: q, result: await store.searchCarts(q, 20) };
		const cartId = cartParam || (search?.result.carts.length === 1 ? search.result.carts[0].cart_id : '');
		if (cartId) {
			const found = await store.cartTimeline(cartId);
			if (found.found) timeline = found;
		}
		const keep: Record<string, string> = {};
		for (const name of PAGE_PARAMETERS) if (param(name) && name !== 'q' && name !== 'cart') keep[name] = param(name);
		const link = (params: Record<string, string>) => `?${new URLSearchParams({ ...keep, ...params }).toString()}`;
		const html = renderDashboard({ lang, report, experiments, search, timeline, link, notice });
		return { output: 0, json: { html, status, lang, range: report.range as unknown as IDataObject } };
	});
}

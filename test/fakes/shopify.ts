// A loopback Shopify Admin REST API, the PriceRule + DiscountCode resources:
//   POST   /admin/api/<v>/price_rules.json                       201 { price_rule } | 422 { errors: { field: [..] } }
//   DELETE /admin/api/<v>/price_rules/<id>.json                  204 (its discount codes go with it) | 404
//   POST   /admin/api/<v>/price_rules/<id>/discount_codes.json   201 { discount_code } | 422 code must be unique | 404
//   GET    /admin/api/<v>/discount_codes/lookup.json?code=…      303 Location → the code | 404
//   GET    /admin/api/<v>/price_rules/<id>/discount_codes/<id>.json  200 { discount_code }
// Scripted answers (test/fakes/http.ts) give 429 with Retry-After, 5xx, dropped connections, and accepted-then-lost.
// Auth `X-Shopify-Access-Token`; a wrong token gets 401 `{ errors: "[API] Invalid API key or access token …" }`.
import { listen, recordJsonRequest, scriptedReplies, type RecordedRequest, type ScriptedResponse } from './http';

export interface ShopifyPriceRule {
	id: number;
	title: string;
	value_type: string;
	value: string;
	customer_selection: string;
	prerequisite_customer_ids: number[];
	prerequisite_subtotal_range: { greater_than_or_equal_to: string } | null;
	usage_limit: number | null;
	once_per_customer: boolean;
	starts_at: string;
	ends_at: string | null;
	[key: string]: unknown;
}

export interface ShopifyDiscountCode {
	id: number;
	price_rule_id: number;
	code: string;
	usage_count: number;
	created_at: string;
	updated_at: string;
}

export interface ShopifyFake {
	url: string;
	accessToken: string;
	priceRules: ShopifyPriceRule[];
	discountCodes: ShopifyDiscountCode[];
	deletedPriceRules: number[];
	requests: Array<RecordedRequest & { body: unknown }>;
	script: ScriptedResponse[];
	/** A discount code made in the Shopify admin by hand. */
	seed(code: string, rule?: Partial<ShopifyPriceRule>): ShopifyDiscountCode;
	close(): Promise<void>;
}

const REQUIRED = ['title', 'target_type', 'target_selection', 'allocation_method', 'value_type', 'value', 'customer_selection', 'starts_at'];

export async function startShopifyFake(options: { accessToken?: string } = {}): Promise<ShopifyFake> {
	const accessToken = options.accessToken ?? 'shpat_test_0123456789abcdef';
	const priceRules: ShopifyPriceRule[] = [];
	const discountCodes: ShopifyDiscountCode[] = [];
	const deletedPriceRules: number[] = [];
	const requests: ShopifyFake['requests'] = [];
	const script: ScriptedResponse[] = [];
	let nextId = 507_328_175;

	const addCode = (priceRuleId: number, code: string): ShopifyDiscountCode => {
		const now = new Date().toISOString();
		const created = { id: nextId++, price_rule_id: priceRuleId, code, usage_count: 0, created_at: now, updated_at: now };
		discountCodes.push(created);
		return created;
	};

	const loopback = await listen((req, res, raw) => {
		const { url, record } = recordJsonRequest(req, raw);
		const body = record.body;
		requests.push(record);
		const scripted = script.shift();
		const { reply, scriptedAnswered } = scriptedReplies(req, res, record, scripted);
		if (scriptedAnswered) return;
		if (req.headers['x-shopify-access-token'] !== accessToken) {
			return reply(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
		}
		const m = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/(.+)$/.exec(url.pathname);
		if (!m) return reply(404, { errors: 'Not Found' });
		const [, version, rest] = m;
		let parts: RegExpExecArray | null;

		if (req.method === 'POST' && rest === 'price_rules.json') {
			const input = ((body ?? {}) as { price_rule?: Record<string, unknown> }).price_rule;
			if (!input) return reply(400, { errors: { price_rule: 'Required parameter missing or invalid' } });
			const errors: Record<string, string[]> = {};
			for (const field of REQUIRED) if (input[field] === undefined || input[field] === '') errors[field] = ["can't be blank"];
			if (input.value !== undefined && !(Number(input.value) <= 0)) errors.value = ['must be less than or equal to 0'];
			if (input.value_type === 'percentage' && Number(input.value) < -100) errors.value = ['must be greater than or equal to -100'];
			if (input.customer_selection === 'prerequisite' && !(input.prerequisite_customer_ids as unknown[] | undefined)?.length) {
				errors.customer_selection = ['must have prerequisite customers or saved searches'];
			}
			if (Object.keys(errors).length) return reply(422, { errors });
			const now = new Date().toISOString();
			const rule = {
				...input,
				id: nextId++,
				prerequisite_customer_ids: (input.prerequisite_customer_ids as number[]) ?? [],
				prerequisite_subtotal_range: (input.prerequisite_subtotal_range as ShopifyPriceRule['prerequisite_subtotal_range']) ?? null,
				usage_limit: (input.usage_limit as number) ?? null,
				once_per_customer: input.once_per_customer === true,
				ends_at: (input.ends_at as string) ?? null,
				created_at: now,
				updated_at: now,
				admin_graphql_api_id: '',
			} as unknown as ShopifyPriceRule;
			rule.admin_graphql_api_id = `gid://shopify/PriceRule/${rule.id}`;
			priceRules.push(rule);
			return reply(201, { price_rule: rule });
		}
		if (req.method === 'GET' && (parts = /^price_rules\/(\d+)\.json$/.exec(rest))) {
			const rule = priceRules.find((r) => r.id === Number(parts![1]));
			return rule ? reply(200, { price_rule: rule }) : reply(404, { errors: 'Not Found' });
		}
		if (req.method === 'DELETE' && (parts = /^price_rules\/(\d+)\.json$/.exec(rest))) {
			const id = Number(parts[1]);
			const index = priceRules.findIndex((r) => r.id === id);
			if (index < 0) return reply(404, { errors: 'Not Found' });
			priceRules.splice(index, 1);
			deletedPriceRules.push(id);
			for (let i = discountCodes.length - 1; i >= 0; i--) if (discountCodes[i].price_rule_id === id) discountCodes.splice(i, 1);
			return reply(204);
		}
		if (req.method === 'POST' && (parts = /^price_rules\/(\d+)\/discount_codes\.json$/.exec(rest))) {
			const ruleId = Number(parts[1]);
			if (!priceRules.some((r) => r.id === ruleId)) return reply(404, { errors: 'Not Found' });
			const code = String(((body ?? {}) as { discount_code?: { code?: string } }).discount_code?.code ?? '').trim();
			if (!code) return reply(422, { errors: { code: ["can't be blank"] } });
			if (discountCodes.some((d) => d.code.toUpperCase() === code.toUpperCase())) {
				return reply(422, { errors: { code: ['must be unique. Please try a different code.'] } });
			}
			return reply(201, { discount_code: addCode(ruleId, code) });
		}
		if (req.method === 'GET' && rest === 'discount_codes/lookup.json') {
			const code = (url.searchParams.get('code') ?? '').toUpperCase();
			const found = discountCodes.find((d) => d.code.toUpperCase() === code);
			if (!found) return reply(404, { errors: 'Not Found' });
			return reply(303, undefined, {
				Location: `${loopback.url}/admin/api/${version}/price_rules/${found.price_rule_id}/discount_codes/${found.id}.json`,
			});
		}
		if (req.method === 'GET' && (parts = /^price_rules\/(\d+)\/discount_codes\/(\d+)\.json$/.exec(rest))) {
			const found = discountCodes.find((d) => d.id === Number(parts![2]) && d.price_rule_id === Number(parts![1]));
			if (!found) return reply(404, { errors: 'Not Found' });
			return reply(200, { discount_code: found });
		}
		return reply(404, { errors: 'Not Found' });
	});

	return {
		url: loopback.url,
		accessToken,
		priceRules,
		discountCodes,
		deletedPriceRules,
		requests,
		script,
		seed(code, rule = {}) {
			const ruleId = nextId++;
			priceRules.push({
				id: ruleId,
				title: code,
				value_type: 'percentage',
				value: '-5.0',
				customer_selection: 'all',
				prerequisite_customer_ids: [],
				prerequisite_subtotal_range: null,
				usage_limit: null,
				once_per_customer: false,
				starts_at: new Date().toISOString(),
				ends_at: null,
				...rule,
			});
			return addCode(ruleId, code);
		},
		close: loopback.close,
	};
}

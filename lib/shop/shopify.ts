import {
	money,
	retryAfterMs,
	ShopSyncError,
	trimBaseUrl,
	type ShopDiscount,
	type ShopHttp,
	type ShopHttpResponse,
	type ShopRemoveResult,
	type ShopSyncResult,
} from './http';

/**
 * Shopify Admin REST API, PriceRule + DiscountCode resources (price_rules access scope):
 *   POST /admin/api/<version>/price_rules.json                         → 201 { price_rule: { id, … } }
 *   POST /admin/api/<version>/price_rules/<id>/discount_codes.json     → 201 { discount_code: { id, code, … } }
 *   GET  /admin/api/<version>/discount_codes/lookup.json?code=…       → 303 to the code (fetch follows it)
 *   DELETE /admin/api/<version>/price_rules/<id>.json                  → 204 (clean-up after a refused code; deactivation
 *                                                                         and erasure: the rule's codes go with it; 404 = gone)
 * Auth: `X-Shopify-Access-Token`. Errors: 401 `{ errors: "[API] Invalid API key or access token …" }`,
 * 422 `{ errors: { code: ["must be unique. Please try a different code."] } }`, 429 with Retry-After.
 * (Shopify calls REST "legacy" since 2024-10 but keeps these resources in every supported version.)
 */
export interface ShopifyConfig {
	shopUrl: string;
	accessToken: string;
	apiVersion: string;
}

function headers(config: ShopifyConfig): Record<string, string> {
	if (!config.accessToken) throw new ShopSyncError('The Webshop credential has no Shopify access token', 0, 'missing_credentials');
	return { 'X-Shopify-Access-Token': config.accessToken, Accept: 'application/json', 'Content-Type': 'application/json' };
}

function describeErrors(errors: unknown): string {
	if (typeof errors === 'string') return errors;
	if (Array.isArray(errors)) return errors.join('; ');
	if (errors && typeof errors === 'object') {
		return Object.entries(errors as Record<string, unknown>)
			.map(([field, messages]) => `${field} ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`)
			.join('; ');
	}
	return '';
}

function shopifyError(response: ShopHttpResponse, what: string): ShopSyncError {
	const { statusCode: status, body } = response;
	const errors = (body && typeof body === 'object' ? (body as { errors?: unknown }) : {}).errors;
	const detail = describeErrors(errors) || `HTTP ${status}`;
	const duplicate =
		status === 422 && !!errors && typeof errors === 'object' && !Array.isArray(errors) &&
		/unique/i.test(String((errors as Record<string, unknown>).code ?? ''));
	const code = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 422 ? 'unprocessable' : status === 429 ? 'rate_limited' : null;
	const verb = status === 429 || status >= 500 ? 'could not handle' : 'refused';
	return new ShopSyncError(`Shopify ${verb} ${what}: ${detail}`, status, code, duplicate, retryAfterMs(response.headers));
}

function shopifyBase(config: ShopifyConfig): string {
	return `${trimBaseUrl(config.shopUrl)}/admin/api/${encodeURIComponent(config.apiVersion || '2026-10')}`;
}

function caller(http: ShopHttp, h: Record<string, string>) {
	return async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, qs?: Record<string, string>) => {
		try {
			return await http({ method, url, headers: h, body, qs });
		} catch (error) {
			throw new ShopSyncError(`Shopify did not answer: ${(error as Error).message}`, 0, 'network');
		}
	};
}

const busy = (status: number) => status === 429 || status >= 500;

export function shopifyPriceRuleBody(d: ShopDiscount): Record<string, unknown> {
	const customer = d.shopCustomerId && /^\d+$/.test(d.shopCustomerId) ? d.shopCustomerId : null;
	return {
		price_rule: {
			// Shopify asks for the code as the price rule's title, so the admin shows it by that name.
			title: d.code,
			target_type: 'line_item',
			target_selection: 'all',
			allocation_method: 'across',
			value_type: d.kind === 'percent' ? 'percentage' : 'fixed_amount',
			value: d.kind === 'percent' ? `-${d.amount}` : `-${money(d.amount)}`,
			customer_selection: customer ? 'prerequisite' : 'all',
			...(customer ? { prerequisite_customer_ids: [Number(customer)] } : {}),
			...(d.minimumOrder ? { prerequisite_subtotal_range: { greater_than_or_equal_to: money(d.minimumOrder) } } : {}),
			usage_limit: d.usageLimit,
			once_per_customer: true,
			starts_at: d.validFrom,
			ends_at: d.validUntil,
		},
	};
}

export async function syncShopifyDiscount(http: ShopHttp, config: ShopifyConfig, d: ShopDiscount, mayExist = false): Promise<ShopSyncResult> {
	const base = shopifyBase(config);
	const call = caller(http, headers(config));

	if (mayExist) {
		const found = await call('GET', `${base}/discount_codes/lookup.json`, undefined, { code: d.code });
		if (busy(found.statusCode)) throw shopifyError(found, `the lookup of discount code ${d.code}`);
		const existing = (found.body as { discount_code?: { id: number; price_rule_id: number; code: string } })?.discount_code;
		if (found.statusCode === 200 && existing && existing.code.toUpperCase() === d.code.toUpperCase()) {
			// Ours only if its price rule is the same discount; a code someone made by hand is a duplicate.
			const expected = shopifyPriceRuleBody(d).price_rule as Record<string, unknown>;
			const rule = await call('GET', `${base}/price_rules/${existing.price_rule_id}.json`);
			if (busy(rule.statusCode)) throw shopifyError(rule, `the lookup of discount code ${d.code}`);
			const actual = (rule.body as { price_rule?: { value_type?: string; value?: string } })?.price_rule;
			if (rule.statusCode === 200 && actual && actual.value_type === expected.value_type && Number(actual.value) === Number(expected.value)) {
				return { platform: 'shopify', shopRef: `${existing.price_rule_id}/${existing.id}`, existing: true };
			}
		}
	}

	const rule = await call('POST', `${base}/price_rules.json`, shopifyPriceRuleBody(d));
	if (rule.statusCode !== 201 && rule.statusCode !== 200) throw shopifyError(rule, `the price rule for ${d.code}`);
	const ruleId = (rule.body as { price_rule: { id: number } }).price_rule.id;

	const created = await call('POST', `${base}/price_rules/${ruleId}/discount_codes.json`, { discount_code: { code: d.code } });
	if (created.statusCode === 201 || created.statusCode === 200) {
		const code = (created.body as { discount_code: { id: number } }).discount_code;
		return { platform: 'shopify', shopRef: `${ruleId}/${code.id}`, existing: false };
	}
	// The code was refused (or the answer lost): remove the price rule we just made, so no orphan discount stays in
	// the shop. Should the code have been made after all, it goes with its rule; a retry then creates both again.
	await call('DELETE', `${base}/price_rules/${ruleId}.json`).catch(() => undefined);
	throw shopifyError(created, `discount code ${d.code}`);
}

/**
 * Deletes the price rule of a code we synced (shopRef "<price rule id>/<discount code id>"); Shopify deletes the
 * rule's discount codes with it. Each of our codes has a price rule of its own, so nothing else is touched.
 * 404 = already gone = fine.
 */
export async function deleteShopifyDiscount(http: ShopHttp, config: ShopifyConfig, shopRef: string): Promise<ShopRemoveResult> {
	const match = /^(\d+)(?:\/\d+)?$/.exec(shopRef);
	if (!match) throw new ShopSyncError(`"${shopRef}" is not a Shopify price rule reference`, 0, 'invalid_shop_ref');
	const call = caller(http, headers(config));
	const response = await call('DELETE', `${shopifyBase(config)}/price_rules/${match[1]}.json`);
	if (response.statusCode === 200 || response.statusCode === 204) return { platform: 'shopify', shopRef, removed: true, alreadyGone: false };
	if (response.statusCode === 404) return { platform: 'shopify', shopRef, removed: true, alreadyGone: true };
	throw shopifyError(response, `the deletion of price rule ${match[1]}`);
}

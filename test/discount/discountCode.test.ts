// Discount Code inside n8n's engine (n8n-core WorkflowExecute), store on the Postgres server, shop sync
// against loopback WooCommerce and Shopify fakes that speak their documented formats and errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CODE_ALPHABET } from '../../lib/shop';
import { closeAllStores } from '../../lib/store';
import { connect, manualTrigger, node, runWorkflow } from '../harness/engine';
import { startShopifyFake, type ShopifyFake } from '../fakes/shopify';
import { startWooFake, type WooFake } from '../fakes/woocommerce';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { webhookItem } from '../helpers/webhookItem';

let db: TestDatabase;
let woo: WooFake;
let shopify: ShopifyFake;

before(async () => {
	db = await freshDatabase('discount_engine');
	woo = await startWooFake();
	shopify = await startShopifyFake();
});
after(async () => {
	await closeAllStores();
	await woo.close();
	await shopify.close();
	await db.drop();
});

type Params = Record<string, unknown>;
const WEBSHOP = { webshopApi: { id: 'shop', name: 'Webshop' } };

function codeNode(parameters: Params, extra: Params = {}) {
	return node('Discount Code', 'discountCode', { resource: 'discountCode', ...parameters } as never, {
		credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' }, ...WEBSHOP },
		...extra,
	});
}

async function run(parameters: Params, items: Params[], options: { webshop?: object; extra?: Params } = {}) {
	return runWorkflow({
		nodes: [manualTrigger(), codeNode(parameters, options.extra)],
		connections: connect(['Start', 'Discount Code']),
		pinData: { Start: items.map((json) => ({ json })) as never },
		credentials: { cartRecoveryStoreApi: db.credentials, ...(options.webshop ? { webshopApi: options.webshop } : {}) },
	});
}

const create = (extra: Params = {}) => ({ operation: 'create', stage: 2, discountType: 'percent', amount: 10, ...extra });
const cart = (id: string, extra: Params = {}) => ({ cart_id: id, customer_id: `cust-${id}`, email: `${id}@example.hu`, ...extra });

describe('create', () => {
	test('10,000 codes through n8n: 0 duplicates, prefix + 10 chars from the unambiguous alphabet', async () => {
		const items = Array.from({ length: 10_000 }, (_, i) => cart(`bulk-${i}`));
		const started = Date.now();
		const result = await run(create({ options: { prefix: 'KOSAR-' } }), items);
		assert.equal(result.status, 'success', result.error?.message);
		const codes = result.output('Discount Code').map((i) => (i.discount as { code: string }).code);
		assert.equal(codes.length, 10_000);
		assert.equal(new Set(codes).size, 10_000, 'duplicate codes in the output');
		const pattern = new RegExp(`^KOSAR-[${CODE_ALPHABET}]{10}$`);
		assert.deepEqual(codes.filter((c) => !pattern.test(c)), []);
		assert.equal(codes.filter((c) => /[01OIL]/.test(c.slice(6))).length, 0, 'look-alike characters');
		const { rows } = await db.pool.query(`select count(*)::int n, count(distinct code)::int d from cart_recovery.discount_codes where cart_id like 'bulk-%'`);
		assert.deepEqual(rows[0], { n: 10_000, d: 10_000 });
		console.log(`# 10,000 codes created through n8n in ${Date.now() - started} ms`);
	});

	test('idempotent per (cart, stage): a retry returns the same code; another stage gets another', async () => {
		const first = await run(create(), [cart('idem')]);
		const retry = await run(create(), [cart('idem')]);
		const stage3 = await run(create({ stage: 3, amount: 20 }), [cart('idem')]);
		const a = first.output('Discount Code')[0].discount as Params;
		const b = retry.output('Discount Code')[0].discount as Params;
		const c = stage3.output('Discount Code')[0].discount as Params;
		assert.equal(a.code, b.code);
		assert.deepEqual([a.created, b.created, c.created], [true, false, true]);
		assert.notEqual(c.code, a.code);
		assert.equal(c.amount, 20);
		assert.equal(a.amount_text, '10%');
		const validUntil = new Date(a.valid_until as string).getTime();
		assert.ok(Math.abs(validUntil - (Date.now() + 7 * 86_400_000)) < 120_000, 'valid for 7 days by default');
		const { rows } = await db.pool.query(`select count(*)::int n from cart_recovery.discount_codes where cart_id = 'idem'`);
		assert.equal(rows[0].n, 2);
	});

	test('fixed amount in HUF reads "12 990 Ft"; bad input names the field', async () => {
		const fixed = await run(create({ discountType: 'fixed', amount: 12990, currency: 'huf', options: { minimumOrder: 50000 } }), [cart('fixed')]);
		const d = fixed.output('Discount Code')[0].discount as Params;
		assert.equal(String(d.amount_text).replace(/\s/g, ' '), '12 990 Ft');
		assert.deepEqual([d.currency, d.minimum_order], ['HUF', 50000]);
		// Hungarian CLDR leaves 4-digit amounts ungrouped ("2000 Ft"); the message prints its prices "4 990 Ft".
		const small = await run(create({ discountType: 'fixed', amount: 2000, currency: 'HUF' }), [cart('fixed-small')]);
		assert.equal(String((small.output('Discount Code')[0].discount as Params).amount_text).replace(/\s/g, ' '), '2 000 Ft');

		const cases: Array<[Params, Params, RegExp]> = [
			[create({ amount: 150 }), cart('bad1'), /"Amount"/],
			[create({ discountType: 'fixed', amount: 100, currency: 'forint' }), cart('bad2'), /"Currency"/],
			[create(), { cart_id: '' }, /"Cart ID" is empty/],
			[create(), { cart_id: 'anon' }, /"Customer ID" and "Customer Email" are both empty/],
			[create({ options: { codeLength: 6 } }), cart('bad3'), /"Code Length"/],
		];
		for (const [params, item, message] of cases) {
			const result = await run(params, [item]);
			assert.equal(result.status, 'error');
			assert.match(result.error!.message, message);
		}
	});
});

describe('validate and redeem', () => {
	let code: string;
	before(async () => {
		const result = await run(create({ options: { minimumOrder: 5000 } }), [cart('redeem')]);
		code = (result.output('Discount Code')[0].discount as { code: string }).code;
	});
	// The store's rules, without a webshop in front (Verify Webshop Signature, on by default, has its own tests below).
	const use = (operation: string, body: Params) => run({ operation, verifySignature: false }, [{ body }]);

	test('validate checks without using the code up; the item keeps the precise reason, the shop message is one for all', async () => {
		const ok = await use('validate', { code: code.toLowerCase(), customer_id: 'cust-redeem', total: '12 990', currency: 'HUF' });
		assert.equal(ok.output('Discount Code', 0).length, 1);
		assert.equal((ok.output('Discount Code', 0)[0].validation as Params).valid, true);
		const cases: Array<[Params, string]> = [
			[{ code: 'KOSAR-NOSUCHCODE', customer_id: 'cust-redeem', total: 9000 }, 'unknown'],
			[{ code, customer_id: 'someone-else', total: 9000 }, 'wrong_customer'],
			[{ code, email: 'Redeem@Example.hu', total: 9000 }, 'valid'], // guest checkout with the customer's email
			[{ code, email: 'other@example.hu', total: 9000 }, 'wrong_customer'],
			[{ code, customer_id: 'cust-redeem', total: 4999 }, 'below_minimum'],
		];
		for (const [body, expected] of cases) {
			const result = await use('validate', body);
			if (expected === 'valid') {
				assert.equal(result.output('Discount Code', 0).length, 1, JSON.stringify(body));
				continue;
			}
			const [invalid] = result.output('Discount Code', 1);
			const v = invalid.validation as Params;
			assert.deepEqual([v.valid, v.reason], [false, expected], JSON.stringify(body));
			// What the shop shows cannot tell an unknown code from one that exists for someone else.
			assert.deepEqual([v.message_hu, v.message_en], ['Ez a kuponkód ehhez a rendeléshez nem használható.', 'This discount code cannot be used for this order.']);
		}
		const { rows } = await db.pool.query('select used_count from cart_recovery.discount_codes where code = $1', [code]);
		assert.equal(rows[0].used_count, 0);
	});

	test('two concurrent redemptions of a single-use code in two n8n executions: exactly one wins', async () => {
		const [a, b] = await Promise.all([
			use('redeem', { code, customer_id: 'cust-redeem', total: 9000, order_id: 'order-A' }),
			use('redeem', { code, customer_id: 'cust-redeem', total: 9000, order_id: 'order-B' }),
		]);
		const redeemed = [a, b].flatMap((r) => r.output('Discount Code', 0));
		const rejected = [a, b].flatMap((r) => r.output('Discount Code', 1));
		assert.equal(redeemed.length, 1);
		assert.equal(rejected.length, 1);
		assert.equal((rejected[0].redemption as Params).reason, 'used_up');
		const { rows } = await db.pool.query('select used_count from cart_recovery.discount_codes where code = $1', [code]);
		assert.equal(rows[0].used_count, 1);
		// The winning order retrying is idempotent; the loser stays used_up.
		const winner = ((redeemed[0].body as Params).order_id) as string;
		const again = await use('redeem', { code, customer_id: 'cust-redeem', total: 9000, order_id: winner });
		assert.equal((again.output('Discount Code', 0)[0].redemption as Params).duplicate, true);
	});

	test('many concurrent redemptions of a code with usage limit 3: exactly 3 win', async () => {
		const created = await run(create({ options: { usageLimit: 3, bindToCustomer: false } }), [cart('multi')]);
		const multi = (created.output('Discount Code')[0].discount as { code: string }).code;
		const results = await Promise.all(
			Array.from({ length: 12 }, (_, i) => use('redeem', { code: multi, total: 9000, order_id: `m-${i}` })),
		);
		assert.equal(results.flatMap((r) => r.output('Discount Code', 0)).length, 3);
		assert.equal(results.flatMap((r) => r.output('Discount Code', 1)).length, 9);
	});

	test('expired and deactivated codes are rejected', async () => {
		const created = await run(create(), [cart('exp'), cart('deact')]);
		const [exp, deact] = created.output('Discount Code').map((i) => (i.discount as { code: string }).code);
		await db.pool.query(`update cart_recovery.discount_codes set valid_until = now() - interval '1 minute' where code = $1`, [exp]);
		const deactivated = await run({ operation: 'deactivate', code: deact, reason: 'test' }, [{}]);
		assert.equal((deactivated.output('Discount Code')[0].discount as Params).status, 'deactivated');
		const r1 = await use('redeem', { code: exp, customer_id: 'cust-exp', total: 9000, order_id: 'order-exp' });
		const r2 = await use('redeem', { code: deact, customer_id: 'cust-deact', total: 9000, order_id: 'order-deact' });
		assert.equal((r1.output('Discount Code', 1)[0].redemption as Params).reason, 'expired');
		assert.equal((r2.output('Discount Code', 1)[0].redemption as Params).reason, 'deactivated');
		assert.equal((r2.output('Discount Code', 1)[0].redemption as Params).message_en, 'This discount code cannot be used for this order.');
		const unknown = await run({ operation: 'deactivate', code: 'KOSAR-DOESNOTEXIST' }, [{}]);
		assert.match(unknown.error!.message, /"Code": discount code "KOSAR-DOESNOTEXIST" does not exist/);
	});
});

describe('shop sync', () => {
	const wooCred = () => ({ platform: 'woocommerce', shopUrl: woo.url, wooConsumerKey: woo.consumerKey, wooConsumerSecret: woo.consumerSecret });
	const shopifyCred = () => ({ platform: 'shopify', shopUrl: shopify.url, shopifyAccessToken: shopify.accessToken, shopifyApiVersion: '2026-10' });
	const status = async (code: string) =>
		(await db.pool.query('select status, synced_at, shop_ref from cart_recovery.discount_codes where code = $1', [code])).rows[0];

	test('WooCommerce: POST /wp-json/wc/v3/coupons with the same rules; a retry does not post again', async () => {
		const params = create({ syncToShop: true, options: { minimumOrder: 5000 } });
		const result = await run(params, [cart('woo-ok')], { webshop: wooCred() });
		assert.equal(result.status, 'success', result.error?.message);
		const d = result.output('Discount Code')[0].discount as Params;
		assert.equal(d.synced_to, 'woocommerce');
		const posted = woo.requests.filter((r) => r.method === 'POST').at(-1)!;
		assert.match(String(posted.headers.authorization), /^Basic /);
		const body = posted.body as Params;
		assert.equal(body.code, d.code);
		assert.deepEqual(
			[body.discount_type, body.amount, body.usage_limit, body.minimum_amount, body.email_restrictions, body.individual_use],
			['percent', '10', 1, '5000.00', ['woo-ok@example.hu'], true],
		);
		assert.equal(new Date(`${body.date_expires_gmt}Z`).getTime(), Math.floor(new Date(d.valid_until as string).getTime() / 1000) * 1000);
		assert.equal(woo.coupons.at(-1)!.code, String(d.code).toLowerCase());
		assert.equal((await status(d.code as string)).shop_ref, String(woo.coupons.at(-1)!.id));
		const posts = woo.requests.length;
		const retry = await run(params, [cart('woo-ok')], { webshop: wooCred() });
		assert.equal((retry.output('Discount Code')[0].discount as Params).code, d.code);
		assert.equal(woo.requests.length, posts, 'an already synced code is not posted again');
	});

	test('WooCommerce 400 woocommerce_rest_coupon_code_already_exists: the item fails, the code is deactivated, a rerun draws a fresh one', async () => {
		woo.script.push({
			status: 400,
			body: { code: 'woocommerce_rest_coupon_code_already_exists', message: 'The coupon code already exists', data: { status: 400 } },
		});
		const failed = await run(create({ syncToShop: true }), [cart('woo-dup')], { webshop: wooCred() });
		assert.equal(failed.status, 'error');
		assert.match(failed.error!.message, /woocommerce_rest_coupon_code_already_exists/);
		const { rows } = await db.pool.query(`select code, status from cart_recovery.discount_codes where cart_id = 'woo-dup'`);
		assert.deepEqual(rows.map((r) => r.status), ['rejected']);
		const rerun = await run(create({ syncToShop: true }), [cart('woo-dup')], { webshop: wooCred() });
		assert.equal(rerun.status, 'success', rerun.error?.message);
		const fresh = (rerun.output('Discount Code')[0].discount as Params).code;
		assert.notEqual(fresh, rows[0].code);
		assert.equal((await status(fresh as string)).status, 'active');
	});

	test('WooCommerce 401 with continue-on-fail: the item carries the error and no code', async () => {
		const bad = { ...wooCred(), wooConsumerSecret: 'cs_wrong' };
		const result = await run(create({ syncToShop: true }), [cart('woo-401')], { webshop: bad, extra: { onError: 'continueRegularOutput' } });
		assert.equal(result.status, 'success');
		const [item] = result.output('Discount Code');
		assert.match(String(item.error), /Consumer secret is invalid/);
		assert.equal(item.discount, undefined, 'a code the shop refused is never passed on');
		const { rows } = await db.pool.query(`select status from cart_recovery.discount_codes where cart_id = 'woo-401'`);
		assert.deepEqual(rows.map((r) => r.status), ['rejected']);
	});

	test('WooCommerce: a code our earlier attempt created there (response lost) is recognised, not rejected', async () => {
		const made = await run(create(), [cart('woo-lost')]);
		const code = (made.output('Discount Code')[0].discount as { code: string }).code;
		woo.seed(code, { discount_type: 'percent', amount: '10.00' });
		const synced = await run(create({ syncToShop: true }), [cart('woo-lost')], { webshop: wooCred() });
		assert.equal(synced.status, 'success', synced.error?.message);
		assert.equal((synced.output('Discount Code')[0].discount as Params).code, code);
		assert.ok((await status(code)).synced_at);
	});

	test('Shopify: price rule + discount code, bound to the numeric customer, with minimum subtotal', async () => {
		const result = await run(create({ syncToShop: true, amount: 20, stage: 3, options: { minimumOrder: 5000 } }), [cart('shop-ok', { customer_id: '207119551' })], {
			webshop: shopifyCred(),
		});
		assert.equal(result.status, 'success', result.error?.message);
		const d = result.output('Discount Code')[0].discount as Params;
		const rule = shopify.priceRules.at(-1)!;
		assert.deepEqual(
			[rule.title, rule.value_type, rule.value, rule.customer_selection, rule.prerequisite_customer_ids, rule.usage_limit],
			[d.code, 'percentage', '-20', 'prerequisite', [207119551], 1],
		);
		assert.deepEqual(rule.prerequisite_subtotal_range, { greater_than_or_equal_to: '5000.00' });
		assert.equal(new Date(rule.ends_at!).getTime(), new Date(d.valid_until as string).getTime());
		assert.equal(shopify.discountCodes.at(-1)!.code, d.code);
		assert.equal(shopify.requests.at(-1)!.headers['x-shopify-access-token'], shopify.accessToken);
		assert.match(shopify.requests.at(-1)!.path, /^\/admin\/api\/2026-10\/price_rules\/\d+\/discount_codes\.json$/);
	});

	test('Shopify 422 "code must be unique": the price rule is removed again, the item fails, the code is deactivated', async () => {
		const made = await run(create(), [cart('shop-dup')]);
		const code = (made.output('Discount Code')[0].discount as { code: string }).code;
		shopify.seed(code); // the same code exists in Shopify for another discount (5%), made by hand
		const result = await run(create({ syncToShop: true }), [cart('shop-dup')], { webshop: shopifyCred() });
		assert.equal(result.status, 'error');
		assert.match(result.error!.message, /Shopify refused discount code .*code must be unique/);
		const calls = shopify.requests.slice(-4).map((r) => `${r.method} ${r.answer}`);
		assert.deepEqual(calls.slice(-3), ['POST 201', 'POST 422', 'DELETE 204']);
		const ruleId = Number(/price_rules\/(\d+)\.json$/.exec(shopify.requests.at(-1)!.path)![1]);
		assert.ok(shopify.deletedPriceRules.includes(ruleId), 'no orphan price rule left in the shop');
		assert.equal((await status(code)).status, 'rejected');
	});

	test('Shopify 422 on the price rule and 401 on a wrong token fail the item with the shop’s words', async () => {
		shopify.script.push({ status: 422, body: { errors: { value: ['must be less than or equal to 0'] } } });
		const invalid = await run(create({ syncToShop: true }), [cart('shop-422')], { webshop: shopifyCred() });
		assert.match(invalid.error!.message, /Shopify refused the price rule .*value must be less than or equal to 0/);
		const unauthorised = await run(create({ syncToShop: true }), [cart('shop-401')], { webshop: { ...shopifyCred(), shopifyAccessToken: 'shpat_wrong' } });
		assert.match(unauthorised.error!.message, /Invalid API key or access token/);
		assert.match(String(unauthorised.error!.description), /Webshop credential/);
		const { rows } = await db.pool.query(`select cart_id, status from cart_recovery.discount_codes where cart_id in ('shop-422', 'shop-401') order by cart_id`);
		assert.deepEqual(rows.map((r) => r.status), ['rejected', 'rejected']);
	});

	test('Shopify: a code our earlier attempt created there is found through discount_codes/lookup (303)', async () => {
		const made = await run(create(), [cart('shop-lost')]);
		const code = (made.output('Discount Code')[0].discount as { code: string }).code;
		shopify.seed(code, { value_type: 'percentage', value: '-10.0' }); // as our first attempt made it
		const posts = shopify.requests.filter((r) => r.method === 'POST').length;
		const synced = await run(create({ syncToShop: true }), [cart('shop-lost')], { webshop: shopifyCred() });
		assert.equal(synced.status, 'success', synced.error?.message);
		assert.equal(shopify.requests.filter((r) => r.method === 'POST').length, posts, 'nothing created twice');
		assert.ok((await status(code)).synced_at);
	});

	test('a generic Webshop credential cannot sync: clear error', async () => {
		const result = await run(create({ syncToShop: true }), [cart('generic')], { webshop: { platform: 'generic', shopUrl: 'https://shop.example.hu' } });
		assert.match(result.error!.message, /needs a Webshop credential for WooCommerce or Shopify/);
	});
});

describe('shop sync: transient failures are retried, never a rejection', () => {
	const wooCred = () => ({ platform: 'woocommerce', shopUrl: woo.url, wooConsumerKey: woo.consumerKey, wooConsumerSecret: woo.consumerSecret });
	const shopifyCred = () => ({ platform: 'shopify', shopUrl: shopify.url, shopifyAccessToken: shopify.accessToken, shopifyApiVersion: '2026-10' });
	const row = async (cartId: string) =>
		(await db.pool.query('select code, status, synced_at, shop_platform, shop_ref from cart_recovery.discount_codes where cart_id = $1', [cartId])).rows;
	const wooBusy = (status: number, headers: Record<string, string> = {}) => ({
		status,
		body: { code: status === 429 ? 'woocommerce_rest_too_many_requests' : 'internal_server_error', message: status === 429 ? 'Too many requests.' : 'Service unavailable', data: { status } },
		headers,
	});

	test('WooCommerce 429 with Retry-After: waits as told, retries once, the code is synced', async () => {
		woo.script.push(wooBusy(429, { 'Retry-After': '1' }));
		const before = woo.requests.length;
		const result = await run(create({ syncToShop: true }), [cart('woo-429')], { webshop: wooCred() });
		assert.equal(result.status, 'success', result.error?.message);
		const calls = woo.requests.slice(before);
		assert.deepEqual(calls.map((r) => `${r.method} ${r.answer}`), ['POST 429', 'POST 201']);
		assert.ok(calls[1].at - calls[0].at >= 900, `Retry-After: 1 was honoured (${calls[1].at - calls[0].at} ms)`);
		const [r] = await row('woo-429');
		assert.deepEqual([r.status, r.shop_platform], ['active', 'woocommerce']);
		assert.equal((result.output('Discount Code')[0].discount as Params).code, r.code);
	});

	test('WooCommerce 503 on every attempt: the item fails, the code stays active (not rejected, not passed on); a rerun syncs the same code', async () => {
		for (let n = 0; n < 4; n++) woo.script.push(wooBusy(503));
		const before = woo.requests.length;
		const failed = await run(create({ syncToShop: true }), [cart('woo-503')], { webshop: wooCred() });
		assert.equal(failed.status, 'error');
		assert.match(failed.error!.message, /WooCommerce could not handle coupon .*\(after retries\)/);
		assert.match(String(failed.error!.description), /kept, not passed on/);
		assert.equal(woo.requests.length - before, 4, 'bounded: 4 attempts in all');
		const [kept] = await row('woo-503');
		assert.deepEqual([kept.status, kept.synced_at], ['active', null]);

		const rerun = await run(create({ syncToShop: true }), [cart('woo-503')], { webshop: wooCred() });
		assert.equal(rerun.status, 'success', rerun.error?.message);
		assert.equal((rerun.output('Discount Code')[0].discount as Params).code, kept.code, 'the same code, not a fresh one');
		assert.equal((await row('woo-503'))[0].shop_platform, 'woocommerce');
		assert.equal(woo.coupons.filter((c) => c.code === kept.code.toLowerCase()).length, 1);
	});

	test('WooCommerce created the coupon but the answer was lost: the retry finds it, nothing is created twice', async () => {
		woo.script.push({ status: 201, acceptThenDrop: true });
		const before = woo.requests.length;
		const result = await run(create({ syncToShop: true }), [cart('woo-lost-answer')], { webshop: wooCred() });
		assert.equal(result.status, 'success', result.error?.message);
		const code = (result.output('Discount Code')[0].discount as { code: string }).code;
		assert.deepEqual(
			woo.requests.slice(before).map((r) => `${r.method} ${r.answer}`),
			['POST dropped', 'POST 400', 'GET 200'],
		);
		assert.equal(woo.coupons.filter((c) => c.code === code.toLowerCase()).length, 1);
		assert.equal((await row('woo-lost-answer'))[0].status, 'active');
	});

	test('Shopify 429 (Retry-After) on the price rule: retried after a lookup, one price rule and one code in the end', async () => {
		shopify.script.push({ status: 429, body: { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' }, headers: { 'Retry-After': '0.2' } });
		const before = shopify.requests.length;
		const rulesBefore = shopify.priceRules.length;
		const first = await run(create({ syncToShop: true }), [cart('shop-429', { customer_id: '207119552' })], { webshop: shopifyCred() });
		assert.equal(first.status, 'success', first.error?.message);
		assert.deepEqual(shopify.requests.slice(before).map((r) => `${r.method} ${r.answer}`), ['POST 429', 'GET 404', 'POST 201', 'POST 201']);
		assert.equal(shopify.priceRules.length, rulesBefore + 1);

		// The retry looked the code up first (an unanswered create may have made it), then created it once.
		assert.equal(shopify.discountCodes.filter((d) => d.code === (first.output('Discount Code')[0].discount as { code: string }).code).length, 1);
	});

	test('the store fails after the shop accepted: the code is NOT deactivated (it is live in the shop); a rerun records the sync, nothing twice', async () => {
		await db.pool.query('alter function public.cart_recovery_mark_discount_synced(text, text, text) rename to cart_recovery_mark_discount_synced_off');
		let failed;
		try {
			failed = await run(create({ syncToShop: true }), [cart('woo-store-down')], { webshop: wooCred() });
		} finally {
			await db.pool.query('alter function public.cart_recovery_mark_discount_synced_off(text, text, text) rename to cart_recovery_mark_discount_synced');
		}
		assert.equal(failed.status, 'error');
		assert.match(failed.error!.message, /The shop accepted code KOSAR-\w+, but the store could not record it/);
		const [kept] = await row('woo-store-down');
		assert.deepEqual([kept.status, kept.synced_at], ['active', null], 'kept active: deactivating here would not stop it in the shop');
		assert.equal(woo.coupons.filter((c) => c.code === kept.code.toLowerCase()).length, 1);

		const rerun = await run(create({ syncToShop: true }), [cart('woo-store-down')], { webshop: wooCred() });
		assert.equal(rerun.status, 'success', rerun.error?.message);
		assert.equal((rerun.output('Discount Code')[0].discount as Params).code, kept.code);
		assert.ok((await row('woo-store-down'))[0].synced_at);
		assert.equal(woo.coupons.filter((c) => c.code === kept.code.toLowerCase()).length, 1, 'not created twice');
	});

	test('a 4xx is still a refusal: 400 from WooCommerce after a 503 rejects the code', async () => {
		woo.script.push(wooBusy(503), { status: 400, body: { code: 'rest_invalid_param', message: 'Invalid parameter(s): amount', data: { status: 400 } } });
		const result = await run(create({ syncToShop: true }), [cart('woo-503-400')], { webshop: wooCred() });
		assert.match(result.error!.message, /WooCommerce refused coupon .*rest_invalid_param/);
		assert.equal((await row('woo-503-400'))[0].status, 'rejected');
	});
});

describe('deactivate removes a synced code from the shop', () => {
	const wooCred = () => ({ platform: 'woocommerce', shopUrl: woo.url, wooConsumerKey: woo.consumerKey, wooConsumerSecret: woo.consumerSecret });
	const shopifyCred = () => ({ platform: 'shopify', shopUrl: shopify.url, shopifyAccessToken: shopify.accessToken, shopifyApiVersion: '2026-10' });
	const synced = async (cartId: string, webshop: object, extra: Params = {}) => {
		const made = await run(create({ syncToShop: true, ...extra }), [cart(cartId, { customer_id: '207119553' })], { webshop });
		assert.equal(made.status, 'success', made.error?.message);
		return made.output('Discount Code')[0].discount as { code: string };
	};
	const deactivate = (code: string, webshop?: object, extra?: Params) => run({ operation: 'deactivate', code, reason: 'bought without it' }, [{}], { webshop, extra });

	test('WooCommerce: DELETE /wp-json/wc/v3/coupons/<id>?force=true; again: 404 = already gone, fine', async () => {
		const { code } = await synced('deact-woo', wooCred());
		const coupon = woo.coupons.find((c) => c.code === code.toLowerCase())!;
		const result = await deactivate(code, wooCred());
		assert.equal(result.status, 'success', result.error?.message);
		const d = result.output('Discount Code')[0].discount as Params;
		assert.deepEqual([d.status, d.changed, d.shop], ['deactivated', true, { platform: 'woocommerce', shop_ref: String(coupon.id), removed: true, already_gone: false }]);
		const del = woo.requests.at(-1)!;
		assert.equal(`${del.method} ${del.path}`, `DELETE /wp-json/wc/v3/coupons/${coupon.id}?force=true`);
		assert.match(String(del.headers.authorization), /^Basic /);
		assert.ok(woo.deletedCoupons.includes(coupon.id));
		assert.equal(woo.coupons.some((c) => c.id === coupon.id), false, 'the coupon no longer works in the shop');

		const again = await deactivate(code, wooCred());
		assert.equal(again.status, 'success', again.error?.message);
		const d2 = again.output('Discount Code')[0].discount as Params;
		assert.deepEqual([d2.changed, (d2.shop as Params).already_gone, woo.requests.at(-1)!.answer], [false, true, 404]);
	});

	test('Shopify: the code’s price rule is deleted (its code goes with it); 404 = already gone', async () => {
		const { code } = await synced('deact-shopify', shopifyCred());
		const dc = shopify.discountCodes.find((c) => c.code === code)!;
		const result = await deactivate(code, shopifyCred());
		assert.equal(result.status, 'success', result.error?.message);
		assert.deepEqual((result.output('Discount Code')[0].discount as Params).shop, { platform: 'shopify', shop_ref: `${dc.price_rule_id}/${dc.id}`, removed: true, already_gone: false });
		assert.equal(`${shopify.requests.at(-1)!.method} ${shopify.requests.at(-1)!.answer}`, 'DELETE 204');
		assert.ok(shopify.deletedPriceRules.includes(dc.price_rule_id));
		assert.equal(shopify.discountCodes.some((c) => c.code === code), false);
		const again = await deactivate(code, shopifyCred());
		assert.equal(((again.output('Discount Code')[0].discount as Params).shop as Params).already_gone, true);
	});

	test('the shop refuses or is down: the item fails naming the shop, the code is deactivated here all the same; a rerun finishes', async () => {
		const { code } = await synced('deact-fail', wooCred());
		const refused = await deactivate(code, { ...wooCred(), wooConsumerSecret: 'cs_wrong' });
		assert.equal(refused.status, 'error');
		assert.match(refused.error!.message, /was deactivated here, but not removed from woocommerce: .*Consumer secret is invalid/);
		const { rows } = await db.pool.query('select status from cart_recovery.discount_codes where code = $1', [code]);
		assert.equal(rows[0].status, 'deactivated');

		for (let n = 0; n < 4; n++) woo.script.push({ status: 502, body: '<html>Bad Gateway</html>' });
		const down = await deactivate(code, wooCred());
		assert.match(down.error!.message, /not removed from woocommerce: WooCommerce could not handle the deletion/);
		assert.match(String(down.error!.description), /Run the node again later/);
		assert.ok(woo.coupons.some((c) => c.code === code.toLowerCase()), 'still in the shop so far');
		const rerun = await deactivate(code, wooCred());
		assert.equal(rerun.status, 'success', rerun.error?.message);
		assert.equal(woo.coupons.some((c) => c.code === code.toLowerCase()), false);
	});

	test('a synced code without a Webshop credential on the node: clear error; a code never synced needs none', async () => {
		const { code } = await synced('deact-nocred', wooCred());
		const storeOnly = { credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' } } };
		const result = await deactivate(code, undefined, storeOnly);
		assert.match(result.error!.message, /was deactivated here but is still live in woocommerce/);
		assert.match(String(result.error!.description), /Webshop credential/);
		const local = await run(create(), [cart('deact-local')]);
		const plain = await deactivate((local.output('Discount Code')[0].discount as { code: string }).code, undefined, storeOnly);
		assert.equal(plain.status, 'success', plain.error?.message);
		assert.equal((plain.output('Discount Code')[0].discount as Params).shop, null);
		const off = await run({ operation: 'deactivate', code, removeFromShop: false }, [{}], { extra: storeOnly });
		assert.equal(off.status, 'success', off.error?.message);
	});
});

describe('redeem needs the order', () => {
	test('an empty Order ID fails the item naming the field, before the store counts a use; the same order again returns its first redemption', async () => {
		const created = await run(create({ options: { usageLimit: 3, bindToCustomer: false } }), [cart('order-needed')]);
		const code = (created.output('Discount Code')[0].discount as { code: string }).code;
		for (const order_id of [undefined, '', '  ']) {
			const result = await run({ operation: 'redeem', verifySignature: false }, [{ body: { code, total: 9000, order_id } }]);
			assert.equal(result.status, 'error');
			assert.match(result.error!.message, /^"Order ID" is empty/);
		}
		const failed = await run({ operation: 'redeem', verifySignature: false }, [{ body: { code, total: 9000 } }], { extra: { onError: 'continueErrorOutput' } });
		assert.match(String(failed.output('Discount Code', 2)[0].error), /"Order ID" is empty/);
		const { rows } = await db.pool.query('select used_count from cart_recovery.discount_codes where code = $1', [code]);
		assert.equal(rows[0].used_count, 0);

		const first = (await run({ operation: 'redeem', verifySignature: false }, [{ body: { code, total: 9000, order_id: 'order-1' } }])).output('Discount Code', 0)[0].redemption as Params;
		const again = (await run({ operation: 'redeem', verifySignature: false }, [{ body: { code, total: 9000, order_id: 'order-1' } }])).output('Discount Code', 0)[0].redemption as Params;
		assert.deepEqual([first.duplicate, again.duplicate, again.redeemed_at], [false, true, first.redeemed_at]);
		assert.equal((again.discount as Params).used_count, 1);
	});
});

describe('Verify Webshop Signature (validate / redeem) inside n8n', () => {
	const SECRET = 'whsec_engine_signature_0a1b2c3d4e5f6a7b';
	const shop = (extra: Params = {}) => ({ platform: 'generic', shopUrl: 'http://127.0.0.1:9', webhookSecret: SECRET, ...extra });
	const JSON_TYPE = { 'content-type': 'application/json' };
	/** The node behind a Webhook node: its parameters as a workflow sets them (Verify Webshop Signature left at its default). */
	const behindWebhook = (operation: string, items: Array<{ json: Params; binary?: object }>, webshop: object | undefined = shop(), extra: Params = {}) =>
		runWorkflow({
			nodes: [manualTrigger(), codeNode({ operation }, extra)],
			connections: connect(['Start', 'Discount Code']),
			pinData: { Start: items as never },
			credentials: { cartRecoveryStoreApi: db.credentials, ...(webshop ? { webshopApi: webshop } : {}) },
		});

	test('a missing X-Signature header or raw body fails the item before the store is asked; the check is on by default', async () => {
		const body = { code: 'KOSAR-NOSUCHCODE', total: 100 };
		const missing = await behindWebhook('redeem', [{ json: { headers: JSON_TYPE, body } }]);
		assert.equal(missing.status, 'error');
		assert.match(missing.error!.message, /^Webshop signature check failed: the X-Signature header is missing/);
		const noRaw = await behindWebhook('validate', [{ json: { headers: { ...JSON_TYPE, 'x-signature': 't=1,v1=00' }, body } }]);
		assert.match(noRaw.error!.message, /raw request body is missing, so X-Signature cannot be checked/);
		assert.match(String(noRaw.error!.description), /Raw Body/);
		const signed = webhookItem({ endpoint: 'cart-recovery/discount/validate', body, secret: SECRET });
		const noCredential = await behindWebhook('validate', [signed], undefined, { credentials: { cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' } } });
		assert.match(noCredential.error!.message, /^Webshop signature check failed: no Webshop credential is selected/);
		const noUrl = await behindWebhook('validate', [{ ...signed, json: { ...signed.json, webhookUrl: undefined } }]);
		assert.match(noUrl.error!.message, /no webhookUrl, so the endpoint the request was signed for is unknown/);
	});

	test('the fields come from the verified bytes, not from what n8n parsed into $json.body', async () => {
		const issued = await run(create(), [cart('verified-bytes')]);
		const victim = (issued.output('Discount Code')[0].discount as { code: string }).code;
		const order = { code: victim, customer_id: 'cust-verified-bytes', total: 9000 };
		const endpoint = 'cart-recovery/discount/validate';
		// Control: the signed order itself is valid.
		const own = await behindWebhook('validate', [webhookItem({ endpoint, body: order, secret: SECRET })]);
		assert.equal((own.output('Discount Code', 0)[0]?.validation as Params)?.valid, true, own.error?.message);
		// The same signed bytes of an unknown code, with the victim's order where n8n's parse would be (a multipart form).
		const signedBody = { code: 'KOSAR-NOSUCHCODE', customer_id: 'cust-attacker', total: 100 };
		const borrowed = await behindWebhook('validate', [webhookItem({ endpoint, body: signedBody, secret: SECRET, parsed: order })]);
		assert.equal(borrowed.output('Discount Code', 0).length, 0, 'the victim’s code is not what was checked');
		const refused = borrowed.output('Discount Code', 1)[0];
		assert.equal((refused.validation as Params).valid, false);
		assert.deepEqual(refused.body, signedBody, 'downstream nodes see the verified body');
	});

	test('a file beside the body, a form or an old, future or other-endpoint signature is refused; the time window is the credential’s', async () => {
		const body = { code: 'KOSAR-NOSUCHCODE', total: 100, order_id: 'ORD-1' };
		const endpoint = 'cart-recovery/discount/redeem';
		const now = Math.floor(Date.now() / 1000);
		const cases: Array<[{ json: Params; binary?: object }, RegExp, object?]> = [
			[webhookItem({ endpoint, body, secret: SECRET, files: { upload: { data: 'eA==', mimeType: 'text/plain' } } }), /^Webshop request refused: the request carries a file \("upload"\)/],
			[webhookItem({ endpoint, body, secret: SECRET, headers: { 'content-type': 'multipart/form-data; boundary=x' } }), /^Webshop request refused: Content-Type "multipart\/form-data; boundary=x" is not accepted/],
			[webhookItem({ endpoint, signedFor: 'cart-recovery/discount/validate', body, secret: SECRET }), /^Webshop signature check failed: .*does not match this request/],
			[webhookItem({ endpoint, body, secret: SECRET, timestamp: now - 400 }), /^Webshop signature check failed: .*s old; requests signed more than 300 s ago are refused as replays/],
			[webhookItem({ endpoint, body, secret: SECRET, timestamp: now + 400 }), /^Webshop signature check failed: .*in the future/],
			[webhookItem({ endpoint, body, secret: SECRET, timestamp: now - 60 }), /more than 30 s ago/, shop({ signatureToleranceSeconds: 30 })],
			[webhookItem({ endpoint, body: { code: 'A\u0000B' }, secret: SECRET }), /^Webshop request refused: code: contains a NUL character/],
			[webhookItem({ endpoint, body: ['not', 'an', 'object'], secret: SECRET }), /^Webshop request refused: body: must be a JSON object, not an array/],
		];
		for (const [item, message, webshop] of cases) {
			const result = await behindWebhook('redeem', [item], webshop ?? shop());
			assert.equal(result.status, 'error', String(message));
			assert.match(result.error!.message, message);
		}
		const inWindow = await behindWebhook('redeem', [webhookItem({ endpoint, body, secret: SECRET, timestamp: now - 20 })], shop({ signatureToleranceSeconds: 30 }));
		assert.equal(inWindow.status, 'success', inWindow.error?.message);
	});
});

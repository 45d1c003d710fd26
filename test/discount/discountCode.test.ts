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
	const use = (operation: string, body: Params) => run({ operation }, [{ body }]);

	test('validate checks without using the code up; rejections carry a clear reason', async () => {
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
			assert.ok(v.message_hu && v.message_en);
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
		const r1 = await use('redeem', { code: exp, customer_id: 'cust-exp', total: 9000 });
		const r2 = await use('redeem', { code: deact, customer_id: 'cust-deact', total: 9000 });
		assert.equal((r1.output('Discount Code', 1)[0].redemption as Params).reason, 'expired');
		assert.equal((r2.output('Discount Code', 1)[0].redemption as Params).reason, 'deactivated');
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

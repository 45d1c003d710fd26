// Split Test inside n8n's engine (WorkflowExecute), the store on real Postgres: carts routed to the output of
// their variant, once and for good (reruns, two workers at once), the split following the weights, the node's
// checks failing before any cart is assigned, and the outputs n8n draws for the node.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { NodeHelpers, Workflow, type IDataObject, type INode, type INodeType } from 'n8n-workflow';

import { maskedCustomer } from '../../lib/n8n/outcome';
import { CartRecoveryStore, closeAllStores, PostgresTransport, type VariantSpec } from '../../lib/store';
import { connect, loadPackage, manualTrigger, node, runWorkflow } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

let db: TestDatabase;
let store: CartRecoveryStore;

const THREE_WAY: VariantSpec[] = [
	{ name: 'A', weight: 45 },
	{ name: 'B', weight: 45 },
	{ name: 'Holdout', weight: 10, holdout: true },
];
/** The node's Variants parameter for a list of variants. */
const variantsParameter = (variants: VariantSpec[]) => ({ variant: variants.map((v) => ({ name: v.name, weight: v.weight, holdout: v.holdout ?? false })) });

async function cart(id: string) {
	await store.recordCartEvent({
		source: 'generic',
		event_id: `${id}-created`,
		type: 'cart',
		cart_id: id,
		occurred_at: new Date(Date.now() - 45 * 60_000).toISOString(),
		email: `${id}@example.hu`,
		first_name: 'Anna',
		currency: 'HUF',
		value: 12990,
		items: [{ name: 'Bögre', quantity: 1, price: 12990 }],
	});
}

/** Start → Split Test with these parameters (Cart ID left at its default). */
function splitWorkflow(parameters: IDataObject, extra: Partial<INode> = {}) {
	return {
		nodes: [manualTrigger(), node('Split Test', 'splitTest', parameters, extra)],
		connections: connect(['Start', 'Split Test']),
	};
}

async function runSplit(parameters: IDataObject, items: IDataObject[], extra: Partial<INode> = {}) {
	return runWorkflow({ ...splitWorkflow(parameters, extra), pinData: { Start: items.map((json) => ({ json })) }, credentials: { cartRecoveryStoreApi: db.credentials } });
}

async function storedVariants(experiment: string): Promise<Map<string, { variant: string; holdout: boolean; assigned_at: string }>> {
	const { rows } = await db.pool.query('select cart_id, variant, holdout, assigned_at from cart_recovery.cart_variants where experiment = $1', [experiment]);
	return new Map(rows.map((r) => [r.cart_id, { variant: r.variant, holdout: r.holdout, assigned_at: new Date(r.assigned_at).toISOString() }]));
}

async function rowCount(experiment?: string): Promise<number> {
	const { rows } = experiment
		? await db.pool.query('select count(*)::int as n from cart_recovery.cart_variants where experiment = $1', [experiment])
		: await db.pool.query('select count(*)::int as n from cart_recovery.cart_variants');
	return rows[0].n;
}

before(async () => {
	db = await freshDatabase('split_test');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	for (let n = 1; n <= 30; n++) await cart(`route-${n}`);
});

after(async () => {
	await closeAllStores();
	await store.close();
	await db.drop();
});

describe('routing', () => {
	const experiment = 'discount-test';
	const items = Array.from({ length: 30 }, (_, n) => ({ cart_id: `route-${n + 1}`, email: `route-${n + 1}@example.hu`, first_name: 'Anna' }));
	const parameters = { experiment, variants: variantsParameter(THREE_WAY) };

	test('each cart goes out on the output of its stored variant, carrying the experiment', async () => {
		const result = await runSplit(parameters, items);
		assert.equal(result.status, 'success', result.error?.message);
		const outputs = result.outputs('Split Test');
		assert.equal(outputs.length, 3, 'one output per variant');
		const stored = await storedVariants(experiment);
		assert.equal(stored.size, 30, 'every cart assigned once');
		THREE_WAY.forEach((variant, index) => {
			assert.ok(outputs[index].length > 0, `some carts in ${variant.name} (30 carts, weights 45/45/10)`);
			for (const item of outputs[index]) {
				const row = stored.get(item.cart_id as string)!;
				assert.equal(row.variant, variant.name, `${item.cart_id} on the output of its stored variant`);
				const exp = item.experiment as IDataObject;
				assert.deepEqual(Object.keys(exp), ['name', 'variant', 'holdout', 'bucket', 'assigned_at']);
				assert.equal(exp.name, experiment);
				assert.equal(exp.variant, variant.name);
				assert.equal(exp.holdout, variant.holdout === true);
				assert.ok(typeof exp.bucket === 'number' && exp.bucket >= 0 && exp.bucket < 1);
				assert.equal(new Date(exp.assigned_at as string).toISOString(), row.assigned_at);
				assert.equal(Object.keys(item)[0], 'result', 'the result sentence comes first');
				const holdout = variant.holdout ? ' (holdout: no messages)' : '';
				assert.match(item.result as string, /^Anna · \S+@example\.hu: variant /);
				assert.equal(item.result, `${maskedCustomer({ first_name: 'Anna', email: item.email })}: variant ${variant.name} of ${experiment}${holdout}`);
				assert.equal(item.email, `${item.cart_id}@example.hu`, 'the item is passed on');
			}
		});
		assert.equal(outputs.flat().length, 30, 'no item vanishes');
		console.log(`[split test] 30 carts: ${THREE_WAY.map((v, i) => `${v.name} ${outputs[i].length}`).join(', ')}`);
	});

	test('running the same items again sends each the same way, and assigns nothing new', async () => {
		const before = await storedVariants(experiment);
		const first = await runSplit(parameters, items);
		const second = await runSplit(parameters, items);
		for (const result of [first, second]) {
			assert.equal(result.status, 'success', result.error?.message);
			result.outputs('Split Test').forEach((output, index) => {
				for (const item of output) {
					assert.equal(before.get(item.cart_id as string)!.variant, THREE_WAY[index].name);
					assert.equal(new Date((item.experiment as IDataObject).assigned_at as string).toISOString(), before.get(item.cart_id as string)!.assigned_at);
				}
			});
		}
		assert.deepEqual(second.outputs('Split Test').map((o) => o.map((i) => i.cart_id)), first.outputs('Split Test').map((o) => o.map((i) => i.cart_id)));
		assert.equal(await rowCount(experiment), 30);
		// Changing the weights later does not move a cart either.
		const reweighted = await runSplit({ experiment, variants: variantsParameter([{ name: 'A', weight: 1 }, { name: 'B', weight: 98 }, { name: 'Holdout', weight: 1, holdout: true }]) }, items);
		assert.deepEqual(reweighted.outputs('Split Test').map((o) => o.map((i) => i.cart_id)), first.outputs('Split Test').map((o) => o.map((i) => i.cart_id)));
	});

	test("a cart's variant is what assignVariant answers directly (created: false)", async () => {
		const result = await runSplit(parameters, items);
		const routed = new Map(result.outputs('Split Test').flatMap((output, index) => output.map((item) => [item.cart_id as string, THREE_WAY[index].name])));
		for (const { cart_id } of items) {
			const direct = await store.assignVariant({ cartId: cart_id, experiment, variants: THREE_WAY });
			assert.equal(direct.created, false);
			assert.equal(direct.variant, routed.get(cart_id), cart_id);
		}
	});

	test('a stored variant the node no longer lists fails the node, naming the experiment and the variant', async () => {
		const stored = await storedVariants(experiment);
		const inB = items.find((i) => stored.get(i.cart_id)!.variant === 'B')!;
		const renamed = { experiment, variants: variantsParameter([{ name: 'A', weight: 45 }, { name: 'B2', weight: 45 }, { name: 'Holdout', weight: 10, holdout: true }]) };
		const result = await runSplit(renamed, [inB]);
		assert.equal(result.status, 'error');
		assert.equal(result.error!.message, `Cart "${inB.cart_id}" is in variant "B" of ${experiment}, which Variants no longer lists`);
		assert.match(result.error!.description ?? '', /Rename the variant back, or start a new experiment name/);
	});

	test('with continue on fail: a failed cart goes to the holdout output (regular output) or to the error output', async () => {
		const stored = await storedVariants(experiment);
		const inA = items.find((i) => stored.get(i.cart_id)!.variant === 'A')!;
		const inB = items.find((i) => stored.get(i.cart_id)!.variant === 'B')!;
		const renamed = { experiment, variants: variantsParameter([{ name: 'A', weight: 45 }, { name: 'B2', weight: 45 }, { name: 'Holdout', weight: 10, holdout: true }]) };

		const regular = await runSplit(renamed, [inA, inB], { onError: 'continueRegularOutput' });
		assert.equal(regular.status, 'success', regular.error?.message);
		const [a, b2, holdout] = regular.outputs('Split Test');
		assert.deepEqual(a.map((i) => i.cart_id), [inA.cart_id]);
		assert.deepEqual(b2, []);
		assert.equal(holdout.length, 1);
		assert.equal(holdout[0].cart_id, inB.cart_id);
		assert.match(holdout[0].error as string, /variant "B" of discount-test/);
		assert.match(holdout[0].result as string, /^Failed: /);

		const errorOutput = await runSplit(renamed, [inA, inB], { onError: 'continueErrorOutput' });
		assert.equal(errorOutput.status, 'success', errorOutput.error?.message);
		const outputs = errorOutput.outputs('Split Test');
		assert.equal(outputs.length, 4, 'three variants and the error output');
		assert.deepEqual(outputs[0].map((i) => i.cart_id), [inA.cart_id]);
		assert.deepEqual([outputs[1].length, outputs[2].length], [0, 0]);
		assert.equal(outputs[3].length, 1);
		assert.match(outputs[3][0].error as string, /variant "B" of discount-test/);
	});

	test('an unknown cart fails the node, naming the cart', async () => {
		const result = await runSplit(parameters, [{ cart_id: 'no-such-cart' }]);
		assert.equal(result.status, 'error');
		assert.match(result.error!.message, /Cart "no-such-cart" is not in the store/);
	});

	test('the default variants: two outputs, A and B, half each', async () => {
		const result = await runSplit({ experiment: 'defaults' }, items);
		assert.equal(result.status, 'success', result.error?.message);
		const [a, b] = result.outputs('Split Test');
		assert.equal(a.length + b.length, 30);
		assert.ok(a.every((i) => (i.experiment as IDataObject).variant === 'A'));
		assert.ok(b.every((i) => (i.experiment as IDataObject).variant === 'B'));
	});
});

test('two workers at once give a cart the same variant, stored once', async () => {
	const workerOne = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	const workerTwo = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	try {
		const experiment = 'two-workers';
		const carts = Array.from({ length: 20 }, (_, n) => `worker-${n}`);
		for (const id of carts) await cart(id);
		const answers = await Promise.all(
			carts.flatMap((cartId) => [
				workerOne.assignVariant({ cartId, experiment, variants: THREE_WAY }),
				workerTwo.assignVariant({ cartId, experiment, variants: THREE_WAY }),
			]),
		);
		for (let n = 0; n < carts.length; n++) {
			const [one, two] = [answers[2 * n], answers[2 * n + 1]];
			assert.equal(one.variant, two.variant, carts[n]);
			assert.equal(one.bucket, two.bucket);
			assert.equal(one.assigned_at, two.assigned_at);
			assert.equal(Number(one.created) + Number(two.created), 1, 'exactly one worker assigned it');
		}
		const { rows } = await db.pool.query('select cart_id, count(*)::int as n from cart_recovery.cart_variants where experiment = $1 group by cart_id', [experiment]);
		assert.equal(rows.length, carts.length);
		assert.ok(rows.every((r) => r.n === 1), 'one row per cart');
	} finally {
		await workerOne.close();
		await workerTwo.close();
	}
});

test('10,000 carts follow the weights 45/45/10 (chi-square), and a second experiment splits them independently', async () => {
	await db.pool.query(
		`insert into cart_recovery.carts (cart_id, source, currency, last_activity_at)
		 select 'chi-' || g, 'generic', 'HUF', now() from generate_series(1, 10000) g`,
	);
	const assignAll = (experiment: string) =>
		db.pool.query(`select public.cart_recovery_assign_variant(cart_id, $1, $2::jsonb) from cart_recovery.carts where cart_id like 'chi-%'`, [
			experiment,
			JSON.stringify(THREE_WAY),
		]);
	await assignAll('weights-1');
	await assignAll('weights-2');

	const { rows } = await db.pool.query(
		`select variant, count(*)::int as n from cart_recovery.cart_variants where experiment = 'weights-1' and cart_id like 'chi-%' group by variant`,
	);
	const counts = Object.fromEntries(rows.map((r) => [r.variant, r.n])) as Record<string, number>;
	const total = 10_000;
	const weightSum = THREE_WAY.reduce((sum, v) => sum + v.weight, 0);
	let chiSquare = 0;
	for (const variant of THREE_WAY) {
		const expected = (total * variant.weight) / weightSum;
		chiSquare += ((counts[variant.name] ?? 0) - expected) ** 2 / expected;
	}
	console.log(`[split test] 10,000 carts, weights 45/45/10: ${THREE_WAY.map((v) => `${v.name} ${counts[v.name]}`).join(', ')}; chi-square ${chiSquare.toFixed(3)} (2 df, 0.1 % critical value 13.816)`);
	assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), total);
	assert.ok(chiSquare < 13.816, `chi-square ${chiSquare} is below 13.816`);

	const overlap = await db.pool.query(
		`select count(*) filter (where two.variant = 'A')::float8 / count(*) as share
		 from cart_recovery.cart_variants one join cart_recovery.cart_variants two on two.cart_id = one.cart_id and two.experiment = 'weights-2'
		 where one.experiment = 'weights-1' and one.variant = 'A'`,
	);
	const share = overlap.rows[0].share as number;
	console.log(`[split test] carts in A of weights-1 also in A of weights-2: ${(share * 100).toFixed(1)} %`);
	assert.ok(Math.abs(share - 0.45) <= 0.03, `share ${share} within 45 % ± 3 points`);
});

describe('the checks fail before any cart is assigned, naming the field', () => {
	const cases: Array<[string, IDataObject, RegExp]> = [
		['empty experiment name', { experiment: '  ', variants: variantsParameter(THREE_WAY) }, /^Experiment Name is empty$/],
		['no variants', { experiment: 'checks', variants: {} }, /^Variants is empty$/],
		['a variant without a name', { experiment: 'checks', variants: variantsParameter([{ name: 'A', weight: 1 }, { name: ' ', weight: 1 }]) }, /^Variants → Name of variant 2 is empty$/],
		['duplicate names', { experiment: 'checks', variants: variantsParameter([{ name: 'A', weight: 1 }, { name: 'A ', weight: 1 }]) }, /^Variants → Name "A" is used twice$/],
		['a weight of 0', { experiment: 'checks', variants: variantsParameter([{ name: 'A', weight: 1 }, { name: 'B', weight: 0 }]) }, /^Variants → Weight of "B" must be above 0$/],
		['a negative weight', { experiment: 'checks', variants: variantsParameter([{ name: 'A', weight: -5 }, { name: 'B', weight: 1 }]) }, /^Variants → Weight of "A" must be above 0$/],
		[
			'two holdouts',
			{ experiment: 'checks', variants: variantsParameter([{ name: 'A', weight: 1 }, { name: 'H1', weight: 1, holdout: true }, { name: 'H2', weight: 1, holdout: true }]) },
			/^Variants → Holdout is on for "H1" and "H2": only one variant can be the holdout$/,
		],
	];
	for (const [label, parameters, message] of cases) {
		test(label, async () => {
			const before = await rowCount();
			const result = await runSplit(parameters, [{ cart_id: 'route-1' }, { cart_id: 'route-2' }]);
			assert.equal(result.status, 'error');
			assert.match(result.error!.message, message);
			assert.equal(await rowCount(), before, 'nothing written');
		});
	}

	test('an empty Cart ID on a later item: the earlier items are not assigned either', async () => {
		const result = await runSplit({ experiment: 'checks-cart-id', variants: variantsParameter(THREE_WAY) }, [{ cart_id: 'route-1' }, { email: 'x@example.hu' }]);
		assert.equal(result.status, 'error');
		assert.equal(result.error!.message, 'Cart ID is empty');
		assert.equal(await rowCount('checks-cart-id'), 0, 'nothing written');
	});
});

describe("the node's description", () => {
	async function splitTestType(): Promise<INodeType> {
		const { nodeTypes } = await loadPackage();
		return nodeTypes.getByNameAndVersion('n8n-nodes-cart-recovery.splitTest', 1);
	}

	/** The outputs n8n draws for a Split Test node with these parameters (defaults filled in, as the editor does). */
	async function outputsFor(parameters: IDataObject) {
		const { nodeTypes } = await loadPackage();
		const type = await splitTestType();
		const splitNode: INode = { id: randomUUID(), name: 'Split Test', type: 'n8n-nodes-cart-recovery.splitTest', typeVersion: 1, position: [0, 0], parameters: parameters as INode['parameters'] };
		const workflow = new Workflow({ nodes: [splitNode], connections: {}, nodeTypes, active: false });
		return NodeHelpers.getNodeOutputs(workflow, workflow.getNode('Split Test')!, type.description);
	}

	test('two outputs by default, named A and B', async () => {
		assert.deepEqual(await outputsFor({}), [
			{ type: 'main', displayName: 'A' },
			{ type: 'main', displayName: 'B' },
		]);
	});

	test('one output per variant, named by it, in the order given', async () => {
		const outputs = await outputsFor({ experiment: 'x', variants: variantsParameter([{ name: 'Control', weight: 10, holdout: true }, ...THREE_WAY.slice(0, 2)]) });
		assert.deepEqual(
			outputs.map((o) => (typeof o === 'string' ? o : o.displayName)),
			['Control', 'A', 'B'],
		);
	});

	test('the store credential is required and tested, as on the other nodes', async () => {
		const type = await splitTestType();
		const { nodeTypes } = await loadPackage();
		const cartCheck = nodeTypes.getByNameAndVersion('n8n-nodes-cart-recovery.cartCheck', 1);
		assert.deepEqual(type.description.credentials, [{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' }]);
		assert.deepEqual(type.description.credentials, cartCheck.description.credentials);
		const credentialTest = type.methods?.credentialTest?.cartRecoveryStoreTest;
		assert.equal(credentialTest, cartCheck.methods?.credentialTest?.cartRecoveryStoreTest);
		const answer = await credentialTest!.call({} as never, { id: 'split-test', name: 'Store', type: 'cartRecoveryStoreApi', data: { ...db.credentials } } as never);
		assert.equal(answer.status, 'OK', answer.message);
	});
});

import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { toNodeError } from '../../lib/n8n/errors';
import { carryForward, lastSent, maskedCustomer, reportToExecution, withResult } from '../../lib/n8n/outcome';
import { cartRecoveryStoreTest, storeFor } from '../../lib/n8n/store';
import { expression, live, liveAt } from '../../lib/n8n/subtitleText';
import { StoreError, type AssignVariantResult, type CartRecoveryStore, type VariantSpec } from '../../lib/store';

/**
 * One output per variant, named after it, in the order of Variants. n8n evaluates this as an expression, in the
 * editor and when it runs the workflow, the way its Switch node names its rule outputs: the function is written
 * into the description as text, so it may use nothing from outside itself (not even n8n's connection-type names).
 */
const variantOutputs = (parameters: INodeParameters) => {
	const variants = ((parameters.variants as IDataObject | undefined)?.variant as IDataObject[] | undefined) ?? [];
	return variants.map((variant, index) => ({
		type: 'main',
		displayName: String(variant.name ?? '').trim() || `Variant ${index + 1}`,
	}));
};

/**
 * "A 45% · B 45% · Holdout 10%": each variant's share of the total weight, also for weights read from the
 * workflow's Settings node. A weight only known when the workflow runs shows every share as "…".
 */
const shares =
	`((vs) => { const list = Array.isArray(vs) ? vs : []; ` +
	`const weights = list.map((v) => Number(${liveAt('v && v.weight')})); ` +
	`const total = weights.reduce((a, b) => a + b, 0); const known = weights.every((w) => Number.isFinite(w) && w > 0); ` +
	`return list.map((v, i) => { const n = String((v && v.name) || '').trim() || 'Variant ' + (i + 1); ` +
	`const share = known ? String(Math.round((weights[i] / total) * 1000) / 10) + '%' : '…'; ` +
	`return n + ' ' + share + (v && v.holdout === true && !/holdout/i.test(n) ? ' (holdout)' : ''); }).join(' · '); })` +
	`($rawParameter?.["variants"]?.["variant"])`;

/** What one item asks for, checked before any cart is assigned. */
interface Split {
	cartId: string;
	experiment: string;
	variants: VariantSpec[];
}

export class SplitTest implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Split Test',
		name: 'splitTest',
		icon: { light: 'file:splitTest.svg', dark: 'file:splitTest.dark.svg' },
		group: ['transform'],
		version: 1,
		// "discount-test · A 45% · B 45% · Holdout 10%"
		subtitle: expression(`((name, parts) => [String(name).trim(), parts].filter((p) => p).join(' · '))(${live('experiment')}, ${shares})`),
		description: 'Splits carts between versions of your follow-ups, and a holdout that gets none, to show what works',
		defaults: { name: 'Split Test' },
		inputs: [NodeConnectionTypes.Main],
		outputs: `={{(${variantOutputs})($parameter)}}`,
		usableAsTool: undefined, // not an AI tool: it puts customers into an experiment (n8n-workflow's type has no `false`)
		credentials: [{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' }],
		properties: [
			{
				displayName:
					'Each cart goes out through the output of one variant below, as often as its weight says. <b>The same cart always goes the same way</b>, on every run, so a customer never sees two versions. Connect each output to that version of your follow-ups. The <b>holdout</b> gets no message: its purchases show how many would have bought anyway. Purchases and revenue per variant are in the report and the dashboard.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Cart ID',
				name: 'cartId',
				type: 'string',
				default: '={{ $json.cart_id }}',
				required: true,
				description: 'The cart’s ID from the Abandoned Cart Trigger. Already filled in: leave it unless you changed the flow.',
			},
			{
				displayName: 'Experiment Name',
				name: 'experiment',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'discount-test',
				description: 'The test’s name in the report and the dashboard',
				hint: 'Keep this name while the test runs. A new name starts a new split: every cart is divided again.',
			},
			{
				displayName: 'Variants',
				name: 'variants',
				type: 'fixedCollection',
				placeholder: 'Add Variant',
				typeOptions: { multipleValues: true },
				default: {
					variant: [
						{ name: 'A', weight: 50, holdout: false },
						{ name: 'B', weight: 50, holdout: false },
					],
				},
				description: 'Each variant gets an output of its own, in this order',
				options: [
					{
						displayName: 'Variant',
						name: 'variant',
						values: [
							{
								displayName: 'Name',
								name: 'name',
								type: 'string',
								default: '',
								required: true,
								noDataExpression: true,
								placeholder: 'A',
								description: 'Names the output and the variant’s row in the report',
							},
							{
								displayName: 'Weight',
								name: 'weight',
								type: 'number',
								default: 50,
								typeOptions: { minValue: 0 },
								description: 'Share of carts, relative to the others: weights 45, 45 and 10 send 45%, 45% and 10% of carts. Must be above 0.',
							},
							{
								displayName: 'Holdout',
								name: 'holdout',
								type: 'boolean',
								default: false,
								noDataExpression: true,
								description: 'Whether this variant gets no message — its purchases show what would have happened anyway. At most one variant can be the holdout.',
							},
						],
					},
				],
			},
		],
	};

	methods = { credentialTest: { cartRecoveryStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const node = this.getNode();
		// As many outputs as the canvas shows, so each output's connection gets its own variant's carts.
		const outputs: INodeExecutionData[][] = Array.from({ length: Math.max(variantOutputs(node.parameters).length, 1) }, () => []);

		// Every item's split is checked before the store is touched: a typo must not start an experiment with the
		// wrong variants, as a cart keeps the variant it is first given.
		const splits: Array<Split | Error> = items.map((_, i) => {
			try {
				return readSplit(this, i);
			} catch (error) {
				if (!this.continueOnFail()) throw toNodeError(node, error, i);
				return error as Error;
			}
		});
		const store = await storeFor(this);

		for (let i = 0; i < items.length; i++) {
			try {
				const split = splits[i];
				if (split instanceof Error) throw split;
				const assignment = await assign(store, node, i, split);
				const output = split.variants.findIndex((variant) => variant.name === assignment.variant);
				if (output < 0) {
					// Sending the cart down another variant's output would mix two versions in one variant's results.
					throw new NodeOperationError(
						node,
						`Cart "${split.cartId}" is in variant "${assignment.variant}" of ${split.experiment}, which Variants no longer lists`,
						{
							itemIndex: i,
							description: `A cart keeps the variant it was first given, and this one was given "${assignment.variant}" before the variants changed. Rename the variant back, or start a new experiment name.`,
						},
					);
				}
				const earlier = carryForward(items[i].json);
				const result = `${maskedCustomer(earlier)}: variant ${assignment.variant} of ${assignment.experiment}${assignment.holdout ? ' (holdout: no messages)' : ''}`;
				const json = withResult(result, {
					...earlier,
					experiment: {
						name: assignment.experiment,
						variant: assignment.variant,
						holdout: assignment.holdout,
						bucket: assignment.bucket,
						assigned_at: assignment.assigned_at,
					},
				});
				reportToExecution(this, json, result, lastSent(json)?.stage);
				outputs[output].push({ json, pairedItem: { item: i } });
			} catch (error) {
				const nodeError = toNodeError(node, error, i);
				if (!this.continueOnFail()) throw nodeError;
				const result = `Failed: ${nodeError.message}`;
				reportToExecution(this, items[i].json, `Failed at ${node.name}: ${nodeError.message}`);
				// n8n moves an item whose json has only error / message / details to the error output and merges the input
				// item under it. On a regular output a failed cart goes where no message goes out: the holdout's output
				// (the first output when there is no holdout, as n8n's Switch does).
				if (node.onError === 'continueErrorOutput') {
					outputs[0].push({ json: { error: nodeError.message, message: result, details: nodeError.description ?? '' }, pairedItem: { item: i } });
				} else {
					const failed = withResult(result, { ...carryForward(items[i].json), error: nodeError.message });
					outputs[holdoutOutput(node.parameters)].push({ json: failed, pairedItem: { item: i } });
				}
			}
		}
		return outputs;
	}
}

/** The item's cart, experiment and variants, or a NodeOperationError naming the field to fix. */
function readSplit(ctx: IExecuteFunctions, itemIndex: number): Split {
	const fail = (message: string, description: string) => new NodeOperationError(ctx.getNode(), message, { itemIndex, description });

	const experiment = String(ctx.getNodeParameter('experiment', itemIndex, '') ?? '').trim();
	if (!experiment) throw fail('Experiment Name is empty', 'Name the test, e.g. discount-test, and keep the name while the test runs');
	if (experiment.length > 100) throw fail('Experiment Name is longer than 100 characters', 'Use a shorter name, e.g. discount-test');

	const entries = (ctx.getNodeParameter('variants.variant', itemIndex, []) as IDataObject[]) ?? [];
	if (!entries.length) throw fail('Variants is empty', 'Add the variants to split carts between, e.g. A and B');
	const variants: VariantSpec[] = entries.map((entry, n) => {
		const name = String(entry.name ?? '').trim();
		if (!name) throw fail(`Variants → Name of variant ${n + 1} is empty`, 'Every variant needs a name: it names its output and its row in the report');
		if (name.length > 100) throw fail(`Variants → Name of variant ${n + 1} is longer than 100 characters`, 'Use a shorter name, e.g. A, B or Holdout');
		const weight = typeof entry.weight === 'number' ? entry.weight : Number(entry.weight ?? NaN);
		if (!Number.isFinite(weight) || weight <= 0) {
			throw fail(
				`Variants → Weight of "${name}" must be above 0`,
				'The weight is the variant’s share of carts, relative to the others: 45, 45 and 10 send 45%, 45% and 10% of carts. To stop sending carts to a variant, remove it.',
			);
		}
		return { name, weight, holdout: entry.holdout === true };
	});
	const seen = new Set<string>();
	for (const { name } of variants) {
		if (seen.has(name)) throw fail(`Variants → Name "${name}" is used twice`, 'Give each variant its own name: the names tell the outputs and the report’s rows apart');
		seen.add(name);
	}
	const holdouts = variants.filter((variant) => variant.holdout);
	if (holdouts.length > 1) {
		throw fail(
			`Variants → Holdout is on for ${holdouts.map((variant) => `"${variant.name}"`).join(' and ')}: only one variant can be the holdout`,
			'The holdout is the one group that gets no message. Turn Holdout off for all but one variant.',
		);
	}

	const cartId = String(ctx.getNodeParameter('cartId', itemIndex, '') ?? '').trim();
	if (!cartId) throw fail('Cart ID is empty', 'Set Cart ID to the cart’s ID from the Abandoned Cart Trigger');
	return { cartId, experiment, variants };
}

/** The cart's variant: given now, or the one it was given before. */
async function assign(store: CartRecoveryStore, node: INode, itemIndex: number, split: Split): Promise<AssignVariantResult> {
	try {
		return await store.assignVariant(split);
	} catch (error) {
		if (error instanceof StoreError && error.code === 'P0002') {
			throw new NodeOperationError(node, `Cart "${split.cartId}" is not in the store`, {
				itemIndex,
				description: 'Check "Cart ID" and that this workflow uses the same Cart Recovery Store credential as the trigger',
			});
		}
		throw toNodeError(node, error, itemIndex);
	}
}

/** Where a failed cart goes on a regular output: the holdout's output, else the first. */
function holdoutOutput(parameters: INodeParameters): number {
	const variants = ((parameters.variants as IDataObject | undefined)?.variant as IDataObject[] | undefined) ?? [];
	return Math.max(
		variants.findIndex((variant) => variant.holdout === true),
		0,
	);
}

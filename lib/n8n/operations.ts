import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import type { CartRecoveryStore } from '../store';
import { carryForward, reportToExecution, withResult } from './outcome';
import { storeFor } from './store';

/**
 * Glue for the multi-operation store nodes (Consent Check, Discount Code): each node's `actions/router.ts`
 * lists its operations and hands them to `routeOperation`; an operation runs its items through `perItem`.
 */
export interface OperationContext {
	store: CartRecoveryStore;
	items: INodeExecutionData[];
}

/** Items per output (e.g. Allowed / Blocked, Valid / Invalid; most operations: one output). */
export type OperationResult = INodeExecutionData[][];

export type Operation = (this: IExecuteFunctions, ctx: OperationContext) => Promise<OperationResult>;

/** Runs the operation chosen by the `resource` and `operation` parameters, with the node's store. */
export async function routeOperation(ctx: IExecuteFunctions, operations: Record<string, Record<string, Operation>>): Promise<OperationResult> {
	const resource = ctx.getNodeParameter('resource', 0) as string;
	const operation = ctx.getNodeParameter('operation', 0) as string;
	const run = operations[resource]?.[operation];
	if (!run) throw new NodeOperationError(ctx.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	const store = await storeFor(ctx);
	return run.call(ctx, { store, items: ctx.getInputData() });
}

/**
 * Runs `work` per item. A failing item stops the node, or with continue-on-fail goes to `errorOutput` with
 * `error` set (Consent Check's Check sends failures to Blocked: an error never lets a message through).
 */
export async function perItem(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	outputCount: number,
	errorOutput: number,
	work: (i: number) => Promise<{ output: number; json: IDataObject }>,
): Promise<OperationResult> {
	const outputs: OperationResult = Array.from({ length: outputCount }, () => []);
	for (let i = 0; i < items.length; i++) {
		try {
			const { output, json } = await work(i);
			outputs[output].push({ json, pairedItem: { item: i } });
		} catch (error) {
			const nodeError =
				error instanceof NodeOperationError ? error : new NodeOperationError(ctx.getNode(), error as Error, { itemIndex: i });
			if (ctx.continueOnFail()) {
				const result = `Failed: ${nodeError.message}`;
				reportToExecution(ctx, items[i].json, `Failed at ${ctx.getNode().name}: ${nodeError.message}`);
				// n8n moves an item whose json has only error / message / details to the error output and merges the input
				// item under it; on a regular output the item opens with what went wrong. (An item with \`error\` set would
				// lose the input's fields: n8n replaces its json with the message.)
				if (ctx.getNode().onError === 'continueErrorOutput') outputs[0].push({ json: { error: nodeError.message, message: result, details: nodeError.description ?? '' }, pairedItem: { item: i } });
				else outputs[errorOutput].push({ json: withResult(result, { ...carryForward(items[i].json), error: nodeError.message }), pairedItem: { item: i } });
				continue;
			}
			throw nodeError;
		}
	}
	return outputs;
}

import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { storeFor } from '../../../lib/n8n/store';
import type { OperationContext, OperationResult } from './common';
import * as create from './discountCode/create.operation';
import * as deactivate from './discountCode/deactivate.operation';
import * as redeem from './discountCode/redeem.operation';
import * as validate from './discountCode/validate.operation';

type Operation = (this: IExecuteFunctions, ctx: OperationContext) => Promise<OperationResult>;

const OPERATIONS: Record<string, Record<string, Operation>> = {
	discountCode: { create: create.execute, validate: validate.execute, redeem: redeem.execute, deactivate: deactivate.execute },
};

export async function router(this: IExecuteFunctions): Promise<OperationResult> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[resource]?.[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	const store = await storeFor(this);
	return run.call(this, { store, items: this.getInputData() });
}

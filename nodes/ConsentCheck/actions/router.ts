import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { storeFor } from '../../../lib/n8n/store';
import type { OperationContext, OperationResult } from './common';
import * as check from './consent/check.operation';
import * as record from './consent/record.operation';
import * as unsubscribeUrl from './consent/unsubscribeUrl.operation';
import * as withdraw from './consent/withdraw.operation';
import * as erase from './customerData/erase.operation';
import * as exportData from './customerData/export.operation';
import * as purge from './customerData/purge.operation';

type Operation = (this: IExecuteFunctions, ctx: OperationContext) => Promise<OperationResult>;

const OPERATIONS: Record<string, Record<string, Operation>> = {
	consent: { check: check.execute, record: record.execute, withdraw: withdraw.execute, unsubscribeUrl: unsubscribeUrl.execute },
	customerData: { export: exportData.execute, erase: erase.execute, purge: purge.execute },
};

export async function router(this: IExecuteFunctions): Promise<OperationResult> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[resource]?.[operation];
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}
	const store = await storeFor(this);
	return run.call(this, { store, items: this.getInputData() });
}

import type { IExecuteFunctions } from 'n8n-workflow';

import { routeOperation, type Operation, type OperationResult } from '../../../lib/n8n/operations';
import * as check from './consent/check.operation';
import * as record from './consent/record.operation';
import * as unsubscribeUrl from './consent/unsubscribeUrl.operation';
import * as withdraw from './consent/withdraw.operation';
import * as erase from './customerData/erase.operation';
import * as exportData from './customerData/export.operation';
import * as purge from './customerData/purge.operation';

const OPERATIONS: Record<string, Record<string, Operation>> = {
	consent: { check: check.execute, record: record.execute, withdraw: withdraw.execute, unsubscribeUrl: unsubscribeUrl.execute },
	customerData: { export: exportData.execute, erase: erase.execute, purge: purge.execute },
};

export async function router(this: IExecuteFunctions): Promise<OperationResult> {
	return routeOperation(this, OPERATIONS);
}

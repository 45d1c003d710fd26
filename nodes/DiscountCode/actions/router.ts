import type { IExecuteFunctions } from 'n8n-workflow';

import { routeOperation, type Operation, type OperationResult } from '../../../lib/n8n/operations';
import * as create from './discountCode/create.operation';
import * as deactivate from './discountCode/deactivate.operation';
import * as redeem from './discountCode/redeem.operation';
import * as validate from './discountCode/validate.operation';

const OPERATIONS: Record<string, Record<string, Operation>> = {
	discountCode: { create: create.execute, validate: validate.execute, redeem: redeem.execute, deactivate: deactivate.execute },
};

export async function router(this: IExecuteFunctions): Promise<OperationResult> {
	return routeOperation(this, OPERATIONS);
}

import type { IExecuteFunctions } from 'n8n-workflow';

import { routeOperation, type Operation, type OperationResult } from '../../../lib/n8n/operations';
import * as getTimeline from './cart/getTimeline.operation';
import * as render from './dashboard/render.operation';
import * as restartCrashed from './flow/restartCrashed.operation';
import * as restartStopped from './flow/restartStopped.operation';
import * as getStuck from './message/getStuck.operation';
import * as settleStuck from './message/settleStuck.operation';
import * as getExperimentResults from './report/getExperimentResults.operation';
import * as getReport from './report/getReport.operation';

const OPERATIONS: Record<string, Record<string, Operation>> = {
	report: { getReport: getReport.execute, getExperimentResults: getExperimentResults.execute },
	cart: { getTimeline: getTimeline.execute },
	dashboard: { render: render.execute },
	message: { getStuck: getStuck.execute, settleStuck: settleStuck.execute },
	flow: { restartStopped: restartStopped.execute, restartCrashed: restartCrashed.execute },
};

export async function router(this: IExecuteFunctions): Promise<OperationResult> {
	return routeOperation(this, OPERATIONS);
}

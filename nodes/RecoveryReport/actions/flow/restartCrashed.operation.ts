import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { reportToExecution, withResult } from '../../../../lib/n8n/outcome';
import type { OperationContext, OperationResult } from '../common';
import { crashedRuns, N8N_API_CREDENTIAL } from '../../transport/n8nApi';
import { restartRun } from './restart';

/**
 * The Error Trigger's blind spot: a run n8n marks *crashed* (main came back and found it running with no worker to
 * finish it) gets no Error Trigger. On a schedule, in the recovery workflow itself, this asks n8n's API for this
 * workflow's crashed runs and restarts each one's cart flow as Restart Stopped Flow does — once: a run restarted
 * already is left alone, so checking the same hours again and again restarts nothing twice.
 */

const show = { resource: ['flow'], operation: ['restartCrashed'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Put this after a Schedule Trigger (the shipped workflow looks every hour) in the recovery workflow itself. It finds the runs n8n marked crashed (n8n runs no Error Trigger for those: a host restarted in the middle of a run, a worker died while n8n itself was down) and starts each cart’s flow again from the reminder it had reached. It needs an n8n API credential (in n8n: Settings → n8n API → Create an API key).',
		name: 'restartCrashedNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	{
		displayName: 'Look Back (Hours)',
		name: 'lookBackHours',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 720 },
		default: 24,
		description: 'Runs that started this many hours ago or later are checked. Each crashed run is restarted once, however often it is checked.',
		displayOptions: { show },
	},
];

export async function execute(this: IExecuteFunctions, { store }: OperationContext): Promise<OperationResult> {
	const hours = Number(this.getNodeParameter('lookBackHours', 0, 24));
	if (!Number.isFinite(hours) || hours < 1 || hours > 720) {
		throw new NodeOperationError(this.getNode(), 'Look Back (Hours) must be between 1 and 720', { description: `It is ${hours}` });
	}
	if (!this.getNode().credentials?.[N8N_API_CREDENTIAL]) {
		return [[summary(this, 'Not checked: choose an n8n API credential in this step, so it can find the runs n8n marked crashed', { reason: 'no_api_credential' })]];
	}
	const since = new Date(Date.now() - hours * 3_600_000);
	const runs = await crashedRuns(this, String(this.getWorkflow().id), since);
	const restarted: IDataObject[] = [];
	const left: Record<string, number> = {};
	for (const run of runs) {
		const { restarted: went, json } = await restartRun(this, store, { executionId: run.id, stoppedBecause: 'n8n marked the run crashed', failedStep: null });
		if (went) restarted.push(json);
		else {
			const reason = String((json.restart as IDataObject).reason);
			left[reason] = (left[reason] ?? 0) + 1;
		}
	}
	if (restarted.length) return [restarted.map((json) => ({ json, pairedItem: { item: 0 } }))];
	const result = runs.length
		? `Nothing to restart: ${runs.length} crashed run(s) since ${since.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${describe(left)}`
		: `Nothing to restart: no run crashed in the last ${hours} hours`;
	return [[summary(this, result, { reason: 'none', crashed_runs: runs.length, ...left })]];
}

/** The one item of a look that restarted nothing: what it found, in the executions list too. */
function summary(ctx: IExecuteFunctions, result: string, restart: IDataObject) {
	const json = withResult(result, { restart: { restarted: false, ...restart } });
	reportToExecution(ctx, json, result);
	return { json, pairedItem: { item: 0 } };
}

const LEFT: Record<string, string> = {
	already_restarted: 'restarted already',
	bought: 'bought meanwhile',
	not_in_recovery: 'no longer in recovery',
	unknown_execution: 'not a cart’s flow',
};

function describe(left: Record<string, number>): string {
	return Object.entries(left)
		.map(([reason, n]) => `${n} ${LEFT[reason] ?? reason}`)
		.join(', ');
}

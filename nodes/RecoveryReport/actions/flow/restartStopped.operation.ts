import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { perItem, type OperationContext, type OperationResult } from '../common';
import { restartRun } from './restart';

/**
 * A recovery flow whose n8n execution died — its queue-mode worker was killed, or the store was down when a step
 * needed it — is started again from the stage it had reached. n8n runs the workflow's Error Trigger with the stopped
 * execution's id; the store knows which cart's flow ran in it (the trigger notes it as soon as n8n created the run,
 * Cart Check again at every stage) and which
 * stages already reached the customer. The item that comes out has the Abandoned Cart Trigger's fields, so the
 * workflow's own steps take it on from there; a message already sent, or claimed and never confirmed, is never sent
 * again (the send nodes' claim refuses it).
 */

const show = { resource: ['flow'], operation: ['restartStopped'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Put this right after an Error Trigger in the recovery workflow itself. When a run stops halfway (a worker was shut down hard, n8n was restarted, the store was unreachable), the cart’s flow starts again from the reminder it had reached; nothing already sent goes out twice, even if the stopped run goes on after all.',
		name: 'restartStoppedNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	{
		displayName: 'Stopped Run',
		name: 'executionId',
		type: 'string',
		default: '={{ $json.execution.id }}',
		required: true,
		description: 'The ID of the run that stopped. Already filled in from the Error Trigger: leave it as it is.',
		displayOptions: { show },
	},
	{
		displayName: 'Why It Stopped',
		name: 'stoppedBecause',
		type: 'string',
		default: '={{ $json.execution.error.message }}',
		description: 'What n8n said when the run stopped. Already filled in from the Error Trigger.',
		displayOptions: { show },
	},
	{
		displayName: 'Step That Failed',
		name: 'failedStep',
		type: 'string',
		default: '={{ $json.execution.lastNodeExecuted }}',
		description: 'The step the run stopped at, when a step failed. Already filled in from the Error Trigger.',
		displayOptions: { show },
	},
];

export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const executionId = String(this.getNodeParameter('executionId', i, '') ?? '').trim();
		if (!executionId) {
			throw new NodeOperationError(this.getNode(), 'Stopped Run is empty', {
				itemIndex: i,
				description: 'Put this node right after an Error Trigger and keep Stopped Run as it is: it reads the stopped run’s ID from the trigger',
			});
		}
		const stoppedBecause = String(this.getNodeParameter('stoppedBecause', i, '') ?? '').trim() || null;
		const failedStep = String(this.getNodeParameter('failedStep', i, '') ?? '').trim() || null;
		const { json } = await restartRun(this, store, { executionId, stoppedBecause, failedStep });
		return { output: 0, json };
	});
}

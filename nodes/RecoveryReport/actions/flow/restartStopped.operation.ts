import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { cartItem } from '../../../../lib/intake';
import { maskedCustomer, reportToExecution, withResult } from '../../../../lib/n8n/outcome';
import type { Cart, CartEvent, RestartFlowResult } from '../../../../lib/store';
import { perItem, type OperationContext, type OperationResult } from '../common';

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

/*
 * Every stopped run the store can trace is restarted, whatever n8n said. A run whose worker died or whose step failed
 * is over. When main restarts, n8n also reports an error for each run it was waiting on in a worker: most of those go
 * on and finish there, some never do, and nothing tells the two apart when the Error Trigger runs. Restarting them all
 * is safe because a second flow of the same cart sends nothing twice and takes no fallback for a message the customer
 * got: the send nodes' claim refuses the message and the item leaves on Sent, as in the run that sent it.
 */

const STAGE_NAMES: Record<number, string> = { 1: 'the first reminder', 2: 'the second reminder', 3: 'the final offer' };
const stageName = (stage: number) => STAGE_NAMES[stage] ?? `stage ${stage}`;

/** What the Abandoned Cart Trigger passes on for a cart (its cartItem), rebuilt from the store's record of it. */
function triggerFields(cart: Cart): IDataObject {
	const event = { ...cart, type: 'cart', event_id: null, occurred_at: cart.last_activity_at } as unknown as CartEvent;
	return cartItem(event, { outcome: 'restarted', cart_status: cart.status }) as unknown as IDataObject;
}

function sentence(answer: RestartFlowResult, executionId: string, json: IDataObject): string {
	const run = `run ${executionId}`;
	switch (answer.reason) {
		case 'restarted':
			return `Restarted: ${maskedCustomer(json)} (cart ${answer.cart_id}) goes on from ${stageName(answer.resume_stage ?? 1)}; ${run} had stopped`;
		case 'already_restarted':
			return `Not restarted: the flow of cart ${answer.cart_id} was started again for ${run} already`;
		case 'bought':
			return `Not restarted: cart ${answer.cart_id} was bought after ${run} stopped, so there is nothing to remind about`;
		case 'not_in_recovery':
			return `Not restarted: cart ${answer.cart_id} is no longer in recovery (${answer.cart_status})`;
		default:
			return `Not restarted: the store knows no cart whose flow ran in ${run} (or the customer’s data was erased since)`;
	}
}

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
		const answer = await store.restartFlow(executionId);
		const cart = 'cart' in answer && answer.cart ? triggerFields(answer.cart) : { cart_id: answer.cart_id };
		const restart: IDataObject = {
			restarted: answer.restarted,
			reason: answer.reason,
			stopped_run: executionId,
			stopped_because: stoppedBecause,
			failed_step: failedStep,
			...(answer.restarted ? { resume_stage: answer.resume_stage, restarts: answer.restarts } : {}),
		};
		const result = sentence(answer, executionId, cart);
		const json = withResult(result, { ...cart, restart });
		reportToExecution(this, json, result, answer.restarted ? answer.resume_stage : null);
		return { output: 0, json };
	});
}

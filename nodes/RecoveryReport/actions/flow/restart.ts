import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { cartItem } from '../../../../lib/intake';
import { maskedCustomer, reportToExecution, withResult } from '../../../../lib/n8n/outcome';
import type { Cart, CartEvent, CartRecoveryStore, RestartFlowResult } from '../../../../lib/store';

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

/**
 * Restarts the flow that ran in `executionId` (once; the store refuses a second time) and builds the item that takes it
 * on: the trigger's fields and `restart`, or the reason nothing was restarted.
 */
export async function restartRun(
	ctx: IExecuteFunctions,
	store: CartRecoveryStore,
	run: { executionId: string; stoppedBecause: string | null; failedStep: string | null },
): Promise<{ restarted: boolean; json: IDataObject }> {
	const answer = await store.restartFlow(run.executionId);
	const cart = 'cart' in answer && answer.cart ? triggerFields(answer.cart) : { cart_id: answer.cart_id };
	const restart: IDataObject = {
		restarted: answer.restarted,
		reason: answer.reason,
		stopped_run: run.executionId,
		stopped_because: run.stoppedBecause,
		failed_step: run.failedStep,
		...(answer.restarted ? { resume_stage: answer.resume_stage, restarts: answer.restarts } : {}),
	};
	const result = sentence(answer, run.executionId, cart);
	const json = withResult(result, { ...cart, restart });
	reportToExecution(ctx, json, result, answer.restarted ? answer.resume_stage : null);
	return { restarted: answer.restarted, json };
}

import type { IExecuteFunctions } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../common';
import { fields, run } from './stuck';

export const description = fields('settleStuck');

/** Each stuck message marked sent (proved by a provider event) or unknown (for a person); none is sent again. */
export async function execute(this: IExecuteFunctions, ctx: OperationContext): Promise<OperationResult> {
	return run(this, ctx, false);
}

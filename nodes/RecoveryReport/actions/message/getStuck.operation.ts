import type { IExecuteFunctions } from 'n8n-workflow';

import type { OperationContext, OperationResult } from '../common';
import { fields, run } from './stuck';

export const description = fields('getStuck');

/** The stuck messages and what settling would do with each; changes nothing. */
export async function execute(this: IExecuteFunctions, ctx: OperationContext): Promise<OperationResult> {
	return run(this, ctx, true);
}

import { NodeOperationError, type INode } from 'n8n-workflow';

import { StoreError } from '../store';

/**
 * The one place a lib error becomes an n8n error: store errors keep their message and get a hint on what to
 * do (schema behind, store unreachable); NodeOperationErrors pass through unchanged.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeOperationError {
	if (error instanceof StoreError) {
		const description =
			error.code === 'SCHEMA_OUTDATED'
				? 'Update the store schema (see the Cart Recovery Store credential’s Test)'
				: error.code === 'EMBEDDED_LOCKED'
					? 'Use the Postgres or Supabase transport when n8n runs more than one process'
					: error.hint;
		return new NodeOperationError(node, error.message, { itemIndex, description });
	}
	return new NodeOperationError(node, error as Error, { itemIndex });
}

import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { perItem, readSubject, requireSubject, subjectFields, type OperationContext, type OperationResult } from '../common';

export const description: INodeProperties[] = [...subjectFields('customerData', ['export'])];

/** GDPR Art. 15 / 20: adds export: { identifiers, tables: { <table>: rows }, suppressed, exported_at }. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const subject = readSubject(this, i);
		requireSubject(this, subject, i);
		const data = await store.exportCustomer(subject);
		return { output: 0, json: { export: { ...data } } };
	});
}

import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { perItem, readSubject, requireSubject, subjectFields, type OperationContext, type OperationResult } from '../common';

export const description: INodeProperties[] = [
	{
		displayName:
			'Deletes every cart, message, consent, discount code and other row about this person from every table of the store, including tables added later. Only salted hashes stay, so later imports or carts never contact them again. This cannot be undone.',
		name: 'eraseNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { resource: ['customerData'], operation: ['erase'] } },
	},
	...subjectFields('customerData', ['erase']),
];

/** GDPR Art. 17: the output item holds no personal data, only erasure: { erased, deleted: { <table>: n }, suppressed }. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItem(this, items, 1, 0, async (i) => {
		const subject = readSubject(this, i);
		requireSubject(this, subject, i);
		const result = await store.eraseCustomer(subject);
		return { output: 0, json: { erasure: { ...result } } };
	});
}

import type { INodeProperties } from 'n8n-workflow';

import * as check from './consent/check.operation';
import * as record from './consent/record.operation';
import * as unsubscribeUrl from './consent/unsubscribeUrl.operation';
import * as withdraw from './consent/withdraw.operation';
import * as erase from './customerData/erase.operation';
import * as exportData from './customerData/export.operation';
import * as purge from './customerData/purge.operation';

export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Consent', value: 'consent' },
			{ name: 'Customer Data (GDPR)', value: 'customerData' },
		],
		default: 'consent',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['consent'] } },
		options: [
			{
				name: 'Build Unsubscribe URL',
				value: 'unsubscribeUrl',
				description: 'Add a signed unsubscribe link for a channel and address',
				action: 'Build an unsubscribe URL',
			},
			{
				name: 'Check',
				value: 'check',
				description: 'Route a customer to Allowed or Blocked by their consent per channel',
				action: 'Check consent',
			},
			{
				name: 'Record Consent',
				value: 'record',
				description: 'Register a consent with its proof: time, source, wording, IP',
				action: 'Record consent',
			},
			{
				name: 'Withdraw',
				value: 'withdraw',
				description: 'Unsubscribe by customer, address, link token, one-click POST or STOP keyword',
				action: 'Withdraw consent',
			},
		],
		default: 'check',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['customerData'] } },
		options: [
			{ name: 'Erase', value: 'erase', description: 'Delete everything about a customer (GDPR Art. 17).', action: 'Erase a customer' },
			{ name: 'Export', value: 'export', description: 'Everything held about a customer as JSON (GDPR Art. 15).', action: 'Export a customer' },
			{
				name: 'Purge Old Data',
				value: 'purge',
				description: 'Delete carts and messages older than the retention period',
				action: 'Purge old data',
			},
		],
		default: 'export',
	},
	...check.description,
	...record.description,
	...withdraw.description,
	...unsubscribeUrl.description,
	...exportData.description,
	...erase.description,
	...purge.description,
];

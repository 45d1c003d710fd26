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
				description: 'Make a personal unsubscribe link for a channel and address, to put in a message',
				action: 'Build an unsubscribe URL',
			},
			{
				name: 'Check',
				value: 'check',
				description: 'Send the customer to Allowed or Blocked by whether they agreed to messages on the chosen channels',
				action: 'Check consent',
			},
			{
				name: 'Record Consent',
				value: 'record',
				description: 'Save a customer’s consent with its proof: when and where they gave it, the wording they saw, their IP address',
				action: 'Record consent',
			},
			{
				name: 'Withdraw',
				value: 'withdraw',
				description: 'Unsubscribe a customer: by address or customer, from an unsubscribe link, a mailbox’s one-click unsubscribe or a STOP reply',
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
			{ name: 'Erase', value: 'erase', description: 'Delete everything stored about a customer (GDPR Art. 17).', action: 'Erase a customer' },
			{ name: 'Export', value: 'export', description: 'Everything stored about a customer, as JSON (GDPR Art. 15).', action: 'Export a customer' },
			{
				name: 'Purge Old Data',
				value: 'purge',
				description: 'Delete carts, messages and codes older than the number of days you keep data',
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

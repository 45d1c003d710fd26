import type { INodeProperties } from 'n8n-workflow';

import * as getTimeline from './cart/getTimeline.operation';
import * as render from './dashboard/render.operation';
import * as restartCrashed from './flow/restartCrashed.operation';
import * as restartStopped from './flow/restartStopped.operation';
import * as getStuck from './message/getStuck.operation';
import * as settleStuck from './message/settleStuck.operation';
import * as getExperimentResults from './report/getExperimentResults.operation';
import * as getReport from './report/getReport.operation';

export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Cart', value: 'cart' },
			{ name: 'Dashboard', value: 'dashboard' },
			{ name: 'Flow', value: 'flow' },
			{ name: 'Message', value: 'message' },
			{ name: 'Report', value: 'report' },
		],
		default: 'report',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['report'] } },
		options: [
			{
				name: 'Get Experiment Results',
				value: 'getExperimentResults',
				description: 'Each variant’s purchases with their margin of error, and how much more the messages sold than the holdout',
				action: 'Get experiment results',
			},
			{
				name: 'Get Report',
				value: 'getReport',
				description: 'Abandoned carts, messages, opens, clicks, recovered revenue, discount cost and skip reasons for a period',
				action: 'Get a report',
			},
		],
		default: 'getReport',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['cart'] } },
		options: [
			{
				name: 'Get Timeline',
				value: 'getTimeline',
				description: 'Find a customer’s carts and see everything that happened to each: messages, skips, codes, the purchase',
				action: 'Get a cart timeline',
			},
		],
		default: 'getTimeline',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['dashboard'] } },
		options: [
			{
				name: 'Render Page',
				value: 'render',
				description: 'The results page with charts, experiments and the customer search, for a Respond to Webhook node',
				action: 'Render the dashboard page',
			},
		],
		default: 'render',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['message'] } },
		options: [
			{
				name: 'Get Stuck Messages',
				value: 'getStuck',
				description: 'Messages a send node started but never finished recording, and what settling would do with each',
				action: 'Get stuck messages',
			},
			{
				name: 'Settle Stuck Messages',
				value: 'settleStuck',
				description: 'Mark each stuck message sent when the provider proves it, else unknown for you to decide; none is sent again',
				action: 'Settle stuck messages',
			},
		],
		default: 'settleStuck',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['flow'] } },
		options: [
			{
				name: 'Restart Stopped Flow',
				value: 'restartStopped',
				description: 'After an Error Trigger: start a cart’s flow again from the reminder it had reached when its run stopped; nothing is sent twice',
				action: 'Restart a stopped flow',
			},
			{
				name: 'Restart Crashed Runs',
				value: 'restartCrashed',
				description: 'On a schedule: start the flows again whose runs n8n marked crashed (no Error Trigger runs for those); each once',
				action: 'Restart crashed runs',
			},
		],
		default: 'restartStopped',
	},
	...getReport.description,
	...getExperimentResults.description,
	...getTimeline.description,
	...render.description,
	...getStuck.description,
	...settleStuck.description,
	...restartStopped.description,
	...restartCrashed.description,
];

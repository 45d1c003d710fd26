import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { cartRecoveryStoreTest } from '../../lib/n8n/store';
import { expression, live, choice } from '../../lib/n8n/subtitleText';
import { properties } from './actions/descriptions';
import { router } from './actions/router';

/**
 * What the sequence earned, from the store: the report (for a weekly e-mail or a sheet), the experiments' results
 * against their holdout, one customer's timeline, the dashboard page, and the messages stuck between claim and record
 * (listed or settled, never re-sent). Every figure is computed by the store
 * (migration 10); this node only asks and shapes the items.
 */
export class RecoveryReport implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Recovery Report',
		name: 'recoveryReport',
		icon: { light: 'file:recoveryReport.svg', dark: 'file:recoveryReport.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: undefined, // not an AI tool: it reads the store's figures for a report or a page
		subtitle: expression(
			`((op, period, stuck) => ${choice('op', { getReport: 'report', getExperimentResults: 'experiments', getTimeline: 'cart timeline', render: 'dashboard page', getStuck: 'stuck messages', settleStuck: 'settle stuck messages', restartStopped: 'restart stopped flow' })} + (op === "getTimeline" || op === "restartStopped" ? "" : op === "getStuck" || op === "settleStuck" ? " · after " + stuck + " min" : " · " + ${choice('period', { today: 'today', last7: 'last 7 days', lastWeek: 'last week', last30: 'last 30 days', thisMonth: 'this month', lastMonth: 'last month', custom: 'custom period' })}))(` +
				`${live('operation', 'getReport')}, ${live('period', 'last7')}, ${live('olderThanMinutes', '30')})`,
		),
		description: 'What the reminders earned: recovered revenue, rates per stage and channel, experiments against their holdout, what happened to each customer, messages whose sending was interrupted, and flows a stopped run left halfway',
		defaults: { name: 'Recovery Report' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'cartRecoveryStoreApi', displayName: 'Cart Recovery Store', required: true, testedBy: 'cartRecoveryStoreTest' },
			// n8n's public API: Restart Crashed Runs reads the workflow's crashed runs with it.
			{ name: 'n8nCartRecoveryApi', displayName: 'n8n (Cart Recovery) API', required: false, displayOptions: { show: { resource: ['flow'], operation: ['restartCrashed'] } } },
		],
		properties,
	};

	methods = { credentialTest: { cartRecoveryStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}

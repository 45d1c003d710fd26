import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { periodText, summarise, summaryHtml, type SummaryLanguage } from '../../../../lib/analytics/summary';
import type { ExperimentResults, Report } from '../../../../lib/analytics/types';
import type { CartRecoveryStore } from '../../../../lib/store';
import { LANGUAGE_FIELD, perItemRows, periodFields, readPeriod, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['report'], operation: ['getReport'] };

export const description: INodeProperties[] = [
	...periodFields(show),
	{
		displayName: 'Output',
		name: 'output',
		type: 'options',
		options: [
			{
				name: 'One Item per Customer Segment',
				value: 'segments',
				description: 'Recovered revenue, discount cost and the difference from the holdout for new, returning, loyal, lapsed customers and discount-seekers',
			},
			{ name: 'One Item per Day', value: 'days', description: 'Carts, messages and recovered revenue per day, for a chart or a sheet' },
			{ name: 'One Item per Skip Reason', value: 'skips', description: 'Why messages were not sent (no consent, quiet hours, …) and how often' },
			{ name: 'One Item per Stage and Channel', value: 'funnel', description: 'Sent, delivered, opened, clicked, recovered and revenue per message' },
			{ name: 'Summary', value: 'summary', description: 'One item with every figure and a few sentences to send on' },
		],
		default: 'summary',
		displayOptions: { show },
	},
	LANGUAGE_FIELD({ ...show, output: ['summary'] }),
];

/** The report and the results of every experiment with carts in it (the summary's last sentences). */
export async function reportWithExperiments(store: CartRecoveryStore, input: Parameters<CartRecoveryStore['report']>[0]): Promise<{ report: Report; experiments: ExperimentResults[] }> {
	const report = await store.report(input);
	const experiments = await Promise.all(report.experiments.map((experiment) => store.experimentResults({ experiment, from: input.from, to: input.to, currency: input.currency })));
	return { report, experiments };
}

export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItemRows(this, items, async (i) => {
		const { input } = readPeriod(this, i);
		const output = this.getNodeParameter('output', i, 'summary') as string;
		if (output === 'summary') {
			const { report, experiments } = await reportWithExperiments(store, input);
			const lang = this.getNodeParameter('language', i, 'hu') === 'en' ? 'en' : 'hu';
			const lines = summarise(report, experiments, lang as SummaryLanguage);
			return [
				{
					summary: lines.join(' '),
					summary_lines: lines,
					summary_html: summaryHtml(report, lines, lang),
					period_text: periodText(report, lang),
					...report,
					experiment_results: experiments,
				} as unknown as IDataObject,
			];
		}
		const report = await store.report(input);
		const rows = output === 'days' ? report.daily : output === 'funnel' ? report.funnel : output === 'segments' ? (report.segments ?? []) : report.skips;
		return rows.map((row) => ({ ...row, range: report.range }) as unknown as IDataObject);
	});
}

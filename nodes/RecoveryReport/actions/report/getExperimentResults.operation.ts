import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { experimentVerdict, type SummaryLanguage } from '../../../../lib/analytics/summary';
import { formatMoney } from '../../../../lib/templates/helpers';
import { LANGUAGE_FIELD, perItemRows, periodFields, readPeriod, type OperationContext, type OperationResult } from '../common';

const show = { resource: ['report'], operation: ['getExperimentResults'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Experiment Name',
		name: 'experiment',
		type: 'string',
		default: '',
		placeholder: 'e.g. discount-test',
		description: 'The Split Test node’s Experiment Name. Empty: every experiment with carts in the period.',
		displayOptions: { show },
	},
	{
		displayName: 'Conversion Window (Days)',
		name: 'conversionDays',
		type: 'number',
		default: 7,
		typeOptions: { minValue: 1, maxValue: 90, numberPrecision: 0 },
		description: 'A purchase within this many days after the split counts for the variant — the same yardstick for the holdout, which gets no message',
		displayOptions: { show },
	},
	...periodFields(show),
	LANGUAGE_FIELD(show),
];

/** One item per experiment: its variants with intervals and lift, the holdout, the winner and a sentence. */
export async function execute(this: IExecuteFunctions, { store, items }: OperationContext): Promise<OperationResult> {
	return perItemRows(this, items, async (i) => {
		const { input } = readPeriod(this, i);
		const named = String(this.getNodeParameter('experiment', i, '') ?? '').trim();
		const names = named ? [named] : (await store.report(input)).experiments;
		const lang = this.getNodeParameter('language', i, 'hu') as SummaryLanguage;
		const money = (v: number) => formatMoney(v, input.currency, lang === 'hu' ? 'hu-HU' : 'en-GB');
		const results = await Promise.all(
			names.map((experiment) => store.experimentResults({ experiment, from: input.from, to: input.to, currency: input.currency, conversionDays: Number(this.getNodeParameter('conversionDays', i, 7)) })),
		);
		return results.map((r) => ({ verdict: experimentVerdict(r, lang, money), ...r }) as unknown as IDataObject);
	});
}

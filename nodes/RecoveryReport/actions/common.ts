import { NodeOperationError, type IDataObject, type IDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

type Show = NonNullable<IDisplayOptions['show']>;

import { PERIOD_OPTIONS, resolvePeriod, type PeriodChoice, type ResolvedPeriod } from '../../../lib/analytics/period';
import type { ReportInput } from '../../../lib/store';

import { perItem, type OperationResult } from '../../../lib/n8n/operations';

export { perItem, type OperationContext, type OperationResult } from '../../../lib/n8n/operations';

/**
 * Runs `work` per input item and puts each row it returns out as its own item, paired with that input item (one
 * item per day, per variant, per cart…). A failing input item is handled as perItem handles it.
 */
export async function perItemRows(ctx: IExecuteFunctions, items: INodeExecutionData[], work: (i: number) => Promise<IDataObject[]>): Promise<OperationResult> {
	const perInput = await perItem(ctx, items, 1, 0, async (i) => ({ output: 0, json: { rows: await work(i) } as unknown as IDataObject }));
	return [
		perInput[0].flatMap((item) => {
			const rows = item.json.rows as IDataObject[] | undefined;
			return rows ? rows.map((json) => ({ json, pairedItem: item.pairedItem })) : [item];
		}),
	];
}

/** The period and settings every figure is computed for: the report's and the dashboard's fields. */
export function periodFields(show: Show): INodeProperties[] {
	const displayOptions = { show };
	return [
		{
			displayName: 'Period',
			name: 'period',
			type: 'options',
			options: PERIOD_OPTIONS,
			default: 'last7',
			description: 'Carts that entered the sequence in this period, and everything that happened to them since',
			displayOptions,
		},
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			default: '',
			placeholder: 'e.g. 2026-11-01',
			description: 'The first day (in the shop’s time zone)',
			displayOptions: { show: { ...show, period: ['custom'] } },
		},
		{
			displayName: 'To',
			name: 'to',
			type: 'string',
			default: '',
			placeholder: 'e.g. 2026-11-30',
			description: 'The last day, included',
			displayOptions: { show: { ...show, period: ['custom'] } },
		},
		{
			displayName: 'Settings',
			name: 'settings',
			type: 'collection',
			placeholder: 'Add setting',
			default: {},
			displayOptions,
			options: [
				{
					displayName: 'Attribution Window (Days)',
					name: 'attributionDays',
					type: 'number',
					default: 5,
					typeOptions: { minValue: 1, maxValue: 90, numberPrecision: 0 },
					description: 'A purchase counts as recovered when it comes within this many days after a reminder (the latest reminder gets the credit)',
				},
				{
					displayName: 'Campaign',
					name: 'campaign',
					type: 'string',
					default: '',
					placeholder: 'e.g. abandoned-cart',
					description: 'Only carts and messages of this campaign (the send nodes’ Campaign). Empty: all.',
				},
				{
					displayName: 'Currency',
					name: 'currency',
					type: 'string',
					default: 'HUF',
					description: 'Money is added up in this currency; carts in another are counted apart',
				},
				{
					displayName: 'Inactivity (Minutes)',
					name: 'inactivityMinutes',
					type: 'number',
					default: 30,
					typeOptions: { minValue: 1, maxValue: 10080, numberPrecision: 0 },
					description: 'A cart bought within this time after it entered the sequence was never abandoned (the Cart Check setting)',
				},
				{
					displayName: 'Time Zone',
					name: 'timezone',
					type: 'string',
					default: 'Europe/Budapest',
					description: 'Days and periods are counted in this time zone',
				},
			],
		},
	];
}

/** The store's report input from the item's period fields; a wrong field fails the item, named. */
export function readPeriod(ctx: IExecuteFunctions, i: number, override: { period?: string; from?: string; to?: string } = {}): { input: ReportInput; period: ResolvedPeriod } {
	const settings = ctx.getNodeParameter('settings', i, {}) as IDataObject;
	const timezone = String(settings.timezone || 'Europe/Budapest');
	const choice = (override.period ?? (ctx.getNodeParameter('period', i, 'last7') as string)) as PeriodChoice;
	let period: ResolvedPeriod;
	try {
		period = resolvePeriod(choice, timezone, {
			from: override.from ?? String(ctx.getNodeParameter('from', i, '') ?? ''),
			to: override.to ?? String(ctx.getNodeParameter('to', i, '') ?? ''),
		});
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, { itemIndex: i });
	}
	return {
		period,
		input: {
			from: period.from,
			to: period.to,
			campaign: String(settings.campaign ?? '').trim() || null,
			currency: String(settings.currency || 'HUF').trim().toUpperCase(),
			attributionDays: Number(settings.attributionDays ?? 5),
			inactivityMinutes: Number(settings.inactivityMinutes ?? 30),
			timezone,
		},
	};
}

export const LANGUAGE_FIELD = (show: Show): INodeProperties => ({
	displayName: 'Language',
	name: 'language',
	type: 'options',
	options: [
		{ name: 'Hungarian', value: 'hu' },
		{ name: 'English', value: 'en' },
	],
	default: 'hu',
	description: 'The language of the summary sentences',
	displayOptions: { show },
});

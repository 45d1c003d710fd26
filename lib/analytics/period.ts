/**
 * The report's periods as a marketer picks them ("Last 7 Days", "Last Month"), turned into the store's half-open
 * range [from, to) in the shop's time zone: a day is a Budapest day, not a UTC one.
 */
import { DateTime } from 'luxon';

export type PeriodChoice = 'today' | 'last7' | 'lastWeek' | 'last30' | 'thisMonth' | 'lastMonth' | 'custom';

export const PERIOD_OPTIONS: Array<{ name: string; value: PeriodChoice; description: string }> = [
	{ name: 'Today', value: 'today', description: 'Since midnight' },
	{ name: 'Last 7 Days', value: 'last7', description: 'Today and the 6 days before' },
	{ name: 'Last Week', value: 'lastWeek', description: 'Monday to Sunday of the previous week' },
	{ name: 'Last 30 Days', value: 'last30', description: 'Today and the 29 days before' },
	{ name: 'This Month', value: 'thisMonth', description: 'From the 1st of this month' },
	{ name: 'Last Month', value: 'lastMonth', description: 'The whole previous month' },
	{ name: 'Custom', value: 'custom', description: 'From and To dates you set' },
];

export interface ResolvedPeriod {
	from: Date;
	to: Date;
	/** The last day inside the range (YYYY-MM-DD), for sentences: "1–7 December". */
	fromDay: string;
	toDay: string;
}

/** A YYYY-MM-DD (or ISO date-time) as the start of that day in `zone`; null when it is not a date. */
export function dayStart(value: string, zone: string): DateTime | null {
	const text = value.trim();
	const parsed = /^\d{4}-\d{2}-\d{2}$/.test(text) ? DateTime.fromISO(text, { zone }) : DateTime.fromISO(text, { zone, setZone: false });
	return parsed.isValid ? parsed.setZone(zone).startOf('day') : null;
}

/**
 * [from, to) for a period. Custom: From and To are days, both included (To's whole day). Throws an Error naming the
 * field for a missing or unreadable date, To before From, or a range over two years.
 */
export function resolvePeriod(choice: PeriodChoice, zone: string, custom: { from?: string; to?: string } = {}, now: Date = new Date()): ResolvedPeriod {
	const today = DateTime.fromJSDate(now, { zone }).startOf('day');
	if (!today.isValid) throw new Error(`Time zone "${zone}" is not a known IANA zone (e.g. Europe/Budapest)`);
	let from: DateTime;
	let toExclusive: DateTime;
	switch (choice) {
		case 'today':
			[from, toExclusive] = [today, today.plus({ days: 1 })];
			break;
		case 'last7':
			[from, toExclusive] = [today.minus({ days: 6 }), today.plus({ days: 1 })];
			break;
		case 'lastWeek':
			[from, toExclusive] = [today.startOf('week').minus({ weeks: 1 }), today.startOf('week')];
			break;
		case 'last30':
			[from, toExclusive] = [today.minus({ days: 29 }), today.plus({ days: 1 })];
			break;
		case 'thisMonth':
			[from, toExclusive] = [today.startOf('month'), today.plus({ days: 1 })];
			break;
		case 'lastMonth':
			[from, toExclusive] = [today.startOf('month').minus({ months: 1 }), today.startOf('month')];
			break;
		case 'custom': {
			const f = custom.from ? dayStart(custom.from, zone) : null;
			const t = custom.to ? dayStart(custom.to, zone) : null;
			if (!f) throw new Error(`From must be a date such as 2026-11-01${custom.from ? `, not "${custom.from}"` : ''}`);
			if (!t) throw new Error(`To must be a date such as 2026-11-30${custom.to ? `, not "${custom.to}"` : ''}`);
			if (t < f) throw new Error('To must not be before From');
			[from, toExclusive] = [f, t.plus({ days: 1 })];
			break;
		}
		default:
			throw new Error(`Period must be one of ${PERIOD_OPTIONS.map((o) => o.value).join(', ')}, not "${String(choice)}"`);
	}
	if (toExclusive.diff(from, 'days').days > 731) throw new Error('The period may span at most two years');
	return { from: from.toJSDate(), to: toExclusive.toJSDate(), fromDay: from.toISODate()!, toDay: toExclusive.minus({ days: 1 }).toISODate()! };
}

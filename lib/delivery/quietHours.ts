import { DateTime, IANAZone } from 'luxon';

/** A daily window in a time zone during which a channel must not send, e.g. 20:00–08:00 Europe/Budapest. */
export interface QuietHours {
	/** "HH:mm", local time in `timezone`: quiet from here… */
	start: string;
	/** …until here ("HH:mm"). start > end wraps midnight; start = end means no quiet hours. */
	end: string;
	/** IANA time zone, e.g. Europe/Budapest. */
	timezone: string;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { start: '20:00', end: '08:00', timezone: 'Europe/Budapest' };

function minutesOf(hhmm: string, label: string): number {
	const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
	if (!match) throw new Error(`Quiet hours ${label} "${hhmm}" is not a time of day like 20:00`);
	return Number(match[1]) * 60 + Number(match[2]);
}

/** Throws a clear error for a bad time or zone; returns the window in minutes. */
export function validateQuietHours(quiet: QuietHours): { start: number; end: number } {
	if (!IANAZone.isValidZone(quiet.timezone)) {
		throw new Error(`Quiet hours time zone "${quiet.timezone}" is not an IANA time zone like Europe/Budapest`);
	}
	return { start: minutesOf(quiet.start, 'start'), end: minutesOf(quiet.end, 'end') };
}

/**
 * When `now` falls in the quiet hours, the instant they end (the earliest time to send); otherwise null.
 * Computed on the local calendar of the zone with luxon, so the end is 08:00 local time on both sides of a
 * daylight-saving change (a fixed UTC offset would be an hour off for half the year).
 */
export function quietHoursEnd(now: Date, quiet: QuietHours): Date | null {
	const { start, end } = validateQuietHours(quiet);
	if (start === end) return null;
	const local = DateTime.fromJSDate(now, { zone: quiet.timezone });
	const minute = local.hour * 60 + local.minute;
	const wraps = start > end;
	const quietNow = wraps ? minute >= start || minute < end : minute >= start && minute < end;
	if (!quietNow) return null;
	const day = wraps && minute >= start ? local.plus({ days: 1 }) : local;
	const endAt = day.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
	return endAt.toJSDate();
}

/** The earliest instant at or after `at` that is outside the quiet hours. */
export function nextAllowedTime(at: Date, quiet: QuietHours | null | undefined): Date {
	if (!quiet) return at;
	return quietHoursEnd(at, quiet) ?? at;
}

import { createHash } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';

/** A daily window in a time zone during which a channel must not send, e.g. 20:00–08:00 Europe/Budapest. */
export interface QuietHours {
	/** "HH:mm", local time in `timezone`: quiet from here… */
	start: string;
	/** …until here ("HH:mm"). start > end wraps midnight; start = end means no quiet hours. */
	end: string;
	/** IANA time zone, e.g. Europe/Budapest. */
	timezone: string;
	/**
	 * Minutes after the end over which held messages are released, each at its own fixed moment (0 or absent: all at the
	 * end). Every message deferred overnight coming due in the same second overloads n8n's main (it resumes each
	 * waiting execution through its own small database pool) and meets the provider's rate limit all at once.
	 */
	spreadMinutes?: number;
}

export const DEFAULT_QUIET_HOURS: QuietHours = { start: '20:00', end: '08:00', timezone: 'Europe/Budapest', spreadMinutes: 15 };
/** Longest release spread: a shop wants its morning messages out in the morning. */
export const MAX_SPREAD_MINUTES = 120;
/** What the send nodes call the spread (named in its errors). */
export const SPREAD_LABEL = 'Spread Held Messages Over (Minutes)';

function minutesOf(hhmm: string, label: string): number {
	const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
	if (!match) throw new Error(`Quiet hours ${label} "${hhmm}" is not a time of day like 20:00`);
	return Number(match[1]) * 60 + Number(match[2]);
}

/** Throws a clear error for a bad time, zone or spread; returns the window in minutes. */
export function validateQuietHours(quiet: QuietHours): { start: number; end: number } {
	if (!IANAZone.isValidZone(quiet.timezone)) {
		throw new Error(`Quiet hours time zone "${quiet.timezone}" is not an IANA time zone like Europe/Budapest`);
	}
	const spread = quiet.spreadMinutes ?? 0;
	if (!Number.isInteger(spread) || spread < 0 || spread > MAX_SPREAD_MINUTES) {
		throw new Error(`${SPREAD_LABEL} must be a whole number from 0 to ${MAX_SPREAD_MINUTES} (got ${String(quiet.spreadMinutes)})`);
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

/**
 * When a message held at `now` goes out: the end of the quiet hours plus the message's own offset within the spread
 * (from its key, so a re-run or a restarted flow gets the same moment); null outside the quiet hours.
 */
export function quietHoursRelease(now: Date, quiet: QuietHours, key: string): Date | null {
	const end = quietHoursEnd(now, quiet);
	if (!end) return null;
	// Never past the next start: a window leaving less time to send than the spread spreads over what it leaves.
	const { start, end: endMinute } = validateQuietHours(quiet);
	const open = (start - endMinute + 1440) % 1440;
	const spreadSeconds = Math.min(quiet.spreadMinutes ?? 0, open) * 60;
	if (spreadSeconds === 0) return end;
	const offset = createHash('sha256').update(key).digest().readUInt32BE(0) % spreadSeconds;
	return new Date(end.getTime() + offset * 1000);
}

/** The earliest instant at or after `at` that is outside the quiet hours (with this message's place in the spread). */
export function nextAllowedTime(at: Date, quiet: QuietHours | null | undefined, key: string): Date {
	if (!quiet) return at;
	return quietHoursRelease(at, quiet, key) ?? at;
}

import { DateTime } from 'luxon';

/** BCP 47 locale for a cart locale like "hu", "hu-HU", "en_GB"; Hungarian by default. */
export function localeTag(locale: string | null | undefined): string {
	const tag = (locale ?? '').trim().replace('_', '-');
	if (!tag) return 'hu-HU';
	try {
		return Intl.getCanonicalLocales(tag)[0] ?? 'hu-HU';
	} catch {
		return 'hu-HU';
	}
}

/** The template language we ship for a locale: hu or en. */
export function templateLanguage(locale: string | null | undefined): 'hu' | 'en' {
	return localeTag(locale).toLowerCase().startsWith('hu') ? 'hu' : 'en';
}

/**
 * Money through Intl for the locale and currency: 12990 HUF in hu-HU → "12 990 Ft" (no decimals for whole
 * amounts, as Hungarian shops print prices); 12.5 EUR → "12,50 EUR".
 */
export function formatMoney(amount: unknown, currency: string | null | undefined, locale: string | null | undefined): string {
	const value = typeof amount === 'number' ? amount : Number(amount);
	if (!Number.isFinite(value)) return '';
	const code = (currency || 'HUF').toUpperCase();
	const whole = Number.isInteger(value) || code === 'HUF';
	try {
		return new Intl.NumberFormat(localeTag(locale), {
			style: 'currency',
			currency: code,
			// Hungarian CLDR leaves 4-digit amounts ungrouped ("6495 Ft"); shops print "6 495 Ft".
			useGrouping: 'always',
			minimumFractionDigits: whole ? 0 : undefined,
			maximumFractionDigits: whole ? 0 : undefined,
		}).format(whole ? Math.round(value) : value);
	} catch {
		return `${value} ${code}`;
	}
}

/** A date through luxon in the locale and zone: "2026. november 25." (hu) / "November 25, 2026" (en). */
export function formatDate(
	value: unknown,
	locale: string | null | undefined,
	timezone = 'Europe/Budapest',
	format?: string,
): string {
	let date: DateTime;
	if (value instanceof Date) date = DateTime.fromJSDate(value);
	else if (typeof value === 'number') date = DateTime.fromMillis(value);
	else if (typeof value === 'string' && value.trim()) date = DateTime.fromISO(value.trim());
	else return '';
	if (!date.isValid) return '';
	const local = date.setZone(timezone).setLocale(localeTag(locale));
	return format ? local.toFormat(format) : local.toLocaleString(DateTime.DATE_FULL);
}

/** Only http(s) URLs reach an href or src; anything else (javascript:, data:) becomes null. */
export function safeUrl(value: unknown): string | null {
	if (typeof value !== 'string' || !value.trim()) return null;
	try {
		const url = new URL(value.trim());
		return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
	} catch {
		return null;
	}
}

/** "10%" or "2 000 Ft" — a discount as customers read it, formatted like the prices beside it (Hungarian by default). */
export function amountText(code: { kind: 'percent' | 'fixed'; amount: number | string; currency?: string | null }, locale = 'hu-HU'): string {
	if (code.kind === 'percent') return `${Number(code.amount)}%`;
	return formatMoney(code.amount, code.currency ?? 'HUF', locale);
}

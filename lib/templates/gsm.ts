/**
 * SMS encoding facts (3GPP TS 23.038): a message in the GSM-7 default alphabet takes 160 characters in one
 * segment, 153 per segment when split (the rest of each segment carries the concatenation header);
 * extension-table characters (€ [ ] { } \ ^ ~ | and form feed) take two septets. Any other character forces
 * UCS-2: 70 UTF-16 units in one segment, 67 per segment when split (an emoji is two units).
 * Hungarian: é ö ü É Ö Ü are GSM-7, á í ó ú ő ű (and capitals) are not.
 */
const GSM7_BASIC =
	'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENDED = '\f^{}\\[~]|€';

const BASIC = new Set(Array.from(GSM7_BASIC));
const EXTENDED = new Set(Array.from(GSM7_EXTENDED));

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsAnalysis {
	encoding: SmsEncoding;
	/** Characters as a person counts them (code points). */
	characters: number;
	/** Septets (GSM-7) or UTF-16 code units (UCS-2): what the segment limits count. */
	units: number;
	segments: number;
	/** Limit per segment for this message (160/153 or 70/67). */
	perSegment: number;
	/** The characters that forced UCS-2 (empty for GSM-7). */
	nonGsmCharacters: string[];
}

export function isGsm7Char(char: string): boolean {
	return BASIC.has(char) || EXTENDED.has(char);
}

export function analyseSms(text: string): SmsAnalysis {
	const chars = Array.from(text);
	const nonGsm = chars.filter((c) => !isGsm7Char(c));
	if (nonGsm.length === 0) {
		const units = chars.reduce((n, c) => n + (EXTENDED.has(c) ? 2 : 1), 0);
		const segments = units === 0 ? 0 : units <= 160 ? 1 : Math.ceil(units / 153);
		return { encoding: 'GSM-7', characters: chars.length, units, segments, perSegment: segments > 1 ? 153 : 160, nonGsmCharacters: [] };
	}
	const units = text.length; // UTF-16 code units
	const segments = units <= 70 ? 1 : Math.ceil(units / 67);
	return {
		encoding: 'UCS-2',
		characters: chars.length,
		units,
		segments,
		perSegment: segments > 1 ? 67 : 70,
		nonGsmCharacters: [...new Set(nonGsm)],
	};
}

/** Hungarian (and common typographic) characters → their closest GSM-7 form. */
const TRANSLITERATION: Record<string, string> = {
	á: 'a', í: 'i', ó: 'o', ú: 'u', ő: 'ö', ű: 'ü',
	Á: 'A', Í: 'I', Ó: 'O', Ú: 'U', Ő: 'Ö', Ű: 'Ü',
	'\u00a0': ' ', '\u2009': ' ', '\u202f': ' ',
	'\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201c': '"', '\u201d': '"', '\u201e': '"',
	'\u2013': '-', '\u2014': '-', '\u2026': '...', '\u2022': '-',
};

/**
 * Rewrites text into the GSM-7 alphabet to cut cost: ő→ö, ű→ü, á→a, í→i, ó→o, ú→u (and capitals), typographic
 * quotes and dashes to plain ones, other accented letters to their base letter; emoji and anything else
 * without a GSM-7 form are dropped (with the space they leave doubled up collapsed).
 */
export function transliterateToGsm7(text: string): string {
	let out = '';
	for (const char of Array.from(text)) {
		if (isGsm7Char(char)) {
			out += char;
			continue;
		}
		const mapped = TRANSLITERATION[char];
		if (mapped !== undefined) {
			out += mapped;
			continue;
		}
		const base = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
		if (base && Array.from(base).every(isGsm7Char)) {
			out += base;
			continue;
		}
		// emoji, variation selectors, zero-width joiners, other scripts: dropped
	}
	return out.replace(/ {2,}/g, ' ').replace(/ +\n/g, '\n').replace(/\n +/g, '\n').trim();
}

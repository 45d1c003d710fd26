/**
 * The AI Offer Writer's guardrails: every answer of the model is checked here, in code, before it is used. The model
 * may only repeat the shop's facts from the OfferInput (the code, the discount, prices, quantities, the cart value,
 * the code's expiry, the restore link); anything else it invents (a number, a date, a benefit, a link, another code)
 * is a Violation, and the messages are fed back to the model on its retry, so each one says what the input allows.
 * Pure: no I/O, no clock (relative deadlines are refused outright instead of being compared with "now").
 *
 * Deliberately allowed: the shop's, the customer's and the products' names repeated verbatim (with any numbers or
 * capitals in them, unless a name holds a percentage, an amount or a link, see maskKnownNames); quantities, the piece
 * and item counts, the expiry's day and year as bare numbers; midnight right after the expiry date when the code ends
 * at that day's end; the expiry's time of day; e-mail addresses; emoji; the shop name as a bare domain ("Kavezo.hu").
 * Deliberately not detected: urgency without a date ("csak most", "limited time"), a month without a day.
 */
import { DateTime } from 'luxon';

import { analyseSms } from '../templates/gsm';
import { OFFER_LIMITS, type GuardrailRule, type OfferChannel, type OfferCopy, type OfferField, type OfferInput, type Violation } from './types';

export const CHANNEL_FIELDS: Record<OfferChannel, readonly OfferField[]> = {
	email: ['subject', 'preheader', 'email_intro'],
	sms: ['sms'],
	whatsapp: ['whatsapp'],
	messenger: ['messenger'],
};

/** The fields that must carry the code verbatim when one was issued (a subject or preheader may tease without it). */
export const CODE_FIELDS: readonly OfferField[] = ['email_intro', 'sms', 'whatsapp', 'messenger'];

export const DEFAULT_SMS_MAX_SEGMENTS = 4;
export const DEFAULT_TIMEZONE = 'Europe/Budapest';
/** The most of the copy a message quotes: messages go back to the model and into the fallback reason, not the copy. */
export const MAX_QUOTE = 60;

/**
 * Benefits the input never contains today (the input has one discount and nothing else), so the copy may not promise
 * any of them. Case-insensitive; Hungarian stems take any suffix. A product or shop name the copy repeats verbatim is
 * masked before this check, so a product called "Ajándék bögre" may be named.
 */
export const FORBIDDEN_BENEFITS: readonly { benefit: string; pattern: RegExp }[] = [
	{
		benefit: 'free shipping',
		pattern:
			/(?:ingyen(?:es)?|díjmentes|díjtalan)\s+(?:házhoz\s*)?(?:szállít|kiszállít|postáz|száll\p{Ll}*)\p{Ll}*|ingyen\s+(?:kiszállítjuk|szállítjuk|küldjük|postázzuk)|szállítási\s+díj\s+nélkül|free\s+(?:shipping|delivery|postage)|ships?\s+(?:for\s+)?free|shipping\s+is\s+free|delivery\s+is\s+free/iu,
	},
	{ benefit: 'free returns', pattern: /(?:ingyen(?:es)?|díjmentes)\s+visszaküld\p{Ll}*|free\s+returns?/iu },
	{ benefit: 'a gift', pattern: /(?<!\p{L})ajándék\p{Ll}*|(?<!\p{L})gifts?(?!\p{L})|free\s+samples?|(?:ingyen(?:es)?\s+|termék)mint[aá]\p{Ll}*|(?<!\p{L})freebies?/iu },
	{
		benefit: 'a 2-for-1 offer',
		pattern: /(?<![\p{L}\p{N}])2\s*(?:for|=|\+)\s*1(?![\p{L}\p{N}])|two\s+for\s+one|buy\s+one,?\s+get\s+one|(?<!\p{L})bogo(?!\p{L})|kettőt\s+egy\s+áráért|egyet\s+fizet\p{Ll}*,?\s+kettőt/iu,
	},
	{
		benefit: 'an extra discount',
		pattern:
			/(?:extra|plusz|további|újabb|még\s+egy|második|dupla)\s+kedvezmény\p{Ll}*|(?:extra|additional|further|another|second|double|bonus)\s+(?:discount|savings?|\d+\s*%\s*off)|(?<!\p{L})extra\s+\d+\s*%/iu,
	},
	{ benefit: 'cashback', pattern: /cash\s*-?\s*back|pénzvisszatérít\p{Ll}*|pénz-?visszafizet\p{Ll}*|money[\s-]back/iu },
	{
		benefit: 'loyalty points',
		pattern: /hűségpont\p{Ll}*|törzsvásárlói\s+pont\p{Ll}*|bónuszpont\p{Ll}*|(?:loyalty|reward|bonus)\s+points?/iu,
	},
];

/** Uppercase tokens that look like codes but are words the copy may use (shouting "E-MAIL" is not a code). */
const ALLOWED_CODE_LIKE = new Set(['E-MAIL', 'GSM-7', 'UCS-2', 'WI-FI']);

// ---------------------------------------------------------------------------------------------------------------
// small helpers

/** The copy, quoted for a message: at most MAX_QUOTE characters (user-perceived), whitespace collapsed. */
export function quote(text: string): string {
	const chars = Array.from(text.replace(/\s+/g, ' ').trim());
	return `"${chars.length > MAX_QUOTE ? chars.slice(0, MAX_QUOTE - 1).join('') + '…' : chars.join('')}"`;
}

const MASK = '\u2588';
function mask(text: string, start: number, end: number): string {
	return text.slice(0, start) + MASK.repeat(end - start) + text.slice(end);
}

function escapeRegExp(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Formats a number for a message: spaces between thousands, at most two decimals. */
export function formatNumber(n: number): string {
	const rounded = Math.round(n * 100) / 100;
	const [int, dec] = String(Math.abs(rounded)).split('.');
	const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
	return `${rounded < 0 ? '-' : ''}${grouped}${dec ? '.' + dec : ''}`;
}

const SAME = (a: number, b: number) => Math.abs(a - b) < 0.005;

/**
 * Reads a number written in Hungarian or English style: space, NBSP, narrow NBSP, thin space, dot or comma between
 * thousands; comma or dot for decimals. A separator followed by exactly three digits is read as a thousands separator
 * ("1.500", "12,990"), one followed by one or two digits as the decimal point ("1,5", "12.99").
 */
export function parseNumber(raw: string): number | null {
	const s = raw.trim().replace(/[\s\u00a0\u202f\u2009]/g, ',');
	const parts = s.split(/[.,]/);
	if (parts.some((p) => !/^\d+$/.test(p))) return null;
	if (parts.length === 1) return Number(parts[0]);
	const last = parts[parts.length - 1];
	const seps = s.match(/[.,]/g) ?? [];
	const mixed = new Set(seps).size > 1;
	if (mixed || last.length !== 3) {
		// the last separator is the decimal point
		return Number(parts.slice(0, -1).join('') + '.' + last);
	}
	return Number(parts.join(''));
}

// Number words: at least 1–10, 15, 20, 25, 30, 40, 50 (all of 1–100 are covered by composition).
const HU_UNITS: Record<string, number> = { egy: 1, kettő: 2, két: 2, három: 3, négy: 4, öt: 5, hat: 6, hét: 7, nyolc: 8, kilenc: 9 };
const HU_TENS: Record<string, number> = {
	tizen: 10, huszon: 20, harminc: 30, negyven: 40, ötven: 50, hatvan: 60, hetven: 70, nyolcvan: 80, kilencven: 90,
};
const HU_WHOLE: Record<string, number> = { tíz: 10, húsz: 20, száz: 100 };
const EN_UNITS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9 };
const EN_TEENS: Record<string, number> = {
	ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const EN_TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };

const alt = (words: string[]) => [...words].sort((a, b) => b.length - a.length).join('|');
const HU_UNIT_ALT = alt(Object.keys(HU_UNITS));
const EN_UNIT_ALT = alt(Object.keys(EN_UNITS));
const NUMBER_WORD =
	`(?:(?:${alt(Object.keys(HU_TENS))})(?:${HU_UNIT_ALT})?|${alt(Object.keys(HU_WHOLE))}|${HU_UNIT_ALT}` +
	`|(?:${alt(Object.keys(EN_TENS))})(?:[\\s-](?:${EN_UNIT_ALT}))?|(?:a|one)\\s+hundred|${alt(Object.keys(EN_TEENS))}|${EN_UNIT_ALT})`;

/** The value of a Hungarian or English number word (1–100), e.g. "huszonöt" → 25, "twenty-five" → 25. */
export function parseNumberWord(word: string): number | null {
	const w = word.toLowerCase().replace(/\s+/g, ' ').trim();
	if (w in HU_WHOLE) return HU_WHOLE[w];
	if (w in HU_UNITS) return HU_UNITS[w];
	if (w in EN_UNITS) return EN_UNITS[w];
	if (w in EN_TEENS) return EN_TEENS[w];
	if (w === 'a hundred' || w === 'one hundred') return 100;
	for (const [tens, n] of Object.entries(HU_TENS)) {
		if (!w.startsWith(tens)) continue;
		const rest = w.slice(tens.length);
		if (rest === '') return tens === 'tizen' || tens === 'huszon' ? null : n;
		return rest in HU_UNITS ? n + HU_UNITS[rest] : null;
	}
	const en = /^([a-z]+)(?:[\s-]([a-z]+))?$/.exec(w);
	if (en && en[1] in EN_TENS) {
		if (!en[2]) return EN_TENS[en[1]];
		return en[2] in EN_UNITS ? EN_TENS[en[1]] + EN_UNITS[en[2]] : null;
	}
	return null;
}

// ---------------------------------------------------------------------------------------------------------------
// the facts of the input

export interface NumberFact {
	value: number;
	label: string;
}

export interface InputFacts {
	/** Percentages the copy may name (the discount, when it is a percentage). */
	percents: NumberFact[];
	/** Money amounts the copy may name, in `currency`. */
	amounts: NumberFact[];
	/** Other numbers the copy may name (quantities, the item count, the expiry's day and year) besides the above. */
	counts: NumberFact[];
	currency: string;
	expiry: DateTime | null;
}

function shortName(name: string): string {
	const chars = Array.from(name.trim());
	return chars.length > 24 ? chars.slice(0, 23).join('') + '…' : chars.join('');
}

/** The numbers and the date the input holds: everything the copy may state. Names are never a source of numbers. */
export function inputFacts(input: OfferInput): InputFacts {
	const percents: NumberFact[] = [];
	const amounts: NumberFact[] = [];
	const counts: NumberFact[] = [];
	const add = (list: NumberFact[], value: number, label: string) => {
		if (Number.isFinite(value) && !list.some((f) => SAME(f.value, value))) list.push({ value, label });
	};
	add(amounts, input.value, 'cart value');
	const d = input.discount;
	if (d && Number.isFinite(d.amount)) {
		if (d.kind === 'percent') {
			add(percents, d.amount, 'the discount');
			const saving = (input.value * d.amount) / 100;
			add(amounts, saving, 'saving');
			add(amounts, Math.round(saving), 'saving, rounded');
			add(amounts, input.value - saving, 'after discount');
			add(amounts, Math.round(input.value - saving), 'after discount, rounded');
		} else {
			add(amounts, d.amount, 'the discount');
			add(amounts, input.value - d.amount, 'after discount');
		}
	}
	let pieces = 0;
	for (const item of input.items) {
		add(amounts, item.price, `price of ${shortName(item.name)}`);
		add(amounts, item.price * item.quantity, `${shortName(item.name)} × ${item.quantity}`);
		add(counts, item.quantity, 'a quantity');
		pieces += item.quantity;
	}
	add(counts, pieces, 'pieces in the cart');
	add(counts, input.items.length, 'items in the cart');
	const expiry = expiryOf(input);
	if (expiry) {
		add(counts, expiry.day, 'expiry day');
		add(counts, expiry.year, 'expiry year');
	}
	return { percents, amounts, counts, currency: (input.currency || '').toUpperCase(), expiry };
}

/** The code's last moment in the input's zone (or null when no expiry was given or it cannot be read). */
export function expiryOf(input: OfferInput): DateTime | null {
	const until = input.discount?.validUntil;
	if (!until) return null;
	let zone = input.timezone || DEFAULT_TIMEZONE;
	if (!DateTime.now().setZone(zone).isValid) zone = DEFAULT_TIMEZONE;
	const dt = DateTime.fromISO(until, { zone });
	return dt.isValid ? dt : null;
}

// ---------------------------------------------------------------------------------------------------------------
// patterns

const URL_RE =
	/(?:https?:\/\/|www\.)[^\s<>"'`]+|(?<![\p{L}\p{N}@.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:hu|com|net|org|eu|io|shop|store|info|co|de|at|sk|ro|uk|app|link|ly|me|biz|online|site)(?![\p{L}\p{N}-])(?:\/[^\s<>"'`]*)?/giu;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"»”’…]+$/u;

const HTML_TAG = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);/giu;
const MARKDOWN = /\[[^\]\n]*\]\([^)\n]*\)|\*\*[^*\n]+\*\*|__[^_\n]+__|(?:^|\n)#{1,6}\s/gu;
// \n is the only allowed control character; invisible direction and zero-width marks are treated as control characters
// too (they can hide text), the zero-width joiner is not (emoji sequences need it).
/** The first control character in `text` other than \n (C0, DEL, C1 and the invisible marks above), or null. */
export function findControlCharacter(text: string): string | null {
	for (const ch of text) {
		const cp = ch.codePointAt(0)!;
		if (ch === '\n') continue;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || INVISIBLE.has(cp)) return ch;
	}
	return null;
}
const INVISIBLE = new Set([0x200b, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff]);

const CODE_TOKEN = /(?<![\p{L}\p{N}_\-\u2588])([\p{Lu}\p{N}]+(?:-[\p{Lu}\p{N}]+)*)(?:-\p{Ll}+)?(?![\p{L}\p{N}_\u2588])/gu;

const MONTHS: Record<string, number> = {
	január: 1, február: 2, március: 3, április: 4, május: 5, június: 6, július: 7, augusztus: 8, szeptember: 9, október: 10,
	november: 11, december: 12, jan: 1, febr: 2, feb: 2, márc: 3, ápr: 4, máj: 5, jún: 6, júl: 7, aug: 8, szept: 9, szep: 9,
	okt: 10, nov: 11, dec: 12, january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8, september: 9,
	october: 10, mar: 3, apr: 4, jun: 6, jul: 7, sep: 9, sept: 9, oct: 10,
};
const MONTH_ALT = alt(Object.keys(MONTHS));
const DAY_SUFFIX = `(?:st|nd|rd|th)?\\.?(?:-\\p{Ll}+)?`;
// year, month, day in the groups; day-first forms use the `d`/`m`/`y` names too
const DATE_PATTERNS: RegExp[] = [
	new RegExp(`(?<![\\p{L}\\p{N}])(?:(?<y>\\d{4})\\.?\\s*)?(?<m>${MONTH_ALT})\\.?\\s*(?<d>\\d{1,2})(?!\\d)${DAY_SUFFIX}(?:,?\\s+(?<y2>\\d{4})(?!\\d))?`, 'giu'),
	new RegExp(`(?<![\\p{L}\\p{N}])(?:the\\s+)?(?<d>\\d{1,2})(?:st|nd|rd|th)?\\.?\\s+(?:of\\s+)?(?<m>${MONTH_ALT})(?![\\p{L}])\\.?(?:,?\\s+(?<y>\\d{4})(?!\\d))?`, 'giu'),
	/(?<![\p{N}.])(?<y>\d{4})[.\-/]\s?(?<m>\d{1,2})[.\-/]\s?(?<d>\d{1,2})(?!\d)\.?(?:-\p{Ll}+)?/gu,
	/(?<![\p{N}./])(?<a>\d{1,2})\/(?<b>\d{1,2})(?:\/(?<y>\d{2}|\d{4}))?(?![\p{N}/])/gu,
	/(?<![\p{N}.,])(?<m>\d{1,2})\.\s?(?<d>\d{1,2})\.(?![\p{N}])(?:-\p{Ll}+)?/gu,
];
const WEEKDAYS: [RegExp, number][] = [
	[/(?<!\p{L})(?:hétfő\p{Ll}*|monday)(?!\p{L})/iu, 1],
	[/(?<!\p{L})(?:kedd(?:en|ig|i|re|et)?|tuesday)(?!\p{L})/iu, 2],
	[/(?<!\p{L})(?:szerd[aá]\p{Ll}*|wednesday)(?!\p{L})/iu, 3],
	[/(?<!\p{L})(?:csütörtök\p{Ll}*|thursday)(?!\p{L})/iu, 4],
	[/(?<!\p{L})(?:péntek\p{Ll}*|friday)(?!\p{L})/iu, 5],
	[/(?<!\p{L})(?:szombat\p{Ll}*|saturday)(?!\p{L})/iu, 6],
	[/(?<!\p{L})(?:vasárnap\p{Ll}*|sunday)(?!\p{L})/iu, 7],
];
const RELATIVE_NUMBER = `(?:\\d+|${NUMBER_WORD.replace(`|${HU_UNIT_ALT}|`, `|${alt(Object.keys(HU_UNITS).filter((w) => w !== 'egy'))}|`)})`;
/** Deadlines relative to the moment of sending: never allowed, they go stale between writing and reading. */
const RELATIVE_DEADLINES = new RegExp(
	[
		`(?<!\\p{L})holnap\\p{Ll}*`,
		`(?<!\\p{L})(?:csak|még)\\s+ma(?!\\p{L})`,
		`(?<!\\p{L})ma\\s+(?:éjfél\\p{Ll}*|este\\p{Ll}*|estig|délután|lejár\\p{Ll}*)`,
		`(?<!\\p{L})mai\\s+nap\\p{Ll}*`,
		`(?<!\\p{L})éjfél\\p{Ll}*`,
		`(?<!\\p{L})hétvég\\p{Ll}*`,
		`(?<!\\p{L})(?:a\\s+)?jövő\\s+hét\\p{Ll}*`,
		`(?<!\\p{L})(?:tomorrow|tonight|midnight|weekend|next\\s+week)(?!\\p{L})`,
		`(?<!\\p{L})(?:today\\s+only|only\\s+today|(?:ends|expires|until|by|valid)\\s+today|end\\s+of\\s+(?:the\\s+)?(?:day|week))(?!\\p{L})`,
		`(?<![\\p{L}\\p{N}])${RELATIVE_NUMBER}\\s*-?\\s*(?:ór[aá]\\p{Ll}{0,5}|nap(?:ig|on|ot|ra|ja|os)?|perc(?:ig|en|re|et|ek)?|hours?|hrs?|h|days?|minutes?|mins?)(?!\\p{L})(?:\\s+belül)?`,
	].join('|'),
	'giu',
);
const TIME_OF_DAY = /(?<![\p{N}:])(?<h>\d{1,2}):(?<min>\d{2})(?![\p{N}:])(?:-\p{Ll}+)?/gu;

const NUM = `\\d{1,3}(?:[\\s\\u00a0\\u202f\\u2009.,]\\d{3})+(?:[.,]\\d{1,2})?(?!\\d)|\\d+(?:[.,]\\d+)?`;
const MULTIPLIER = `(?:\\s*(?<mult>ezer|millió|thousand|million|k)(?!\\p{L}))?`;
const CURRENCY_AFTER = `(?<cur>Ft|forint\\p{Ll}*|HUF|EUR|euró\\p{Ll}*|euros?|€|USD|\\$|dollár\\p{Ll}*|dollars?|GBP|£|PLN|CZK|RON)(?!\\p{L})`;
const MONEY_PATTERNS: RegExp[] = [
	new RegExp(`(?<cur>€|\\$|£|HUF|EUR|USD|GBP)\\s?(?<n>${NUM})${MULTIPLIER}`, 'gu'),
	new RegExp(`(?<![\\p{N}.,])(?<n>${NUM})${MULTIPLIER}\\s*${CURRENCY_AFTER}`, 'giu'),
	new RegExp(`(?<!\\p{L})(?<w>${NUMBER_WORD})${MULTIPLIER}\\s*${CURRENCY_AFTER}`, 'giu'),
];
const PERCENT_WORD = `(?:%|százalék\\p{Ll}*|percent(?!\\p{L})|per\\s+cent(?!\\p{L})|pct(?!\\p{L}))`;
const PERCENT_PATTERNS: RegExp[] = [
	new RegExp(`(?<![\\p{N}.,])(?<n>${NUM})\\s*-?\\s*${PERCENT_WORD}`, 'giu'),
	new RegExp(`(?<![\\p{N}.,])(?<n>\\d+)-(?:es|as|os|ös)(?!\\p{L})`, 'giu'),
	new RegExp(`(?<!\\p{L})(?<w>${NUMBER_WORD})\\s*-?\\s*${PERCENT_WORD}`, 'giu'),
];
const BARE_NUMBER = new RegExp(`(?<![\\p{N}.,])(?:${NUM})`, 'gu');

function currencyCode(raw: string): string {
	const c = raw.toLowerCase();
	if (c === 'ft' || c.startsWith('forint') || c === 'huf') return 'HUF';
	if (c === '€' || c.startsWith('eur')) return 'EUR';
	if (c === '$' || c === 'usd' || c.startsWith('dollár') || c.startsWith('dollar')) return 'USD';
	if (c === '£' || c === 'gbp') return 'GBP';
	return raw.toUpperCase();
}

const MULTIPLIERS: Record<string, number> = { ezer: 1e3, thousand: 1e3, k: 1e3, millió: 1e6, million: 1e6 };

// ---------------------------------------------------------------------------------------------------------------
// the check

interface FieldCheck {
	field: OfferField;
	input: OfferInput;
	facts: InputFacts;
	out: Violation[];
	seen: Set<string>;
}

function report(c: FieldCheck, rule: GuardrailRule, key: string, message: string): void {
	const id = `${c.field}|${rule}|${key}`;
	if (c.seen.has(id)) return;
	c.seen.add(id);
	c.out.push({ field: c.field, rule, message: `${c.field}: ${message}` });
}

/** Each match of `re` in `text` (a global regex), last first, so masking one does not shift the others' offsets. */
function matchesOf(re: RegExp, text: string): RegExpExecArray[] {
	re.lastIndex = 0;
	return [...text.matchAll(re)].reverse() as RegExpExecArray[];
}

/**
 * Checks the model's copy against the input. Returns every violation (empty: the copy may be used). Pure.
 */
export function checkOffer(copy: OfferCopy, input: OfferInput): Violation[] {
	const out: Violation[] = [];
	const seen = new Set<string>();
	const facts = inputFacts(input);
	const fields = [...new Set(input.channels.flatMap((ch) => CHANNEL_FIELDS[ch] ?? []))];
	for (const field of fields) {
		const c: FieldCheck = { field, input, facts, out, seen };
		const text = copy[field];
		if (typeof text !== 'string' || text.trim() === '') {
			const channel = (Object.keys(CHANNEL_FIELDS) as OfferChannel[]).find((ch) => CHANNEL_FIELDS[ch].includes(field));
			report(c, 'missing_field', '', `missing or empty (the ${channel} channel was asked for; write plain text)`);
			continue;
		}
		checkPlainText(c, text);
		checkLength(c, text);
		checkCodePresent(c, text);
		let work = checkUrls(c, text);
		work = maskKnownNames(c, work);
		// before numbers are masked: "2 for 1" and "extra 5%" need their digits
		checkBenefits(c, work);
		work = checkCodes(c, work);
		work = checkDates(c, work);
		checkNumbers(c, work);
	}
	return out;
}

function checkPlainText(c: FieldCheck, text: string): void {
	for (const m of matchesOf(HTML_TAG, text).reverse()) {
		report(c, 'not_plain_text', m[0], `${quote(m[0])} is HTML; write plain text only (no tags or entities)`);
	}
	for (const m of matchesOf(MARKDOWN, text).reverse()) {
		report(c, 'not_plain_text', m[0], `${quote(m[0].trim())} is Markdown; write plain text only (put the link as a bare URL)`);
	}
	const control = findControlCharacter(text);
	if (control) {
		const code = control.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
		report(c, 'not_plain_text', 'control', `contains the control character U+${code}; use plain text with \\n line breaks only`);
	}
}

function checkLength(c: FieldCheck, text: string): void {
	if (c.field === 'sms') {
		const max = c.input.smsMaxSegments && c.input.smsMaxSegments > 0 ? c.input.smsMaxSegments : DEFAULT_SMS_MAX_SEGMENTS;
		const sms = analyseSms(text);
		if (sms.segments > max) {
			const budget = sms.encoding === 'GSM-7' ? (max === 1 ? 160 : max * 153) : max === 1 ? 70 : max * 67;
			const why =
				sms.encoding === 'UCS-2'
					? ` (UCS-2 because of ${sms.nonGsmCharacters.slice(0, 6).map((ch) => `"${ch}"`).join(', ')}: ${budget} units fit)`
					: ` (GSM-7: ${budget} units fit)`;
			report(
				c,
				'too_long',
				'',
				`${sms.units} units make ${sms.segments} SMS segments, over the budget of ${max}${why}; shorten it` +
					(sms.encoding === 'UCS-2' ? ' or avoid characters outside GSM-7 (á í ó ú ő ű, emoji)' : ''),
			);
		}
		return;
	}
	const limit = OFFER_LIMITS[c.field as keyof typeof OFFER_LIMITS];
	const length = Array.from(text).length;
	if (limit !== undefined && length > limit) {
		report(c, 'too_long', '', `${length} characters is over the limit of ${limit}; shorten it`);
	}
}

function checkCodePresent(c: FieldCheck, text: string): void {
	const code = c.input.discount?.code;
	if (!code || !CODE_FIELDS.includes(c.field) || text.includes(code)) return;
	const near = new RegExp(escapeRegExp(code), 'iu').exec(text);
	report(
		c,
		'code_missing',
		'',
		near
			? `the code is written ${quote(near[0])}; write it exactly as "${code}" (case-sensitive)`
			: `the discount code "${code}" is missing; include it verbatim`,
	);
}

function checkUrls(c: FieldCheck, text: string): string {
	let work = text;
	const allowed = c.input.restoreUrl?.trim().replace(TRAILING_PUNCTUATION, '') || null;
	const shop = c.input.shopName?.trim().toLowerCase();
	for (const m of matchesOf(URL_RE, text)) {
		const url = m[0].replace(TRAILING_PUNCTUATION, '');
		const ok = (allowed !== null && url === allowed) || (shop !== undefined && url.toLowerCase() === shop);
		if (!ok) {
			report(
				c,
				'url_not_allowed',
				url,
				`${quote(url)} is not allowed; ` + (allowed ? `the only link allowed is ${allowed}, exactly` : 'no link was given, so write none'),
			);
		}
		work = mask(work, m.index, m.index + url.length);
	}
	return work;
}

/** A name may be masked only when it carries no fact-like text: a number in a product name is not a fact. */
function isHarmlessName(name: string): boolean {
	const probe = (re: RegExp) => {
		re.lastIndex = 0;
		return re.test(name);
	};
	return ![...PERCENT_PATTERNS, ...MONEY_PATTERNS, URL_RE].some(probe);
}

/**
 * Masks the shop's, the customer's and the products' names where the copy repeats them verbatim (case-insensitive),
 * so "Kávé 250 g" or "Shop24" are not read as numbers or codes. Names that hold a percentage, a money amount or a link
 * (e.g. a prompt injection like "…offer 90% off") are not masked: their numbers are not facts.
 */
function maskKnownNames(c: FieldCheck, text: string): string {
	const names = [c.input.shopName, c.input.firstName, ...c.input.items.map((i) => i.name)]
		.map((n) => (n ?? '').trim())
		.filter((n) => n.length >= 2 && isHarmlessName(n))
		.sort((a, b) => b.length - a.length);
	let work = text;
	for (const name of names) {
		const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(name)}(?![\\p{L}\\p{N}])`, 'giu');
		for (const m of matchesOf(re, work)) work = mask(work, m.index, m.index + m[0].length);
	}
	return work;
}

function checkCodes(c: FieldCheck, text: string): string {
	let work = text;
	const code = c.input.discount?.code;
	if (code) {
		const exact = new RegExp(escapeRegExp(code), 'gu');
		for (const m of matchesOf(exact, work)) work = mask(work, m.index, m.index + m[0].length);
		const loose = new RegExp(escapeRegExp(code), 'giu');
		for (const m of matchesOf(loose, work)) {
			if (!CODE_FIELDS.includes(c.field)) {
				report(c, 'foreign_code', m[0], `the code is written ${quote(m[0])}; write it exactly as "${code}" (case-sensitive)`);
			}
			work = mask(work, m.index, m.index + m[0].length);
		}
	}
	for (const m of matchesOf(CODE_TOKEN, work)) {
		const token = m[1];
		const letters = /\p{Lu}/u.test(token);
		const codeLike = letters && Array.from(token).length >= 5 && (/\d/.test(token) || (token.includes('-') && !/^\d/.test(token)));
		if (!codeLike || ALLOWED_CODE_LIKE.has(token)) continue;
		report(
			c,
			'foreign_code',
			token,
			`${quote(token)} looks like a discount code but is not in the input; ` +
				(code ? `the only code is "${code}"` : 'no code was given, so write none'),
		);
		work = mask(work, m.index, m.index + m[0].length);
	}
	return work;
}

function describeExpiry(c: FieldCheck): string {
	const e = c.facts.expiry;
	if (!e) return c.input.discount ? 'no expiry date was given, so write no date or deadline' : 'no offer with a date was given, so write no date or deadline';
	const example = c.input.language === 'hu' ? `${e.setLocale('hu').toFormat('LLLL d')}-ig` : `until ${e.setLocale('en').toFormat('d LLLL')}`;
	return `the code is valid until ${e.setLocale('en').toFormat('cccc, d LLLL yyyy')}; write e.g. "${example}"`;
}

function monthNumber(raw: string): number | null {
	return MONTHS[raw.toLowerCase().replace(/\.$/, '')] ?? null;
}

function fullYear(raw: string | undefined): number | null {
	if (!raw) return null;
	const y = Number(raw);
	return raw.length === 2 ? 2000 + y : y;
}

function checkDates(c: FieldCheck, text: string): string {
	let work = text;
	const e = c.facts.expiry;
	const matchesExpiry = (month: number | null, day: number, year: number | null) =>
		!!e && month === e.month && day === e.day && (year === null || year === e.year);
	const refuse = (raw: string) => report(c, 'date_not_in_input', raw.toLowerCase(), `${quote(raw)} is not in the input (${describeExpiry(c)})`);
	const anchors: number[] = [];

	for (const re of DATE_PATTERNS) {
		for (const m of matchesOf(re, work)) {
			const g = m.groups ?? {};
			let ok: boolean;
			if (g.a !== undefined) {
				const a = Number(g.a);
				const b = Number(g.b);
				const y = fullYear(g.y);
				ok = matchesExpiry(a, b, y) || matchesExpiry(b, a, y);
			} else {
				const month = /^\d+$/.test(g.m) ? Number(g.m) : monthNumber(g.m);
				const day = Number(g.d);
				if (month === null || month < 1 || month > 12 || day < 1 || day > 31) continue;
				ok = matchesExpiry(month, day, fullYear(g.y ?? g.y2));
			}
			if (!ok) refuse(m[0]);
			work = mask(work, m.index, m.index + m[0].length);
			anchors.push(m.index + m[0].length);
		}
	}
	for (const [re, weekday] of WEEKDAYS) {
		const global = new RegExp(re.source, 'giu');
		for (const m of matchesOf(global, work)) {
			if (!e || e.weekday !== weekday) refuse(m[0]);
			work = mask(work, m.index, m.index + m[0].length);
			anchors.push(m.index + m[0].length);
		}
	}
	// "december 9-én éjfélig", "Dec 8 at midnight": midnight right after a date (or weekday) is that day's end, not a
	// relative deadline; it is allowed when the expiry is that day's last minute
	const midnightOk = !!e && ((e.hour === 23 && e.minute === 59) || (e.hour === 0 && e.minute === 0));
	for (const m of matchesOf(RELATIVE_DEADLINES, work)) {
		const anchored = /^(?:éjfél|midnight)/iu.test(m[0]) && anchors.some((end) => /^[\s,]*(?:at\s+)?$/u.test(work.slice(end, m.index)));
		if (anchored) {
			if (!midnightOk) refuse(m[0]);
		} else {
			report(
				c,
				'date_not_in_input',
				m[0].toLowerCase(),
				`${quote(m[0])} is a relative deadline, which is never allowed (${describeExpiry(c).replace(/; write/, '; write the date instead,')})`,
			);
		}
		work = mask(work, m.index, m.index + m[0].length);
	}
	for (const m of matchesOf(TIME_OF_DAY, work)) {
		const h = Number(m.groups!.h);
		const min = Number(m.groups!.min);
		if (h > 24 || min > 59) continue;
		if (!e || e.hour !== h || e.minute !== min) refuse(m[0]);
		work = mask(work, m.index, m.index + m[0].length);
	}
	return work;
}

function listFacts(list: NumberFact[], max = 6): string {
	const shown = list.slice(0, max).map((f) => `${f.label === 'expiry year' ? f.value : formatNumber(f.value)} (${f.label})`);
	return shown.join(', ') + (list.length > max ? ', …' : '');
}

function readNumber(g: Record<string, string | undefined>): number | null {
	let n = g.n !== undefined ? parseNumber(g.n) : g.w !== undefined ? parseNumberWord(g.w) : null;
	if (n !== null && g.mult) n *= MULTIPLIERS[g.mult.toLowerCase()] ?? 1;
	return n;
}

function checkNumbers(c: FieldCheck, text: string): void {
	let work = text;
	const { facts } = c;
	const d = c.input.discount;
	const has = (list: NumberFact[], n: number) => list.some((f) => SAME(f.value, n));

	for (const re of PERCENT_PATTERNS) {
		for (const m of matchesOf(re, work)) {
			const n = readNumber(m.groups ?? {});
			if (n === null) continue;
			if (!has(facts.percents, n)) {
				const allows = d
					? d.kind === 'percent'
						? `the discount is ${formatNumber(d.amount)}%`
						: `the discount is ${formatNumber(d.amount)} ${(d.currency || facts.currency).toUpperCase()}, not a percentage`
					: 'no discount was given';
				report(c, 'number_not_in_input', m[0], `${quote(m[0])} is not in the input (${allows})`);
			}
			work = mask(work, m.index, m.index + m[0].length);
		}
	}
	for (const re of MONEY_PATTERNS) {
		for (const m of matchesOf(re, work)) {
			const g = m.groups ?? {};
			const n = readNumber(g);
			if (n === null) continue;
			const cur = currencyCode(g.cur ?? '');
			if (cur !== facts.currency) {
				report(c, 'number_not_in_input', m[0], `${quote(m[0])} is in ${cur} but the cart is in ${facts.currency}`);
			} else if (!has(facts.amounts, n)) {
				report(c, 'number_not_in_input', m[0], `${quote(m[0])} is not in the input (amounts in ${facts.currency}: ${listFacts(facts.amounts)})`);
			}
			work = mask(work, m.index, m.index + m[0].length);
		}
	}
	const all = [...facts.percents, ...facts.amounts, ...facts.counts];
	for (const m of matchesOf(BARE_NUMBER, work)) {
		const n = parseNumber(m[0]);
		if (n === null) continue;
		if (!has(all, n)) {
			report(c, 'number_not_in_input', m[0], `${quote(m[0])} is not in the input (numbers allowed: ${listFacts(all, 8)})`);
		}
		work = mask(work, m.index, m.index + m[0].length);
	}
}

function checkBenefits(c: FieldCheck, text: string): void {
	for (const { benefit, pattern } of FORBIDDEN_BENEFITS) {
		const m = pattern.exec(text);
		if (!m) continue;
		const d = c.input.discount;
		const only = d ? `the only benefit is the discount code "${d.code}"` : 'no benefit was given';
		report(c, 'benefit_not_in_input', benefit, `${quote(m[0])} promises ${benefit}, which is not in the input (${only})`);
	}
}

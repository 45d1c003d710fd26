/**
 * Opt-out keywords in inbound SMS / WhatsApp / Messenger text. Matching is case- and accent-insensitive
 * (LEIRATKOZÁS = leiratkozas = Leiratkozás) and ignores punctuation and spacing.
 *
 * A single-word keyword (STOP, CANCEL, END, QUIT, …) counts only when it is the whole message, as Twilio's own
 * opt-out handling does: "STOP" and " stop! " opt out, "Cancel my order please" and "quit smoking tips?" do
 * not. Phrases (NE KÜLDJENEK, NEM KÉREK, OPT OUT) and the Hungarian opt-out words (LEIRATKOZOM, LEIRATKOZÁS, …,
 * which are not everyday words) also match at the start of a message, before a word break: "LEIRATKOZOM
 * kérem", "Nem kérek több SMS-t". In a custom list a trailing `*` asks for that start-of-message match
 * ("ÁLLJ*"); without it a single word must be the whole message.
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = [
	// English (carrier and CTIA conventions; Twilio's default opt-out words): whole message only
	'STOP',
	'STOPALL',
	'UNSUBSCRIBE',
	'CANCEL',
	'END',
	'QUIT',
	'OPTOUT',
	'OPT OUT',
	'REVOKE',
	// Hungarian: the message may go on after them
	'LEIRATKOZÁS',
	'LEIRATKOZOM',
	'LEIRATKOZNÉK',
	'LEIRATKOZAS',
	'LEÁLLÍTÁS',
	'TÖRÖLJENEK',
	'NE KÜLDJ',
	'NE KÜLDJENEK',
	'NEM KÉREK',
];

/** The Hungarian opt-out words that keep start-of-message matching even as single words (folded forms). */
const PREFIX_WORDS = new Set(['LEIRATKOZAS', 'LEIRATKOZOM', 'LEIRATKOZNEK', 'LEALLITAS', 'TOROLJENEK']);

/** Upper case, accents removed (NFD + combining marks dropped, ő/ű included), punctuation to spaces, spaces collapsed. */
export function foldText(text: string): string {
	return text
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toUpperCase()
		.replace(/[^\p{L}\p{N}]+/gu, ' ')
		.trim();
}

export interface KeywordMatch {
	matched: boolean;
	/** The keyword as configured, when matched. */
	keyword: string | null;
}

interface CompiledKeyword {
	keyword: string;
	folded: string;
	prefix: boolean;
}

function compile(keyword: string): CompiledKeyword | null {
	const star = /\*\s*$/.test(keyword);
	const label = keyword.replace(/\*\s*$/, '').trim();
	const folded = foldText(label);
	if (!folded) return null;
	return { keyword: label, folded, prefix: star || folded.includes(' ') || PREFIX_WORDS.has(folded) };
}

/**
 * Whether an inbound message is an opt-out: the folded message equals a folded keyword, or — for phrases, the
 * Hungarian opt-out words and custom keywords ending in `*` — starts with it followed by a word break. So "STOP!"
 * and "Leiratkozom, köszönöm" match; "STOP please", "Cancel my order" and "STOPPER" do not.
 */
export function matchOptOutKeyword(message: string, keywords: readonly string[] = DEFAULT_OPT_OUT_KEYWORDS): KeywordMatch {
	const folded = foldText(message ?? '');
	if (!folded) return { matched: false, keyword: null };
	// Longest first, so "NE KÜLDJENEK" wins over "NE KÜLDJ".
	const compiled = keywords
		.map(compile)
		.filter((k): k is CompiledKeyword => k !== null)
		.sort((a, b) => b.folded.length - a.folded.length);
	for (const k of compiled) {
		if (folded === k.folded || (k.prefix && folded.startsWith(`${k.folded} `))) return { matched: true, keyword: k.keyword };
	}
	return { matched: false, keyword: null };
}

/**
 * Opt-in keywords: a customer who opted out texts one of these to receive messages again. Twilio's defaults (its
 * STOP filtering lifts the block on them); whole message only, like the single-word opt-out keywords ("Yes
 * please, send the code" is a reply, not an opt-in). Recorded and output, never consent by itself.
 */
export const DEFAULT_OPT_IN_KEYWORDS: readonly string[] = ['START', 'YES', 'UNSTOP'];

/** Whether an inbound message is an opt-in keyword (same folding and matching as the opt-out keywords). */
export function matchOptInKeyword(message: string, keywords: readonly string[] = DEFAULT_OPT_IN_KEYWORDS): KeywordMatch {
	return matchOptOutKeyword(message, keywords);
}

/** Parses a comma- or newline-separated keyword list from a node parameter; empty → the defaults. */
export function parseKeywordList(value: string | null | undefined): string[] {
	const list = (value ?? '')
		.split(/[,\n]/)
		.map((k) => k.trim())
		.filter(Boolean);
	return list.length ? list : [...DEFAULT_OPT_OUT_KEYWORDS];
}

/** RFC 8058: a one-click unsubscribe POST carries exactly `List-Unsubscribe=One-Click` in its form body. */
export function isOneClickUnsubscribeBody(body: unknown): boolean {
	if (typeof body === 'string') {
		return new URLSearchParams(body.trim()).get('List-Unsubscribe') === 'One-Click';
	}
	if (body && typeof body === 'object') {
		return (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
	}
	return false;
}

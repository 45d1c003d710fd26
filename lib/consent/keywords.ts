/**
 * Opt-out keywords in inbound SMS / WhatsApp / Messenger text. Matching is case- and accent-insensitive
 * (LEIRATKOZÁS = leiratkozas = Leiratkozás) and looks at the whole message or its first word, so
 * "STOP" and "Stop kérem" opt out but "ne stopold a rendelést" does not.
 */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly string[] = [
	// English (carrier and CTIA conventions; Twilio's default opt-out words)
	'STOP',
	'STOPALL',
	'UNSUBSCRIBE',
	'CANCEL',
	'END',
	'QUIT',
	'OPTOUT',
	'OPT OUT',
	'REVOKE',
	// Hungarian
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

/**
 * Whether an inbound message is an opt-out: the folded message equals a folded keyword, or starts with one
 * followed by a word break (so "STOP!" and "Leiratkozom, köszönöm" match, "STOPPER" does not).
 */
export function matchOptOutKeyword(message: string, keywords: readonly string[] = DEFAULT_OPT_OUT_KEYWORDS): KeywordMatch {
	const folded = foldText(message ?? '');
	if (!folded) return { matched: false, keyword: null };
	// Longest first, so "NE KÜLDJENEK" wins over "NE KÜLDJ".
	const sorted = [...keywords].filter((k) => foldText(k)).sort((a, b) => foldText(b).length - foldText(a).length);
	for (const keyword of sorted) {
		const k = foldText(keyword);
		if (folded === k || folded.startsWith(`${k} `)) return { matched: true, keyword };
	}
	return { matched: false, keyword: null };
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

/**
 * Node subtitles that show a parameter's live value on the canvas ("15 % · 7 days"), also when the value is
 * read from the workflow's Settings node. n8n evaluates a subtitle in the editor with no execution data, so
 * `$parameter` cannot resolve `{{ $('Settings').first().json.discount }}` (it throws, and n8n then shows no
 * subtitle at all). What the editor can read is the raw parameter (`$rawParameter`) and another node's own
 * parameters (`$('Settings').params`): the generated expression follows the reference to the Settings
 * node's field and shows the value typed there. Any other expression shows as "…" (it is only known when the
 * workflow runs).
 */

/** An expression fragment (inside `{{ }}`) that yields the live value of the parameter at `path` ("options.validityDays"). */
export function liveValue(path: string, fallback = ''): string {
	const raw = `$rawParameter${path
		.split('.')
		.map((key) => `?.[${JSON.stringify(key)}]`)
		.join('')}`;
	return liveOf(raw, fallback);
}

/**
 * As `liveValue`, for a raw value the subtitle reaches itself (`raw`: an expression fragment), e.g. a field of
 * each entry of a list parameter, whose length only the subtitle knows.
 */
export function liveOf(raw: string, fallback = ''): string {
	// Kept on one line: n8n shows a subtitle expression that fails to parse as an empty subtitle.
	return (
		`((r) => { if (r === undefined || r === null || r === '') return ${JSON.stringify(fallback)}; ` +
		`const s = String(r); if (!s.startsWith('=')) return s; ` +
		`const m = s.match(/\\$\\(\\s*['"]([^'"]+)['"]\\s*\\)[^}]*?\\.json\\.([A-Za-z_][A-Za-z0-9_]*)/); if (!m) return '…'; ` +
		`try { const p = $(m[1]).params; const f = ((p.assignments && p.assignments.assignments) || []).find((a) => a.name === m[2]); ` +
		`return f === undefined || f.value === '' ? '…' : String(f.value); } catch (e) { return '…'; } })(${raw})`
	);
}

/**
 * A subtitle from text and live values: `subtitle\`${'amount'} % · ${'options.validityDays'} days\`` shows
 * "15 % · 7 days". Each interpolated string is a parameter path, optionally with the value shown when the
 * parameter is unset after a "|" ("options.validityDays|7": n8n does not store a collection option left at its default).
 */
export function subtitle(strings: TemplateStringsArray, ...paths: string[]): string {
	const parts: string[] = [];
	strings.forEach((text, i) => {
		if (text) parts.push(JSON.stringify(text));
		if (i < paths.length) {
			const [path, fallback = ''] = paths[i].split('|');
			parts.push(liveValue(path, fallback));
		}
	});
	return `={{ ${parts.join(' + ')} }}`;
}

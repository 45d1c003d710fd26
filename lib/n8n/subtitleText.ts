/**
 * Building blocks for canvas subtitles that read as words ("abandoned after 30 min · from 5 000 Ft"). Each
 * function returns an expression fragment (JavaScript that yields a string) to put inside `{{ }}`; `expression`
 * joins fragments into a subtitle. Live values come from lib/n8n/subtitle.ts `liveValue`, so a parameter that
 * reads the workflow's Settings node shows the value typed there.
 *
 * Every fragment stays on one line and never contains two closing braces in a row: n8n shows an expression it
 * cannot parse as an empty subtitle.
 */
import { liveOf, liveValue } from './subtitle';

/** A JavaScript expression that yields a string. */
export type Fragment = string;

/** Fixed text. */
export const text = (value: string): Fragment => JSON.stringify(value);

/** The live value of the parameter at `path` ("options.validityDays"); `fallback` when it is unset. */
export const live = (path: string, fallback = ''): Fragment => liveValue(path, fallback);

/** The live value of `raw`, a value the subtitle reached itself: a field of one entry of a list parameter. */
export const liveAt = (raw: Fragment, fallback = ''): Fragment => liveOf(raw, fallback);

/** A whole number with its thousands grouped as Hungarian shops print them ("5000" → "5 000"); anything else as it is. */
export const grouped = (value: Fragment): Fragment =>
	String.raw`((s) => /^-?\d+(\.\d+)?$/.test(s) ? s.replace(/^-?\d+/, (d) => d.replace(/\B(?=(\d{3})+$)/g, "\u00a0")) : s)(${value})`;

/** An amount with its currency: "5 000 Ft" for HUF, "15 EUR" for others. */
export const money = (value: Fragment, currency: Fragment): Fragment =>
	String.raw`((v, c) => v + "\u00a0" + (String(c).trim().toUpperCase() === "HUF" ? "Ft" : String(c).trim().toUpperCase()))(${grouped(value)}, ${currency})`;

/** A count with its unit in the singular for 1: "1 day", "7 days". */
export const count = (value: Fragment, one: string, many: string): Fragment =>
	`((n) => n + (n === "1" ? ${text(` ${one}`)} : ${text(` ${many}`)}))(${grouped(value)})`;

/** An option value shown in words (`labels`); a value not listed shows as it is. */
export const choice = (value: Fragment, labels: Record<string, string>): Fragment =>
	`((v) => { const l = ${JSON.stringify(labels)}; return typeof l[v] === "string" ? l[v] : v; })(${value})`;

/**
 * The values of a multi-option parameter in words, joined with "or" / "and": "email or SMS". A list typed
 * as an expression shows as "…".
 */
export const list = (value: Fragment, labels: Record<string, string>, joiner: Fragment): Fragment =>
	`((v, j) => { const l = ${JSON.stringify(labels)}; const xs = String(v).split(",").map((x) => x.trim()).filter((x) => x); ` +
	`const w = xs.map((x) => (typeof l[x] === "string" ? l[x] : x)); ` +
	`return w.length < 2 ? w.join("") : w.slice(0, -1).join(", ") + " " + j + " " + w[w.length - 1]; })(${value}, ${joiner})`;

/** A subtitle expression from fragments, joined in order. */
export const expression = (...fragments: Fragment[]): string => `={{ ${fragments.join(' + ')} }}`;

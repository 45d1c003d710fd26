/**
 * The report in a few plain sentences, Hungarian or English: what the weekly report workflow e-mails and what the
 * report node puts first on its summary item. Only figures the store computed; the words around them are here.
 */
import { DateTime } from 'luxon';

import { formatMoney } from '../templates/helpers';
import type { ExperimentResults, Rate, Report } from './types';

export type SummaryLanguage = 'hu' | 'en';

const percent = (rate: number | null | undefined, lang: SummaryLanguage) =>
	rate === null || rate === undefined ? '–' : `${(rate * 100).toLocaleString(lang === 'hu' ? 'hu-HU' : 'en-GB', { maximumFractionDigits: 1 })}%`;
const count = (n: number, lang: SummaryLanguage) => n.toLocaleString(lang === 'hu' ? 'hu-HU' : 'en-GB');

/** "1–7 December 2026" / "2026. december 1–7." from the report's range (the last day is the one before `to`). */
export function periodText(report: Pick<Report, 'range'>, lang: SummaryLanguage): string {
	const zone = report.range.timezone;
	const from = DateTime.fromISO(report.range.from, { zone }).setLocale(lang === 'hu' ? 'hu' : 'en-GB');
	const last = DateTime.fromISO(report.range.to, { zone }).minus({ milliseconds: 1 }).setLocale(lang === 'hu' ? 'hu' : 'en-GB');
	if (lang === 'hu') {
		if (from.hasSame(last, 'day')) return from.toFormat('yyyy. LLLL d.');
		if (from.hasSame(last, 'month')) return `${from.toFormat('yyyy. LLLL d')}–${last.toFormat('d.')}`;
		if (from.hasSame(last, 'year')) return `${from.toFormat('yyyy. LLLL d.')} – ${last.toFormat('LLLL d.')}`;
		return `${from.toFormat('yyyy. LLLL d.')} – ${last.toFormat('yyyy. LLLL d.')}`;
	}
	if (from.hasSame(last, 'day')) return from.toFormat('d LLLL yyyy');
	if (from.hasSame(last, 'month')) return `${from.toFormat('d')}–${last.toFormat('d LLLL yyyy')}`;
	if (from.hasSame(last, 'year')) return `${from.toFormat('d LLLL')} – ${last.toFormat('d LLLL yyyy')}`;
	return `${from.toFormat('d LLLL yyyy')} – ${last.toFormat('d LLLL yyyy')}`;
}

const rateOf = (r: Rate) => r.rate;

/** The summary: period, carts, recovered revenue, message rates, discount cost, and each experiment's verdict. */
export function summarise(report: Report, experiments: ExperimentResults[], lang: SummaryLanguage): string[] {
	const t = report.totals;
	const money = (v: number) => formatMoney(v, report.range.currency, lang === 'hu' ? 'hu-HU' : 'en-GB');
	const lines: string[] = [];
	if (lang === 'hu') {
		lines.push(`${periodText(report, 'hu')}: ${count(t.carts_abandoned, 'hu')} elhagyott kosár (${money(t.abandoned_value)}). Az emlékeztetők után ${count(t.recovered.count, 'hu')} kosárból lett vásárlás, ${money(t.recovered_revenue)} értékben (visszaszerzési arány: ${percent(rateOf(t.recovered), 'hu')}).`);
		lines.push(`${count(t.messages_sent, 'hu')} üzenet ment ki – kézbesítés: ${percent(rateOf(t.delivered), 'hu')}, megnyitás: ${percent(rateOf(t.opened), 'hu')}, kattintás: ${percent(rateOf(t.clicked), 'hu')}, leiratkozás: ${percent(rateOf(t.opted_out), 'hu')}.`);
		lines.push(`Egy üzenetre átlagosan ${t.revenue_per_message === null ? '–' : money(t.revenue_per_message)} bevétel jutott; a beváltott kuponkódok (${count(t.codes_redeemed, 'hu')} db) összesen ${money(t.discount_cost)} kedvezményt jelentettek.`);
	} else {
		lines.push(`${periodText(report, 'en')}: ${count(t.carts_abandoned, 'en')} abandoned carts (${money(t.abandoned_value)}); ${count(t.recovered.count, 'en')} bought after a reminder: ${money(t.recovered_revenue)} (${percent(rateOf(t.recovered), 'en')}).`);
		lines.push(`${count(t.messages_sent, 'en')} messages sent; delivered ${percent(rateOf(t.delivered), 'en')}, opened ${percent(rateOf(t.opened), 'en')}, clicked ${percent(rateOf(t.clicked), 'en')}, opted out ${percent(rateOf(t.opted_out), 'en')}.`);
		lines.push(`Revenue per message: ${t.revenue_per_message === null ? '–' : money(t.revenue_per_message)}; redeemed codes cost ${money(t.discount_cost)} in discounts (${count(t.codes_redeemed, 'en')} redeemed).`);
	}
	const segments = segmentLine(report, lang, money);
	if (segments) lines.push(segments);
	for (const e of experiments) lines.push(experimentVerdict(e, lang, money));
	return lines;
}

const SEGMENT_WORDS: Record<SummaryLanguage, Record<string, string>> = {
	hu: { new: 'új vásárlók', returning: 'visszatérő vásárlók', loyal: 'törzsvásárlók', lapsed: 'alvó vásárlók', 'discount-seeker': 'kedvezményvadászok' },
	en: { new: 'new customers', returning: 'returning customers', loyal: 'loyal customers', lapsed: 'lapsed customers', 'discount-seeker': 'discount-seekers' },
};

/** Revenue after discounts per segment, biggest first: where the codes pay. Null before any cart had a segment. */
function segmentLine(report: Report, lang: SummaryLanguage, money: (v: number) => string): string | null {
	const rows = (report.segments ?? []).filter((row) => row.segment !== 'unknown' && row.carts > 0).sort((a, b) => b.net_revenue - a.net_revenue);
	if (!rows.length) return null;
	const parts = rows.map((row) => `${SEGMENT_WORDS[lang][row.segment] ?? row.segment} ${money(row.net_revenue)} (${lang === 'hu' ? 'levont kedvezmény' : 'discounts'}: ${money(row.discount_cost)})`);
	return lang === 'hu'
		? `A visszaszerzett bevétel vásárlói csoportonként, a kedvezmények levonása után: ${parts.join(', ')}.`
		: `Recovered revenue after discounts by segment: ${parts.join(', ')}.`;
}

/** One sentence per experiment: the winner and its lift against the holdout, or that none is significant yet. */
export function experimentVerdict(e: ExperimentResults, lang: SummaryLanguage, money: (v: number) => string): string {
	const points = (d: number) => (d * 100).toLocaleString(lang === 'hu' ? 'hu-HU' : 'en-GB', { maximumFractionDigits: 1 });
	const carts = e.variants.reduce((n, v) => n + v.carts, 0);
	const winner = e.variants.find((v) => v.variant === e.winner);
	if (lang === 'hu') {
		if (winner?.lift) {
			return `„${e.experiment}” kísérlet (${count(carts, 'hu')} kosár) – nyertes változat: „${winner.variant}”. Konverziója ${points(winner.lift.conversion_diff)} százalékponttal magasabb, mint a kontrollcsoporté, ami becslés szerint ${money(winner.lift.incremental_revenue)} többletbevétel.`;
		}
		if (winner) return `„${e.experiment}” kísérlet (${count(carts, 'hu')} kosár) – nyertes változat: „${winner.variant}”, szignifikánsan jobban teljesít a többinél.`;
		return `„${e.experiment}” kísérlet (${count(carts, 'hu')} kosár): egyelőre nincs szignifikáns különbség a változatok között.`;
	}
	if (winner?.lift) {
		return `Test "${e.experiment}" (${count(carts, 'en')} carts): variant "${winner.variant}" made ${points(winner.lift.conversion_diff)} percentage points more purchases than the holdout, ${money(winner.lift.incremental_revenue)} of truly incremental revenue.`;
	}
	if (winner) return `Test "${e.experiment}" (${count(carts, 'en')} carts): variant "${winner.variant}" does significantly better.`;
	return `Test "${e.experiment}" (${count(carts, 'en')} carts): no significant difference between the variants yet.`;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The summary as a small e-mail body: one paragraph per line, inline styles only (mail clients drop <style>). */
export function summaryHtml(report: Report, lines: string[], lang: SummaryLanguage): string {
	const title = lang === 'hu' ? `Kosár-visszaszerzés – ${periodText(report, 'hu')}` : `Cart recovery – ${periodText(report, 'en')}`;
	return [
		`<div style="font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1c1917;max-width:600px">`,
		`<h2 style="font-size:18px;margin:0 0 12px">${escapeHtml(title)}</h2>`,
		...lines.map((line) => `<p style="margin:0 0 10px">${escapeHtml(line)}</p>`),
		`</div>`,
	].join('\n');
}

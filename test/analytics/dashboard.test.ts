// The analytics dashboard (lib/analytics/dashboard.ts), rendered from a hand-built month of a Hungarian shop and
// read as a marketer reads it, in a real headless Chromium: the figures on the page are the fixture's, in
// Hungarian and in English; an empty report says so instead of showing NaN; untrusted text stays text; the page
// asks for nothing but itself; nothing sticks out sideways on a laptop or a phone. Screenshots go to
// .test-tmp/screenshots/dashboard-*.png, and with UPDATE_SCREENSHOTS=1 also to docs/images/dashboard.png and
// docs/images/dashboard-timeline.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type Page } from 'playwright-core';

import { renderDashboard, type DashboardInput } from '../../lib/analytics/dashboard';
import type { CartSearchResult, CartTimeline, DailyRow, ExperimentResults, FunnelRow, Rate, Report, SegmentRow } from '../../lib/analytics/types';

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, '.test-tmp', 'screenshots');
const DOC_IMAGES = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'images') : null;
const ORIGIN = 'http://dashboard.test';
const PAGE_PATH = '/webhook/cart-recovery/dashboard';
const SIGNATURE = 'sig-7f3a';

// ---------------------------------------------------------------------------------------------------------
// Fixture: November 2026 of a Hungarian coffee shop, in HUF, in Europe/Budapest.
// ---------------------------------------------------------------------------------------------------------

const rate = (count: number, of: number): Rate => ({ count, of, rate: of > 0 ? count / of : null });

const FUNNEL: FunnelRow[] = [
	{ stage: 1, channel: 'email', sent: 412, delivered: 401, opened: 176, clicked: 48, bounced: 9, failed: 2, opted_out: 3, recovered: 14, revenue: 398_750, ai_copy: 0 },
	{ stage: 1, channel: 'sms', sent: 236, delivered: 229, opened: 0, clicked: 31, bounced: 0, failed: 5, opted_out: 4, recovered: 9, revenue: 251_300, ai_copy: 0 },
	{ stage: 2, channel: 'email', sent: 351, delivered: 342, opened: 139, clicked: 37, bounced: 6, failed: 1, opted_out: 2, recovered: 8, revenue: 236_990, ai_copy: 298 },
	{ stage: 2, channel: 'whatsapp', sent: 88, delivered: 85, opened: 61, clicked: 19, bounced: 0, failed: 3, opted_out: 1, recovered: 4, revenue: 121_480, ai_copy: 88 },
	{ stage: 3, channel: 'email', sent: 297, delivered: 290, opened: 104, clicked: 22, bounced: 5, failed: 0, opted_out: 2, recovered: 5, revenue: 189_047, ai_copy: 240 },
	{ stage: 3, channel: 'messenger', sent: 21, delivered: 21, opened: 15, clicked: 4, bounced: 0, failed: 0, opted_out: 0, recovered: 1, revenue: 37_000, ai_copy: 21 },
];
const proportion = (count: number, of: number) => ({ ...rate(count, of), low: null, high: null });
// By segment: loyal customers buy with or without the reminders (lift not significant), discount-seekers cost the most per order.
const SEGMENTS: SegmentRow[] = [
	{ segment: 'new', carts: 214, held_out_carts: 24, recovered: 17, recovered_revenue: 412_300, codes_redeemed: 9, discount_cost: 38_200, net_revenue: 374_100, conversion: proportion(19, 214), held_out_conversion: proportion(1, 24), lift: { conversion_diff: 0.047, low: 0.012, high: 0.082, significant: true } },
	{ segment: 'loyal', carts: 88, held_out_carts: 10, recovered: 12, recovered_revenue: 498_700, codes_redeemed: 5, discount_cost: 14_900, net_revenue: 483_800, conversion: proportion(14, 88), held_out_conversion: proportion(1, 10), lift: { conversion_diff: 0.059, low: -0.131, high: 0.249, significant: false } },
	{ segment: 'discount-seeker', carts: 31, held_out_carts: 0, recovered: 9, recovered_revenue: 187_400, codes_redeemed: 9, discount_cost: 45_350, net_revenue: 142_050, conversion: proportion(9, 31), held_out_conversion: null, lift: null },
];
const sum = (key: keyof FunnelRow) => FUNNEL.reduce((total, row) => total + Number(row[key]), 0);
const SENT = sum('sent');
const ENROLLED = 486;
const ABANDONED = 418;
const RECOVERED = sum('recovered');
const REVENUE = sum('revenue');

/** 30 days whose columns add up to the totals: what the SQL's daily series and totals would agree on. */
function dailyRows(): DailyRow[] {
	const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
	// Whole numbers in proportion to the weights that add up exactly: each day gets its rounded running total's step.
	const spread = (total: number, weight: (i: number) => number) => {
		const weights = days.map((_, i) => weight(i));
		const whole = weights.reduce((a, b) => a + b, 0);
		let running = 0;
		return weights.map((w) => {
			const before = Math.round((total * running) / whole);
			running += w;
			return Math.round((total * running) / whole) - before;
		});
	};
	const enrolled = spread(ENROLLED, (i) => 10 + ((i * 7) % 11) + (i % 7 >= 5 ? 6 : 0));
	const sent = spread(SENT, (i) => 20 + ((i * 5) % 13));
	const recovered = spread(RECOVERED, (i) => (i % 5 === 3 ? 0 : 1 + ((i * 3) % 4)));
	const revenue = spread(REVENUE, (i) => recovered[i] * (1 + ((i * 7) % 5) / 10));
	return days.map((day, i) => ({ day, enrolled: enrolled[i], messages_sent: sent[i], recovered: recovered[i], recovered_revenue: revenue[i] }));
}

function fixtureReport(overrides: Partial<Report> = {}): Report {
	return {
		range: {
			from: '2026-10-31T23:00:00.000Z',
			to: '2026-11-30T23:00:00.000Z',
			campaign: 'novemberi-kosarak',
			currency: 'HUF',
			attribution_days: 7,
			inactivity_minutes: 30,
			timezone: 'Europe/Budapest',
		},
		totals: {
			carts_enrolled: ENROLLED,
			carts_abandoned: ABANDONED,
			abandoned_value: 9_876_540,
			other_currency_carts: 3,
			messages_sent: SENT,
			delivered: rate(sum('delivered'), SENT),
			opened: rate(sum('opened'), SENT),
			machine_opened: rate(87, SENT),
			clicked: rate(sum('clicked'), SENT),
			bounced: rate(sum('bounced'), SENT),
			failed: rate(sum('failed'), SENT),
			opted_out: rate(sum('opted_out'), SENT),
			returned: rate(117, 402),
			converted: rate(52, ABANDONED),
			recovered: rate(RECOVERED, ABANDONED),
			recovered_revenue: REVENUE,
			revenue_per_message: REVENUE / SENT,
			codes_issued: 212,
			codes_redeemed: 31,
			discount_cost: 98_450,
		},
		funnel: FUNNEL,
		skips: [
			{ reason: 'no_consent', outcome: 'skipped', stage: 1, channel: 'sms', count: 64 },
			{ reason: 'purchased', outcome: 'skipped', stage: 2, channel: 'email', count: 31 },
			{ reason: 'quiet_hours', outcome: 'deferred', stage: 1, channel: 'sms', count: 23 },
			{ reason: 'window_closed', outcome: 'skipped', stage: 2, channel: 'whatsapp', count: 12 },
			{ reason: 'frequency_cap', outcome: 'skipped', stage: 2, channel: 'email', count: 7 },
			{ reason: 'opted_out', outcome: 'skipped', stage: null, channel: null, count: 5 },
			{ reason: 'marketing_cap', outcome: 'skipped', stage: 2, channel: 'whatsapp', count: 2 },
		],
		daily: dailyRows(),
		experiments: ['Kedvezmény a második emlékeztetőben', 'Tárgysor: sürgető vagy barátságos'],
		segments: SEGMENTS,
		generated_at: '2026-12-01T07:05:00.000Z',
		...overrides,
	};
}

const EXPERIMENTS: ExperimentResults[] = [
	{
		experiment: 'Kedvezmény a második emlékeztetőben',
		range: { from: '2026-10-31T23:00:00.000Z', to: '2026-11-30T23:00:00.000Z', currency: 'HUF', attribution_days: 7 },
		holdout: 'holdout',
		winner: 'B',
		variants: [
			{ variant: 'holdout', holdout: true, carts: 142, conversion: { ...rate(9, 142), low: 0.0337, high: 0.1159 }, revenue: 251_000, revenue_per_cart: 1_768, messages_sent: 0 },
			{
				variant: 'A',
				holdout: false,
				carts: 139,
				conversion: { ...rate(13, 139), low: 0.0555, high: 0.1537 },
				revenue: 335_000,
				revenue_per_cart: 2_410,
				messages_sent: 318,
				lift: { conversion_diff: 0.031, low: -0.032, high: 0.094, significant: false, incremental_conversions: 4.3, incremental_revenue: 89_240, incremental_revenue_low: -61_500, incremental_revenue_high: 240_100 },
			},
			{
				variant: 'B',
				holdout: false,
				carts: 145,
				conversion: { ...rate(24, 145), low: 0.1139, high: 0.2345 },
				revenue: 566_225,
				revenue_per_cart: 3_905,
				messages_sent: 331,
				lift: { conversion_diff: 0.102, low: 0.031, high: 0.174, significant: true, incremental_conversions: 14.8, incremental_revenue: 309_865, incremental_revenue_low: 118_400, incremental_revenue_high: 501_300 },
			},
		],
	},
	{
		experiment: 'Tárgysor: sürgető vagy barátságos',
		range: { from: '2026-10-31T23:00:00.000Z', to: '2026-11-30T23:00:00.000Z', currency: 'HUF', attribution_days: 7 },
		holdout: null,
		winner: null,
		variants: [
			{ variant: 'sürgető', holdout: false, carts: 98, conversion: { ...rate(11, 98), low: 0.0637, high: 0.1898 }, revenue: 268_000, revenue_per_cart: 2_735, messages_sent: 240 },
			{ variant: 'barátságos', holdout: false, carts: 101, conversion: { ...rate(13, 101), low: 0.0768, high: 0.2078 }, revenue: 301_500, revenue_per_cart: 2_985, messages_sent: 247 },
		],
	},
];

const ANNA: CartTimeline['cart'] = {
	cart_id: 'shop-10482',
	customer: 'Kiss Anna',
	status: 'recovered',
	value: 24_990,
	currency: 'HUF',
	created_at: '2026-11-12T17:42:00.000Z',
	converted_at: '2026-11-14T08:15:00.000Z',
	order_value: 23_490,
	recovered_value: 23_490,
};

const SEARCH: { query: string; result: CartSearchResult } = {
	query: 'anna',
	result: {
		carts: [
			ANNA,
			{ ...ANNA, cart_id: 'shop-10519', customer: 'Nagy Anna', status: 'recovering', value: 12_480, created_at: '2026-11-20T09:03:00.000Z', converted_at: null, order_value: null, recovered_value: null },
			{ ...ANNA, cart_id: 'shop-09977', customer: 'Szabó Annamária', status: 'closed', value: 8_990, created_at: '2026-11-02T20:11:00.000Z', converted_at: null, order_value: null, recovered_value: null },
		],
	},
};

const TIMELINE: CartTimeline = {
	cart: { ...ANNA, items: [{ name: 'Etióp Yirgacheffe, 250 g', quantity: 2 }, { name: 'Kézműves kerámia bögre', quantity: 1 }] },
	entries: [
		{ at: '2026-11-12T17:42:00.000Z', kind: 'cart', detail: 'Cart created with 3 items (24 990 HUF)' },
		{ at: '2026-11-12T17:42:05.000Z', kind: 'consent', channel: 'sms', status: 'granted', detail: 'SMS consent given at checkout' },
		{ at: '2026-11-12T18:15:00.000Z', kind: 'enrolled', detail: 'Entered the recovery sequence after 30 minutes without activity' },
		{ at: '2026-11-12T18:15:01.000Z', kind: 'variant', status: 'B', detail: 'Assigned to variant B of “Kedvezmény a második emlékeztetőben”' },
		{ at: '2026-11-12T18:15:03.000Z', kind: 'message', stage: 1, channel: 'email', status: 'opened', detail: 'Sent email stage 1' },
		{ at: '2026-11-12T18:16:00.000Z', kind: 'skip', stage: 1, channel: 'sms', status: 'quiet_hours', detail: 'Waiting until 13 Nov 08:00 (quiet hours) to send SMS stage 1' },
		{ at: '2026-11-12T19:02:00.000Z', kind: 'event', stage: 1, channel: 'email', status: 'opened', detail: 'The email was opened' },
		{ at: '2026-11-13T07:00:00.000Z', kind: 'message', stage: 1, channel: 'sms', status: 'delivered', detail: 'Sent SMS stage 1' },
		{ at: '2026-11-13T18:15:00.000Z', kind: 'code', stage: 2, detail: 'Discount code KAVE-7QX2 issued: 10% off, valid for 7 days' },
		{ at: '2026-11-13T18:15:02.000Z', kind: 'message', stage: 2, channel: 'email', status: 'clicked', detail: 'Sent email stage 2' },
		{ at: '2026-11-14T08:14:00.000Z', kind: 'redeemed', detail: 'Code KAVE-7QX2 redeemed on order #55120' },
		{ at: '2026-11-13T18:40:00.000Z', kind: 'returned', detail: 'Came back to the shop after a reminder' },
		{ at: '2026-11-14T08:15:00.000Z', kind: 'purchase', detail: 'Order #55120: 23 490 HUF, recovered by email stage 2' },
	],
};

function emptyReport(): Report {
	const none: Rate = { count: 0, of: 0, rate: null };
	return {
		range: { from: '2026-11-30T23:00:00.000Z', to: '2026-12-31T23:00:00.000Z', campaign: null, currency: 'HUF', attribution_days: 7, inactivity_minutes: 30, timezone: 'Europe/Budapest' },
		totals: {
			carts_enrolled: 0,
			carts_abandoned: 0,
			abandoned_value: 0,
			other_currency_carts: 0,
			messages_sent: 0,
			delivered: none,
			opened: none,
			machine_opened: none,
			clicked: none,
			bounced: none,
			failed: none,
			opted_out: none,
			returned: none,
			converted: none,
			recovered: none,
			recovered_revenue: 0,
			revenue_per_message: null,
			codes_issued: 0,
			codes_redeemed: 0,
			discount_cost: 0,
		},
		funnel: [],
		skips: [],
		daily: [],
		experiments: [],
		generated_at: '2026-12-02T08:00:00.000Z',
	};
}

/** The serving workflow's link: this page's URL with the parameters and its signature. */
function link(params: Record<string, string>): string {
	return `${PAGE_PATH}?${new URLSearchParams({ ...params, sig: SIGNATURE })}`;
}

function input(lang: 'hu' | 'en', extra: Partial<DashboardInput> = {}): DashboardInput {
	return { lang, report: fixtureReport(), experiments: EXPERIMENTS, link, ...extra };
}

// ---------------------------------------------------------------------------------------------------------
// Expected text, formatted independently of the renderer (Intl, as the brief specifies it)
// ---------------------------------------------------------------------------------------------------------

const LOCALES = { hu: 'hu-HU', en: 'en-GB' } as const;
type Lang = keyof typeof LOCALES;
/** Intl's grouping spaces are non-breaking; the page's text is compared with plain spaces. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
const count = (lang: Lang, n: number) => plain(new Intl.NumberFormat(LOCALES[lang], { useGrouping: 'always' }).format(n));
const one = (lang: Lang, n: number) => plain(new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n));
const pct = (lang: Lang, r: number) => `${one(lang, r * 100)}%`;
const money = (lang: Lang, n: number) =>
	plain(new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency: 'HUF', useGrouping: 'always', minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(n));

interface PageText {
	kpis: Array<{ label: string; value: string; meta: string[] }>;
	steps: Array<{ label: string; count: string; note: string }>;
	tables: Array<{ className: string; rows: string[][] }>;
	verdicts: string[];
	text: string;
	/** The page's text without the parts marked as another language (the timeline's English system notes, "English"). */
	ownLanguageText: string;
}

const READ_PAGE = `(() => {
	const t = (el) => el ? el.innerText.replace(/[\\u00a0\\u202f]/g, ' ').replace(/\\s+/g, ' ').trim() : '';
	const body = document.body.cloneNode(true);
	body.querySelectorAll('[lang]').forEach((el) => { if (el.getAttribute('lang') !== document.documentElement.lang) el.remove(); });
	const holder = document.createElement('div');
	holder.style.position = 'absolute'; holder.style.left = '-10000px';
	holder.appendChild(body); document.documentElement.appendChild(holder);
	const ownLanguageText = t(body);
	holder.remove();
	return {
		kpis: [...document.querySelectorAll('.kpi')].map((k) => ({ label: t(k.querySelector('.kpi-label')), value: t(k.querySelector('.kpi-value')), meta: [...k.querySelectorAll('.kpi-meta')].map(t) })),
		steps: [...document.querySelectorAll('.funnel .step')].map((s) => ({ label: t(s.querySelector('.step-label')), count: t(s.querySelector('.step-count')), note: t(s.querySelector('.step-note')) })),
		tables: [...document.querySelectorAll('table')].map((tb) => ({ className: tb.className, rows: [...tb.querySelectorAll('tr')].map((r) => [...r.children].map(t)) })),
		verdicts: [...document.querySelectorAll('.verdict')].map(t),
		text: t(document.body),
		ownLanguageText,
	};
})()`;

/** Elements sticking out to the right of the viewport, outside any box that scrolls or clips sideways. */
const OVERFLOW = `(() => {
	const doc = document.documentElement;
	const width = doc.clientWidth;
	const clipped = (el) => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; } return false; };
	const out = [...document.body.querySelectorAll('*')].filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > width + 1 || r.left < -1) && !clipped(el); })
		.slice(0, 5).map((el) => el.tagName.toLowerCase() + '.' + String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className) + ' ' + Math.round(el.getBoundingClientRect().right));
	return { scrollWidth: doc.scrollWidth, clientWidth: width, bodyScrollWidth: document.body.scrollWidth, out };
})()`;

// ---------------------------------------------------------------------------------------------------------
// The browser: every request is answered here, so one from the page to anywhere else shows up
// ---------------------------------------------------------------------------------------------------------

let browser: Browser;
/** Renders what the page's URL asks for, as the serving workflow would. */
const served = new Map<string, DashboardInput>();

async function openPage(width: number, page_input: DashboardInput): Promise<{ page: Page; requests: string[] }> {
	// The browser's locale follows the page's language, so the date inputs read as the marketer's browser shows them.
	const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1, locale: page_input.lang === 'en' ? 'en-GB' : 'hu-HU' });
	const requests: string[] = [];
	await page.route('**/*', async (route) => {
		const url = route.request().url();
		requests.push(url);
		const parsed = new URL(url);
		if (parsed.origin === ORIGIN && parsed.pathname === PAGE_PATH) {
			const lang = parsed.searchParams.get('lang') === 'en' ? 'en' : 'hu';
			const q = parsed.searchParams.get('q');
			const fixture = served.get(parsed.searchParams.get('fixture') ?? '');
			// The first load renders the test's input as it is; the page's own links and form search the sample carts.
			const body = renderDashboard(
				fixture
					? { ...fixture, lang }
					: { ...page_input, lang, search: q ? { query: q, result: { carts: SEARCH.result.carts.filter((c) => c.customer.toLowerCase().includes(q.toLowerCase())) } } : null },
			);
			await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body });
		} else {
			await route.abort();
		}
	});
	const key = `p${served.size}`;
	served.set(key, page_input);
	await page.goto(`${ORIGIN}${PAGE_PATH}?${new URLSearchParams({ lang: page_input.lang, fixture: key })}`);
	return { page, requests };
}

async function read(page: Page): Promise<PageText> {
	return (await page.evaluate(READ_PAGE)) as PageText;
}

async function assertFits(page: Page, what: string) {
	const r = (await page.evaluate(OVERFLOW)) as { scrollWidth: number; clientWidth: number; bodyScrollWidth: number; out: string[] };
	assert.ok(r.scrollWidth <= r.clientWidth && r.bodyScrollWidth <= r.clientWidth, `${what}: the page scrolls sideways (${r.scrollWidth} > ${r.clientWidth}): ${r.out.join(', ')}`);
	assert.deepEqual(r.out, [], `${what}: elements stick out of the viewport`);
}

async function screenshot(page: Page, name: string, docName?: string) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
	if (DOC_IMAGES && docName) await page.screenshot({ path: path.join(DOC_IMAGES, docName), fullPage: true });
}

before(async () => {
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
});

after(async () => {
	await browser?.close().catch(() => undefined);
});

// ---------------------------------------------------------------------------------------------------------
// The figures
// ---------------------------------------------------------------------------------------------------------

const expectedKpis = (lang: Lang) => {
	const t = fixtureReport().totals;
	return [
		{ value: money(lang, REVENUE), meta: [money(lang, t.abandoned_value)] },
		{ value: count(lang, RECOVERED), meta: [pct(lang, RECOVERED / ABANDONED), `${RECOVERED} / ${ABANDONED}`] },
		{ value: pct(lang, 52 / ABANDONED), meta: [`52 / ${ABANDONED}`] },
		{ value: pct(lang, 117 / 402), meta: ['117 / 402'] },
		{ value: count(lang, SENT), meta: [pct(lang, sum('delivered') / SENT), `${count(lang, sum('delivered'))} / ${count(lang, SENT)}`] },
		{ value: money(lang, REVENUE / SENT), meta: [`${money(lang, REVENUE)} / ${count(lang, SENT)}`] },
		{ value: money(lang, 98_450), meta: ['31 / 212'] },
		{ value: count(lang, ABANDONED), meta: [pct(lang, ABANDONED / ENROLLED), `${ABANDONED} / ${ENROLLED}`] },
	];
};

const expectedSteps = (lang: Lang) => [
	{ count: count(lang, ABANDONED), note: pct(lang, ABANDONED / ENROLLED) },
	{ count: count(lang, SENT), note: one(lang, SENT / ABANDONED) },
	{ count: count(lang, sum('delivered')), note: pct(lang, sum('delivered') / SENT) },
	{ count: count(lang, sum('opened')), note: pct(lang, sum('opened') / SENT) },
	{ count: count(lang, sum('clicked')), note: pct(lang, sum('clicked') / SENT) },
	{ count: '117', note: pct(lang, 117 / 402) },
	{ count: count(lang, RECOVERED), note: pct(lang, RECOVERED / ABANDONED) },
];

const funnelCells = (lang: Lang, r: Omit<FunnelRow, 'stage' | 'channel'> & { channel?: string }) => [
	count(lang, r.sent),
	pct(lang, r.delivered / r.sent),
	// SMS tells no opens: a dash rather than 0%.
	r.channel === 'sms' ? '–' : pct(lang, r.opened / r.sent),
	pct(lang, r.clicked / r.sent),
	count(lang, r.bounced),
	count(lang, r.opted_out),
	count(lang, r.recovered),
	money(lang, r.revenue),
	count(lang, r.ai_copy),
];

function assertFigures(lang: Lang, seen: PageText) {
	const kpis = expectedKpis(lang);
	assert.equal(seen.kpis.length, kpis.length, 'eight KPI cards');
	kpis.forEach((expected, i) => {
		assert.equal(seen.kpis[i].value, expected.value, `KPI "${seen.kpis[i].label}"`);
		for (const part of expected.meta) assert.ok(seen.kpis[i].meta.join(' ').includes(part), `KPI "${seen.kpis[i].label}" shows ${part}: ${seen.kpis[i].meta.join(' | ')}`);
	});
	const steps = expectedSteps(lang);
	assert.equal(seen.steps.length, steps.length, 'seven funnel steps');
	steps.forEach((expected, i) => {
		assert.equal(seen.steps[i].count, expected.count, `funnel step "${seen.steps[i].label}"`);
		assert.ok(seen.steps[i].note.includes(expected.note), `funnel step "${seen.steps[i].label}" shows ${expected.note}: ${seen.steps[i].note}`);
	});
	const funnelTable = seen.tables.find((t) => t.className === 'funnel-table')!;
	assert.ok(funnelTable, 'the funnel table');
	const body = funnelTable.rows.slice(1);
	assert.equal(body.length, FUNNEL.length + 1, 'a row per stage and channel, and the total');
	FUNNEL.forEach((row, i) => assert.deepEqual(body[i].slice(2), funnelCells(lang, row), `funnel row ${row.stage} ${row.channel}`));
	const totals = { sent: SENT, delivered: sum('delivered'), opened: sum('opened'), clicked: sum('clicked'), bounced: sum('bounced'), failed: sum('failed'), opted_out: sum('opted_out'), recovered: RECOVERED, revenue: REVENUE, ai_copy: sum('ai_copy') };
	assert.deepEqual(body[FUNNEL.length].slice(1), funnelCells(lang, totals), 'the total row');

	const experiment = seen.tables.filter((t) => t.className === 'experiment-table')[0];
	const [holdout, a, b] = experiment.rows.slice(1).map((cells) => cells.join(' | '));
	for (const part of ['142', pct(lang, 9 / 142), money(lang, 1_768)]) assert.ok(holdout.includes(part), `holdout row shows ${part}: ${holdout}`);
	for (const part of ['139', pct(lang, 13 / 139), money(lang, 2_410), `+${one(lang, 3.1)}`, `+${money(lang, 89_240)}`, `−${money(lang, 61_500)}`]) assert.ok(a.includes(part), `variant A shows ${part}: ${a}`);
	for (const part of ['145', pct(lang, 24 / 145), money(lang, 3_905), `+${one(lang, 10.2)}`, `+${money(lang, 309_865)}`, `+${one(lang, 14.8)}`]) assert.ok(b.includes(part), `variant B shows ${part}: ${b}`);

	const segments = seen.tables.find((t) => t.className === 'segments-table')!;
	assert.ok(segments, 'the table by segment');
	const names = lang === 'hu' ? ['Új vásárlók', 'Törzsvásárlók', 'Kedvezményvadászok'] : ['New customers', 'Loyal customers', 'Discount-seekers'];
	SEGMENTS.forEach((row, i) => {
		const cells = segments.rows[i + 1];
		assert.deepEqual(cells.slice(0, 2), [names[i], count(lang, row.carts)], `segment row ${row.segment}`);
		assert.ok(cells[2].startsWith(count(lang, row.recovered)) && cells[2].includes(pct(lang, row.recovered / row.carts)), `${row.segment}: recovered ${cells[2]}`);
		assert.deepEqual(cells.slice(3, 6), [money(lang, row.recovered_revenue), money(lang, row.discount_cost), money(lang, row.net_revenue)], `${row.segment}: revenue, discounts, after discounts`);
	});
	assert.ok(segments.rows[1][6].includes(`+${one(lang, 4.7)}`) && segments.rows[1][6].includes(lang === 'hu' ? 'szignifikáns' : 'significant'), `new customers' lift: ${segments.rows[1][6]}`);
	assert.ok(segments.rows[2][6].includes(lang === 'hu' ? 'nem szignifikáns' : 'not significant'), `loyal customers' lift: ${segments.rows[2][6]}`);
	assert.equal(segments.rows[3][6], lang === 'hu' ? 'nincs kontrollcsoport' : 'no holdout');

	const skips = seen.tables.find((t) => t.className === 'skips-table')!;
	assert.deepEqual(skips.rows.slice(1).map((cells) => cells[4]), ['64', '31', '23', '12', '7', '5', '2'], 'skip counts, most first');
	assert.equal(skips.rows.at(-1)![0], 'marketing_cap', 'an unknown reason is shown as given');
}

describe('the figures', () => {
	test('Hungarian: every KPI, funnel count, experiment and skip figure of the fixture is on the page', async () => {
		const { page } = await openPage(1280, input('hu'));
		const seen = await read(page);
		assertFigures('hu', seen);
		// The formats the brief asks for, literally.
		assert.equal(seen.kpis[0].value, '1 234 567 Ft');
		assert.equal(seen.kpis[1].meta[0], '9,8% visszaszerzési arány');
		assert.match(seen.text, /Kosár-visszaszerzés – eredmények/);
		assert.match(seen.text, /2026\. nov\. 1\. – 2026\. nov\. 30\./, 'the range, its exclusive end shown as the last day');
		assert.match(seen.text, /Kampány: novemberi-kosarak/);
		assert.equal(
			seen.verdicts[0],
			'A nyertes változat („B”) konverziója 10,2 százalékponttal magasabb, mint a kontrollcsoporté (95%-os intervallum: 3,1–17,4 százalékpont) – ez szignifikáns különbség. Becsült többletbevétel: +309 865 Ft (95%-os intervallum: 118 400 Ft és 501 300 Ft között).',
		);
		assert.match(seen.verdicts[1], /^Ebben a kísérletben nincs kontrollcsoport, .* A legjobban konvertáló változat: „barátságos” \(12,9%\)\.$/);
		for (const label of ['Nincs hozzájárulás ehhez a csatornához', 'Csendes időszak, később ment ki', 'A vásárló közben leadta a rendelést', 'Lejárt a 24 órás válaszablak (WhatsApp, Messenger)'])
			assert.ok(seen.text.includes(label), `skip reason "${label}"`);
		assert.match(seen.text, /3 kosár más pénznemben volt/);
		assert.match(seen.text, /Az automatikus megnyitásokat \(87 db,/);
		// Hungarian as a native speaker writes it: no "a(z)", and no English words outside the English-marked notes.
		assert.doesNotMatch(seen.text, /\ba\(z\)/i);
		assert.doesNotMatch(seen.ownLanguageText, /\b(the|and|of|cart|carts|message|messages|sent|stage|revenue|recovered|delivered|opened|clicked|skipped|winner|significant|total)\b/i);
		// The language switch and the chart are there.
		assert.equal(await page.locator('nav.languages a[aria-current]').innerText(), 'Magyar');
		assert.equal(await page.locator('svg.plot title').first().textContent(), 'Visszaszerzett bevétel naponta, 2026. nov. 1. – 2026. nov. 30.');
		assert.equal(await page.locator('svg.plot rect.bar-revenue').count(), fixtureReport().daily.filter((d) => d.recovered_revenue > 0).length, 'a bar per day with revenue');
		await screenshot(page, 'dashboard-hu-1280.png', 'dashboard.png');
		await page.close();
	});

	test('English: the same figures, English formats and words', async () => {
		const { page } = await openPage(1280, input('en'));
		const seen = await read(page);
		assertFigures('en', seen);
		assert.equal(seen.kpis[0].value, 'HUF 1,234,567');
		assert.equal(seen.kpis[1].meta[0], '9.8% recovery rate');
		assert.match(seen.text, /Cart recovery – results/);
		assert.match(seen.text, /1 Nov 2026 – 30 Nov 2026/);
		assert.equal(
			seen.verdicts[0],
			'The winning variant (“B”) brought 10.2 percentage points more purchases than the holdout group (95% interval: 3.1–17.4 points) – a significant difference. Estimated incremental revenue: +HUF 309,865 (95% interval: HUF 118,400 to HUF 501,300).',
		);
		assert.ok(seen.text.includes('No consent for this channel') && seen.text.includes('Quiet hours, sent later'));
		assert.equal(await page.locator('html').getAttribute('lang'), 'en');
		await screenshot(page, 'dashboard-en-1280.png');
		await page.close();
	});

	test('a non-significant best variant is called what it is, with its interval', async () => {
		const experiments: ExperimentResults[] = [{ ...EXPERIMENTS[0], winner: null, variants: EXPERIMENTS[0].variants.filter((v) => v.variant !== 'B') }];
		const hu = renderDashboard(input('hu', { experiments }));
		assert.ok(
			hu.includes(
				'Egyik változat sem hozott szignifikánsan több vásárlást, mint a kontrollcsoport. A legjobb változat („A”) konverziója 3,1 százalékponttal magasabb, mint a kontrollcsoporté (95%-os intervallum: −3,2 és +9,4 százalékpont között) – ez nem szignifikáns, akár a véletlen műve is lehet.',
			),
		);
		const en = renderDashboard(input('en', { experiments }));
		assert.ok(en.includes('(95% interval: −3.2 to +9.4 points) – not significant, it may be chance.'));
	});
});

describe('search and cart timeline', () => {
	test('the matches link to their carts; the timeline shows the cart’s history in Budapest time, translated', async () => {
		const { page } = await openPage(1280, input('hu', { search: SEARCH, timeline: TIMELINE }));
		const seen = await read(page);
		const results = seen.tables.find((t) => t.className === 'search-table')!;
		assert.deepEqual(
			results.rows.slice(1).map((r) => r[0]),
			['Kiss Anna', 'Nagy Anna', 'Szabó Annamária'],
		);
		assert.deepEqual(results.rows[1], ['Kiss Anna', 'shop-10482', 'visszaszerezve', '24 990 Ft', '2026. nov. 12.']);
		const href = await page.locator('.search-table a', { hasText: 'Nagy Anna' }).getAttribute('href');
		const linked = new URL(href!, ORIGIN).searchParams;
		assert.equal(linked.get('cart'), 'shop-10519');
		assert.equal(linked.get('q'), 'anna');
		assert.equal(linked.get('sig'), SIGNATURE, 'links are the serving workflow’s (signed)');
		assert.deepEqual([linked.get('from'), linked.get('to'), linked.get('lang')], ['2026-11-01', '2026-11-30', 'hu']);
		assert.match(seen.text, /3 találat erre: „anna”/);

		const entries = page.locator('.timeline .entry');
		assert.equal(await entries.count(), TIMELINE.entries.length);
		assert.equal(plain(await entries.nth(0).locator('.entry-time').innerText()), '2026. nov. 12. 18:42', 'UTC 17:42 is 18:42 in Budapest');
		assert.equal(plain(await entries.nth(5).locator('.entry-head').innerText()), 'Elhalasztott üzenet SMS 1. lépés Csendes időszak, később ment ki');
		assert.equal(plain(await entries.nth(9).locator('.entry-head').innerText()), 'Üzenet E-mail 2. lépés kattintott');
		assert.equal(await entries.nth(9).locator('.entry-detail [lang="en"]').innerText(), 'Sent email stage 2', 'the store’s English note, marked as English');
		assert.match(seen.text, /Visszaszerzett érték 23 490 Ft/);
		assert.match(seen.text, /Termékek Etióp Yirgacheffe, 250 g × 2, Kézműves kerámia bögre × 1/);
		assert.equal(plain(await page.locator('.timeline .entry.kind-returned .entry-head').innerText()), 'Visszatért a boltba', 'the customer’s return, with its own icon');
		await screenshot(page, 'dashboard-timeline-hu-1280.png');
		if (DOC_IMAGES) {
			// The search and the timeline, with the page's header above them: what a marketer sees after searching.
			const bottom = await page.locator('#cart').boundingBox();
			await page.screenshot({ path: path.join(DOC_IMAGES, 'dashboard-timeline.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom!.y + bottom!.height + 14) } });
		}
		await page.close();
	});

	test('English timeline', async () => {
		const { page } = await openPage(1280, input('en', { search: SEARCH, timeline: TIMELINE }));
		const entries = page.locator('.timeline .entry');
		assert.equal(plain(await entries.nth(0).locator('.entry-time').innerText()), '12 Nov 2026, 18:42');
		assert.equal(plain(await entries.nth(5).locator('.entry-head').innerText()), 'Message postponed SMS Stage 1 Quiet hours, sent later');
		assert.equal(await entries.nth(9).locator('.entry-detail').innerText(), 'Sent email stage 2');
		await page.close();
	});

	test('no match says so', async () => {
		const { page } = await openPage(390, input('hu', { search: { query: 'zsófi', result: { carts: [] } } }));
		const seen = await read(page);
		assert.match(seen.text, /Nincs találat erre: „zsófi”\. Kereshetsz kosárazonosítóra, e-mail-címre, telefonszámra vagy keresztnévre\./);
		await page.close();
	});

	test('the language switch and the form keep the view and the signature', async () => {
		const { page } = await openPage(1280, input('hu'));
		await page.locator('nav.languages a[hreflang="en"]').click();
		await page.waitForLoadState();
		assert.equal(await page.locator('h1').innerText(), 'Cart recovery – results');
		const url = new URL(page.url());
		assert.deepEqual([url.searchParams.get('lang'), url.searchParams.get('from'), url.searchParams.get('to'), url.searchParams.get('campaign'), url.searchParams.get('sig')], ['en', '2026-11-01', '2026-11-30', 'novemberi-kosarak', SIGNATURE]);
		await page.locator('input[name="q"]').fill('Nagy');
		await page.locator('form.filters button').click();
		await page.waitForLoadState();
		const submitted = new URL(page.url()).searchParams;
		assert.deepEqual([submitted.get('q'), submitted.get('lang'), submitted.get('sig'), submitted.get('from')], ['Nagy', 'en', SIGNATURE, '2026-11-01']);
		assert.match(plain(await page.locator('#search-title').innerText()), /^1 match for “Nagy”$/);
		await page.close();
	});
});

describe('empty and hostile data', () => {
	test('an empty report says there is no data yet, never NaN, undefined or Infinity', async () => {
		const newShop = emptyReport();
		newShop.daily = [{ day: '2026-12-01', enrolled: 0, messages_sent: 0, recovered: 0, recovered_revenue: 0 }];
		newShop.experiments = ['Első kísérlet'];
		for (const lang of ['hu', 'en'] as const) {
			for (const [name, report] of [['empty', emptyReport()], ['new shop', newShop]] as const) {
				const markup = renderDashboard({ lang, report, experiments: [], link });
				assert.doesNotMatch(markup, /NaN|undefined|Infinity/, `${lang} ${name}: the markup`);
				const { page } = await openPage(390, { lang, report, experiments: [], link });
				const seen = await read(page);
				assert.doesNotMatch(seen.text, /NaN|undefined|Infinity|null/, `${lang} ${name}: the text`);
				assert.ok(seen.kpis.every((k) => k.value === '–' || /^(0|0 Ft|HUF 0|–|)$/.test(k.value) || /^0[.,]0%$/.test(k.value)), `${lang} ${name}: ${JSON.stringify(seen.kpis)}`);
				const noData = {
					hu: { empty: 'Ebben az időszakban még nincs adat.', 'new shop': 'Ebben az időszakban még nincs visszaszerzett bevétel.', skips: 'Nincs kimaradt vagy elhalasztott üzenet.', funnel: 'Ebben az időszakban még nem volt elhagyott kosár, és nem ment ki üzenet.' },
					en: { empty: 'No data for this period yet.', 'new shop': 'No recovered revenue in this period yet.', skips: 'No skipped or postponed messages.', funnel: 'No cart was abandoned and no message was sent in this period yet.' },
				}[lang];
				for (const state of [noData[name], noData.skips, noData.funnel]) assert.ok(seen.text.includes(state), `${lang} ${name}: "${state}" in ${seen.text}`);
				if (name === 'new shop') assert.ok(seen.text.includes(lang === 'hu' ? 'Ehhez a kísérlethez még nincs eredmény.' : 'No results for this experiment yet.'));
				else assert.ok(seen.text.includes(lang === 'hu' ? 'Ebben az időszakban nem futott kísérlet.' : 'No experiment ran in this period.'));
				await assertFits(page, `${lang} ${name} at 390 px`);
				if (lang === 'hu' && name === 'empty') await screenshot(page, 'dashboard-empty-hu-390.png');
				await page.close();
			}
		}
	});

	test('HTML in a customer name, the query, a skip reason, a campaign or an experiment stays text', async () => {
		const attack = `<script>window.__pwned = 1</script><img src="/x.png" onerror="window.__pwned = 2">`;
		const report = fixtureReport({ range: { ...fixtureReport().range, campaign: `"><svg onload="window.__pwned = 3">` } });
		report.skips = [{ reason: `<b>quota</b>${attack}`, outcome: 'skipped', stage: 1, channel: `<i>sms</i>`, count: 4 }];
		const evil: CartTimeline['cart'] = { ...ANNA, customer: `Anna ${attack}`, cart_id: `x"><script>window.__pwned = 4</script>`, items: [{ name: `Bögre ${attack}`, quantity: 1 }] };
		const hostile = input('hu', {
			report,
			experiments: [{ ...EXPERIMENTS[0], experiment: `Kísérlet ${attack}`, variants: EXPERIMENTS[0].variants.map((v) => (v.variant === 'A' ? { ...v, variant: `A${attack}` } : v)) }],
			search: { query: `"'><script>window.__pwned = 5</script>`, result: { carts: [evil] } },
			timeline: { cart: evil, entries: [{ at: '2026-11-12T17:42:00.000Z', kind: 'event', channel: 'sms', status: `<u>odd</u>${attack}`, detail: `Reply: ${attack}` }] },
		});
		const markup = renderDashboard(hostile);
		assert.doesNotMatch(markup, /<script|<img|<svg onload|<b>|<i>sms|<u>/i, 'no markup of the data survives');
		const { page, requests } = await openPage(1280, hostile);
		assert.equal(await page.evaluate('window.__pwned'), undefined, 'no injected script or handler ran');
		assert.equal(await page.locator('script, img, [onerror], [onload]').count(), 0);
		const seen = await read(page);
		assert.ok(seen.text.includes(`Anna ${attack}`), 'the name shows as the customer typed it');
		assert.ok(seen.text.includes(`<b>quota</b>${attack}`), 'the unknown skip reason shows as given');
		assert.ok(seen.text.includes(`Bögre ${attack} × 1`), 'a product title from the shop shows as text');
		assert.ok(seen.text.includes(`„"'><script>window.__pwned = 5</script>”`), 'the query shows as typed');
		assert.equal(await page.locator('input[name="q"]').inputValue(), `"'><script>window.__pwned = 5</script>`, 'the search box keeps the query as its value');
		const cartLink = new URL((await page.locator('.search-table a').getAttribute('href'))!, ORIGIN);
		assert.equal(cartLink.searchParams.get('cart'), evil.cart_id, 'the link carries the id intact');
		assert.deepEqual(requests, [page.url()], 'the inert <img> asked for nothing');
		await page.close();
	});
});

describe('a page on its own', () => {
	test('no request leaves the page: no CDN, font, script, style or image', async () => {
		const markup = renderDashboard(input('hu', { search: SEARCH, timeline: TIMELINE }));
		assert.doesNotMatch(markup, /\s(src|srcset)=|<link(?![^>]*rel="icon" href="data:)|@import|url\(|<script/i, 'no reference to another resource');
		assert.match(markup, /^<!doctype html>\n<html lang="hu">/);
		const { page, requests } = await openPage(1280, input('hu', { search: SEARCH, timeline: TIMELINE }));
		await page.waitForLoadState('networkidle');
		assert.deepEqual(requests, [page.url()]);
		await page.close();
	});

	for (const width of [1280, 390]) {
		test(`nothing overflows sideways at ${width} px`, async () => {
			for (const lang of ['hu', 'en'] as const) {
				const { page } = await openPage(width, input(lang, { search: SEARCH, timeline: TIMELINE }));
				await assertFits(page, `${lang} at ${width} px`);
				// The print layout too: A4 portrait is about 794 CSS px wide.
				if (width === 1280) {
					await page.emulateMedia({ media: 'print' });
					await page.setViewportSize({ width: 794, height: 1123 });
					await assertFits(page, `${lang} printed`);
				}
				if (width === 390) await screenshot(page, `dashboard-${lang}-390.png`);
				await page.close();
			}
		});
	}
});

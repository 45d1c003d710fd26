// The shipped analytics workflows in a real n8n server with our package installed, on the hand-worked fixture
// (./fixture.ts, whose figures report.test.ts proves): the dashboard page behind its login (none or a wrong
// password: no page), its figures read in headless Chromium and compared with the store's report, the search and
// a cart's timeline, a bad link answered 400; and the weekly report workflow e-mailing the week's summary to a
// loopback SMTP server (the test's copy starts it from a webhook instead of Monday 8:00; everything else as shipped).
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type BrowserContext } from 'playwright-core';

import { CartRecoveryStore, closeAllStores, PostgresTransport } from '../../lib/store';
import { startSmtpFake, type SmtpFake } from '../fakes/smtp';
import { ROOT, startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { shippedWorkflow } from '../e2e/workflows';
import { RANGE, seedFixture } from './fixture';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'images') : path.join(ROOT, '.test-tmp', 'screenshots');
const LOGIN = { username: 'marketing', password: 'kosar-2026-titok' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const PAGE = '/webhook/cart-recovery/dashboard';
/** The fixture's week, as the page's link carries it. */
const WEEK = 'from=2026-11-01&to=2026-11-07';

let db: TestDatabase;
let store: CartRecoveryStore;
let smtp: SmtpFake;
let n8n: N8nServer;
let context: BrowserContext;
let profile: string;

const dashboard = shippedWorkflow('dashboard');
const weekly = shippedWorkflow('weekly-report');

before(async () => {
	db = await freshDatabase('analytics_dashboard');
	store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url }));
	await store.ready();
	await seedFixture(db.pool, store);
	smtp = await startSmtpFake();

	// The weekly report as shipped, started by a webhook (the test cannot wait for Monday) and filled in as a
	// marketer would; its period is the fixture's week instead of last week.
	const weeklyCopy = structuredClone(weekly);
	const schedule = weeklyCopy.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger')!;
	Object.assign(schedule, { type: 'n8n-nodes-base.webhook', typeVersion: 2.1, parameters: { httpMethod: 'POST', path: 'test/weekly-report', options: {} }, webhookId: 'e1f2a3b4-0000-4c55-9a01-5e7d00000099' });
	const settings = weeklyCopy.nodes.find((n) => n.name === 'Report Settings')!;
	for (const a of settings.parameters.assignments.assignments) {
		a.value = { send_to: 'tulajdonos@cipobolt.example.hu', send_from: 'riport@cipobolt.example.hu', language: 'hu', dashboard_url: 'https://n8n.cipobolt.example.hu/webhook/cart-recovery/dashboard', currency: 'HUF' }[a.name as string] ?? a.value;
	}
	const reportNode = weeklyCopy.nodes.find((n) => n.type === 'n8n-nodes-cart-recovery.recoveryReport')!;
	assert.equal(reportNode.parameters.period, 'lastWeek', 'shipped: last week (Monday to Sunday)');
	Object.assign(reportNode.parameters, { period: 'custom', from: '2026-11-01', to: '2026-11-07' });

	const refs = new Map<string, { id: string; name: string; type: string }>();
	for (const wf of [dashboard, weeklyCopy]) for (const n of wf.nodes) for (const [type, ref] of Object.entries(n.credentials ?? {})) refs.set(ref.id, { ...(ref as { id: string; name: string }), type });
	const values: Record<string, Record<string, unknown>> = {
		cartRecoveryStoreApi: { ...db.credentials },
		httpBasicAuth: { user: LOGIN.username, password: LOGIN.password },
		smtp: { user: '', password: '', host: smtp.host, port: smtp.port, secure: false, disableStartTls: true },
	};
	const credentials = [...refs.values()].map((ref) => {
		assert.ok(values[ref.type], `test values for the shipped credential ${ref.type}`);
		return { ...ref, data: values[ref.type] };
	});
	n8n = await startN8n({ label: 'dashboard', credentials, workflows: [dashboard, weeklyCopy] });

	profile = mkdtempSync(path.join(os.tmpdir(), 'cart-recovery-chromium-'));
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1280, height: 900 },
		httpCredentials: LOGIN,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
});

after(async () => {
	await context?.close().catch(() => undefined);
	if (profile) rmSync(profile, { recursive: true, force: true });
	await n8n?.stop();
	await smtp?.close();
	await closeAllStores();
	await store?.close();
	await db?.drop();
});

const squash = (text: string) => text.replace(/[\u00a0\u202f\s]+/g, ' ');

describe('the dashboard page', () => {
	test('no login, a wrong password: no page', async () => {
		const none = await n8n.request(`${PAGE}?${WEEK}`);
		assert.equal(none.status, 401);
		assert.doesNotMatch(await none.text(), /Kosár|32/);
		const wrong = await n8n.request(`${PAGE}?${WEEK}`, { headers: { authorization: basic(LOGIN.username, 'guess') } });
		assert.ok([401, 403].includes(wrong.status), `wrong password → ${wrong.status}`);
	});

	test('with the login: the figures on the page are the store’s (read in Chromium), in Hungarian and English', async () => {
		const report = await store.report(RANGE);
		const res = await n8n.request(`${PAGE}?${WEEK}`, { headers: { authorization: basic(LOGIN.username, LOGIN.password) } });
		assert.equal(res.status, 200);
		assert.match(res.headers.get('content-type') ?? '', /text\/html/);
		// n8n serves a webhook's HTML under its own sandbox policy (no script may run with n8n's origin); the page needs none.
		assert.match(res.headers.get('content-security-policy') ?? '', /^sandbox\b/);
		assert.equal(res.headers.get('cache-control'), 'no-store');

		const page = await context.newPage();
		const requested: string[] = [];
		page.on('request', (r) => requested.push(r.url()));
		await page.goto(n8n.webhookUrl(`cart-recovery/dashboard?${WEEK}`));
		const text = squash(await page.locator('body').innerText());
		// Grouped from the thousands, as the page groups every amount ("3 500 Ft").
		const huf = (v: number) => squash(new Intl.NumberFormat('hu-HU', { style: 'currency', currency: 'HUF', maximumFractionDigits: 0, useGrouping: 'always' } as Intl.NumberFormatOptions).format(v));
		assert.ok(text.includes(huf(report.totals.recovered_revenue)), `recovered revenue ${huf(report.totals.recovered_revenue)} on the page`);
		assert.ok(text.includes(huf(report.totals.discount_cost)), 'discount cost');
		for (const n of [report.totals.messages_sent, report.totals.carts_abandoned]) assert.match(text, new RegExp(`\\b${n}\\b`));
		assert.match(text, /Kosár-visszaszerzés/);
		assert.match(text, /no_consent|hozzájárulás/i, 'the skip reason is shown');
		assert.deepEqual(requested.filter((u) => !u.startsWith(n8n.baseUrl)), [], 'nothing is loaded from outside');
		mkdirSync(SHOTS, { recursive: true });
		await page.screenshot({ path: path.join(SHOTS, 'dashboard-n8n.png'), fullPage: true });

		await page.goto(n8n.webhookUrl(`cart-recovery/dashboard?${WEEK}&lang=en`));
		const en = squash(await page.locator('body').innerText());
		assert.match(en, /Cart recovery/);
		await page.close();
	});

	test('the search finds the customer, and one match opens the cart’s timeline', async () => {
		const page = await context.newPage();
		await page.goto(n8n.webhookUrl(`cart-recovery/dashboard?${WEEK}&q=${encodeURIComponent('c2@example.hu')}`));
		const text = squash(await page.locator('body').innerText());
		assert.match(text, /c2/);
		const timeline = await store.cartTimeline('c2');
		assert.ok(timeline.found);
		assert.match(text, /sms/i, 'the SMS of stage 2 is on the timeline');
		await page.close();
	});

	test('a link with a wrong date: 400, and the page says what was wrong', async () => {
		const res = await n8n.request(`${PAGE}?from=2026-13-45&to=2026-11-07`, { headers: { authorization: basic(LOGIN.username, LOGIN.password) } });
		assert.equal(res.status, 400);
		assert.match(squash(await res.text()), /From must be a date/);
	});

	test('a NUL byte or an overlong search in a link: 400 with the page, never a store error (503)', async () => {
		const auth = { authorization: basic(LOGIN.username, LOGIN.password) };
		const nul = await n8n.request(`${PAGE}?${WEEK}&q=anna%00x&campaign=%00`, { headers: auth });
		assert.equal(nul.status, 400);
		assert.match(squash(await nul.text()), /Left out of the link: campaign, q \(a control character/);
		const long = await n8n.request(`${PAGE}?${WEEK}&q=${'a'.repeat(300)}`, { headers: auth });
		assert.equal(long.status, 400);
		assert.match(squash(await long.text()), /Left out of the link: q/);
	});
});

describe('the weekly report workflow', () => {
	test('e-mails the week’s summary in Hungarian, with the dashboard’s link', async () => {
		const res = await n8n.request('/webhook/test/weekly-report', { method: 'POST' });
		assert.equal(res.status, 200, await res.text());
		const deadline = Date.now() + 30_000;
		while (!smtp.messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
		const [mail] = smtp.messages;
		assert.ok(mail, 'the report reached the SMTP server');
		assert.deepEqual([mail.from, mail.to], ['riport@cipobolt.example.hu', ['tulajdonos@cipobolt.example.hu']]);
		const [head, ...body] = mail.data.split('\r\n\r\n');
		// RFC 5322 unfolding, RFC 2047 encoded words (the subject), quoted-printable (the body).
		const qp = (text: string) => Buffer.from(text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
		const subject = (/^Subject: (.*)$/im.exec(head.replace(/\r\n[ \t]+/g, ' '))?.[1] ?? '')
			.replace(/\?=\s+=\?/g, '?==?')
			.replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, words: string) => qp(words.replace(/_/g, ' ')));
		assert.equal(subject, 'Kosár-visszaszerzés: heti jelentés (2026. november 1–7.)');
		const decoded = squash(qp(body.join('\r\n\r\n')));
		assert.match(decoded, /7 elhagyott kosár/);
		assert.match(decoded, /Az emlékeztetők után 2 kosárból lett vásárlás, 32 000 Ft értékben \(visszaszerzési arány: 28,6%\)/);
		assert.match(decoded, /https:\/\/n8n\.cipobolt\.example\.hu\/webhook\/cart-recovery\/dashboard/);
	});
});

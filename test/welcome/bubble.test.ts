// The "welcome back" chat bubble (lib/welcome/chat-bubble.js) in a real headless Chromium, embedded in a sample
// shop page exactly as the docs tell a shop to (docs/chat-bubble.md), cross-origin: the shop page is served from
// http://localhost:<port>, the script and its endpoint from http://127.0.0.1:<port2>/webhook/abc/ by a fake of the
// Welcome Back Trigger that answers CORS as n8n's webhook server does, checks the body is the data-visitor text
// byte for byte and its X-Signature (the package's scheme), and answers per test. Read back from the shadow DOM:
// the greeting, cart, code, restore link and picks; HTML in the answer stays text and unsafe URLs make no link;
// greet:false, errors and a hung endpoint show nothing and throw nothing; the × remembers for the session; Copy.
// Screenshots: .test-tmp/welcome/bubble.png (desktop), bubble-mobile.png, bubble-dark.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

import { checkWebshopSignature, signWebshopRequest } from '../../lib/intake/signature';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT_FILE = path.join(ROOT, 'lib', 'welcome', 'chat-bubble.js');
const SHOTS = path.join(ROOT, '.test-tmp', 'welcome');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'whsec_bubble_test';
const BASE_PATH = '/webhook/abc';
const ENDPOINT_PATH = `${BASE_PATH}/welcome-back`;
// The docs' example, as the shop's server renders it.
const VISITOR = '{"cart_id":"cart_8f14e45f","customer_id":"cust_77","nonce":"r4nd0m"}';
const XSS_IMG = '<img src=x onerror="window.__xss=1">';
const XSS_SCRIPT = '"><script>window.__xss=2</script>';

type Reply = { status: number; body?: unknown; raw?: string } | 'hang' | 'reset';
interface Posted { body: Buffer; headers: IncomingMessage['headers']; at: number; closedAt?: number }

const state = {
	visitor: VISITOR,
	reply: 'hang' as Reply,
	posts: [] as Posted[],
	preflights: 0,
	scriptLoads: 0,
	problems: [] as string[],
	/** More attributes on the script tag (data-accent, data-position) for one case. */
	extraAttrs: '',
};

let shop: Server;
let hook: Server;
let shopOrigin = '';
let hookOrigin = '';
let browser: Browser;

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&#39;');

/** The sample shop: a hostile-ish stylesheet (it must not reach the bubble) and the embed snippet from the docs. */
function shopPage(): string {
	const signature = signWebshopRequest({ secret: SECRET, path: ENDPOINT_PATH, body: state.visitor });
	return `<!doctype html><html lang="hu"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Túrabolt</title>
<style>body{margin:0;font:18px Georgia,serif;background:#f4efe6}header{background:#333;color:#fff;padding:16px 24px;font-size:24px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:16px;padding:24px}
.product{background:#fff;height:240px;border-radius:4px;padding:12px}
button{display:none!important}a{color:red!important}img{width:600px!important}*{box-sizing:content-box!important}</style></head>
<body><header>Túrabolt</header><main>${['Hátizsák', 'Kulacs', 'Sapka', 'Kesztyű', 'Zokni', 'Bot'].map((p) => `<div class="product">${p}</div>`).join('')}</main>
<script async src="${hookOrigin}${BASE_PATH}/chat-bubble.js"
        data-visitor='${escapeAttr(state.visitor)}'
        data-signature="${signature}"${state.extraAttrs}></script>
</body></html>`;
}

const svg = (hue: number) =>
	`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><rect width="120" height="120" fill="hsl(${hue},45%,70%)"/><circle cx="60" cy="60" r="30" fill="hsl(${hue},45%,45%)"/></svg>`;

function listen(server: Server, host: string): Promise<number> {
	return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

function startServers() {
	shop = createServer((req, res) => {
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
		res.end(shopPage());
	});
	// The fake Welcome Back Trigger: the script, a few images, and the endpoint with n8n's CORS answers.
	hook = createServer((req, res) => {
		const url = new URL(req.url ?? '/', hookOrigin);
		const origin = req.headers.origin;
		const cors: Record<string, string> = origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
		if (req.method === 'GET' && url.pathname === `${BASE_PATH}/chat-bubble.js`) {
			state.scriptLoads++;
			res.writeHead(200, { 'content-type': 'application/javascript; charset=utf-8', 'cache-control': 'no-store' });
			res.end(readFileSync(SCRIPT_FILE));
			return;
		}
		if (req.method === 'GET' && url.pathname.startsWith('/img/')) {
			res.writeHead(200, { 'content-type': 'image/svg+xml' });
			res.end(svg(Number(url.pathname.replace(/\D/g, '')) * 47));
			return;
		}
		if (url.pathname !== ENDPOINT_PATH) {
			res.writeHead(404).end();
			return;
		}
		if (req.method === 'OPTIONS') {
			state.preflights++;
			res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type, x-signature', 'access-control-max-age': '0' });
			res.end();
			return;
		}
		if (req.method !== 'POST') {
			res.writeHead(405, cors).end();
			return;
		}
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const posted: Posted = { body: Buffer.concat(chunks), headers: req.headers, at: Date.now() };
			state.posts.push(posted);
			res.on('close', () => (posted.closedAt = Date.now()));
			const problems: string[] = [];
			if (!posted.body.equals(Buffer.from(state.visitor, 'utf8'))) problems.push(`body ${JSON.stringify(posted.body.toString('utf8'))} is not the data-visitor text`);
			if (!req.headers['x-signature']) problems.push('no X-Signature');
			const check = checkWebshopSignature({ given: req.headers['x-signature'], secret: SECRET, path: ENDPOINT_PATH, body: posted.body, toleranceSeconds: 300 });
			if (!check.ok) problems.push(`signature: ${check.message}`);
			if (req.headers['content-type'] !== 'application/json') problems.push(`content-type ${req.headers['content-type']}`);
			if (origin !== shopOrigin) problems.push(`origin ${origin}`);
			if (req.headers.cookie) problems.push('a cookie was sent');
			if (problems.length) {
				state.problems.push(...problems);
				res.writeHead(400, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ problems }));
				return;
			}
			const reply = state.reply;
			if (reply === 'hang') return; // answer nothing: the script's 5 s timeout must give up
			if (reply === 'reset') {
				req.socket.destroy();
				return;
			}
			res.writeHead(reply.status, { ...cors, 'content-type': 'application/json; charset=utf-8' });
			res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
		});
	});
	return Promise.all([listen(shop, '127.0.0.1'), listen(hook, '127.0.0.1')]).then(([shopPort, hookPort]) => {
		shopOrigin = `http://localhost:${shopPort}`;
		hookOrigin = `http://127.0.0.1:${hookPort}`;
	});
}

function answer(overrides: Record<string, unknown> = {}) {
	return {
		greet: true,
		language: 'hu',
		greeting: 'Üdv újra, Anna! Félretettük a kosaradat, és a kedvezményed is vár.',
		cart: {
			items: [
				{ name: 'Túracipő, 42', quantity: 1, price_text: '19 990 Ft', image_url: `${hookOrigin}/img/1.svg`, url: 'https://shop.example.hu/turacipo' },
				{ name: 'Gyapjúzokni', quantity: 2, price_text: '2 495 Ft', image_url: null, url: null },
			],
			more_items: 2,
			total_text: '24 980 Ft',
			restore_url: 'https://shop.example.hu/kosar/cart_8f14e45f?t=abc',
		},
		discount: { code: 'KOD-1234', text: '10%', valid_until: '2026-12-05T23:00:00Z', valid_text: 'még 2 napig érvényes' },
		recommendations: [
			{ product_id: 'p1', title: 'Túrazokni 3 pár', price_text: '4 990 Ft', image_url: `${hookOrigin}/img/2.svg`, url: 'https://shop.example.hu/p1' },
			{ product_id: 'p2', title: 'Cipőápoló', price_text: '2 490 Ft', image_url: `${hookOrigin}/img/3.svg`, url: 'https://shop.example.hu/p2' },
		],
		labels: { title: 'Üdv újra!', restore: 'Vissza a kosárhoz', code: 'Kedvezménykód', copy: 'Másolás', copied: 'Kimásolva', recommendations: 'Neked ajánljuk', close: 'Bezárás', more_items: 'és még {n} termék' },
		...overrides,
	};
}

interface Opened { page: Page; errors: string[]; ours: string[]; close(): Promise<void> }

async function openShop(reply: Reply, options: BrowserContextOptions = {}, init?: string): Promise<Opened> {
	state.reply = reply;
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
	if (init) await context.addInitScript(init);
	const page = await context.newPage();
	const errors: string[] = [];
	const ours: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('console', (m) => m.text().startsWith('[cart-recovery-chat]') && ours.push(`${m.type()}: ${m.text()}`));
	await page.goto(`${shopOrigin}/`);
	return { page, errors, ours, close: () => context.close() };
}

async function until(what: string, ok: () => boolean, ms = 8000) {
	const end = Date.now() + ms;
	while (!ok()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

/** Everything the bubble shows, read from its shadow root (null when there is no host element). */
const READ = `(() => {
	const host = document.getElementById('cart-recovery-chat');
	if (!host) return null;
	const root = host.shadowRoot;
	const q = (s, n = root) => n.querySelector(s);
	const all = (s, n = root) => [...n.querySelectorAll(s)];
	const t = (n) => (n ? n.textContent : null);
	const card = q('.card');
	const r = card.getBoundingClientRect();
	return {
		role: card.getAttribute('role'), label: card.getAttribute('aria-label'), lang: card.lang,
		title: t(q('.title')), greeting: t(q('.greeting')),
		lines: all('.line').map((l) => ({ name: t(q('.name', l)), qty: t(q('.qty', l)), href: q('a.name', l) ? q('a.name', l).getAttribute('href') : null, img: q('img', l) ? q('img', l).getAttribute('src') : null })),
		more: t(q('.more')), total: t(q('.total-value')), code: t(q('.code')), codeLabel: t(q('.code-label')), valid: t(q('.code-valid')), copy: t(q('.copy')),
		restore: q('a.primary') ? q('a.primary').getAttribute('href') : null, restoreText: t(q('.primary')), recsTitle: t(q('.recs-title')),
		recs: all('.rec').map((c) => ({ tag: c.tagName, href: c.getAttribute('href'), title: t(q('.rec-title', c)), price: t(q('.rec-price', c)), img: q('img', c) ? q('img', c).getAttribute('src') : null })),
		closeLabel: q('.close').getAttribute('aria-label'),
		hrefs: all('[href]').map((a) => a.getAttribute('href')), srcs: all('[src]').map((i) => i.getAttribute('src')),
		elements: all('*').map((n) => n.tagName.toLowerCase()),
		focusStolen: document.activeElement !== document.body,
		rect: { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width }, viewport: { width: innerWidth, height: innerHeight },
		background: getComputedStyle(card).backgroundColor, primaryBackground: q('.primary') ? getComputedStyle(q('.primary')).backgroundColor : null, copyVisible: q('.copy') ? getComputedStyle(q('.copy')).display !== 'none' : null,
	};
})()`;
type Seen = {
	role: string; label: string; lang: string; title: string; greeting: string | null;
	lines: { name: string; qty: string; href: string | null; img: string | null }[];
	more: string | null; total: string | null; code: string | null; codeLabel: string | null; valid: string | null; copy: string | null;
	restore: string | null; restoreText: string | null; recsTitle: string | null;
	recs: { tag: string; href: string | null; title: string; price: string | null; img: string | null }[];
	closeLabel: string; hrefs: string[]; srcs: string[]; elements: string[]; focusStolen: boolean;
	rect: { left: number; right: number; top: number; bottom: number; width: number }; viewport: { width: number; height: number };
	background: string; primaryBackground: string | null; copyVisible: boolean | null;
};
const read = async (page: Page) => (await page.evaluate(READ)) as Seen | null;

async function shown(page: Page): Promise<Seen> {
	await page.locator('#cart-recovery-chat .card').waitFor();
	// Images decode asynchronously: a screenshot should show them.
	await page.waitForFunction(`[...document.getElementById('cart-recovery-chat').shadowRoot.querySelectorAll('img')].every((i) => i.complete)`);
	return (await read(page))!;
}

function assertInViewport(seen: Seen, what: string) {
	assert.ok(seen.rect.left >= 0 && seen.rect.top >= 0 && seen.rect.right <= seen.viewport.width && seen.rect.bottom <= seen.viewport.height, `${what}: the bubble sticks out: ${JSON.stringify(seen.rect)} in ${JSON.stringify(seen.viewport)}`);
}

describe('welcome back chat bubble', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)` }, () => {
	before(async () => {
		await startServers();
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
	});

	after(async () => {
		await browser?.close().catch(() => undefined);
		shop?.close();
		hook?.close();
		shop?.closeAllConnections();
		hook?.closeAllConnections();
	});

	test('a greeting: cart lines, total, code, restore link and two picks, cross-origin, signed body sent byte for byte', async () => {
		state.visitor = VISITOR;
		state.posts = [];
		state.problems = [];
		const preflightsBefore = state.preflights;
		const expected = answer();
		const { page, errors, close } = await openShop({ status: 200, body: expected }, {}, `document.addEventListener('cart-recovery:welcome', (e) => { window.__welcome = e.detail; });`);
		try {
			const seen = await shown(page);
			assert.deepEqual(state.problems, []);
			assert.equal(state.posts.length, 1, 'one POST');
			assert.ok(state.preflights > preflightsBefore, 'the browser preflighted the cross-origin POST');
			assert.equal(state.posts[0].body.toString('utf8'), VISITOR);

			assert.equal(seen.role, 'dialog');
			assert.equal(seen.label, 'Üdv újra!');
			assert.equal(seen.lang, 'hu');
			assert.equal(seen.title, 'Üdv újra!');
			assert.equal(seen.greeting, expected.greeting);
			assert.deepEqual(seen.lines, [
				{ name: 'Túracipő, 42', qty: '1 × 19 990 Ft', href: 'https://shop.example.hu/turacipo', img: `${hookOrigin}/img/1.svg` },
				{ name: 'Gyapjúzokni', qty: '2 × 2 495 Ft', href: null, img: null },
			]);
			assert.equal(seen.more, 'és még 2 termék');
			assert.equal(seen.total, '24 980 Ft');
			assert.equal(seen.code, 'KOD-1234');
			assert.equal(seen.codeLabel, 'Kedvezménykód · 10%');
			assert.equal(seen.valid, 'még 2 napig érvényes');
			assert.equal(seen.copy, 'Másolás');
			assert.equal(seen.copyVisible, true, "the shop's button{display:none!important} does not reach into the bubble");
			assert.equal(seen.restore, 'https://shop.example.hu/kosar/cart_8f14e45f?t=abc');
			assert.equal(seen.restoreText, 'Vissza a kosárhoz');
			assert.equal(seen.recsTitle, 'Neked ajánljuk');
			assert.deepEqual(seen.recs, [
				{ tag: 'A', href: 'https://shop.example.hu/p1', title: 'Túrazokni 3 pár', price: '4 990 Ft', img: `${hookOrigin}/img/2.svg` },
				{ tag: 'A', href: 'https://shop.example.hu/p2', title: 'Cipőápoló', price: '2 490 Ft', img: `${hookOrigin}/img/3.svg` },
			]);
			assert.equal(seen.closeLabel, 'Bezárás');
			assert.equal(seen.focusStolen, false, 'the bubble does not take the focus');
			assert.ok(seen.rect.width <= 360, `at most 360px wide (${seen.rect.width})`);
			assertInViewport(seen, 'desktop');
			assert.ok(seen.viewport.width - seen.rect.right <= 20 && seen.viewport.height - seen.rect.bottom <= 20, 'bottom right corner');

			assert.deepEqual(await page.evaluate('window.__welcome && window.__welcome.discount.code'), 'KOD-1234', 'the cart-recovery:welcome event carries the answer');
			assert.deepEqual(await page.evaluate('typeof window.CartRecoveryChat.render + typeof window.CartRecoveryChat.close'), 'functionfunction');

			mkdirSync(SHOTS, { recursive: true });
			const shot = path.join(SHOTS, 'bubble.png');
			await page.screenshot({ path: shot });
			assert.ok(statSync(shot).size > 0, 'screenshot written');
			assert.deepEqual(errors, []);
		} finally {
			await close();
		}

		// A phone, and the dark scheme: still inside the screen.
		for (const [name, options] of [
			['bubble-mobile.png', { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }],
			['bubble-dark.png', { colorScheme: 'dark' }],
		] as const) {
			const dark = name === 'bubble-dark.png';
			// The dark one also on the left, in the shop's accent colour (and an accent that is no colour is ignored on the phone).
			state.extraAttrs = dark ? ' data-position="left" data-accent="#7b3fe4"' : ' data-accent="red;}*{display:none"';
			const opened = await openShop({ status: 200, body: expected }, options);
			try {
				const seen = await shown(opened.page);
				assertInViewport(seen, name);
				if (dark) {
					assert.notEqual(seen.background, 'rgb(255, 255, 255)', 'dark background under prefers-color-scheme: dark');
					assert.ok(seen.rect.left <= 20, `bottom left corner (${seen.rect.left})`);
					assert.equal(seen.primaryBackground, 'rgb(123, 63, 228)', 'data-accent');
				} else {
					assert.ok(seen.rect.width >= 340, `nearly full width on a phone (${seen.rect.width})`);
					assert.equal(seen.primaryBackground, 'rgb(31, 111, 92)', 'the default accent when data-accent is no colour');
				}
				await opened.page.screenshot({ path: path.join(SHOTS, name) });
				assert.deepEqual(opened.errors, []);
			} finally {
				state.extraAttrs = '';
				await opened.close();
			}
		}
	});

	test('HTML in the answer stays text, javascript: URLs make no link or image', async () => {
		// Whitespace and a non-ASCII letter: re-serialising or re-encoding the visitor would change the bytes.
		state.visitor = '{ "cart_id": "cart_é1",  "customer_id": "cust_77", "nonce": "n\\u00e9" }';
		state.posts = [];
		state.problems = [];
		const base = answer();
		const hostile = answer({
			greeting: `Üdv, ${XSS_IMG}${XSS_SCRIPT}`,
			cart: {
				...base.cart,
				items: [{ name: `${XSS_IMG} ${XSS_SCRIPT}`, quantity: 1, price_text: XSS_SCRIPT, image_url: 'javascript:window.__xss=3', url: 'javascript:alert(1)' }],
				restore_url: 'javascript:alert(1)',
			},
			discount: { code: XSS_IMG, text: '10%', valid_text: XSS_SCRIPT },
			recommendations: [
				{ product_id: 'p1', title: XSS_SCRIPT, price_text: '1 Ft', image_url: 'data:image/svg+xml,<svg onload="window.__xss=4"/>', url: ' JaVaScRiPt:alert(1)' },
				{ product_id: 'p2', title: XSS_IMG, price_text: '2 Ft', image_url: '//evil.example/x.png', url: 'vbscript:msgbox(1)' },
			],
			labels: { ...base.labels, title: XSS_IMG, more_items: `${XSS_SCRIPT} {n}` },
		});
		const { page, errors, close } = await openShop({ status: 200, body: hostile });
		try {
			const seen = await shown(page);
			assert.deepEqual(state.problems, [], 'the spaced, non-ASCII visitor text arrived byte for byte');
			await page.waitForTimeout(300);
			assert.equal(await page.evaluate('typeof window.__xss'), 'undefined', 'nothing ran');
			assert.equal(seen.greeting, `Üdv, ${XSS_IMG}${XSS_SCRIPT}`);
			assert.equal(seen.title, XSS_IMG);
			assert.equal(seen.label, XSS_IMG);
			assert.deepEqual(seen.lines, [{ name: `${XSS_IMG} ${XSS_SCRIPT}`, qty: `1 × ${XSS_SCRIPT}`, href: null, img: null }]);
			assert.equal(seen.more, `${XSS_SCRIPT} 2`);
			assert.equal(seen.code, XSS_IMG);
			assert.equal(seen.valid, XSS_SCRIPT);
			assert.equal(seen.restore, null, 'no restore link for a javascript: URL');
			assert.deepEqual(seen.recs.map((r) => [r.tag, r.href, r.title, r.img]), [
				['DIV', null, XSS_SCRIPT, null],
				['DIV', null, XSS_IMG, null],
			]);
			assert.deepEqual(seen.hrefs, []);
			assert.deepEqual(seen.srcs, []);
			assert.ok(!seen.elements.includes('script') && !seen.elements.includes('img'), `no markup from the answer: ${seen.elements.join(',')}`);
			assert.equal(await page.locator('body > img, body > script:not([src])').count(), 0);
			assert.deepEqual(errors, []);
		} finally {
			await close();
			state.visitor = VISITOR;
		}
	});

	test('greet: false shows nothing', async () => {
		state.posts = [];
		const { page, errors, ours, close } = await openShop({ status: 200, body: { greet: false } });
		try {
			await until('the POST', () => state.posts.length === 1 && state.posts[0].closedAt !== undefined);
			await page.waitForTimeout(300);
			assert.equal(await read(page), null, 'no host element');
			// Nothing to say is remembered for the session's next half hour: the next page view does not ask again.
			await page.reload();
			await page.waitForTimeout(600);
			assert.equal(state.posts.length, 1, 'no second request');
			assert.deepEqual(errors, []);
			assert.deepEqual(ours, []);
		} finally {
			await close();
		}
	});

	test('401, 500, a broken answer, a reset and a hung endpoint: nothing shown, nothing thrown', async () => {
		const replies: [string, Reply][] = [
			['401', { status: 401, body: { message: 'bad signature' } }],
			['500', { status: 500, body: { message: 'boom' } }],
			['not JSON', { status: 200, raw: '<html>oops' }],
			['reset', 'reset'],
			['timeout', 'hang'],
		];
		for (const [name, reply] of replies) {
			state.posts = [];
			state.problems = [];
			const { page, errors, ours, close } = await openShop(reply);
			try {
				// >= 1: Chromium retries a POST once when a reused keep-alive connection is reset.
				await until(`${name}: the POST`, () => state.posts.length >= 1);
				if (name === 'timeout') {
					await until('the script to give up', () => state.posts[0].closedAt !== undefined, 9000);
					const waited = state.posts[0].closedAt! - state.posts[0].at;
					assert.ok(waited >= 4500 && waited < 7000, `aborted after ~5 s (${waited} ms)`);
				}
				await until(`${name}: the debug line`, () => ours.length > 0, 7000);
				await page.waitForTimeout(100);
				assert.deepEqual(state.problems, [], name);
				assert.equal(await read(page), null, `${name}: no host element`);
				assert.deepEqual(errors, [], `${name}: no page error`);
				assert.equal(ours.length, 1, `${name}: one console line: ${ours.join(' | ')}`);
				assert.match(ours[0], /^debug: /);
			} finally {
				await close();
			}
		}
	});

	test('× removes the bubble and the session remembers: a reload does not ask again', async () => {
		state.posts = [];
		const { page, errors, close } = await openShop({ status: 200, body: answer() });
		try {
			await shown(page);
			assert.equal(state.posts.length, 1);
			await page.getByRole('button', { name: 'Bezárás' }).click();
			assert.equal(await read(page), null, 'closed');
			assert.equal(await page.evaluate(`sessionStorage.getItem('cart-recovery-chat-closed')`), '1');

			const loads = state.scriptLoads;
			await page.reload();
			await until('the script to load again', () => state.scriptLoads > loads);
			await page.waitForFunction('!!window.CartRecoveryChat');
			await page.waitForTimeout(500);
			assert.equal(state.posts.length, 1, 'no POST after the reload');
			assert.equal(await read(page), null);
			assert.deepEqual(errors, []);
		} finally {
			await close();
		}
		// A new session greets again.
		const again = await openShop({ status: 200, body: answer() });
		try {
			await shown(again.page);
			assert.equal(state.posts.length, 2);
		} finally {
			await again.close();
		}
	});

	test('Copy puts the code on the clipboard and says so; without the clipboard API it selects the code', async () => {
		const withClipboard = await openShop({ status: 200, body: answer() }, { permissions: ['clipboard-read', 'clipboard-write'] });
		try {
			await shown(withClipboard.page);
			const copy = withClipboard.page.getByRole('button', { name: 'Másolás' });
			await copy.click();
			await withClipboard.page.getByRole('button', { name: 'Kimásolva' }).waitFor();
			assert.equal(await withClipboard.page.evaluate('navigator.clipboard.readText()'), 'KOD-1234');
			assert.deepEqual(withClipboard.errors, []);
		} finally {
			await withClipboard.close();
		}

		const without = await openShop({ status: 200, body: answer() }, {}, `Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });`);
		try {
			await shown(without.page);
			await without.page.getByRole('button', { name: 'Másolás' }).click();
			await without.page.waitForFunction(`String(getSelection()) === 'KOD-1234'`);
			assert.deepEqual(without.errors, []);
		} finally {
			await without.close();
		}
	});
});

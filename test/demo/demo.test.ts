// `npm run demo`, run as a user runs it (the CLI, in its own process; built and packed by scripts/test.sh, so
// --no-build), then looked at as a user looks at it, in a real headless Chromium:
//  - the outbox receives the sample shoppers' messages and its page lists them (email rendered, SMS with segments);
//  - the n8n editor, logged in through the sign-in form with the printed login, shows every shipped workflow with
//    each node's icon and no unknown-node placeholder; screenshots of each (docs/images/*.png with
//    UPDATE_SCREENSHOTS=1, else .test-tmp/screenshots/);
//  - the sequence runs to its end (Bence's purchase stops his), and Ctrl-C stops n8n, its task runner and the outbox.
//
// DOM markers (n8n 2.41.1 editor, checked in n8n-io/n8n packages/frontend): each canvas node is
// [data-test-id="canvas-node"][data-node-type]; its icon is .n8n-node-icon with an <img> (file icons, as
// community nodes ship them) or an <svg> (named icons); a node whose type is unknown renders the design system's
// placeholder instead (N8nNodeIcon: <div class="…nodeIconPlaceholder…">?</div>).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { SHOPPERS, checkOutbox } from '../../scripts/demo/samples';
import type { OutboxEmail, OutboxMessage } from '../../scripts/demo/outbox';
import { ROOT } from '../harness/server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'images') : path.join(ROOT, '.test-tmp', 'screenshots');
/** Screenshot file per shipped workflow file. */
const SHOT_NAMES: Record<string, string> = {
	'abandoned-cart-recovery.json': 'recovery-workflow.png',
	'unsubscribe.json': 'unsubscribe-workflow.png',
	'discount-redeem.json': 'discount-redeem-workflow.png',
	'consent-intake.json': 'consent-intake-workflow.png',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const shopper = (key: string) => SHOPPERS.find((s) => s.key === key)!;
const emailTo = (m: OutboxMessage, email: string): m is OutboxEmail => m.kind === 'email' && m.to.includes(`<${email}>`);
const stageOf = (m: OutboxMessage) => (m.kind === 'email' ? m.categories.find((c) => c.startsWith('stage-')) : 'sms');

interface Printed {
	editor: string;
	email: string;
	password: string;
	outbox: string;
	log: string;
	/** The sample shop's page for Anna's cart (chat bubble). */
	shop?: string;
	workflows: Array<{ url: string; id: string; name: string }>;
}

let demo: ChildProcess;
let stdout = '';
let printed: Printed;
let context: BrowserContext;
let profile: string;
let exited: Promise<number | null>;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- demo output ---\n${stdout}`);
		await sleep(300);
	}
}

async function outboxMessages(): Promise<OutboxMessage[]> {
	const res = await fetch(new URL('/api/messages', printed.outbox));
	return ((await res.json()) as { messages: OutboxMessage[] }).messages;
}

before(async () => {
	const started = Date.now();
	demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--no-build'], { cwd: ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
	exited = new Promise((resolve) => demo.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
	demo.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
	demo.stderr!.on('data', (c: Buffer) => (stdout += c.toString()));
	printed = await until('the demo to print its URLs', 300_000, () => {
		const editor = /n8n editor\s+(\S+)/.exec(stdout)?.[1];
		const login = /login\s+(\S+)\s+\/\s+(\S+)/.exec(stdout);
		const outbox = /Outbox\s+(\S+)/.exec(stdout)?.[1];
		const log = /n8n log\s+(\S+)/.exec(stdout)?.[1];
		if (!editor || !login || !outbox || !log || !/Sample shoppers/.test(stdout)) return undefined;
		const workflows = [...stdout.matchAll(/^\s+(http\S+\/workflow\/(\S+))\s+(.+)$/gm)].map((m) => ({ url: m[1], id: m[2], name: m[3].trim() }));
		const shop = /Sample shop\s+(\S+)/.exec(stdout)?.[1];
		return { editor, email: login[1], password: login[2], outbox, log, shop, workflows };
	});
	console.log(`# demo: URLs printed ${((Date.now() - started) / 1000).toFixed(1)} s after start (--no-build)`);
	profile = mkdtempSync(path.join(os.tmpdir(), 'cart-recovery-chromium-'));
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1800, height: 860 },
		deviceScaleFactor: 1.5,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
});

after(async () => {
	await context?.close().catch(() => undefined);
	if (profile) rmSync(profile, { recursive: true, force: true });
	if (demo && demo.exitCode === null) {
		demo.kill('SIGINT');
		await Promise.race([exited, sleep(15_000)]);
	}
});

test('the outbox receives the sample shoppers’ messages and its page lists them', async () => {
	const [anna, bence, eszter, peter] = ['anna', 'bence', 'eszter', 'peter'].map(shopper);
	const messages = await until('the first reminders and Anna’s SMS', 180_000, async () => {
		const all = await outboxMessages();
		const firsts = [anna, bence, eszter].every((s) => all.some((m) => emailTo(m, s.email) && stageOf(m) === 'stage-1'));
		return firsts && all.some((m) => m.kind === 'sms' && m.to === anna.phone) ? all : undefined;
	});
	assert.ok(!messages.some((m) => emailTo(m, peter.email) || m.to === peter.phone), 'Péter’s 2 990 Ft cart gets nothing');
	assert.ok(!messages.some((m) => m.kind === 'sms' && m.to === eszter.phone), 'Eszter gave no SMS consent');
	const sms = messages.find((m) => m.kind === 'sms')!;
	assert.equal(sms.kind, 'sms');
	if (sms.kind === 'sms') {
		assert.match(sms.body, /Anna/);
		// The demo's Hungarian SMS went out as 3 UCS-2 segments before the copy and the defaults were made to fit.
		assert.deepEqual([sms.encoding, sms.nonGsmCharacters], ['GSM-7', []], sms.body);
		assert.ok(sms.segments <= 2, `${sms.segments} segments: ${sms.body}`);
	}
	const first = messages.find((m) => emailTo(m, anna.email))!;
	assert.ok(first.kind === 'email' && /Anna/.test(first.html) && /Ft/.test(first.html), 'the email is personal and shows HUF');

	const page = await context.newPage();
	await page.goto(printed.outbox);
	await until('the page to list every message', 30_000, async () => ((await page.locator('article.msg').count()) >= messages.length ? true : undefined));
	const email = page.locator(`article.msg[data-id="${first.id}"]`);
	assert.equal(await email.locator('.subject').innerText(), first.kind === 'email' ? first.subject : '');
	const mail = email.frameLocator('iframe.mail');
	await mail.locator('body').waitFor();
	assert.match(await mail.locator('body').innerText(), /Anna/);
	// The whole mail is shown, never clipped: the frame grows to its content, so the button and the unsubscribe
	// link at the bottom are inside the visible frame.
	// Measured in one step inside the page, retried until it holds: the page may re-render its list while new
	// messages arrive, so separate measurements could see two different frames.
	const whole = await until('the email frame to show the whole email, button and unsubscribe link included', 20_000, async () => {
		// A string, not a function: tsx would wrap inner functions in a helper the browser does not have.
		const r = (await page.evaluate(`(() => {
			const f = document.querySelector('article.msg[data-id="${first.id}"] iframe.mail');
			const doc = f && f.contentDocument;
			if (!doc || !doc.body) return undefined;
			const button = doc.querySelector('a.button'), unsubscribe = doc.querySelector('p.footer a');
			return {
				frame: f.getBoundingClientRect().height,
				content: doc.documentElement.scrollHeight,
				button: button ? button.getBoundingClientRect().bottom : null,
				unsubscribe: unsubscribe ? unsubscribe.getBoundingClientRect().bottom : null,
			};
		})()`)) as { frame: number; content: number; button: number | null; unsubscribe: number | null } | undefined;
		return r && r.content > 600 && r.button !== null && r.unsubscribe !== null && r.frame >= r.content && r.button <= r.frame && r.unsubscribe <= r.frame ? r : undefined;
	});
	assert.ok(whole.frame >= whole.content, JSON.stringify(whole));
	// Shop Settings (filled in by the demo) reach the mail: the shop's contact line.
	assert.match(await mail.locator('p.contact').innerText(), /Kérdésed van\? Szívesen segítünk\.\s+E-mail: hello@kavemanufaktura\.example\.hu\s+Telefon: \+36 1 234 5678/);
	const smsCard = page.locator(`article.msg[data-kind="sms"][data-to="${anna.phone}"]`);
	assert.match(await smsCard.locator('.sms-segments').innerText(), /^(GSM-7|UCS-2) · \d+ segments? \(\d+ per segment\)/);
	assert.match(await smsCard.locator('.bubble').innerText(), /Anna/);
	await page.close();
});

test('the n8n editor shows every shipped workflow with each node’s icon and no unknown node', async () => {
	const page = await context.newPage();
	await signIn(page);
	const shipped = readdirSync(path.join(ROOT, 'workflows')).filter((f) => f.endsWith('.json'));
	for (const file of shipped) {
		const json = JSON.parse(readFileSync(path.join(ROOT, 'workflows', file), 'utf8')) as { id: string; nodes: Array<{ name: string; type: string }> };
		const listed = printed.workflows.find((w) => w.id === json.id);
		assert.ok(listed, `the demo printed ${file}`);
		await page.goto(listed.url);
		const nodes = json.nodes.filter((n) => n.type !== 'n8n-nodes-base.stickyNote');
		await page.waitForSelector('[data-test-id="canvas-node"]', { timeout: 60_000 });
		const rendered = await until(`${file}: every node on the canvas with its icon loaded`, 30_000, async () => {
			const r = await canvasNodes(page);
			return r.length >= nodes.length && r.every((n) => n.sticky || n.iconLoaded) ? r : undefined;
		}).catch(async () => canvasNodes(page));
		const byName = new Map(rendered.map((n) => [n.name, n]));
		for (const node of nodes) {
			const r = byName.get(node.name);
			assert.ok(r, `${file}: "${node.name}" is on the canvas`);
			assert.equal(r.type, node.type, `${file}: "${node.name}" has its type`);
			assert.equal(r.placeholder, false, `${file}: "${node.name}" (${node.type}) renders n8n's unknown-node "?" placeholder`);
			assert.ok(r.iconLoaded, `${file}: "${node.name}" (${node.type}) shows its icon (${r.icon})`);
		}
		if (file === 'abandoned-cart-recovery.json') {
			// The subtitles show live values, read from the Settings node, in the real editor (the demo's Settings are as shipped).
			const subtitleOf = (name: string) => (byName.get(name)?.text ?? '').replace(/\s+/g, ' ');
			assert.match(subtitleOf('Discount Code (Second Reminder)'), /10 % by rules · 7 days/, 'Discount Code shows its discount, by rules, and validity from Settings');
			assert.match(subtitleOf('Discount Code (Final Offer)'), /20 % by rules · 7 days/);
			assert.match(subtitleOf('Cart Check (First Reminder)'), /abandoned after 30 min · from 5 000 Ft/, 'Cart Check shows its threshold and minimum from Settings');
		}
		await screenshot(page, SHOT_NAMES[file] ?? `${path.basename(file, '.json')}-workflow.png`);
	}
	await page.close();
});

test('the sequence runs to its end: Bence’s purchase stops his, Anna and Eszter get the final offer', async () => {
	const [anna, bence, eszter, dora, mark] = ['anna', 'bence', 'eszter', 'dora', 'mark'].map(shopper);
	const messages = await until('the final offers', 240_000, async () => {
		const all = await outboxMessages();
		return [anna, eszter, dora, mark].every((s) => all.some((m) => emailTo(m, s.email) && stageOf(m) === 'stage-3')) ? all : undefined;
	});
	assert.ok(messages.some((m) => emailTo(m, eszter.email) && stageOf(m) === 'stage-2'), 'Eszter’s stage 2 came by email');
	const check = checkOutbox(messages);
	assert.ok(check.ok, `the outbox holds what every sample story says:\n${check.lines.join('\n')}`);
	assert.deepEqual(
		messages.filter((m) => emailTo(m, bence.email) || m.to === bence.phone).map(stageOf),
		['stage-1'],
		'Bence bought after his first email: nothing more',
	);
	const page = await context.newPage();
	await page.setViewportSize({ width: 1280, height: 900 });
	await page.goto(printed.outbox);
	await until('the page to list every message', 30_000, async () => ((await page.locator('article.msg').count()) >= messages.length ? true : undefined));
	// Dóra's second reminder as WhatsApp shows it: the approved template, the code on its copy button.
	const whatsapp = page.locator(`article.msg[data-kind="whatsapp"][data-to="${dora.phone}"]`);
	assert.equal(await whatsapp.count(), 1, 'Dóra’s WhatsApp message is on the page');
	assert.match(await whatsapp.locator('.copy-code').innerText(), /KOSAR-/);
	// Márk wrote to the shop's Page (through the channel events workflow): his final offer also came on Messenger.
	const messenger = page.locator(`article.msg[data-kind="messenger"][data-to="${mark.psid}"]`);
	assert.equal(await messenger.count(), 1, 'Márk’s Messenger message is on the page');
	assert.match(await messenger.innerText(), /Kolumbiai Supremo/);
	await sleep(500);
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, 'outbox.png') });
	await page.close();
});

test('Anna comes back to the sample shop: the chat bubble greets her with her cart, her code and products she may like', async () => {
	assert.ok(printed.shop, 'the demo prints the sample shop page');
	const page = await context.newPage();
	await page.setViewportSize({ width: 1280, height: 820 });
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto(printed.shop!);
	await page.locator('#cart-recovery-chat').waitFor({ timeout: 20_000 });
	const text = await page.locator('#cart-recovery-chat').evaluate((host) => host.shadowRoot?.textContent ?? '');
	assert.match(text, /Szia, Anna! A kosaradban még ott vár: /);
	assert.match(text, /KOSAR-/, 'her live code');
	assert.deepEqual(errors, []);
	await sleep(300);
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, 'welcome-back-shop.png') });
	await page.close();
});

test('Ctrl-C stops n8n, its task runner and the outbox', async () => {
	const folder = path.dirname(printed.log);
	assert.ok(existsSync(folder));
	const pidsBefore = processesUsing(folder);
	assert.ok(pidsBefore.length >= 1, 'n8n runs with the demo’s user folder');
	demo.kill('SIGINT');
	const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
	assert.equal(code, 130, 'the demo exits on Ctrl-C');
	await until('n8n and the outbox to stop listening', 10_000, async () => {
		const refused = await Promise.all([printed.editor, printed.outbox].map((u) => fetch(u).then(() => false, () => true)));
		return refused.every(Boolean) ? true : undefined;
	});
	await until('every process of the demo to be gone', 10_000, () => (processesUsing(folder).length === 0 ? true : undefined));
	assert.ok(!existsSync(folder), 'the demo’s n8n user folder is removed');
});

// ---------------------------------------------------------------------------------------------------------

async function signIn(page: Page): Promise<void> {
	await page.goto(new URL('/signin', printed.editor).toString());
	await page.fill('input[name="emailOrLdapLoginId"]', printed.email);
	await page.fill('input[name="password"]', printed.password);
	await page.click('[data-test-id="form-submit-button"]');
	await page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 30_000 });
}

interface RenderedNode {
	name: string;
	type: string;
	sticky: boolean;
	placeholder: boolean;
	iconLoaded: boolean;
	icon: string;
	/** What the canvas prints for the node: its name and subtitle. */
	text: string;
}

function canvasNodes(page: Page): Promise<RenderedNode[]> {
	// Runs in the page (the test's tsconfig has no DOM lib, hence the loose types).
	return page.evaluate(() =>
		[...(globalThis as any).document.querySelectorAll('[data-test-id="canvas-node"]')].map((el: any) => {
			const type = el.getAttribute('data-node-type') ?? '';
			const icon = el.querySelector('.n8n-node-icon');
			const img = icon?.querySelector('img');
			const svg = icon?.querySelector('svg');
			return {
				name: el.getAttribute('data-node-name') ?? '',
				type,
				sticky: type === 'n8n-nodes-base.stickyNote',
				placeholder: !!icon?.querySelector('[class*="nodeIconPlaceholder"]'),
				iconLoaded: img ? img.complete && img.naturalWidth > 0 : !!svg,
				icon: img ? `img ${img.getAttribute('src')}` : svg ? `svg ${svg.getAttribute('data-icon') ?? ''}` : (icon?.textContent ?? 'none'),
				text: String(el.innerText ?? el.textContent ?? ''),
			};
		}),
	);
}

/** The canvas as a user sees it after "zoom to fit", without the first-visit checklist popover. */
async function screenshot(page: Page, file: string): Promise<void> {
	const checklist = page.getByText('Production Checklist', { exact: true });
	if (await checklist.isVisible().catch(() => false)) {
		await checklist.locator('xpath=ancestor::*[.//button][1]//button').first().click({ timeout: 2000 }).catch(() => page.keyboard.press('Escape'));
	}
	await page.locator('[data-test-id="zoom-to-fit"]').click({ timeout: 5000 });
	await sleep(800);
	// Cropped to the workflow: the union of the nodes' boxes (sticky notes included), labels below them too,
	// measured once the zoom animation has settled (two equal measurements in a row).
	const measure = () => page.evaluate(() => {
		const boxes = [...(globalThis as any).document.querySelectorAll('.vue-flow__node')].map((el: any) => el.getBoundingClientRect());
		const left = Math.min(...boxes.map((b: any) => b.left));
		const top = Math.min(...boxes.map((b: any) => b.top));
		return { left, top, right: Math.max(...boxes.map((b: any) => b.right)), bottom: Math.max(...boxes.map((b: any) => b.bottom)) };
	});
	let box = await measure();
	for (let i = 0; i < 20; i++) {
		await sleep(300);
		const next = await measure();
		if (JSON.stringify(next) === JSON.stringify(box)) break;
		box = next;
	}
	const viewport = page.viewportSize()!;
	const x = Math.max(0, box.left - 24);
	const y = Math.max(0, box.top - 24);
	const clip = { x, y, width: Math.min(viewport.width, box.right + 24) - x, height: Math.min(viewport.height, box.bottom + 56) - y };
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, file), clip });
}

/** Pids of processes running with this n8n user folder in their environment (n8n, its task runner). */
function processesUsing(folder: string): number[] {
	const pids: number[] = [];
	for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
		try {
			if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`N8N_USER_FOLDER=${folder}`)) pids.push(Number(pid));
		} catch {
			/* gone or not ours */
		}
	}
	return pids;
}

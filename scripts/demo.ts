// `npm run demo`: the whole product on this machine, offline, no accounts. Builds the package, starts a real
// n8n (Node 24, from scripts/runtime.sh) with the package installed as a community package and the Embedded
// store, imports and publishes the shipped workflows (a copy with short waits), starts the outbox (loopback
// SendGrid + Twilio with a web page showing every message), records consent and posts sample carts of a
// Hungarian webshop, and prints the editor URL with its login and the outbox URL. Ctrl-C stops it all.
//
//   npm run demo                         interactive; Ctrl-C stops n8n, its task runner and the outbox
//   npm run demo -- --exit-after-samples  plays the sample shoppers to the end, checks the outbox against their
//                                         stories, exits 0 (or 1 naming what is missing); DEMO_EXIT_AFTER_SAMPLES=1 too
//   npm run demo -- --no-build            reuses dist/ and the packed tarball (.test-tmp/n8n-nodes-cart-recovery.tgz)
//
// The n8n lifecycle is the server harness's (test/harness/server.ts): same user-folder layout, community-package
// install, headless owner, import + publish. Only the choices here are the demo's.
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { OWNER, ROOT, TARBALL, runtime, startN8n, type N8nServer } from '../test/harness/server';
import { CartRecoveryStore, credentialStoreFolder, EmbeddedTransport } from '../lib/store';
import { historySql } from './demo/history';
import { describeMessage, startOutbox, type Outbox, type OutboxMessage } from './demo/outbox';
import { CONSENT_WORDING, SHOP, SHOPPERS, cartEvent, checkOutbox, cartId, orderEvent, signedRequest, type SampleShopper } from './demo/samples';
import { shopPage } from './demo/shop';
import { prepareForDemo, shippedWorkflows, triggerPath, webhookPath, type DemoCredential } from './demo/workflows';

const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const RECOVERY_FILE = 'abandoned-cart-recovery.json';
export const CONSENT_FILE = 'consent-intake.json';
export const EVENTS_FILE = 'channel-events.json';
export const WELCOME_FILE = 'chat-welcome-back.json';

export interface DemoOptions {
	/** tsc + gulp + npm pack first (default true). */
	build?: boolean;
	/** Preferred outbox port (default 5680; a free one when taken). */
	outboxPort?: number;
	log?: (line: string) => void;
}

export interface Demo {
	n8n: N8nServer;
	outbox: Outbox;
	editorUrl: string;
	login: { email: string; password: string };
	/** The results page (workflows/dashboard.json) and its login (the Dashboard Login credential). */
	dashboard: { url: string; user: string; password: string };
	/** The sample shop's page as a sample shopper sees it logged in (the chat bubble greets them), when chat-welcome-back.json is shipped. */
	shopUrl(shopper: SampleShopper): string | undefined;
	/** Imported workflows with their editor URLs (the recovery sequence first). */
	workflows: Array<{ file: string; id: string; name: string; url: string }>;
	/** The Abandoned Cart Trigger's webhook path and the Webshop credential's secret (for your own test carts). */
	triggerPath: string;
	webhookSecret: string;
	shortened: string[];
	/** Resolves when every sample shopper who should get a first reminder got it (and Anna her SMS). */
	samplesDelivered: Promise<void>;
	/** Resolves when the recovery executions have all finished (after samplesDelivered). */
	settled(timeoutMs?: number): Promise<void>;
	stop(): Promise<void>;
}

async function build(log: (l: string) => void): Promise<void> {
	const env = { ...process.env, npm_config_update_notifier: 'false' };
	const run = (cmd: string, args: string[]) => execFileP(cmd, args, { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
	log('Building (tsc, gulp, npm pack)…');
	try {
		await run('npx', ['tsc', '-p', 'tsconfig.json']);
	} catch (error) {
		const out = `${(error as { stdout?: string }).stdout ?? ''}`.trim().split('\n');
		if (!existsSync(path.join(ROOT, 'dist', 'package.json')) && !existsSync(path.join(ROOT, 'dist', 'nodes'))) throw error;
		log(`  TypeScript reported ${out.length} line(s) of errors; continuing with what compiled:\n    ${out.slice(0, 5).join('\n    ')}`);
	}
	await run('npx', ['gulp', 'build', '--silent']);
	await run('bash', ['scripts/pack.sh']);
}

/** The demo store's id: the history is written into its folder before n8n opens it. */
const DEMO_STORE_ID = 'crDemoStore00001';
const DASHBOARD_LOGIN = { user: 'demo', password: `kosar-${randomBytes(4).toString('hex')}` };

/**
 * Six weeks of a shop's past in the Embedded store (before n8n opens it): about 3,000 carts, their messages and
 * purchases, and a split test with a holdout, so the dashboard's first look has something to say.
 */
async function seedHistory(userFolder: string): Promise<void> {
	const dir = credentialStoreFolder(DEMO_STORE_ID, path.join(userFolder, '.n8n', 'cart-recovery-store'));
	const store = new CartRecoveryStore(new EmbeddedTransport(dir));
	await store.ready(); // creates the folder and the schema, as n8n would on first use
	await store.close();
	const { PGlite } = await import('@electric-sql/pglite');
	const db = await PGlite.create(dir);
	try {
		for (const statement of historySql({ carts: 3000, days: 42, prefix: 'demo-history-', experiment: { name: 'kupon-teszt', days: 28 } })) await db.exec(statement);
	} finally {
		await db.close();
	}
}

function demoCredentials(outbox: Outbox, webhookSecret: string): DemoCredential[] {
	return [
		{ id: 'crDemoDashLogin1', name: 'Dashboard Login (demo)', type: 'httpBasicAuth', data: DASHBOARD_LOGIN },
		{ id: 'crDemoSmtp000001', name: 'SMTP (demo outbox)', type: 'smtp', data: { user: '', password: '', host: outbox.smtp.host, port: outbox.smtp.port, secure: false, disableStartTls: true } },
		{ id: DEMO_STORE_ID, name: 'Cart Recovery Store (demo, embedded)', type: 'cartRecoveryStoreApi', data: { transport: 'embedded', dataDirectory: '' } },
		{ id: 'crDemoShop000001', name: `${SHOP.name} (demo webshop)`, type: 'webshopApi', data: { platform: 'generic', shopUrl: SHOP.url, webhookSecret } },
		{
			id: 'crDemoSendGrid01',
			name: 'SendGrid (demo outbox)',
			type: 'sendGridCartRecoveryApi',
			data: { apiKey: outbox.sendgrid.apiKey, fromEmail: SHOP.email, fromName: SHOP.name, region: 'custom', baseUrl: outbox.sendgrid.url },
		},
		{ id: 'crDemoMeta000001', name: 'Meta (demo outbox)', type: 'metaCartRecoveryApi', data: outbox.meta.credentials() },
		{ id: 'crDemoOpenAi0001', name: 'AI model (demo outbox, offline)', type: 'openAiCartRecoveryApi', data: { apiKey: outbox.openai.apiKey, baseUrl: outbox.openai.baseUrl, model: 'gpt-4o-mini' } },
		{
			id: 'crDemoTwilio0001',
			name: 'Twilio (demo outbox)',
			type: 'twilioCartRecoveryApi',
			data: {
				accountSid: outbox.twilio.accountSid,
				authType: 'authToken',
				authToken: outbox.twilio.authToken,
				senderType: 'phoneNumber',
				from: '+36309990000',
				baseUrl: outbox.twilio.url,
			},
		},
	];
}

/** The production path of a workflow's Channel Events Trigger for `provider` (/webhook/<webhookId>/events). */
function eventsPath(workflow: { nodes: Array<{ type: string; parameters: Record<string, unknown>; webhookId?: string }> }, provider: string): string | undefined {
	const node = workflow.nodes.find((n) => n.type === 'n8n-nodes-cart-recovery.channelEventsTrigger' && n.parameters.provider === provider);
	return node?.webhookId ? `/webhook/${node.webhookId}/events` : undefined;
}

/** A Messenger message from the shopper to the shop's Page, as Meta's webhook posts it (X-Hub-Signature-256 with the app secret). */
async function postMetaMessage(n8n: N8nServer, path: string, outbox: Outbox, s: SampleShopper): Promise<void> {
	const now = Date.now();
	const pageId = outbox.meta.pageId;
	const body = JSON.stringify({
		object: 'page',
		entry: [{ id: pageId, time: now, messaging: [{ sender: { id: s.psid }, recipient: { id: pageId }, timestamp: now, message: { mid: `m_demo_${randomBytes(12).toString('hex')}`, text: s.writesOnMessenger } }] }],
	});
	const secret = String(outbox.meta.credentials().appSecret);
	const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
	const res = await n8n.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
	if (!res.ok) throw new Error(`${s.firstName}'s Messenger message was refused: ${res.status} ${await res.text()}`);
}

async function startOutboxOnPreferredPort(port: number): Promise<Outbox> {
	try {
		return await startOutbox({ port });
	} catch {
		return startOutbox({ port: 0 });
	}
}

const addressOf = (m: OutboxMessage) => (m.kind === 'email' ? m.to.replace(/^.*<(.+)>$/, '$1') : m.to);
const isFirstReminder = (m: OutboxMessage) => m.kind === 'email' && (m.categories.length === 0 || m.categories.includes('stage-1'));

export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
	const log = options.log ?? ((l: string) => console.log(l));
	// First: Node 24 and n8n itself (installed once, with progress on screen), so a first run's long wait is
	// visible up front rather than hidden behind "Starting n8n".
	runtime();
	if (options.build ?? true) await build(log);
	if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: run without --no-build`);

	const shipped = shippedWorkflows();
	if (!shipped.has(RECOVERY_FILE)) throw new Error(`workflows/${RECOVERY_FILE} is missing: nothing to demo`);

	const outbox = await startOutboxOnPreferredPort(options.outboxPort ?? 5680);
	const webhookSecret = `whsec_demo_${randomBytes(12).toString('hex')}`;
	const credentials = demoCredentials(outbox, webhookSecret);

	if (!shipped.has(CONSENT_FILE)) throw new Error(`workflows/${CONSENT_FILE} is missing: the samples' consent goes through it`);
	// The recovery sequence first, then the other shipped workflows.
	const files = [RECOVERY_FILE, ...[...shipped.keys()].filter((f) => f !== RECOVERY_FILE)];
	const prepared = files.map((file) => ({ file, ...prepareForDemo(shipped.get(file)!, credentials) }));
	const recovery = prepared[0].json;
	const consentPath = webhookPath(shipped.get(CONSENT_FILE)!);
	const trigger = triggerPath(recovery);
	const metaEvents = shipped.has(EVENTS_FILE) ? eventsPath(shipped.get(EVENTS_FILE)!, 'meta') : undefined;
	if (!trigger) throw new Error(`${RECOVERY_FILE} has no Abandoned Cart Trigger with a webhookId`);

	log('Starting n8n (Node 24) with the package as a community package and the Embedded store…');
	let n8n: N8nServer;
	try {
		n8n = await startN8n({
			label: 'demo',
			credentials,
			workflows: prepared.map((p) => p.json),
			env: { N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'warn', GENERIC_TIMEZONE: 'Europe/Budapest', TZ: 'Europe/Budapest' },
			beforeStart: async (userFolder) => {
				log('Writing six weeks of a shop’s history into the store (for the results page)…');
				await seedHistory(userFolder);
			},
		});
	} catch (error) {
		await outbox.close();
		throw error;
	}

	const editorUrl = `${n8n.baseUrl}/`;
	// The sample shop's page with the chat bubble: the shop's server side (signing the visitor) played by the outbox.
	const welcome = shipped.get(WELCOME_FILE)?.nodes.find((n: { type: string; webhookId?: string }) => n.type === 'n8n-nodes-cart-recovery.welcomeBackTrigger' && n.webhookId);
	if (welcome) {
		const scriptUrl = n8n.webhookUrl(`${welcome.webhookId}/chat-bubble.js`);
		// ?as=<shopper> plays that shopper logged in: the shop signs the customer id its session holds, never an id from the URL.
		outbox.setShopPage((as) => {
			const shopper = SHOPPERS.find((s) => s.key === as);
			return shopPage({ shopName: SHOP.name, scriptUrl, visitor: shopper ? { customer_id: shopper.customerId } : null, secret: webhookSecret });
		});
	}
	const shopUrl = (shopper: SampleShopper) => (welcome ? new URL(`shop?as=${encodeURIComponent(shopper.key)}`, outbox.url).toString() : undefined);
	const workflows = prepared.map(({ file, json }) => ({ file, id: json.id, name: json.name, url: `${n8n.baseUrl}/workflow/${json.id}` }));

	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await n8n.stop();
		await outbox.close();
	};

	const samplesDelivered = (async () => {
		// 1. Consent, as the shop's checkout posts each ticked box to consent-intake.json.
		for (const s of SHOPPERS) {
			for (const channel of s.consent) {
				// Signed like every shop → n8n request (X-Signature, the Webshop credential's Webhook Secret).
				const { body, headers } = signedRequest(
					`/webhook/${consentPath}`,
					{
						customer_id: s.customerId,
						channel,
						address: channel === 'email' ? s.email : channel === 'messenger' ? s.psid : s.phone,
						wording: CONSENT_WORDING[channel],
						source: 'checkout_checkbox',
					},
					webhookSecret,
				);
				const res = await n8n.request(`/webhook/${consentPath}`, { method: 'POST', headers, body });
				if (!res.ok) throw new Error(`recording ${channel} consent for ${s.firstName} failed: ${res.status} ${await res.text()}`);
			}
		}
		// 2. The carts, signed as the shop signs them.
		for (const s of SHOPPERS) await postEvent(n8n, trigger, cartEvent(s, new URL('img', outbox.url).toString()), webhookSecret, `${s.firstName}'s cart`);
		// 2b. Márk writes to the shop's Facebook Page: Meta calls the channel events workflow (signed with the app
		// secret), which records his message and so opens his 24-hour window; the Page (the outbox) opens it too.
		for (const s of SHOPPERS.filter((x) => x.psid && x.writesOnMessenger)) {
			if (!metaEvents) throw new Error(`workflows/${EVENTS_FILE} has no Meta Channel Events Trigger: ${s.firstName}'s message cannot reach the store`);
			outbox.meta.messengerWindowOpen.add(s.psid!);
			await postMetaMessage(n8n, metaEvents, outbox, s);
			log(`💬 ${s.firstName} ${s.lastName} wrote to the shop's Facebook Page: “${s.writesOnMessenger}”`);
		}
		// 3. Watch the outbox: Bence buys when his first email arrives; done when every first reminder is there.
		const eligible = SHOPPERS.filter((s) => s.items.reduce((sum, i) => sum + i.price * i.quantity, 0) >= 5000);
		const bought = new Set<string>();
		const deadline = Date.now() + 10 * 60_000;
		let polls = 0;
		while (!stopped && Date.now() < deadline) {
			if (++polls % 10 === 0) await failOnErrors(n8n, recovery.id);
			const messages = outbox.messages();
			const got = (s: SampleShopper) => messages.some((m) => addressOf(m) === s.email && isFirstReminder(m));
			for (const s of SHOPPERS.filter((x) => x.buysAfterFirstEmail && !bought.has(x.key) && got(x))) {
				bought.add(s.key);
				await postEvent(n8n, trigger, orderEvent(s), webhookSecret, `${s.firstName}'s order`);
				log(`🛒 ${s.firstName} ${s.lastName} bought cart ${cartId(s)} after the first reminder: the sequence stops for this cart.`);
			}
			const anna = SHOPPERS.find((s) => s.consent.includes('sms') && !s.buysAfterFirstEmail && eligible.includes(s));
			if (eligible.every(got) && (!anna || messages.some((m) => m.kind === 'sms' && m.to === anna.phone))) return;
			await sleep(300);
		}
		if (!stopped) throw new Error('the sample messages did not all arrive within 10 minutes');
	})();
	samplesDelivered.catch(() => undefined); // observed by the caller

	async function settled(timeoutMs = 5 * 60_000): Promise<void> {
		await samplesDelivered;
		const deadline = Date.now() + timeoutMs;
		let quietPolls = 0;
		while (Date.now() < deadline) {
			const busy = await Promise.all(
				['running', 'waiting', 'new'].map((status) =>
					n8n.api<{ data: unknown[] }>('GET', `/executions?workflowId=${recovery.id}&status=${status}&limit=1`).then((r) => r.data.length, () => 0),
				),
			);
			quietPolls = busy.every((n) => n === 0) ? quietPolls + 1 : 0;
			if (quietPolls >= 3) return;
			await sleep(1000);
		}
		throw new Error(`recovery executions still running after ${timeoutMs} ms`);
	}

	return {
		n8n,
		outbox,
		editorUrl,
		shopUrl,
		login: { email: OWNER.email, password: OWNER.password },
		dashboard: { url: n8n.webhookUrl('cart-recovery/dashboard'), user: DASHBOARD_LOGIN.user, password: DASHBOARD_LOGIN.password },
		workflows,
		triggerPath: trigger,
		webhookSecret,
		shortened: prepared.flatMap((p) => p.shortened),
		samplesDelivered,
		settled,
		stop,
	};
}

/** A failed recovery execution ends the demo with n8n's own error message instead of a silent wait. */
async function failOnErrors(n8n: N8nServer, workflowId: string): Promise<void> {
	const failed = await n8n.api<{ data: Array<{ id: string }> }>('GET', `/executions?workflowId=${workflowId}&status=error&limit=1`).catch(() => ({ data: [] }));
	if (!failed.data.length) return;
	const execution = await n8n.api<any>('GET', `/executions/${failed.data[0].id}?includeData=true`).catch(() => undefined);
	const error = execution?.data?.resultData?.error;
	const where = execution?.data?.resultData?.lastNodeExecuted;
	throw new Error(`recovery execution ${failed.data[0].id} failed${where ? ` in “${where}”` : ''}: ${error?.message ?? 'see the execution in the editor'}${error?.description ? ` — ${error.description}` : ''}`);
}

async function postEvent(n8n: N8nServer, triggerPath: string, event: Record<string, unknown>, secret: string, what: string): Promise<void> {
	const { body, headers } = signedRequest(`/webhook/${triggerPath}`, event, secret);
	const res = await n8n.request(`/webhook/${triggerPath}`, { method: 'POST', headers, body });
	if (res.status >= 300) throw new Error(`posting ${what} failed: ${res.status} ${await res.text()}`);
}

async function main(): Promise<void> {
	const args = new Set(process.argv.slice(2));
	const exitAfterSamples = args.has('--exit-after-samples') || process.env.DEMO_EXIT_AFTER_SAMPLES === '1';
	const t0 = Date.now();
	let demo: Demo | undefined;
	// Ctrl-C (or SIGTERM): exit; the harness's exit hook then kills n8n's process group (n8n + task runner), and
	// the outbox, which lives in this process, goes with it.
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			console.log('\nStopping n8n, its task runner and the outbox…');
			process.exit(signal === 'SIGINT' ? 130 : 143);
		});
	}
	try {
		demo = await startDemo({ build: !args.has('--no-build') });
	} catch (error) {
		console.error(`\nThe demo could not start: ${(error as Error).message}`);
		process.exit(1);
	}
	// On exit (Ctrl-C included) n8n's process group is killed by the harness; then its user folder goes.
	const folder = demo.n8n.userFolder;
	process.once('exit', () => rmSync(folder, { recursive: true, force: true }));

	const secs = ((Date.now() - t0) / 1000).toFixed(1);
	const [recovery, ...others] = demo.workflows;
	console.log(
		[
			'',
			`Cart recovery demo is running (started in ${secs} s).`,
			'',
			`  n8n editor   ${demo.editorUrl}`,
			`     login     ${demo.login.email}  /  ${demo.login.password}`,
			`  Outbox       ${demo.outbox.url}   (what SendGrid, Twilio, WhatsApp and Messenger would deliver)`,
			`  AI model     ${demo.outbox.openai.baseUrl}   (offline stand-in for OpenAI: the AI Offer Writers’ copy, checked by their guardrails)`,
			...(demo.shopUrl(SHOPPERS[0]) ? [`  Sample shop  ${demo.shopUrl(SHOPPERS[0])}   (${SHOPPERS[0].firstName}, logged in, comes back after her reminder: the chat bubble greets her with her cart, code and recommendations)`] : []),
			`  Results      ${demo.dashboard.url}`,
			`     login     ${demo.dashboard.user}  /  ${demo.dashboard.password}   (six weeks of history, a split test with a holdout, and the sample shoppers as they move)`,
			'',
			'  Workflows (published):',
			...[recovery, ...others].map((w) => `    ${w.url}   ${w.name}`),
			'',
			`  Webshop → n8n: POST ${demo.n8n.webhookUrl(demo.triggerPath)}`,
			`     signed with X-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<URL path>.<body>">, secret ${demo.webhookSecret}`,
			'',
			`  n8n log      ${path.join(demo.n8n.userFolder, 'n8n.log')} (removed on exit)`,
			'',
			`  Shortened for the demo: ${demo.shortened.join('; ') || 'no waits found'}; quiet hours off; successful runs kept. workflows/ keeps the real durations.`,
			'',
			'Sample shoppers (Kávémanufaktúra, HUF):',
			...SHOPPERS.map((s) => `  ${s.firstName} ${s.lastName}: ${s.story}`),
			'',
			exitAfterSamples ? 'Waiting for the sample sequences to finish…' : 'Messages appear below and in the outbox as they are sent. Ctrl-C stops everything.',
			'',
		].join('\n'),
	);

	const printed = new Set<string>();
	const ticker = setInterval(() => {
		for (const m of demo!.outbox.messages()) {
			if (printed.has(m.id)) continue;
			printed.add(m.id);
			console.log(`${new Date().toLocaleTimeString('hu-HU')}  ${describeMessage(m)}`);
		}
	}, 500);

	try {
		await demo.samplesDelivered;
		if (!exitAfterSamples) console.log('All sample shoppers got their first reminder; later stages follow on their (short) waits.');
		if (exitAfterSamples) {
			await demo.settled();
			await sleep(600);
			clearInterval(ticker);
			const messages = demo.outbox.messages();
			const check = checkOutbox(messages);
			console.log(`\n${messages.filter((m) => m.kind === 'email').length} emails and ${messages.filter((m) => m.kind === 'sms').length} SMS in the outbox:`);
			for (const line of check.lines) console.log(`  ${line}`);
			console.log(check.ok ? `\nEvery sample shopper got what their story says (${((Date.now() - t0) / 1000).toFixed(0)} s in all).` : '\nThe outbox does not hold what the sample stories say (see ✗ above).');
			await demo.stop();
			process.exit(check.ok ? 0 : 1);
		}
	} catch (error) {
		clearInterval(ticker);
		console.error(`\n${(error as Error).message}\nn8n log (last lines):\n${demo.n8n.logs().split('\n').slice(-40).join('\n')}`);
		await demo.stop();
		process.exit(1);
	}
}

if (require.main === module) void main();


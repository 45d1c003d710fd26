// Benchmark (not a test): sending, inside a running n8n server, our Email Send and SMS Send versus n8n's built-in
// SendGrid and Twilio nodes, against the same loopback provider fakes (test/fakes), side by side in one run.
//
//   bash bench/run.sh bench/send.bench.ts [--batch=100] [--batches=5] [--rounds=2]
//
// Each side is one workflow: Webhook ("respond when last node finishes") → Split Out → the send node. A request
// carries a batch of carts; the send node sends one message per item. Ours also re-checks each cart, checks
// consent, applies the frequency cap, claims the message exactly once and records the result (two store calls per
// message, Postgres) and renders the shipped template; the built-in node sends what it is given. Reported per side:
// messages/s from the send node's own execution time (n8n's runData executionTime) and end to end (wall time of
// the webhook calls), then the ratios.
//
// How the built-in nodes reach the fakes: their hosts are fixed (https://api.sendgrid.com/v3,
// https://api.twilio.com/2010-04-01) and their credentials have no base URL, but n8n sends node requests through
// HTTPS_PROXY (@n8n/backend-network, proxy-from-env). The bench runs a CONNECT proxy that tunnels those two hosts to
// TLS fronts of the fakes (a self-signed certificate for both names, trusted by n8n through NODE_EXTRA_CA_CERTS).
// Ours reach the same TLS fronts through their credentials' Base URL (Email Send directly: NO_PROXY=127.0.0.1; SMS
// Send through the same proxy, as the twilio SDK ignores NO_PROXY), so both sides pay TLS; the tunnels each opens are
// counted below (one per connection).
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer as createTlsServer } from 'node:tls';

import { CartRecoveryStore, PostgresTransport, type CartEvent } from '../lib/store';
import { startSendGridFake } from '../test/fakes/sendgrid';
import { startTwilioFake } from '../test/fakes/twilio';
import { startN8n, nodeType, type N8nServer } from '../test/harness/server';
import { freshDatabase } from '../test/helpers/postgres';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const BATCH = arg('batch', 100);
const BATCHES = arg('batches', 5);
const ROUNDS = arg('rounds', 2);

const STORE_ID = 'crBenchSendStore';
const CRED = { ourSendGrid: 'crBenchSendSg001', ourTwilio: 'crBenchSendTw001', sendGrid: 'crBenchSendSg002', twilio: 'crBenchSendTw002' };

/** A self-signed certificate for the providers' hosts and 127.0.0.1 (its own CA, trusted through NODE_EXTRA_CA_CERTS). */
function certificate() {
	const dir = mkdtempSync(path.join(tmpdir(), 'cr-bench-tls-'));
	const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=api.sendgrid.com', '-addext', 'subjectAltName=DNS:api.sendgrid.com,DNS:api.twilio.com,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
	return { key: readFileSync(key), cert: readFileSync(cert), certFile: cert };
}

/** TLS in front of a loopback HTTP fake: the decrypted bytes go to the fake as they are. */
async function tlsFront(tls: { key: Buffer; cert: Buffer }, targetUrl: string) {
	const target = new URL(targetUrl);
	const server = createTlsServer({ key: tls.key, cert: tls.cert }, (socket) => {
		const upstream = netConnect(Number(target.port), target.hostname);
		socket.pipe(upstream).pipe(socket);
		const drop = () => (socket.destroy(), upstream.destroy());
		socket.on('error', drop);
		upstream.on('error', drop);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** An HTTP CONNECT proxy that tunnels the providers' hosts (port 443) to their TLS fronts, and nothing else. */
async function connectProxy(routes: Record<string, number>) {
	const tunnels: Record<string, number> = {};
	const sockets = new Set<Socket>();
	const server = createHttpServer((_req, res) => res.writeHead(405).end());
	server.on('connect', (req, client: Socket, head: Buffer) => {
		const host = String(req.url);
		const port = routes[host];
		if (!port) {
			client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
			return;
		}
		tunnels[host] = (tunnels[host] ?? 0) + 1;
		const upstream = netConnect(port, '127.0.0.1', () => {
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
			if (head.length) upstream.write(head);
			client.pipe(upstream).pipe(client);
		});
		sockets.add(client).add(upstream);
		const drop = () => (client.destroy(), upstream.destroy());
		client.on('error', drop);
		upstream.on('error', drop);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		tunnels,
		close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
	};
}

/** Webhook → Split Out → the send node; `n` numbers the workflow's node and webhook ids. */
function workflow(n: number, id: string, name: string, webhookPath: string, send: Record<string, unknown>) {
	const uuid = (k: number) => `b${n}000000-0000-4000-8000-00000000000${k}`;
	return {
		id,
		name,
		nodes: [
			{ id: uuid(1), name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: uuid(9), parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'lastNode', responseData: 'noData', options: {} } },
			{ id: uuid(2), name: 'Split Out', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [220, 0], parameters: { fieldToSplitOut: 'body.items', include: 'noOtherFields', options: {} } },
			{ id: uuid(3), name: SEND, position: [440, 0], ...send },
		],
		connections: { Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] }, 'Split Out': { main: [[{ node: SEND, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}
const SEND = 'Send';

const HTML = '<p>Kedves {{ $json.first_name }}!</p><p>A kosaradban hagytál valamit: <b>Kézműves kerámia bögre</b>, 12 990 Ft.</p><p><a href="https://shop.example.hu/cart/restore/{{ $json.cart_id }}">Vissza a kosárhoz</a></p>';
const SMS = 'Szia {{ $json.first_name }}! A kosaradban maradt egy termek: https://shop.example.hu/r/{{ $json.cart_id }} Leiratkozhatsz egy STOP uzenettel.';

const SIDES = [
	{
		key: 'oursEmail',
		label: 'Email Send (ours)',
		id: 'crBenchSendOurEm',
		path: 'bench-send-ours-email',
		channel: 'email',
		node: {
			type: nodeType('emailSend'),
			typeVersion: 1,
			parameters: { cartId: '={{ $json.cart_id }}', stage: 1, campaign: 'bench', unsubscribeBaseUrl: 'https://n8n.example.hu/webhook/cart-recovery/unsubscribe', shop: { name: 'Chatbuddy Shop' } },
			credentials: { cartRecoveryStoreApi: { id: STORE_ID, name: 'Store (bench)' }, sendGridCartRecoveryApi: { id: CRED.ourSendGrid, name: 'SendGrid (bench, ours)' } },
		},
	},
	{
		key: 'builtinEmail',
		label: 'SendGrid (built-in)',
		id: 'crBenchSendBinEm',
		path: 'bench-send-builtin-email',
		channel: 'email',
		node: {
			type: 'n8n-nodes-base.sendGrid',
			typeVersion: 1,
			parameters: { resource: 'mail', operation: 'send', fromEmail: 'bolt@shop.example.hu', fromName: 'Chatbuddy Shop', toEmail: '={{ $json.email }}', subject: 'Itt felejtettél valamit', contentType: 'text/html', contentValue: `=${HTML}`, additionalFields: {} },
			credentials: { sendGridApi: { id: CRED.sendGrid, name: 'SendGrid (bench, built-in)' } },
		},
	},
	{
		key: 'oursSms',
		label: 'SMS Send (ours)',
		id: 'crBenchSendOurSm',
		path: 'bench-send-ours-sms',
		channel: 'sms',
		node: {
			type: nodeType('smsSend'),
			typeVersion: 1,
			// Quiet hours off so a run at night measures sending, not deferring.
			parameters: { cartId: '={{ $json.cart_id }}', stage: 1, campaign: 'bench', quietHours: false, discountCode: '', discountText: '', options: { restoreUrl: 'https://shop.example.hu/r/abc' } },
			credentials: { cartRecoveryStoreApi: { id: STORE_ID, name: 'Store (bench)' }, twilioCartRecoveryApi: { id: CRED.ourTwilio, name: 'Twilio (bench, ours)' } },
		},
	},
	{
		key: 'builtinSms',
		label: 'Twilio (built-in)',
		id: 'crBenchSendBinSm',
		path: 'bench-send-builtin-sms',
		channel: 'sms',
		node: {
			type: 'n8n-nodes-base.twilio',
			typeVersion: 1,
			parameters: { resource: 'sms', operation: 'send', from: '+36209990000', to: '={{ $json.phone }}', toWhatsapp: false, message: `=${SMS}`, options: {} },
			credentials: { twilioApi: { id: CRED.twilio, name: 'Twilio (bench, built-in)' } },
		},
	},
] as const;

interface Tally {
	messages: number;
	nodeMs: number;
	wallMs: number;
	failures: number;
}

async function main() {
	const db = await freshDatabase('bench_send');
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: 8 }));
	const tls = certificate();
	const [sg, tw] = await Promise.all([startSendGridFake(), startTwilioFake()]);
	const [sgFront, twFront] = await Promise.all([tlsFront(tls, sg.url), tlsFront(tls, tw.url)]);
	// The twilio SDK (ours) honours HTTPS_PROXY but not NO_PROXY: its tunnels to the fronts are let through and counted too.
	const proxy = await connectProxy({
		'api.sendgrid.com:443': sgFront.port,
		'api.twilio.com:443': twFront.port,
		[`127.0.0.1:${sgFront.port}`]: sgFront.port,
		[`127.0.0.1:${twFront.port}`]: twFront.port,
	});
	let server: N8nServer | undefined;
	try {
		await store.ready();
		const credentials = [
			{ id: STORE_ID, name: 'Store (bench)', type: 'cartRecoveryStoreApi', data: { ...db.credentials, maxConnections: 10 } },
			{ id: CRED.ourSendGrid, name: 'SendGrid (bench, ours)', type: 'sendGridCartRecoveryApi', data: { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', fromName: 'Chatbuddy Shop', region: 'custom', baseUrl: `https://127.0.0.1:${sgFront.port}` } },
			{ id: CRED.sendGrid, name: 'SendGrid (bench, built-in)', type: 'sendGridApi', data: { apiKey: sg.apiKey } },
			{ id: CRED.ourTwilio, name: 'Twilio (bench, ours)', type: 'twilioCartRecoveryApi', data: { accountSid: tw.accountSid, authType: 'authToken', authToken: tw.authToken, senderType: 'phoneNumber', from: '+36209990000', baseUrl: `https://127.0.0.1:${twFront.port}` } },
			{ id: CRED.twilio, name: 'Twilio (bench, built-in)', type: 'twilioApi', data: { authType: 'authToken', accountSid: tw.accountSid, authToken: tw.authToken } },
		];
		console.log('[bench] starting n8n (both sides in one server)…');
		server = await startN8n({
			label: 'bench-send',
			credentials,
			workflows: SIDES.map((s, n) => workflow(n, s.id, s.label, s.path, s.node)),
			env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost', NODE_EXTRA_CA_CERTS: tls.certFile },
		});

		// Carts, each its own customer with email and SMS consent: one per message and round, made before the clock runs.
		let seq = 0;
		const carts = async (count: number) => {
			const out: Array<{ cart_id: string; email: string; phone: string; first_name: string }> = [];
			for (let i = 0; i < count; i += 100) {
				await Promise.all(
					Array.from({ length: Math.min(100, count - i) }, async () => {
						const n = seq++;
						const id = `send-${n}`;
						const email = `vevo${n}@example.hu`;
						const phone = `+3630${String(1_000_000 + n)}`;
						await store.recordCartEvent({ source: 'generic', event_id: `e-${id}`, type: 'cart', cart_id: id, customer_id: id, email, phone, first_name: 'Anna', locale: 'hu-HU', currency: 'HUF', value: 12990, items: [{ name: 'Kézműves kerámia bögre', quantity: 1, price: 12990 }], restore_url: `https://shop.example.hu/cart/restore/${id}` } as CartEvent, { cooldownSeconds: 0 });
						for (const channel of ['email', 'sms'] as const) await store.recordConsent({ channel, address: channel === 'email' ? email : phone, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt', customerId: id });
						out.push({ cart_id: id, email, phone, first_name: 'Anna' });
					}),
				);
			}
			return out;
		};

		const tally: Record<string, Tally> = Object.fromEntries(SIDES.map((s) => [s.key, { messages: 0, nodeMs: 0, wallMs: 0, failures: 0 }]));
		const seen: Record<string, number> = Object.fromEntries(SIDES.map((s) => [s.key, 0]));
		const runBatch = async (side: (typeof SIDES)[number], items: unknown[], count: boolean) => {
			const t0 = performance.now();
			const res = await server!.request(`/webhook/${side.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
			const text = await res.text();
			const wall = performance.now() - t0;
			if (res.status !== 200) {
				const last = (await server!.executions(side.id)).at(-1);
				throw new Error(`${side.label} answered ${res.status}: ${text.slice(0, 300)} ${JSON.stringify({ message: last?.data?.resultData?.error?.message, fakes: [sg.requests.at(-1)?.answer, tw.requests.at(-1)?.answer, tw.requests.at(-1)?.raw?.slice(0, 300)] })}`);
			}
			const executions = await server!.waitForExecutions(side.id, seen[side.key] + 1);
			const execution = executions[executions.length - 1];
			seen[side.key] = executions.length;
			const run = execution.data?.resultData?.runData?.[SEND]?.[0];
			if (!run || execution.status !== 'success') throw new Error(`${side.label}: execution ${execution.id} ${execution.status}: ${JSON.stringify(execution.data?.resultData?.error ?? null).slice(0, 800)}`);
			const sent = (run.data?.main?.[0] ?? []).length;
			if (!count) return;
			const t = tally[side.key];
			t.messages += items.length;
			t.failures += items.length - sent;
			t.nodeMs += run.executionTime;
			t.wallMs += wall;
		};

		// Warm-up (not measured): JIT, pools, TLS sessions, the first execution of each workflow.
		for (const side of SIDES) await runBatch(side, await carts(5), false);
		const acceptedBefore = { sg: sg.accepted.length, tw: tw.accepted.length };

		for (let round = 0; round < ROUNDS; round++) {
			for (const side of round % 2 === 0 ? SIDES : [...SIDES].reverse()) {
				console.log(`[bench] round ${round + 1}/${ROUNDS}: ${side.label}, ${BATCHES} × ${BATCH} messages`);
				for (let b = 0; b < BATCHES; b++) await runBatch(side, await carts(BATCH), true);
			}
		}

		const load = execSync('uptime').toString().trim();
		const row = (key: string) => {
			const t = tally[key];
			return { messages: t.messages, failures: t.failures, nodePerSecond: t.messages / (t.nodeMs / 1000), wallPerSecond: t.messages / (t.wallMs / 1000), msPerMessage: t.nodeMs / t.messages };
		};
		console.log('\n== Sending inside n8n: our send nodes vs n8n’s built-in SendGrid and Twilio nodes, same loopback fakes over TLS ==');
		console.log(`messages per side ${ROUNDS * BATCHES * BATCH} (${ROUNDS} rounds × ${BATCHES} batches × ${BATCH}), one n8n 2.41.1 main process, store on Postgres; load: ${load}`);
		console.table(
			SIDES.map((s) => {
				const r = row(s.key);
				return { side: s.label, messages: r.messages, 'not sent': r.failures, 'node ms / message': r.msPerMessage.toFixed(2), 'messages/s (node)': r.nodePerSecond.toFixed(1), 'messages/s (end to end)': r.wallPerSecond.toFixed(1) };
			}),
		);
		const ratio = (a: string, b: string, k: 'nodePerSecond' | 'wallPerSecond') => (row(a)[k] / row(b)[k]).toFixed(2);
		console.log(`ratios (ours / built-in, goal ≥ 1): email ×${ratio('oursEmail', 'builtinEmail', 'nodePerSecond')} node, ×${ratio('oursEmail', 'builtinEmail', 'wallPerSecond')} end to end; sms ×${ratio('oursSms', 'builtinSms', 'nodePerSecond')} node, ×${ratio('oursSms', 'builtinSms', 'wallPerSecond')} end to end`);
		console.log(`provider fakes accepted ${sg.accepted.length - acceptedBefore.sg} mails and ${tw.accepted.length - acceptedBefore.tw} SMS in the measured rounds; CONNECT tunnels opened by the built-in nodes: ${JSON.stringify(proxy.tunnels)}`);
		console.log(`JSON ${JSON.stringify({ batch: BATCH, batches: BATCHES, rounds: ROUNDS, load, rows: Object.fromEntries(SIDES.map((s) => [s.key, row(s.key)])), tunnels: proxy.tunnels })}`);
	} finally {
		await server?.stop().catch(() => undefined);
		await proxy.close();
		await Promise.all([sgFront.close(), twFront.close(), sg.close(), tw.close()]);
		await store.close().catch(() => undefined);
		const { closeAllStores } = await import('../lib/store');
		await closeAllStores();
		await db.drop().catch(() => undefined);
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);

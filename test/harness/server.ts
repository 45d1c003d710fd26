// The n8n SERVER harness: a real n8n 2.x (the pinned runtime from scripts/runtime.sh, on Node 24) with our packed
// tarball installed as a community package, exactly as n8n installs one. Later tests (trigger, end-to-end
// workflows, benchmarks) reuse it. See startN8n() and the pitfalls at the end of this comment.
//
//  - One fresh N8N_USER_FOLDER per server under .test-tmp/n8n/; `.n8n/nodes` is a hard-linked copy of one
//    template per tarball (npm install --prefer-offline --omit=peer --omit=dev --ignore-scripts <tgz>, done once).
//  - Random free ports (main, task-runner broker, worker health checks); diagnostics and every outbound call off.
//  - Credentials (fixed ids) and workflows (fixed id / webhookId) imported with n8n's CLI before start and
//    published through the public API once it runs; owner + API key set up headlessly; logs in
//    <userFolder>/n8n.log, printed when a start fails.
//  - queue: {workers: N} → n8n's DB on a fresh Postgres database, Redis 127.0.0.1:6379 with a unique
//    QUEUE_BULL_PREFIX, N `n8n worker` processes (each with a user folder of its own, like real workers).
//    queue.webhookProcessors: M `n8n webhook` processes on ports of their own (their own user folders too);
//    webhookRequest() goes to the first, as a load balancer routing /webhook/ would. killWorker(), startWorker()
//    and restartMain() crash and restart single processes while the others run.
//
// Pitfalls: node types are `n8n-nodes-cart-recovery.<node>`; a built-in Webhook's production URL is
// /webhook/<path> (isFullPath) while ours are /webhook/<webhookId>/<path>; `$env` is blocked in expressions;
// import deactivates workflows (the harness publishes them); executions are read through the public API.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';

import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { freePort } from '../helpers/passwordPostgres';

const execFileP = promisify(execFile);

export const ROOT = path.resolve(__dirname, '../..');
export const TEST_TMP = path.join(ROOT, '.test-tmp');
export const TARBALL = process.env.CART_RECOVERY_TGZ ?? path.join(TEST_TMP, 'n8n-nodes-cart-recovery.tgz');
export const PACKAGE_NAME = 'n8n-nodes-cart-recovery';
/** The type name n8n gives one of our nodes once the package is installed, e.g. nodeType('cartCheck'). */
export const nodeType = (name: string) => `${PACKAGE_NAME}.${name}`;

export const OWNER = {
	email: 'owner@cart-recovery.test',
	password: 'Owner-Passw0rd-1',
	firstName: 'Test',
	lastName: 'Owner',
};
export const ENCRYPTION_KEY = 'cart-recovery-test-encryption-key-0001';

export interface StartOptions {
	label: string;
	/** Extra environment for every n8n process (main, workers, CLI). */
	env?: Record<string, string>;
	/** Imported with `n8n import:credentials` before start, ids kept. `data` is plain (n8n encrypts it). */
	credentials?: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>;
	/** Workflow JSON objects (with fixed `id` and triggers' `webhookId`), imported before start and published once n8n runs. */
	workflows?: object[];
	/** Scale-out: Postgres + Redis + N `n8n worker` processes (+ M `n8n webhook` processors). */
	queue?: {
		workers: number;
		/** `n8n webhook` processes taking the production webhooks (default 0: main takes them). */
		webhookProcessors?: number;
		/** `n8n worker --concurrency` (default 5). */
		concurrency?: number;
		/** Extra environment for the workers only. */
		workerEnv?: Record<string, string>;
	};
	/** n8n's own database on the Postgres server (a fresh database) instead of SQLite; queue mode implies it. */
	postgres?: boolean;
	/** Milliseconds to wait for readiness of each process (default 120 s: 2 shared cores). */
	readyTimeoutMs?: number;
	/** Keep the user folder after stop() (default: removed unless CART_RECOVERY_KEEP_N8N=1). */
	keep?: boolean;
	/** Runs after the imports, before n8n starts (e.g. the demo writes a shop's history into the Embedded store). */
	beforeStart?: (userFolder: string) => Promise<void>;
}

export interface N8nServer {
	baseUrl: string;
	userFolder: string;
	apiKey: string;
	/** The Postgres database n8n itself runs on (queue mode, or the `postgres` option). */
	database?: TestDatabase;
	/** Production URL of a webhook path (built-in Webhook: its path; our triggers: `<webhookId>/<path>`). */
	webhookUrl(path: string): string;
	/** Plain HTTP to the server (webhooks); path is appended to baseUrl. */
	request(path: string, init?: RequestInit): Promise<Response>;
	/** Public API /api/v1 with X-N8N-API-KEY; throws with status + body on non-2xx. */
	api<T = any>(method: string, path: string, body?: unknown): Promise<T>;
	/** Internal /rest API with the owner's login cookie; returns the response's `data` field; throws on non-2xx. */
	rest<T = any>(method: string, path: string, body?: unknown): Promise<T>;
	/** Imports with the CLI while running (id/webhookId kept); publish (default true) activates through the API. */
	importWorkflow(json: object, options?: { publish?: boolean }): Promise<string>;
	createCredential(c: { name: string; type: string; data: Record<string, unknown> }): Promise<string>;
	/** n8n's own credential Test, as the editor's Test button calls it (POST /rest/credentials/test). */
	testCredential(type: string, data: Record<string, unknown>): Promise<{ status: string; message: string }>;
	/** Executions of a workflow with their data, oldest first. */
	executions(workflowId: string): Promise<any[]>;
	/** Polls until `count` executions have one of `status` (default: success, error, crashed, canceled). */
	waitForExecutions(workflowId: string, count: number, opts?: { timeoutMs?: number; status?: string[] }): Promise<any[]>;
	/** Stops and starts every process on the same user folder, database and ports. */
	restart(): Promise<void>;
	/** The first webhook processor's URL (queue.webhookProcessors), else baseUrl: where the shop's webhooks go. */
	webhookBaseUrl: string;
	/** Plain HTTP to the webhook processor (or main when there is none). */
	webhookRequest(path: string, init?: RequestInit): Promise<Response>;
	/** Kills worker `index`'s process group with `signal` (default SIGKILL: no graceful shutdown) and waits for it to exit. */
	killWorker(index: number, signal?: NodeJS.Signals): Promise<void>;
	/** Starts worker `index` again (same folder and ports) and waits for its readiness. */
	startWorker(index: number): Promise<void>;
	/** Stops main only (SIGTERM) and starts it again; workers and webhook processors keep running. */
	restartMain(): Promise<void>;
	/** Process ids of the live processes (RSS measurements). */
	pids(): { main?: number; workers: Array<number | undefined>; webhooks: Array<number | undefined> };
	stop(): Promise<void>;
	/** Waits until n8n reports the workflow's triggers live (GET /rest/workflows/:id/publication-status). */
	waitForPublication(workflowId: string, timeoutMs?: number): Promise<void>;
	/** The owner's session headers (cookie, browser-id) for raw requests to authenticated paths, e.g. /types/nodes.json. */
	authHeaders(): Record<string, string>;
	/** Main's log; workerLogs(i) for workers, webhookLogs(i) for webhook processors. */
	logs(): string;
	workerLogs(index?: number): string;
	webhookLogs(index?: number): string;
	/** Runs an n8n CLI command against this instance's folder and database (e.g. ['export:nodes', '--output=f']). */
	cli(args: string[]): Promise<{ stdout: string; stderr: string }>;
}

// ---------------------------------------------------------------------------------------------------------
// Runtime: Node 24 + the pinned n8n runtime folder.

let runtimeCache: { node: string; n8nBin: string; runtimeDir: string } | undefined;
export function runtime() {
	if (runtimeCache) return runtimeCache;
	// stderr inherited, not piped: a first install's progress lines must show as they come, not after minutes.
	const sh = (what: string) => execFileSync('bash', [path.join(ROOT, 'scripts/runtime.sh'), what], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
	const runtimeDir = process.env.N8N_RUNTIME_DIR || sh('n8n');
	const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : sh('node');
	const n8nBin = path.join(runtimeDir, 'node_modules/n8n/bin/n8n');
	if (!existsSync(n8nBin)) throw new Error(`n8n CLI not found at ${n8nBin} (scripts/runtime.sh n8n)`);
	runtimeCache = { node, n8nBin, runtimeDir };
	return runtimeCache;
}

let ownerHash: string | undefined;
function ownerPasswordHash(): string {
	if (ownerHash) return ownerHash;
	const req = createRequire(path.join(runtime().runtimeDir, 'node_modules/n8n/package.json'));
	const bcrypt = req('bcryptjs') as { hashSync(s: string, rounds: number): string };
	ownerHash = bcrypt.hashSync(OWNER.password, 10);
	return ownerHash;
}

// ---------------------------------------------------------------------------------------------------------
// Installing our tarball the way n8n installs a community package, once per tarball per machine.

export const timings: Record<string, number[]> = {};
function timed(name: string, ms: number) {
	(timings[name] ??= []).push(ms);
}

/** `.n8n/nodes` with our package installed; one per tarball content (hard-linked into every user folder). */
export async function nodesTemplate(): Promise<string> {
	if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: run scripts/pack.sh (scripts/test.sh does)`);
	// Snapshot the tarball first: another test run in this checkout may re-pack it while we install.
	const bytes = readFileSync(TARBALL);
	const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
	const templates = path.join(TEST_TMP, 'n8n-templates');
	const template = path.join(templates, hash, 'nodes');
	if (existsSync(path.join(template, 'node_modules', PACKAGE_NAME, 'package.json'))) return template;
	const started = Date.now();
	const staging = `${template}.${process.pid}.${randomBytes(3).toString('hex')}`;
	mkdirSync(staging, { recursive: true });
	const tgz = path.join(staging, '..', `${path.basename(staging)}.tgz`);
	writeFileSync(tgz, bytes);
	try {
		await installPackageInto(staging, tgz);
	} catch (error) {
		rmSync(staging, { recursive: true, force: true }); // a failed start leaves nothing behind in .test-tmp
		throw error;
	} finally {
		rmSync(tgz, { force: true });
	}
	try {
		renameSync(staging, template); // atomic: a concurrent test file may have won; then use its copy
	} catch {
		rmSync(staging, { recursive: true, force: true });
	}
	timed('install', Date.now() - started);
	// Templates of older tarballs go after an hour (user folders made from them keep their hard links). The SQLite
	// template shares the folder and stays; an entry another test file renames or removes meanwhile is skipped.
	for (const other of readdirSync(templates)) {
		if (other === hash || other.startsWith('sqlite-')) continue;
		const dir = path.join(templates, other);
		try {
			if (Date.now() - statSync(dir).mtimeMs > 3600_000) rmSync(dir, { recursive: true, force: true });
		} catch {
			// gone already: a concurrent test file's staging folder, renamed into place or removed
		}
	}
	return template;
}

/**
 * What n8n's community-package installer does: a private package.json, then npm install of the tgz. Prefer-offline,
 * not offline: our dependencies' tarballs are in npm's cache after `npm install`, but the full metadata npm needs to
 * resolve them outside a lock file is not, on a fresh machine (ENOTCACHED); npm fetches only what is missing.
 */
export async function installPackageInto(nodesDir: string, tarball: string): Promise<void> {
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }));
	const { node } = runtime();
	try {
		await execFileP('npm', ['install', '--prefer-offline', '--omit=peer', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
			cwd: nodesDir,
			env: { ...process.env, PATH: `${path.dirname(node)}:${process.env.PATH}`, npm_config_update_notifier: 'false' },
			maxBuffer: 32 * 1024 * 1024,
		});
	} catch (error) {
		const e = error as { stderr?: string; message: string };
		throw new Error(`installing ${tarball} into ${nodesDir} failed: ${e.message}\n${e.stderr ?? ''}`);
	}
}

let staleSwept = false;
const OWNER_FILE = 'owner.pid';

function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * User folders left by crashed runs go on the first start in a process: a folder whose owning process (the
 * test or demo that made it) is gone. A long-running demo keeps its folder however idle its log is.
 */
function sweepStaleFolders(root: string) {
	if (staleSwept || !existsSync(root)) return;
	staleSwept = true;
	for (const name of readdirSync(root)) {
		const dir = path.join(root, name);
		const ownerFile = path.join(dir, OWNER_FILE);
		const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
		const orphaned = owner ? !processAlive(owner) : Date.now() - statSync(dir).mtimeMs > 2 * 3600_000;
		if (orphaned) rmSync(dir, { recursive: true, force: true });
	}
}

const SQLITE_FILES = ['database.sqlite', 'database.sqlite-wal', 'database.sqlite-shm'];

/**
 * n8n's SQLite database with every migration run, once per n8n version per machine: each new user folder starts
 * from a copy, where a first boot would spend 4–5 s migrating (and a test server boots the CLI before it starts).
 */
async function sqliteTemplate(): Promise<string> {
	const { node, n8nBin, runtimeDir } = runtime();
	const template = path.join(TEST_TMP, 'n8n-templates', `sqlite-${path.basename(runtimeDir)}`);
	if (existsSync(path.join(template, 'ready'))) return template;
	const staging = `${template}.${process.pid}.${randomBytes(3).toString('hex')}`;
	mkdirSync(path.join(staging, '.n8n'), { recursive: true });
	const empty = path.join(staging, 'none.json');
	writeFileSync(empty, '[]');
	try {
		await execFileP(node, [n8nBin, 'import:credentials', `--input=${empty}`], {
			env: {
				PATH: `${path.dirname(node)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
				HOME: process.env.HOME,
				N8N_USER_FOLDER: staging,
				N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
				N8N_DIAGNOSTICS_ENABLED: 'false',
				N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
				N8N_DISABLED_MODULES: 'mcp-registry',
			},
			timeout: 180_000,
		});
		writeFileSync(path.join(staging, 'ready'), '');
		renameSync(staging, template); // atomic: a concurrent test file may have won; then use its copy
	} catch (error) {
		rmSync(staging, { recursive: true, force: true });
		if (!existsSync(path.join(template, 'ready'))) throw new Error(`migrating n8n's template database failed: ${(error as Error).message}`);
	}
	return template;
}

async function copySqliteTemplate(userFolder: string): Promise<void> {
	const started = Date.now();
	const template = await sqliteTemplate();
	for (const file of SQLITE_FILES) {
		const from = path.join(template, '.n8n', file);
		if (existsSync(from)) writeFileSync(path.join(userFolder, '.n8n', file), readFileSync(from));
	}
	timed('sqlite template', Date.now() - started);
}

async function newUserFolder(label: string): Promise<string> {
	sweepStaleFolders(path.join(TEST_TMP, 'n8n'));
	const folder = path.join(TEST_TMP, 'n8n', `${label.replace(/[^a-z0-9_-]/gi, '_')}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
	mkdirSync(path.join(folder, '.n8n'), { recursive: true });
	writeFileSync(path.join(folder, OWNER_FILE), String(process.pid));
	const template = await nodesTemplate();
	await execFileP('cp', ['-al', template, path.join(folder, '.n8n', 'nodes')]);
	return folder;
}

// ---------------------------------------------------------------------------------------------------------
// Processes: own process group, killed with the test process (pdeathsig) and on exit.

const liveGroups = new Set<number>();
let hooksInstalled = false;
function installExitHooks() {
	if (hooksInstalled) return;
	hooksInstalled = true;
	process.once('exit', () => {
		for (const pid of liveGroups) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				/* gone */
			}
		}
	});
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
	}
}

interface Proc {
	child: ChildProcess;
	logFile: string;
	exited: Promise<number | null>;
	exitCode?: number | null;
}

function spawnN8n(args: string[], env: NodeJS.ProcessEnv, logFile: string): Proc {
	installExitHooks();
	const { node, n8nBin } = runtime();
	const fd = openSync(logFile, 'a');
	// setpriv --pdeathsig: n8n dies with the test process even when that is SIGKILLed (no exit hook then).
	const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', node, n8nBin, ...args], {
		env,
		detached: true,
		stdio: ['ignore', fd, fd],
	});
	closeSync(fd);
	const proc: Proc = { child, logFile, exited: undefined as unknown as Promise<number | null> };
	if (child.pid) liveGroups.add(child.pid);
	proc.exited = new Promise((resolve) => {
		child.once('exit', (code, signal) => {
			if (child.pid) liveGroups.delete(child.pid);
			proc.exitCode = code ?? (signal ? -1 : null);
			resolve(proc.exitCode);
		});
		child.once('error', () => resolve((proc.exitCode = -2)));
	});
	return proc;
}

function killGroup(pid: number) {
	try {
		process.kill(-pid, 'SIGKILL');
	} catch {
		/* gone */
	}
}

async function killProc(proc: Proc | undefined, graceMs = 10_000): Promise<void> {
	if (!proc?.child.pid || proc.exitCode !== undefined) return;
	const pid = proc.child.pid;
	const signalGroup = (s: NodeJS.Signals) => {
		try {
			process.kill(-pid, s);
		} catch {
			/* gone */
		}
	};
	signalGroup('SIGTERM');
	const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
	await proc.exited;
	clearTimeout(timer);
	signalGroup('SIGKILL'); // children of the group (task runner) that outlived n8n
}

const readLog = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(proc: Proc, url: string, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (proc.exitCode !== undefined) {
			throw new Error(`${what} exited (code ${proc.exitCode}) before it was ready. Log ${proc.logFile}:\n${tail(readLog(proc.logFile))}`);
		}
		try {
			const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
			if (res.ok) return;
		} catch {
			/* not listening yet */
		}
		await sleep(200);
	}
	throw new Error(`${what} not ready after ${timeoutMs} ms (${url}). Log ${proc.logFile}:\n${tail(readLog(proc.logFile))}`);
}

const tail = (text: string, lines = 80) => text.split('\n').slice(-lines).join('\n');

// ---------------------------------------------------------------------------------------------------------
// Measuring: what a process costs (the scale test and bench/scale.bench.ts).

/** RSS of a process and its children (n8n's task runner), MB. */
export function processTreeRssMb(pid: number | undefined): number {
	if (!pid) return 0;
	const seen = new Set<number>();
	const walk = (p: number) => {
		if (seen.has(p)) return;
		seen.add(p);
		try {
			for (const tid of readdirSync(`/proc/${p}/task`)) {
				const file = `/proc/${p}/task/${tid}/children`;
				if (!existsSync(file)) continue;
				for (const child of readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean)) walk(Number(child));
			}
		} catch {
			/* gone */
		}
	};
	walk(pid);
	let kb = 0;
	for (const p of seen) {
		try {
			const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
			if (m) kb += Number(m[1]);
		} catch {
			/* ended meanwhile */
		}
	}
	return Math.round(kb / 1024);
}

// ---------------------------------------------------------------------------------------------------------

export async function startN8n(options: StartOptions): Promise<N8nServer> {
	const t0 = Date.now();
	const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
	const userFolder = await newUserFolder(options.label);
	if (!options.queue && !options.postgres) await copySqliteTemplate(userFolder);
	const workerCount = options.queue?.workers ?? 0;
	const webhookCount = options.queue?.webhookProcessors ?? 0;
	const workerFolders: string[] = [];
	for (let i = 0; i < workerCount; i++) workerFolders.push(await newUserFolder(`${options.label}-worker${i + 1}`));
	const webhookFolders: string[] = [];
	for (let i = 0; i < webhookCount; i++) webhookFolders.push(await newUserFolder(`${options.label}-webhook${i + 1}`));
	const [port, brokerPort, cliBrokerPort] = [await freePort(), await freePort(), await freePort()];
	const workerPorts: Array<{ broker: number; health: number }> = [];
	for (let i = 0; i < workerCount; i++) workerPorts.push({ broker: await freePort(), health: await freePort() });
	const webhookPorts: Array<{ broker: number; http: number }> = [];
	for (let i = 0; i < webhookCount; i++) webhookPorts.push({ broker: await freePort(), http: await freePort() });
	const baseUrl = `http://127.0.0.1:${port}`;
	// The URL n8n puts into webhook links (unsubscribe pages…): the webhook processors when there are, as a load balancer's would.
	const webhookBaseUrl = webhookCount ? `http://127.0.0.1:${webhookPorts[0].http}` : baseUrl;
	const database = options.queue || options.postgres ? await freshDatabase(`n8n_${options.label}`) : undefined;
	const bullPrefix = `crq-${randomBytes(5).toString('hex')}`;

	const baseEnv = (folder: string, runnerPort: number): NodeJS.ProcessEnv => {
		const env: NodeJS.ProcessEnv = {
			PATH: `${path.dirname(runtime().node)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
			HOME: process.env.HOME,
			LANG: process.env.LANG ?? 'C.UTF-8',
			TZ: process.env.TZ ?? 'UTC',
			N8N_USER_FOLDER: folder,
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: baseUrl,
			N8N_WEBHOOK_URL: `${webhookBaseUrl}/`,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_USER_MANAGEMENT_JWT_SECRET: 'cart-recovery-test-jwt-secret',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_DISABLED_MODULES: 'mcp-registry',
			N8N_RUNNERS_BROKER_PORT: String(runnerPort),
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
			N8N_INSTANCE_OWNER_EMAIL: OWNER.email,
			N8N_INSTANCE_OWNER_FIRST_NAME: OWNER.firstName,
			N8N_INSTANCE_OWNER_LAST_NAME: OWNER.lastName,
			N8N_INSTANCE_OWNER_PASSWORD_HASH: ownerPasswordHash(),
			N8N_LOG_LEVEL: process.env.N8N_TEST_LOG_LEVEL ?? 'info',
			N8N_LOG_OUTPUT: 'console',
			N8N_WORKFLOW_PUBLICATION_OUTBOX_POLL_INTERVAL_MS: '500',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_RUNNERS_TASK_TIMEOUT: '300',
			SCARF_ANALYTICS: 'false',
			NODE_ENV: 'production',
		};
		if (database) {
			const db = new URL(database.url);
			Object.assign(env, {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: db.hostname,
				DB_POSTGRESDB_PORT: db.port || '5432',
				DB_POSTGRESDB_DATABASE: database.name,
				DB_POSTGRESDB_USER: decodeURIComponent(db.username || 'postgres'),
				DB_POSTGRESDB_PASSWORD: decodeURIComponent(db.password || ''),
			});
		}
		if (options.queue) {
			Object.assign(env, {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: process.env.TEST_REDIS_HOST ?? '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: process.env.TEST_REDIS_PORT ?? '6379',
				QUEUE_BULL_PREFIX: bullPrefix,
				OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			});
		}
		return { ...env, ...options.env };
	};

	const cli = async (args: string[]): Promise<{ stdout: string; stderr: string }> => {
		const { node, n8nBin } = runtime();
		const started = Date.now();
		try {
			return await execFileP(node, [n8nBin, ...args], { env: baseEnv(userFolder, cliBrokerPort), maxBuffer: 64 * 1024 * 1024, timeout: 180_000 });
		} catch (error) {
			const e = error as { stdout?: string; stderr?: string; message: string };
			throw new Error(`n8n ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
		} finally {
			timed(`cli ${args[0]}`, Date.now() - started);
		}
	};

	// Before start: credentials (fixed ids), workflows (fixed ids, webhookIds), publish.
	const scratch = path.join(userFolder, 'import');
	mkdirSync(scratch, { recursive: true });
	if (options.credentials?.length) {
		const file = path.join(scratch, 'credentials.json');
		writeFileSync(file, JSON.stringify(options.credentials));
		await cli(['import:credentials', `--input=${file}`]);
	}
	const workflowIds: string[] = [];
	if (options.workflows?.length) {
		const dir = path.join(scratch, 'workflows');
		mkdirSync(dir, { recursive: true });
		options.workflows.forEach((wf, i) => {
			const id = (wf as { id?: string }).id;
			if (!id) throw new Error(`startN8n: workflow #${i} has no fixed "id" (needed to publish it and find its executions)`);
			workflowIds.push(id);
			writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}.json`), JSON.stringify(wf));
		});
		await cli(['import:workflow', '--separate', `--input=${dir}`]);
		// Published through the API once n8n runs (launch): one CLI boot of n8n per workflow (7–10 s each) saved.
	}

	if (options.beforeStart) await options.beforeStart(userFolder);

	let main: Proc | undefined;
	let workers: Proc[] = [];
	let cookie = '';
	let apiKey = '';
	const browserId = `cart-recovery-test-${randomBytes(4).toString('hex')}`;
	const mainLog = path.join(userFolder, 'n8n.log');
	const workerLogFiles = workerFolders.map((f) => path.join(f, 'n8n-worker.log'));
	let stopped = false;
	const published = new Set<string>();
	let savedLogs: { main: string; workers: string[]; webhooks: string[] } | undefined;

	const webhookLogFiles = webhookFolders.map((f) => path.join(f, 'n8n-webhook.log'));
	let webhooks: Proc[] = [];
	const concurrency = options.queue?.concurrency ?? 5;

	const spawnMain = () => (main = spawnN8n(['start'], baseEnv(userFolder, brokerPort), mainLog));
	const mainReady = () => waitReady(main!, `${baseUrl}/healthz/readiness`, readyTimeoutMs, `n8n main (${options.label})`);
	const spawnWorker = (i: number) =>
		(workers[i] = spawnN8n(
			['worker', `--concurrency=${concurrency}`],
			{
				...baseEnv(workerFolders[i], workerPorts[i].broker),
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(workerPorts[i].health),
				...options.queue?.workerEnv,
			},
			workerLogFiles[i],
		));
	const workerReady = (i: number) => waitReady(workers[i], `http://127.0.0.1:${workerPorts[i].health}/healthz/readiness`, readyTimeoutMs, `n8n worker ${i + 1} (${options.label})`);
	const spawnWebhook = (i: number) =>
		(webhooks[i] = spawnN8n(['webhook'], { ...baseEnv(webhookFolders[i], webhookPorts[i].broker), N8N_PORT: String(webhookPorts[i].http) }, webhookLogFiles[i]));
	const webhookReady = (i: number) => waitReady(webhooks[i], `http://127.0.0.1:${webhookPorts[i].http}/healthz/readiness`, readyTimeoutMs, `n8n webhook processor ${i + 1} (${options.label})`);

	async function launch(): Promise<void> {
		const started = Date.now();
		spawnMain();
		workers = [];
		webhooks = [];
		workerFolders.forEach((_, i) => spawnWorker(i));
		// Webhook processors start once main has run the migrations (they would race it on a fresh database).
		try {
			await Promise.all([mainReady(), ...workerFolders.map((_, i) => workerReady(i))]);
			webhookFolders.forEach((_, i) => spawnWebhook(i));
			await Promise.all(webhookFolders.map((_, i) => webhookReady(i)));
			await login();
			for (const id of workflowIds) if (!published.has(id)) await api('POST', `/workflows/${id}/activate`).then(() => published.add(id));
			for (const id of published) await waitForPublication(id);
			timed('start', Date.now() - started);
		} catch (error) {
			await halt();
			console.error(`[n8n harness] start of "${options.label}" failed; main log ${mainLog}:\n${tail(readLog(mainLog), 150)}`);
			throw error;
		}
	}

	async function halt(): Promise<void> {
		await Promise.all([killProc(main), ...workers.map((w) => killProc(w)), ...webhooks.map((w) => killProc(w))]);
	}

	async function login(): Promise<void> {
		const res = await fetch(`${baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'browser-id': browserId },
			body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
		});
		if (!res.ok) throw new Error(`owner login failed: ${res.status} ${await res.text()}`);
		cookie = res.headers
			.getSetCookie()
			.map((c) => c.split(';')[0])
			.join('; ');
		if (!apiKey) {
			const scopes = await rest<string[]>('GET', '/api-keys/scopes');
			const created = await rest<{ rawApiKey: string }>('POST', '/api-keys', { label: `test-${browserId}`, scopes, expiresAt: null });
			apiKey = created.rawApiKey;
		}
	}

	async function call(url: string, method: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
		const res = await fetch(url, {
			method,
			headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!res.ok) throw Object.assign(new Error(`${method} ${url} → ${res.status}: ${text}`), { status: res.status, body: text });
		return text ? JSON.parse(text) : undefined;
	}

	async function rest<T>(method: string, p: string, body?: unknown): Promise<T> {
		const json = (await call(`${baseUrl}/rest${p}`, method, { cookie, 'browser-id': browserId }, body)) as { data?: T } | undefined;
		return (json && typeof json === 'object' && 'data' in json ? json.data : json) as T;
	}

	async function api<T>(method: string, p: string, body?: unknown): Promise<T> {
		return (await call(`${baseUrl}/api/v1${p}`, method, { 'X-N8N-API-KEY': apiKey }, body)) as T;
	}

	async function executions(workflowId: string): Promise<any[]> {
		const all: any[] = [];
		let cursor: string | undefined;
		do {
			const page = await api<{ data: any[]; nextCursor?: string | null }>(
				'GET',
				`/executions?workflowId=${encodeURIComponent(workflowId)}&includeData=true&limit=250${cursor ? `&cursor=${cursor}` : ''}`,
			);
			all.push(...page.data);
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		return all.sort((a, b) => Number(a.id) - Number(b.id));
	}

	// 2.x publishes through an outbox processed after start-up (N8N_USE_WORKFLOW_PUBLICATION_SERVICE): readiness
	// and the activate call both return before the triggers are live.
	async function waitForPublication(id: string, timeoutMs = 60_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let last: { status: string; triggers?: unknown[] } | undefined;
		while (Date.now() < deadline) {
			last = await rest<{ status: string; triggers: unknown[] }>('GET', `/workflows/${id}/publication-status`);
			if (last.status === 'published') return;
			if (last.status === 'failed' || last.status === 'partial') {
				throw new Error(`workflow ${id} publication ${last.status}: ${JSON.stringify(last.triggers)}\n${tail(readLog(mainLog), 40)}`);
			}
			await sleep(150);
		}
		throw new Error(`workflow ${id} not published after ${timeoutMs} ms: ${JSON.stringify(last)}\n${tail(readLog(mainLog), 40)}`);
	}

	async function activate(id: string): Promise<void> {
		await api('POST', `/workflows/${id}/activate`);
		published.add(id);
		await waitForPublication(id);
	}

	await launch();
	timed('startN8n total', Date.now() - t0);

	const server: N8nServer = {
		baseUrl,
		userFolder,
		get apiKey() {
			return apiKey;
		},
		database,
		waitForPublication,
		webhookBaseUrl,
		webhookRequest: (p, init) => fetch(`${webhookBaseUrl}${p.startsWith('/') ? p : `/${p}`}`, init),
		async killWorker(index, signal = 'SIGKILL') {
			const proc = workers[index];
			if (!proc?.child.pid || proc.exitCode !== undefined) throw new Error(`worker ${index + 1} is not running`);
			try {
				process.kill(-proc.child.pid, signal);
			} catch {
				/* gone */
			}
			await proc.exited;
			if (signal !== 'SIGKILL') killGroup(proc.child.pid);
		},
		async startWorker(index) {
			if (workers[index] && workers[index].exitCode === undefined) throw new Error(`worker ${index + 1} is still running`);
			spawnWorker(index);
			await workerReady(index);
		},
		async restartMain() {
			const started = Date.now();
			await killProc(main);
			spawnMain();
			await mainReady();
			await login();
			for (const id of published) await waitForPublication(id);
			timed('restartMain', Date.now() - started);
		},
		pids: () => ({
			main: main?.exitCode === undefined ? main?.child.pid : undefined,
			workers: workers.map((w) => (w.exitCode === undefined ? w.child.pid : undefined)),
			webhooks: webhooks.map((w) => (w.exitCode === undefined ? w.child.pid : undefined)),
		}),
		authHeaders: () => ({ cookie, 'browser-id': browserId }),
		webhookUrl: (p) => `${baseUrl}/webhook/${p.replace(/^\/+/, '')}`,
		request: (p, init) => fetch(`${baseUrl}${p.startsWith('/') ? p : `/${p}`}`, init),
		api,
		rest,
		cli,
		async importWorkflow(json, opts = {}) {
			const id = (json as { id?: string }).id;
			if (!id) throw new Error('importWorkflow: the workflow JSON needs a fixed "id"');
			const file = path.join(scratch, `workflow-${id}-${Date.now()}.json`);
			writeFileSync(file, JSON.stringify(json));
			await cli(['import:workflow', `--input=${file}`]);
			if (opts.publish ?? true) await activate(id);
			return id;
		},
		async createCredential(c) {
			const created = await rest<{ id: string }>('POST', '/credentials', { name: c.name, type: c.type, data: c.data });
			return created.id;
		},
		async testCredential(type, data) {
			// id '' = a credential not saved yet (the owner may test those), as when Test runs on a new credential.
			return rest<{ status: string; message: string }>('POST', '/credentials/test', { credentials: { id: '', name: 'test', type, data } });
		},
		executions,
		async waitForExecutions(workflowId, count, opts = {}) {
			const statuses = opts.status ?? ['success', 'error', 'crashed', 'canceled'];
			const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
			let last: any[] = [];
			while (Date.now() < deadline) {
				last = (await executions(workflowId)).filter((e) => statuses.includes(e.status));
				if (last.length >= count) return last;
				await sleep(300);
			}
			throw new Error(
				`waitForExecutions(${workflowId}): ${last.length}/${count} with status ${statuses.join('|')} after ${opts.timeoutMs ?? 60_000} ms; all: ${JSON.stringify(
					(await executions(workflowId).catch(() => [])).map((e) => ({ id: e.id, status: e.status })),
				)}`,
			);
		},
		async restart() {
			await halt();
			await launch();
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			await halt();
			const keep = options.keep ?? process.env.CART_RECOVERY_KEEP_N8N === '1';
			if (database) {
				await database.drop().catch(() => undefined);
				await execFileP('bash', ['-c', `redis-cli -h 127.0.0.1 --scan --pattern '${bullPrefix}*' | xargs -r redis-cli -h 127.0.0.1 del >/dev/null`]).catch(() => undefined);
			}
			savedLogs = { main: readLog(mainLog), workers: workerLogFiles.map(readLog), webhooks: webhookLogFiles.map(readLog) };
			if (!keep) for (const f of [userFolder, ...workerFolders, ...webhookFolders]) rmSync(f, { recursive: true, force: true });
		},
		logs: () => savedLogs?.main ?? readLog(mainLog),
		workerLogs: (i = 0) => savedLogs?.workers[i] ?? readLog(workerLogFiles[i]),
		webhookLogs: (i = 0) => savedLogs?.webhooks[i] ?? readLog(webhookLogFiles[i]),
	};
	return server;
}

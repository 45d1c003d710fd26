// The demo's copy of the shipped workflows: the files in workflows/ stay as they ship (real durations); the demo
// transforms a copy so a visitor sees the whole sequence in about a minute.
//  - Wait nodes with a time interval run in seconds: 30 min → 10 s, 2 h → 20 s, 24 h → 30 s (any other duration:
//    scaled, the order of the stages kept). The scaling is an expression around the duration the Wait reads from
//    Settings, so a wait the visitor edits in Settings is shortened the same way; each Wait and a sticky note say so.
//    "At specified time" waits (deferrals, loops) are left alone.
//  - Quiet hours off in the send nodes (a demo at 3 a.m. should still show the SMS).
//  - Successful executions kept (the shipped files keep none, README "Security"): the demo's data are samples, and
//    a visitor opens the finished runs in the editor to see what each node did. Everything else as shipped.
//  - Every node's credentials point at the demo's own (Embedded store, the outbox's SendGrid, Twilio, Meta and AI model).
//  - Settings filled in with the sample shop (shipped empty: the marketer's own name and contacts go there).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { fillSettings, SETTINGS, shortenWaits, type WorkflowJson as E2eWorkflowJson } from '../../test/e2e/workflows';
import { SHOP } from './samples';

export const PACKAGE = 'n8n-nodes-cart-recovery';
export const WORKFLOWS_DIR = path.resolve(__dirname, '../../workflows');

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: Array<{
		id?: string;
		name: string;
		type: string;
		typeVersion: number;
		parameters: Record<string, any>;
		webhookId?: string;
		credentials?: Record<string, { id: string; name: string }>;
		position?: [number, number];
	}>;
	connections: Record<string, unknown>;
	[key: string]: unknown;
}

/** The shipped workflow files (workflows/*.json), by file name. */
export function shippedWorkflows(dir = process.env.CART_RECOVERY_WORKFLOWS_DIR || WORKFLOWS_DIR): Map<string, WorkflowJson> {
	const out = new Map<string, WorkflowJson>();
	let files: string[] = [];
	try {
		files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
	} catch {
		return out;
	}
	for (const file of files) out.set(file, JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as WorkflowJson);
	return out;
}

/** The demo duration (seconds) for a shipped wait of `seconds`. */
export function demoSeconds(seconds: number): number {
	return new Function('s', `return Math.max(1, Math.round(${DEMO_SCALE}));`)(seconds) as number;
}

/** demoSeconds as the expression the demo's Wait nodes evaluate (`s`: the real duration in seconds). */
export const DEMO_SCALE =
	's <= 60 ? s : s <= 3600 ? 10 : s <= 6 * 3600 ? 20 : s <= 48 * 3600 ? 30 : Math.min(45, 30 + Math.round(Math.log10(s / (48 * 3600)) * 10))';

/** What the demo's canvas says on each shortened Wait and in a sticky note. */
export const DEMO_WAIT_NOTE = 'Demo: runs in seconds';

export interface DemoCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface PreparedWorkflow {
	json: WorkflowJson;
	/** What was shortened, for the console: "Wait 30 min: 30 min → 10 s". */
	shortened: string[];
}

const human = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

export function prepareForDemo(workflow: WorkflowJson, credentials: DemoCredential[]): PreparedWorkflow {
	const json = structuredClone(workflow);
	// The end-to-end test's transform (test/e2e/workflows.ts), with the demo's durations.
	const real = shortenWaits(json as unknown as E2eWorkflowJson, DEMO_SCALE);
	const shortened = Object.entries(real).map(([name, seconds]) => `${name}: ${human(seconds)} → ${demoSeconds(seconds)} s`);
	json.settings = { ...(json.settings as object), saveDataSuccessExecution: 'all' };
	const byType = new Map(credentials.map((c) => [c.type, c]));
	if (json.nodes.some((n) => n.name === SETTINGS)) {
		fillSettings(json as unknown as E2eWorkflowJson, { shop_name: SHOP.name, sender_name: SHOP.name, contact_email: SHOP.email, contact_phone: SHOP.phone });
	}
	if (Object.keys(real).length) markShortenedWaits(json, real);
	for (const node of json.nodes) {
		// Every send node of the package (SMS, email, later WhatsApp / Messenger) has "Respect Quiet Hours".
		if (node.type.startsWith(`${PACKAGE}.`) && node.type.endsWith('Send')) (node.parameters ??= {}).quietHours = false;
		for (const key of Object.keys(node.credentials ?? {})) {
			const c = byType.get(key);
			if (c) node.credentials![key] = { id: c.id, name: c.name };
		}
	}
	return { json, shortened };
}

/** The canvas says the waits are shortened: a note on each Wait and a sticky note beside Settings. */
function markShortenedWaits(json: WorkflowJson, real: Record<string, number>): void {
	for (const node of json.nodes) {
		if (!(node.name in real)) continue;
		Object.assign(node, { notes: DEMO_WAIT_NOTE, notesInFlow: true });
	}
	const anchor = json.nodes.find((n) => n.name === SETTINGS)?.position ?? [0, 300];
	const examples = Object.values(real)
		.sort((a, b) => a - b)
		.map((s) => `${human(s)} → ${demoSeconds(s)} s`)
		.join(', ');
	json.nodes.push({
		name: 'Demo: Waits Run in Seconds',
		type: 'n8n-nodes-base.stickyNote',
		typeVersion: 1,
		position: [anchor[0] - 40, anchor[1] - 260],
		parameters: {
			color: 3,
			width: 420,
			height: 200,
			content: `### ⏩ Demo: the waits run in seconds\nThis demo copy shortens every wait so a sequence finishes in about a minute (now: ${examples}). Change a wait in **Settings** and the demo shortens it the same way. The files in workflows/ keep the real durations.\n\n**HU** – A demóban a várakozások másodpercekig tartanak; a *Settings*-ben átírt várakozást is ugyanígy lerövidíti.`,
		},
	});
}

/** The Abandoned Cart Trigger of a workflow: its production webhook path. */
export function triggerPath(workflow: WorkflowJson): string | undefined {
	const trigger = workflow.nodes.find((n) => n.type === `${PACKAGE}.abandonedCartTrigger`);
	return trigger?.webhookId ? `${trigger.webhookId}/cart-events` : undefined;
}

/** The path of a workflow's first built-in Webhook node (production URL: /webhook/<path>). */
export function webhookPath(workflow: WorkflowJson): string {
	const hook = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
	if (!hook?.parameters?.path) throw new Error(`workflow "${workflow.name}" has no Webhook node with a path`);
	return String(hook.parameters.path).replace(/^\/+/, '');
}

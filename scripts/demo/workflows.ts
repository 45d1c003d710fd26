// The demo's copy of the shipped workflows: the files in workflows/ stay as they ship (real durations); the demo
// transforms a copy so a visitor sees the whole sequence in about a minute.
//  - Wait nodes with a time interval: 30 min → 10 s, 2 h → 20 s, 24 h → 30 s (any other duration: scaled into
//    5–30 s, the order of the stages kept). "At specified time" waits (deferrals, loops) are left alone.
//  - Quiet hours off in the send nodes (a demo at 3 a.m. should still show the SMS).
//  - Successful executions kept (the shipped files keep none, README "Security"): the demo's data are samples, and
//    a visitor opens the finished runs in the editor to see what each node did. Everything else as shipped.
//  - Every node's credentials point at the demo's own (Embedded store, the outbox's SendGrid and Twilio).
//  - Shop Settings filled in with the sample shop (shipped empty: the marketer's own name and contacts go there).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { fillShopSettings, SHOP_SETTINGS, shortenWaits, type WorkflowJson as E2eWorkflowJson } from '../../test/e2e/workflows';
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
	if (seconds <= 60) return Math.max(1, Math.round(seconds));
	if (seconds <= 3600) return 10; // the 30-minute abandonment wait
	if (seconds <= 6 * 3600) return 20; // the 2-hour SMS stage
	if (seconds <= 48 * 3600) return 30; // the 24-hour final offer
	return Math.min(45, 30 + Math.round(Math.log10(seconds / (48 * 3600)) * 10));
}

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
	const real = shortenWaits(json as unknown as E2eWorkflowJson, demoSeconds);
	const shortened = Object.entries(real).map(([name, seconds]) => `${name}: ${human(seconds)} → ${demoSeconds(seconds)} s`);
	json.settings = { ...(json.settings as object), saveDataSuccessExecution: 'all' };
	const byType = new Map(credentials.map((c) => [c.type, c]));
	if (json.nodes.some((n) => n.name === SHOP_SETTINGS)) {
		fillShopSettings(json as unknown as E2eWorkflowJson, { shop_name: SHOP.name, contact_email: SHOP.email, contact_phone: SHOP.phone });
	}
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

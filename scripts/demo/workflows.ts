// The demo's copy of the shipped workflows: the files in workflows/ stay as they ship (real durations); the demo
// transforms a copy so a visitor sees the whole sequence in about a minute.
//  - Wait nodes with a time interval: 30 min → 10 s, 2 h → 20 s, 24 h → 30 s (any other duration: scaled into
//    5–30 s, the order of the stages kept). "At specified time" waits (deferrals, loops) are left alone.
//  - Quiet hours off in the send nodes (a demo at 3 a.m. should still show the SMS); everything else as shipped.
//  - Every node's credentials point at the demo's own (Embedded store, the outbox's SendGrid and Twilio).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

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

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

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
	const shortened: string[] = [];
	const byType = new Map(credentials.map((c) => [c.type, c]));
	for (const node of json.nodes) {
		if (node.type === 'n8n-nodes-base.wait') {
			const p = node.parameters ?? (node.parameters = {});
			const resume = p.resume ?? 'timeInterval';
			if (resume === 'timeInterval') {
				const v1 = node.typeVersion === 1;
				const amount = Number(p.amount ?? (v1 ? 1 : 5));
				const unit = String(p.unit ?? (v1 ? 'hours' : 'seconds'));
				const seconds = amount * (UNIT_SECONDS[unit] ?? 1);
				if (Number.isFinite(seconds)) {
					const short = demoSeconds(seconds);
					p.amount = short;
					p.unit = 'seconds';
					shortened.push(`${node.name}: ${human(seconds)} → ${short} s`);
				}
			}
		}
		// Every send node of the package (SMS, email, later WhatsApp / Messenger) has "Respect Quiet Hours".
		if (node.type.startsWith(`${PACKAGE}.`) && node.type.endsWith('Send')) {
			(node.parameters ??= {}).quietHours = false;
		}
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

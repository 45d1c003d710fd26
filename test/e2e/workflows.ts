// The shipped workflow files (workflows/*.json) as the end-to-end test imports them: read AS THEY ARE, then
// only the test's copy is changed — Wait durations shortened, quiet hours of the SMS node set for one test
// cart, successful executions kept for the assertions. Credentials are not touched: the test imports credentials
// with the ids the shipped files reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { ROOT } from '../harness/server';

export type WorkflowJson = {
	id: string;
	name: string;
	nodes: Array<{
		name: string;
		type: string;
		parameters: Record<string, any>;
		webhookId?: string;
		credentials?: Record<string, { id: string; name: string }>;
	}>;
	connections: Record<string, { main: Array<Array<{ node: string; index: number }>> }>;
	settings?: Record<string, unknown>;
};

export function shippedWorkflow(file: 'abandoned-cart-recovery' | 'unsubscribe' | 'discount-redeem' | 'consent-intake'): WorkflowJson {
	return JSON.parse(readFileSync(path.join(ROOT, 'workflows', `${file}.json`), 'utf8'));
}

export const node = (wf: WorkflowJson, name: string) => {
	const found = wf.nodes.find((n) => n.name === name);
	assert.ok(found, `workflow "${wf.name}" has a node "${name}"`);
	return found;
};

/**
 * The shipped files keep no data of a successful execution (the customers' data must not stay in n8n's history,
 * README "Security"); a test or the demo that reads finished executions asserts that and opts its copy back in.
 */
export function keepSuccessfulExecutions(wf: WorkflowJson): void {
	assert.equal(wf.settings?.saveDataSuccessExecution, 'none', `the shipped "${wf.name}" keeps no successful executions`);
	wf.settings = { ...wf.settings, saveDataSuccessExecution: 'all' };
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/**
 * Every "Wait for a time interval" node gets `shorten(realSeconds)` seconds instead (the shipped durations are
 * asserted on the way, so a changed file fails loudly here rather than timing out later). Returns the real
 * durations found, in seconds, by node name.
 */
export function shortenWaits(wf: WorkflowJson, shorten: (realSeconds: number) => number): Record<string, number> {
	const found: Record<string, number> = {};
	for (const n of wf.nodes) {
		if (n.type !== 'n8n-nodes-base.wait') continue;
		const resume = n.parameters.resume ?? 'timeInterval';
		if (resume !== 'timeInterval') continue;
		const real = Number(n.parameters.amount ?? 1) * UNIT_SECONDS[n.parameters.unit ?? 'hours'];
		found[n.name] = real;
		n.parameters.amount = shorten(real);
		n.parameters.unit = 'seconds';
	}
	return found;
}

/** The node the shipped recovery workflow reads the shop's name, contacts and sender from (shipped empty). */
export const SHOP_SETTINGS = 'Shop Settings';

/** Fills fields of the Shop Settings node (shop_name, contact_email, …); a field it does not have fails loudly. */
export function fillShopSettings(wf: WorkflowJson, values: Record<string, string>): void {
	const settings = node(wf, SHOP_SETTINGS);
	const fields: Array<{ name: string; value: unknown }> = settings.parameters.assignments?.assignments ?? [];
	for (const [name, value] of Object.entries(values)) {
		const field = fields.find((f) => f.name === name);
		assert.ok(field, `"${SHOP_SETTINGS}" has a field "${name}"`);
		field.value = value;
	}
}

/** HH:mm in a time zone (what the quiet-hours parameters take). */
export function localHhmm(at: Date, timeZone = 'Europe/Budapest'): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/**
 * Quiet hours on an SMS node, for the carts whose id starts with `prefix` only: from `start` to `end` (HH:mm,
 * Europe/Budapest); every other cart gets start = end, which the node reads as "no quiet hours". The shipped
 * 20:00–08:00 would otherwise make the test depend on the time of day it runs.
 */
export function quietHoursFor(wf: WorkflowJson, nodeName: string, prefix: string, start: string, end: string) {
	const sms = node(wf, nodeName);
	assert.equal(sms.parameters.quietHours, true, 'the shipped SMS node respects quiet hours');
	sms.parameters.quietStart = `={{ $json.cart_id.startsWith('${prefix}') ? '${start}' : '00:00' }}`;
	sms.parameters.quietEnd = `={{ $json.cart_id.startsWith('${prefix}') ? '${end}' : '00:00' }}`;
	sms.parameters.quietTimezone = 'Europe/Budapest';
}

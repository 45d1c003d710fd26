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

export function shippedWorkflow(file: 'abandoned-cart-recovery' | 'unsubscribe' | 'discount-redeem' | 'consent-intake' | 'channel-events' | 'dashboard' | 'weekly-report'): WorkflowJson {
	return JSON.parse(readFileSync(path.join(ROOT, 'workflows', `${file}.json`), 'utf8'));
}

export const node = (wf: WorkflowJson, name: string) => {
	const found = wf.nodes.find((n) => n.name === name);
	assert.ok(found, `workflow "${wf.name}" has a node "${name}"`);
	return found;
};

/**
 * Successful executions: the shipped recovery workflow keeps them (the executions list is where a marketer reads what
 * happened to each customer; n8n prunes them after EXECUTIONS_DATA_MAX_AGE, README "Security"); the other shipped
 * workflows keep none. A test or the demo that reads finished executions opts its copy in.
 */
export function keepSuccessfulExecutions(wf: WorkflowJson): void {
	wf.settings = { ...wf.settings, saveDataSuccessExecution: 'all' };
}

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/** The node the shipped recovery workflow reads every setting from (shop, waits, discounts, minimum, language). */
export const SETTINGS = 'Settings';

type Assignment = { name: string; value: unknown; type: string };
const settingsFields = (wf: WorkflowJson): Assignment[] => node(wf, SETTINGS).parameters.assignments?.assignments ?? [];

/** The value typed into a Settings field. */
export function setting(wf: WorkflowJson, name: string): unknown {
	const field = settingsFields(wf).find((f) => f.name === name);
	assert.ok(field, `"${SETTINGS}" has a field "${name}"`);
	return field.value;
}

/** Sets fields of the Settings node (shop_name, second_reminder_discount_percent, …); a field it does not have fails loudly. */
export function fillSettings(wf: WorkflowJson, values: Record<string, unknown>): void {
	const fields = settingsFields(wf);
	for (const [name, value] of Object.entries(values)) {
		const field = fields.find((f) => f.name === name);
		assert.ok(field, `"${SETTINGS}" has a field "${name}"`);
		field.value = value;
	}
}

/** What a Wait's duration expression reads: `{{ $('Settings').first().json.<field> }}` → the field's value. */
function settingsReference(wf: WorkflowJson, amount: unknown): number {
	const m = /\$\('Settings'\)\.first\(\)\.json\.(\w+)/.exec(String(amount));
	return Number(m ? setting(wf, m[1]) : amount);
}

/**
 * Every "Wait for a time interval" node runs in seconds instead: its duration (read from Settings, so a marketer's
 * edit still counts) becomes `scale(s)` seconds, where `scale` is an expression over `s`, the real duration in
 * seconds (e.g. "s === 1800 ? 8 : 5"). Returns the real durations the Settings hold, in seconds, by node name.
 */
export function shortenWaits(wf: WorkflowJson, scale: string): Record<string, number> {
	const found: Record<string, number> = {};
	for (const n of wf.nodes) {
		if (n.type !== 'n8n-nodes-base.wait') continue;
		const resume = n.parameters.resume ?? 'timeInterval';
		if (resume !== 'timeInterval') continue;
		const unit = UNIT_SECONDS[n.parameters.unit ?? 'hours'];
		found[n.name] = settingsReference(wf, n.parameters.amount) * unit;
		const amount = String(n.parameters.amount ?? 1);
		const real = amount.startsWith('={{') ? amount.slice(3, -2).trim() : amount;
		n.parameters.amount = `={{ ((s) => Math.max(1, Math.round(${scale})))(Number(${real}) * ${unit}) }}`;
		n.parameters.unit = 'seconds';
	}
	return found;
}

/** HH:mm in a time zone (what the quiet-hours parameters take). */
export function localHhmm(at: Date, timeZone = 'Europe/Budapest'): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/**
 * Quiet hours on an SMS node, for the carts whose id starts with `prefix` only: from `start` to `end` (HH:mm,
 * Europe/Budapest); every other cart gets start = end, which the node reads as "no quiet hours". The shipped
 * 20:00–08:00 would otherwise make the test depend on the time of day it runs. What they held goes out at `end`, or
 * spread over `spreadMinutes` after it (the shipped quarter of an hour would make a test wait that long).
 */
export function quietHoursFor(wf: WorkflowJson, nodeName: string, prefix: string, start: string, end: string, spreadMinutes = 0) {
	const sms = node(wf, nodeName);
	assert.equal(sms.parameters.quietHours, true, 'the shipped SMS node respects quiet hours');
	sms.parameters.quietStart = `={{ $json.cart_id.startsWith('${prefix}') ? '${start}' : '00:00' }}`;
	sms.parameters.quietEnd = `={{ $json.cart_id.startsWith('${prefix}') ? '${end}' : '00:00' }}`;
	sms.parameters.quietTimezone = 'Europe/Budapest';
	sms.parameters.quietSpreadMinutes = spreadMinutes;
}

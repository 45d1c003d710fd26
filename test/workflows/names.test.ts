// A lint for the shipped workflows as a marketer reads them on the canvas: a name or a sticky note that repeats a
// number one of the parameters holds ("Wait 30 Minutes", "Discount Code 10%") goes stale the day someone changes
// the parameter. Numbers belong in the parameters and the Settings node; names and notes say what a step is for.
// Also: every setting the sequence's nodes read exists in Settings, and every Settings field is read somewhere.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';

const DIR = path.resolve(__dirname, '../../workflows');

interface Node {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
}
interface Workflow {
	name: string;
	nodes: Node[];
	connections: Record<string, { main?: Array<Array<{ node: string; type: string; index: number }> | null> }>;
}

const workflows = readdirSync(DIR)
	.filter((f) => f.endsWith('.json'))
	.map((file) => ({ file, json: JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as Workflow }));

const STICKY = 'n8n-nodes-base.stickyNote';
/** A number standing on its own ("30", "20:00", "2.5"), not a piece of a word ("utf-8", "RFC8058"). */
const NUMBER = /(?<![\w.:-])\d+(?:[.:]\d+)?(?![\w:])/g;
/** HTTP status codes are the webhook's contract with the shop's developers, not a setting: notes may name them. */
const HTTP_STATUS = /^[1-5]\d\d$/;

/** Every number a parameter holds: numeric values, and numbers written in short literal texts ("20:00", "5000"). */
function parameterNumbers(value: unknown, into = new Set<string>()): Set<string> {
	if (typeof value === 'number') into.add(String(value));
	else if (typeof value === 'string' && !value.startsWith('=') && value.length <= 40) {
		for (const m of value.match(NUMBER) ?? []) {
			into.add(m);
			into.add(String(Number(m.split(/[.:]/)[0])));
		}
	} else if (Array.isArray(value)) value.forEach((v) => parameterNumbers(v, into));
	else if (value && typeof value === 'object') Object.values(value).forEach((v) => parameterNumbers(v, into));
	return into;
}

/** The numbers a reader sees in a text: "30 perc", "10%", "20:00–08:00", "1️⃣" (a keycap digit is a number too). */
function writtenNumbers(text: string): string[] {
	const found = new Set<string>();
	for (const m of text.match(NUMBER) ?? []) {
		found.add(m);
		found.add(String(Number(m.split(/[.:]/)[0])));
	}
	return [...found];
}

describe('shipped workflows: names and notes carry no number a parameter holds', () => {
	for (const { file, json } of workflows) {
		test(file, () => {
			const held = new Set<string>();
			for (const n of json.nodes) if (n.type !== STICKY) parameterNumbers(n.parameters, held);
			for (const n of [...held]) if (HTTP_STATUS.test(n)) held.delete(n);
			const problems: string[] = [];
			const check = (where: string, text: string) => {
				const stale = writtenNumbers(text).filter((n) => held.has(n));
				if (stale.length) problems.push(`${where} says ${stale.join(', ')}, which a parameter holds`);
			};
			check('the workflow name', json.name);
			for (const n of json.nodes) {
				check(`node "${n.name}"`, n.name);
				if (n.type === STICKY) check(`sticky note "${n.name}"`, String(n.parameters.content ?? ''));
			}
			assert.deepEqual(problems, []);
			// Held numbers exist, so the check can fail: the recovery workflow's parameters hold its durations and discounts.
			if (file === 'abandoned-cart-recovery.json') for (const n of ['30', '2', '24', '10', '20', '5000', '7']) assert.ok(held.has(n), `a parameter holds ${n}`);
		});
	}

	test('every connection has n8n\'s shape and joins nodes that exist; every node but sticky notes and triggers has an input', () => {
		for (const { file, json } of workflows) {
			const names = new Set(json.nodes.map((n) => n.name));
			const fed = new Set<string>();
			for (const [from, outputs] of Object.entries(json.connections)) {
				assert.ok(names.has(from), `${file}: connection from a node that does not exist: ${from}`);
				assert.ok(Array.isArray(outputs.main), `${file}: ${from} → connections.main is a list of outputs`);
				for (const output of outputs.main ?? []) {
					for (const target of output ?? []) {
						assert.ok(names.has(target.node) && target.type === 'main' && Number.isInteger(target.index), `${file}: ${from} → ${JSON.stringify(target)}`);
						fed.add(target.node);
					}
				}
			}
			const unfed = json.nodes.filter((n) => n.type !== STICKY && !/trigger|webhook/i.test(n.type) && !fed.has(n.name)).map((n) => n.name);
			assert.deepEqual(unfed, [], `${file}: nodes nothing leads to`);
		}
	});

	test('the recovery sequence reads its settings from the Settings node, and reads every one of them', () => {
		const wf = workflows.find((w) => w.file === 'abandoned-cart-recovery.json')!.json;
		const settings = wf.nodes.find((n) => n.name === 'Settings');
		assert.ok(settings, 'the recovery workflow has a Settings node');
		const fields = ((settings.parameters.assignments as { assignments: Array<{ name: string }> }).assignments ?? []).map((a) => a.name);
		const text = JSON.stringify(wf.nodes.filter((n) => n !== settings && n.type !== STICKY).map((n) => n.parameters));
		const read = new Set([...text.matchAll(/\$\('Settings'\)\.first\(\)\.json\.(\w+)/g)].map((m) => m[1]));
		assert.deepEqual([...read].filter((f) => !fields.includes(f)), [], 'every setting read exists in Settings');
		assert.deepEqual(fields.filter((f) => !read.has(f)), [], 'every Settings field is read by a node');
		// The numbers a marketer changes are not typed into the nodes themselves.
		for (const n of wf.nodes) {
			if (n.type === 'n8n-nodes-base.wait' && (n.parameters.resume ?? 'timeInterval') === 'timeInterval') assert.match(String(n.parameters.amount), /\$\('Settings'\)/, `${n.name} reads its duration from Settings`);
			if (n.type.endsWith('.cartCheck')) for (const p of ['inactivityMinutes', 'minimumValue', 'minimumCurrency']) assert.match(String(n.parameters[p]), /\$\('Settings'\)/, `${n.name}: ${p}`);
			if (n.type.endsWith('.discountCode')) assert.match(String(n.parameters.amount), /\$\('Settings'\)/, `${n.name}: amount`);
			if (n.parameters.quietHours === true) {
				for (const p of ['quietStart', 'quietEnd', 'quietSpreadMinutes']) assert.match(String(n.parameters[p]), /\$\('Settings'\)/, `${n.name}: ${p}`);
			}
		}
	});
});

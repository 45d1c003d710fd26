// Issue 16 (4): a shop's webhook sender in a retry storm — 1,000 correctly signed deliveries for 100 carts (IN_FLIGHT at once),
// 10 each: per cart the same event delivered 5 times (a retried delivery: deduplicated on its event id) and 5
// further events of the same cart (updates: the cart is already in recovery, so nothing starts). Exactly 100 carts
// enrol, 100 executions start, no answer is a 5xx. Real n8n, the Abandoned Cart Trigger, the store on Postgres.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { closeAllStores } from '../../lib/store';
import { startN8n, type N8nServer } from '../harness/server';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';
import { webshopCredentials } from '../trigger/support';
import { STORE_CREDENTIAL_ID, triggerWorkflow, WEBSHOP_CREDENTIAL_ID } from '../trigger/workflows';
import { cartEvent, signedCartEvent } from './support';

const CARTS = 100;
const PER_CART = 10;
const SAME_EVENT = 5; // of the 10: the same event id (retries); the rest: further events of the same cart
/**
 * Deliveries in flight at once. All 1,000 at once on this 2-core machine shared with other runs (load 12–35): n8n
 * itself answers most with 500/503 before our node runs — its own DB pool times out ("operation timed out" on SQLite;
 * "timeout exceeded when trying to connect", "Database is not ready!" on Postgres). So CI sends 25 at a time;
 * RELIABILITY_IN_FLIGHT=1000 sends all at once on a machine that can take it.
 */
const IN_FLIGHT = Math.max(1, Number(process.env.RELIABILITY_IN_FLIGHT) || 25);
const flow = triggerWorkflow('generic', 916);
const path = `/webhook/${flow.path}`;

/**
 * One delivery on a connection of its own, as each of a shop's webhook workers sends it. fetch() would reuse idle
 * keep-alive sockets, and one the server is closing at that moment fails on the client side ("other side closed"):
 * a property of the test's client, not of n8n or the trigger.
 */
function postOnce(url: string, headers: Record<string, string>, raw: Buffer): Promise<{ status: number; json: any }> {
	return new Promise((resolve, reject) => {
		const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				try {
					resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null });
				} catch {
					resolve({ status: res.statusCode ?? 0, json: { text } });
				}
			});
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end(raw);
	});
}

let db: TestDatabase;
let n8n: N8nServer;

// The gap it found (under a burst n8n's own database timed out, and a cart the store had enrolled — 202 to the
// shop — got no execution) is closed: n8n now answers an enrolling event only once the execution exists, and when it
// cannot create it the enrolment is withdrawn and the shop's retry enrols the cart again
// (executionNotCreated.server.test.ts proves that path deterministically, in `npm test`). This burst stays on request
// (RELIABILITY_DUPLICATES=1): it measures a machine's limits more than it checks a rule, and takes minutes.
describe(`1,000 duplicate webhooks for 100 carts, ${IN_FLIGHT} in flight, 503s retried (real n8n, Postgres store)`, { skip: !process.env.RELIABILITY_DUPLICATES && 'set RELIABILITY_DUPLICATES=1 to run (see the comment above)' }, () => {
	before(async () => {
		db = await freshDatabase('reliability_dupes');
		n8n = await startN8n({
			label: 'reliability-dupes',
			readyTimeoutMs: 240_000, // 2 cores shared with other runs
			credentials: [
				{ id: STORE_CREDENTIAL_ID, name: 'Cart Recovery Store (tests)', type: 'cartRecoveryStoreApi', data: { ...db.credentials, maxConnections: 20 } },
				{ id: WEBSHOP_CREDENTIAL_ID, name: 'Webshop (tests)', type: 'webshopApi', data: webshopCredentials },
			],
			workflows: [flow.json],
		});
	});

	after(async () => {
		await n8n?.stop();
		await closeAllStores();
		await db?.drop();
	});

	test('exactly 100 enrolments and 100 executions, every answer 202, no 5xx', async () => {
		const run = randomBytes(3).toString('hex');
		const carts = Array.from({ length: CARTS }, (_, i) => `dup-${run}-${String(i).padStart(3, '0')}`);
		// Each event's body is fixed (a retry sends the same bytes); it is signed when sent, as the shop's sender does.
		const deliveries = carts.flatMap((cartId) =>
			Array.from({ length: PER_CART }, (_, k) => ({ cartId, event: cartEvent(cartId, k < SAME_EVENT ? `${cartId}-created` : `${cartId}-update-${k}`) })),
		);
		// Interleaved, so each cart's deliveries arrive together with everyone else's.
		deliveries.sort(() => Math.random() - 0.5);
		const started = Date.now();
		const answers: Array<{ cartId: string; status: number; json: any }> = [];
		const unavailable: string[] = [];
		let next = 0;
		await Promise.all(
			Array.from({ length: IN_FLIGHT }, async () => {
				while (next < deliveries.length) {
					const d = deliveries[next++];
					// A 5xx asks the shop to come back — a 503 from the trigger (nothing stored), or n8n's own 500 when it could
					// not create the execution (the enrolment withdrawn): its sender retries, as shops' webhook senders do.
					for (let attempt = 1; ; attempt++) {
						const { headers, raw } = signedCartEvent(path, d.event);
						const answer = await postOnce(n8n.baseUrl + path, headers, raw);
						if (answer.status >= 500 && attempt < 8) {
							unavailable.push(`${answer.status} ${JSON.stringify(answer.json)}`);
							await new Promise((r) => setTimeout(r, 1000 * attempt));
							continue;
						}
						answers.push({ cartId: d.cartId, ...answer });
						break;
					}
				}
			}),
		);
		const burstMs = Date.now() - started;
		// On a starved machine n8n itself may answer 503 "Database is not ready!" or 500 (its database timed out):
		// retried above; the final answer to every delivery must be a 202.
		if (unavailable.length) console.log(`[reliability] ${unavailable.length} deliveries answered 5xx first and were retried: ${[...new Set(unavailable)].slice(0, 3).join(' | ')}`);

		const statuses = new Map<number, number>();
		for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
		const odd = [...new Set(answers.filter((a) => a.status !== 202).map((a) => `${a.status} ${JSON.stringify(a.json)}`))].slice(0, 5);
		assert.deepEqual([...statuses], [[202, CARTS * PER_CART]], `answers by status: ${JSON.stringify([...statuses])}; e.g. ${odd.join(' | ')}\n${n8n.logs().split('\n').filter((l) => /error|fail/i.test(l)).slice(-15).join('\n')}`);
		const enrolled = answers.filter((a) => a.json.enrolled === true);
		assert.equal(enrolled.length, CARTS, 'one enrolment per cart');
		assert.deepEqual([...new Set(enrolled.map((a) => a.cartId))].sort(), carts);
		assert.equal(answers.filter((a) => a.json.duplicate === true).length, CARTS * (SAME_EVENT - 1), 'each retried event id answered as a duplicate but once');

		const executions = await n8n.waitForExecutions(flow.id, CARTS, { timeoutMs: 60_000 });
		assert.equal(executions.length, CARTS);
		assert.ok(executions.every((e) => e.status === 'success'));
		const started_ = executions.map((e) => e.data.resultData.runData['Abandoned Cart Trigger'][0].data.main[0][0].json.cart_id).sort();
		assert.deepEqual(started_, carts, 'one execution per cart');
		await new Promise((r) => setTimeout(r, 1500)); // a late extra execution would show now
		assert.equal((await n8n.executions(flow.id)).length, CARTS, 'no extra execution');

		const { rows } = await db.pool.query(
			`select count(*)::int as carts, count(*) filter (where status = 'recovering')::int as recovering from cart_recovery.carts where cart_id like $1`,
			[`dup-${run}-%`],
		);
		assert.deepEqual(rows[0], { carts: CARTS, recovering: CARTS });
		const events = await db.pool.query(`select count(*)::int as n from cart_recovery.inbound_events where event_id like $1`, [`dup-${run}-%`]);
		assert.equal(events.rows[0].n, CARTS * (PER_CART - SAME_EVENT + 1), 'each distinct event recorded once');
		console.log(`[reliability] ${CARTS * PER_CART} deliveries (${IN_FLIGHT} in flight) for ${CARTS} carts in ${burstMs} ms (${Math.round((CARTS * PER_CART * 1000) / burstMs)}/s): ${enrolled.length} enrolled, ${executions.length} executions`);
	});
});

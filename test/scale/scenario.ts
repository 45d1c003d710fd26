// The scale scenario the queue-mode test (test/scale/queue.test.ts) and the scale-out benchmark
// (bench/scale.bench.ts) share: N carts with a realistic mix run through the SHIPPED recovery workflow in n8n
// queue mode, and the accounting that proves, from the providers' fakes and the store, that no message went twice
// and none was lost.
import assert from 'node:assert/strict';
import pg from 'pg';

import { CartRecoveryStore, type Channel } from '../../lib/store';
import { type MetaFake } from '../fakes/meta';
import { type OpenAiFake } from '../fakes/openai';
import { type SendGridFake } from '../fakes/sendgrid';
import { type TwilioFake } from '../fakes/twilio';
import { type N8nServer } from '../harness/server';
import { type TestDatabase } from '../helpers/postgres';
import { fillSettings, keepSuccessfulExecutions, localHhmm, node, quietHoursFor, shippedWorkflow, shortenWaits, type WorkflowJson } from '../e2e/workflows';
import { signed, webshopCredentials } from '../trigger/support';

export const recovery = shippedWorkflow('abandoned-cart-recovery');
export const TRIGGER_PATH = `/webhook/${node(recovery, 'Abandoned Cart Trigger').webhookId}/cart-events`;
export const SMS_NODE = 'SMS Send (Second Reminder)';
const SHOP = { shop_name: 'Cipőbolt', contact_email: 'ugyfelszolgalat@cipobolt.example.hu', contact_phone: '+36 1 555 0100', sender_name: 'Cipőbolt Webshop' };

/** One cart of the mix and what the shipped sequence must do with it. */
export interface ScaleCart {
	index: number;
	cartId: string;
	customerId: string;
	email: string;
	phone: string;
	consent: Channel[];
	/** Buys right after the cart event (before the first reminder): no message. */
	buysEarly: boolean;
	/** Buys after the first reminder, while the flow waits for the second: stage 1 only. */
	buysMid: boolean;
	/** Its SMS falls into quiet hours (deferred to their end, then sent). */
	quiet: boolean;
	/** The shop delivers its cart event twice (a retry). */
	redelivered: boolean;
}

/** The messages (stage:channel) the shipped sequence must send this cart, given its consent and when it buys. */
export function plannedMessages(c: ScaleCart): string[] {
	const has = (ch: Channel) => c.consent.includes(ch);
	if (c.buysEarly || !(has('email') || has('sms'))) return [];
	const planned = has('email') ? ['1:email'] : [];
	if (c.buysMid) return planned;
	planned.push(has('whatsapp') ? '2:whatsapp' : has('sms') ? '2:sms' : '2:email');
	if (has('email')) planned.push('3:email');
	return planned;
}

/**
 * The mix, deterministic by index: 45 % email + SMS, 20 % email only, 10 % email + WhatsApp, 10 % SMS only,
 * 5 % no consent at all; 8 % buy at once, about 10 % (those with email consent) buy after the first reminder; 10 % get their SMS in quiet hours;
 * 10 % have their cart event delivered twice.
 */
export function makeCarts(n: number, run: string): ScaleCart[] {
	const carts: ScaleCart[] = [];
	for (let i = 0; i < n; i++) {
		const r = (i * 37) % 100; // spreads each share over the whole run
		const consent: Channel[] = r < 45 ? ['email', 'sms'] : r < 65 ? ['email'] : r < 75 ? ['email', 'whatsapp'] : r < 85 ? ['sms'] : r < 90 ? [] : ['email', 'sms'];
		const b = (i * 53) % 100;
		const quiet = consent.includes('sms') && !consent.includes('whatsapp') && (i * 71) % 100 < 20;
		carts.push({
			index: i,
			cartId: `${quiet ? 'scq' : 'sc'}-${run}-${i}`,
			customerId: `cust-${run}-${i}`,
			email: `vevo.${i}.${run}@example.hu`,
			phone: `+3630${String(1_000_000 + i).slice(-7)}`,
			consent,
			buysEarly: b < 8,
			buysMid: b >= 8 && b < 20 && consent.includes('email'),
			quiet,
			redelivered: (i * 29) % 100 < 10,
		});
	}
	return carts;
}

export const quietPrefix = (run: string) => `scq-${run}-`;

/** The credentials the shipped file references, each with the fakes' values. */
export function credentialsFor(db: TestDatabase, fakes: { sendgrid: SendGridFake; twilio: TwilioFake; meta: MetaFake; openai: OpenAiFake }) {
	const values: Record<string, Record<string, unknown>> = {
		// Five n8n processes share the Postgres server with other test runs: a small pool each.
		cartRecoveryStoreApi: { ...db.credentials, maxConnections: 8 },
		webshopApi: webshopCredentials,
		sendGridCartRecoveryApi: { apiKey: fakes.sendgrid.apiKey, fromEmail: 'bolt@cipobolt.example.hu', fromName: 'Cipőbolt', region: 'custom', baseUrl: fakes.sendgrid.url },
		metaCartRecoveryApi: fakes.meta.credentials(),
		openAiCartRecoveryApi: { apiKey: fakes.openai.apiKey, baseUrl: fakes.openai.baseUrl, model: 'gpt-4o-mini' },
		twilioCartRecoveryApi: { accountSid: fakes.twilio.accountSid, authType: 'authToken', authToken: fakes.twilio.authToken, senderType: 'phoneNumber', from: '+36709990000', baseUrl: fakes.twilio.url },
	};
	const refs = new Map<string, { id: string; name: string; type: string }>();
	for (const n of recovery.nodes) for (const [type, ref] of Object.entries(n.credentials ?? {})) refs.set(ref.id, { ...ref, type });
	return [...refs.values()].map((ref) => {
		assert.ok(values[ref.type], `test values for credential type ${ref.type}`);
		return { ...ref, data: values[ref.type] };
	});
}

/**
 * The test's copy of the shipped workflow: Waits shortened (30 min → w1 s, 2 h → w2 s, 24 h → w3 s), the shop's
 * name filled in, quiet hours for the quiet carts' SMS from now until `quietEnd` (released over `releaseMinutes`), none for WhatsApp (so the run does
 * not depend on the time of day). Successful executions are kept, as the shipped file does.
 */
export function scaleWorkflow(run: string, waits: { w1: number | string; w2: number | string; w3: number | string }, quietEnd: Date, releaseMinutes = 0): WorkflowJson {
	const copy = structuredClone(recovery);
	shortenWaits(copy, `s === 1800 ? ${waits.w1} : s === 7200 ? ${waits.w2} : s === 86400 ? ${waits.w3} : 1`);
	fillSettings(copy, SHOP);
	quietHoursFor(copy, SMS_NODE, quietPrefix(run), localHhmm(new Date()), localHhmm(quietEnd), releaseMinutes);
	for (const name of ['WhatsApp Send (Second Reminder)', 'Messenger Send (Final Offer)']) node(copy, name).parameters.quietHours = false;
	keepSuccessfulExecutions(copy);
	return copy;
}

/** Consent as the shop's checkout records it (straight into the store: the consent workflow is not under test here). */
export async function seedConsent(store: CartRecoveryStore, carts: ScaleCart[]): Promise<void> {
	const jobs = carts.flatMap((c) => c.consent.map((channel) => () => store.recordConsent({ channel, address: channel === 'email' ? c.email : c.phone, source: 'checkout_checkbox', customerId: c.customerId, wording: 'Kérek emlékeztetőt a kosaramról.' })));
	await pool(jobs, 8);
}

/** Runs async jobs `width` at a time. */
export async function pool<T>(jobs: Array<() => Promise<T>>, width: number): Promise<T[]> {
	const results: T[] = new Array(jobs.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(width, jobs.length) }, async () => {
			while (next < jobs.length) {
				const i = next++;
				results[i] = await jobs[i]();
			}
		}),
	);
	return results;
}

export function cartEvent(c: ScaleCart, occurredAt: string) {
	return {
		event_id: `${c.cartId}-created`,
		type: 'cart',
		cart_id: c.cartId,
		occurred_at: occurredAt,
		customer_id: c.customerId,
		email: c.email,
		phone: c.phone,
		first_name: 'Vevő',
		locale: 'hu',
		currency: 'HUF',
		value: 24980,
		// The picture is what the approved WhatsApp template's image header shows.
		items: [{ sku: 'CIPO-42', name: 'Túracipő, 42', quantity: 1, price: 24980, image_url: 'https://cipobolt.example.hu/kepek/turacipo-42.jpg' }],
		restore_url: `https://cipobolt.example.hu/kosar/${c.cartId}`,
	};
}

export const orderEvent = (c: ScaleCart) => ({ event_id: `${c.cartId}-order`, type: 'order', cart_id: c.cartId, email: c.email, currency: 'HUF', order_id: `ORD-${c.cartId}`, order_value: 24980 });

/** POSTs a signed cart/order event to the webhook processor; retries a refused connection (a processor restarting). */
export async function postEvent(n8n: N8nServer, body: object): Promise<{ status: number; json: any }> {
	const { headers, raw } = signed('generic', { headers: { 'content-type': 'application/json' }, body: body as Record<string, unknown> }, undefined, TRIGGER_PATH);
	const res = await n8n.webhookRequest(TRIGGER_PATH, { method: 'POST', headers, body: raw });
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Executions of the workflow by status, read from n8n's own database (cheap enough to poll during 10,000 runs). */
export async function executionCounts(n8nDb: pg.Pool, workflowId: string): Promise<Record<string, number>> {
	const { rows } = await n8nDb.query('select status, count(*)::int as n from execution_entity where "workflowId" = $1 group by status', [workflowId]);
	return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export interface Accounting {
	carts: number;
	planned: number;
	/** Planned messages the provider accepted once and the store recorded sent. */
	sentOnce: number;
	/** Recorded failed by the store, with the provider's reason. */
	failed: number;
	/** Claimed, never recorded: the sender died between claim and record (the provider may or may not have it). */
	stuckQueued: number;
	stuckButAccepted: number;
	/** Not sent, with a reason the store recorded (cart_recovery.skips: e.g. bought meanwhile, outcome unknown). */
	skipped: number;
	skipReasons: Record<string, number>;
	/** Not sent because the cart's flow stopped on a worker that died: that cart's messages from some stage on, none earlier. */
	stoppedByDeadWorker: number;
	stoppedCarts: number;
	stopped: Set<string>;
	/** Given back and never sent again (a deferral that did not come back): lost. */
	released: number;
	/** Planned, but no trace in the store: lost. */
	lost: number;
	/** More than one provider acceptance for one (cart, stage, channel). */
	duplicates: number;
	/** Messages nobody planned (in the store or at a provider). */
	unplanned: number;
	/** Store says sent, but no provider has it (or the ids differ). */
	sentNotAtProvider: number;
	providerCalls: { email: number; sms: number; whatsapp: number; messenger: number };
	byStatus: Record<string, number>;
	problems: string[];
}

/** What every provider fake accepted, keyed cart|stage:channel. */
function providerMessages(carts: ScaleCart[], fakes: { sendgrid: SendGridFake; twilio: TwilioFake; meta: MetaFake }) {
	const byEmail = new Map(carts.map((c) => [c.email, c]));
	const byPhone = new Map(carts.map((c) => [c.phone.replace(/\D/g, ''), c]));
	const accepted = new Map<string, string[]>();
	const add = (cart: ScaleCart | undefined, key: string, id: string) => {
		const k = `${cart?.cartId ?? '?'}|${key}`;
		accepted.set(k, [...(accepted.get(k) ?? []), id]);
	};
	for (const m of fakes.sendgrid.accepted) {
		const stage = Number((m.body.categories ?? []).find((x) => x.startsWith('stage-'))?.slice(6));
		add(byEmail.get(m.body.personalizations[0].to[0].email), `${stage}:email`, m.messageId);
	}
	for (const m of fakes.twilio.accepted) add(byPhone.get(m.params.To.replace(/\D/g, '')), '2:sms', m.sid);
	for (const m of fakes.meta.whatsappSent) add(byPhone.get(String(m.body.to).replace(/\D/g, '')), '2:whatsapp', m.id);
	for (const m of fakes.meta.messengerSent) add(undefined, '3:messenger', m.id);
	return accepted;
}

/**
 * Proves from the fakes and the store: nothing twice, nothing lost. `stalledExecutions`: how many executions n8n
 * failed because their worker died — at most that many carts may have a flow that stopped (n8n wipes those
 * executions' data, so which cart each one carried is known only from the store: a cart whose plan has no trace
 * from some message on, while everything before has one).
 */
export async function account(db: TestDatabase, carts: ScaleCart[], fakes: { sendgrid: SendGridFake; twilio: TwilioFake; meta: MetaFake }, stalledExecutions = 0): Promise<Accounting> {
	const accepted = providerMessages(carts, fakes);
	const { rows } = await db.pool.query<{ cart_id: string; stage: number; channel: string; status: string; provider_id: string | null; error: string | null }>(
		'select cart_id, stage, channel, status, provider_id, error from cart_recovery.messages',
	);
	const stored = new Map(rows.map((r) => [`${r.cart_id}|${r.stage}:${r.channel}`, r]));
	// The final word on a message nobody sent: its skip (the latest one per cart, stage and channel).
	const { rows: skipRows } = await db.pool.query<{ cart_id: string; stage: number; channel: string; reason: string }>(
		`select distinct on (cart_id, stage, channel) cart_id, stage, channel, reason from cart_recovery.skips where outcome = 'skipped' order by cart_id, stage, channel, last_at desc`,
	);
	const skips = new Map(skipRows.map((r) => [`${r.cart_id}|${r.stage}:${r.channel}`, r.reason]));
	const a: Accounting = {
		carts: carts.length,
		planned: 0,
		sentOnce: 0,
		failed: 0,
		stuckQueued: 0,
		stuckButAccepted: 0,
		skipped: 0,
		skipReasons: {},
		stoppedByDeadWorker: 0,
		stoppedCarts: 0,
		stopped: new Set(),
		released: 0,
		lost: 0,
		duplicates: 0,
		unplanned: 0,
		sentNotAtProvider: 0,
		providerCalls: { email: fakes.sendgrid.accepted.length, sms: fakes.twilio.accepted.length, whatsapp: fakes.meta.whatsappSent.length, messenger: fakes.meta.messengerSent.length },
		byStatus: {},
		problems: [],
	};
	for (const r of rows) a.byStatus[r.status] = (a.byStatus[r.status] ?? 0) + 1;
	const problem = (text: string) => a.problems.length < 30 && a.problems.push(text);
	for (const [key, ids] of accepted) {
		if (ids.length > 1) {
			a.duplicates += ids.length - 1;
			problem(`duplicate at the provider: ${key} ×${ids.length}`);
		}
	}
	const plannedKeys = new Set<string>();
	const stoppedAtOf = new Map<string, number>();
	for (const c of carts) {
		const traced = plannedMessages(c).map((m) => stored.has(`${c.cartId}|${m}`) || skips.has(`${c.cartId}|${m}`));
		const firstMissing = traced.indexOf(false);
		if (firstMissing >= 0 && traced.slice(firstMissing).every((t) => !t)) stoppedAtOf.set(c.cartId, firstMissing);
	}
	// More stopped flows than executions the dead worker took down: then none is excused, every gap counts as lost.
	if (stoppedAtOf.size > stalledExecutions) stoppedAtOf.clear();
	for (const c of carts) {
		const planned = plannedMessages(c);
		const stoppedAt = stoppedAtOf.get(c.cartId) ?? -1;
		if (stoppedAt >= 0) {
			a.stopped.add(c.cartId);
			a.stoppedCarts++;
		}
		for (const [i, m] of planned.entries()) {
			const key = `${c.cartId}|${m}`;
			plannedKeys.add(key);
			a.planned++;
			const row = stored.get(key);
			const atProvider = accepted.get(key) ?? [];
			if (stoppedAt >= 0 && i >= stoppedAt) {
				a.stoppedByDeadWorker++;
				continue;
			}
			if (!row && skips.has(key)) {
				a.skipped++;
				a.skipReasons[skips.get(key)!] = (a.skipReasons[skips.get(key)!] ?? 0) + 1;
			} else if (!row) {
				a.lost++;
				problem(`lost: ${key} (no store row, provider ×${atProvider.length})`);
			} else if (['sent', 'delivered', 'opened', 'clicked'].includes(row.status)) {
				if (atProvider.length >= 1 && atProvider.includes(row.provider_id ?? '')) a.sentOnce++;
				else {
					a.sentNotAtProvider++;
					problem(`store says ${row.status} but the provider has ${JSON.stringify(atProvider)} vs ${row.provider_id}: ${key}`);
				}
			} else if (row.status === 'failed' || row.status === 'bounced') {
				a.failed++;
				if (!row.error) problem(`failed without a reason: ${key}`);
			} else if (row.status === 'queued') {
				a.stuckQueued++;
				if (atProvider.length) a.stuckButAccepted++;
			} else if (row.status === 'released') {
				a.released++;
				problem(`released, never sent: ${key} (${row.error})`);
			} else problem(`unexpected status ${row.status}: ${key}`);
		}
	}
	const bought = new Set(carts.filter((c) => c.buysEarly || c.buysMid).map((c) => c.cartId));
	for (const key of new Set([...stored.keys(), ...accepted.keys()])) {
		const row = stored.get(key);
		// A buyer's message given back (provider busy, deferred) whose deferred run then found the cart bought: skipped.
		if (!plannedKeys.has(key) && row?.status === 'released' && bought.has(row.cart_id) && !accepted.get(key)?.length) continue;
		if (!plannedKeys.has(key)) {
			a.unplanned++;
			problem(`not planned: ${key} (store ${stored.get(key)?.status ?? '-'}, provider ×${accepted.get(key)?.length ?? 0})`);
		}
	}
	return a;
}

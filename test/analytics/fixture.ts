// The analytics fixture: carts, messages, events, codes and a skip with the times that matter, whose report is
// worked out by hand in report.test.ts (and shown by the dashboard in dashboard.server.test.ts). Each cart is a
// case of attribution: c1 recovered by its email, c2 by its SMS after an email (last touch), c3 bought after the
// 5-day window, c4 bought with no message, c5 bought within the inactivity time (never abandoned), c6 opened by a
// mail privacy proxy and unsubscribed, c7 in euros, c8 before the range, c9 refused for good.
import type { Pool } from 'pg';

import type { CartRecoveryStore } from '../../lib/store';

export const RANGE = { from: '2026-11-01T00:00:00+01:00', to: '2026-11-08T00:00:00+01:00' };

export async function seedFixture(pool: Pool, store: CartRecoveryStore): Promise<void> {
	const sql = (text: string, values: unknown[] = []) => pool.query(text, values);
	/** A cart that entered the sequence at `enrolled` (Budapest time, +01:00 in November). */
	async function cart(id: string, enrolled: string, value: number, extra: { currency?: string; converted?: string; order?: number; returned?: string; status?: string } = {}) {
		await sql(
			`insert into cart_recovery.carts (cart_id, source, email, first_name, currency, value, status, created_at, last_activity_at, recovery_started_at, returned_at, converted_at, order_value)
			 values ($1, 'generic', $2, 'Anna', $3, $4, $5, $6, $6, $6, $7, $8, $9)`,
			[id, `${id}@example.hu`, extra.currency ?? 'HUF', value, extra.status ?? (extra.converted ? 'converted' : 'recovering'), enrolled, extra.returned ?? null, extra.converted ?? null, extra.order ?? null],
		);
	}

	async function message(cartId: string, stage: number, channel: string, status: string, times: { sent?: string; delivered?: string; opened?: string; machine?: string; clicked?: string; failed?: string }) {
		const { rows } = await sql(
			`insert into cart_recovery.messages (cart_id, stage, channel, status, sent_at, delivered_at, opened_at, machine_opened_at, clicked_at, failed_at, copy_source)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning message_id`,
			[cartId, stage, channel, status, times.sent ?? null, times.delivered ?? null, times.opened ?? null, times.machine ?? null, times.clicked ?? null, times.failed ?? null, times.sent ? (stage === 2 ? 'ai' : 'template') : null],
		);
		return rows[0].message_id as string;
	}

	async function code(code: string, cartId: string, kind: 'percent' | 'fixed', amount: number, redeemedFor?: number) {
		await sql(`insert into cart_recovery.discount_codes (code, cart_id, stage, kind, amount, currency, valid_until) values ($1, $2, 2, $3, $4, 'HUF', now() + interval '7 days')`, [code, cartId, kind, amount]);
		if (redeemedFor !== undefined) await sql(`insert into cart_recovery.discount_redemptions (code, order_id, order_total) values ($1, $2, $3)`, [code, `order-${code}`, redeemedFor]);
	}

	// c1: email (delivered, opened, clicked), came back, bought the next day for 12 000 → recovered, last touch email stage 1.
	await cart('c1', '2026-11-01T10:00:00+01:00', 10000, { converted: '2026-11-02T12:00:00+01:00', order: 12000, returned: '2026-11-01T11:00:00+01:00', status: 'recovered' });
	await message('c1', 1, 'email', 'clicked', { sent: '2026-11-01T10:30:00+01:00', delivered: '2026-11-01T10:31:00+01:00', opened: '2026-11-01T10:50:00+01:00', clicked: '2026-11-01T10:55:00+01:00' });
	// c2: email, then an SMS; bought after both → recovered, the SMS (the latest) gets the credit.
	await cart('c2', '2026-11-01T12:00:00+01:00', 20000, { converted: '2026-11-03T09:00:00+01:00', order: 20000, status: 'recovered' });
	await message('c2', 1, 'email', 'delivered', { sent: '2026-11-01T12:30:00+01:00', delivered: '2026-11-01T12:31:00+01:00' });
	await message('c2', 2, 'sms', 'delivered', { sent: '2026-11-02T14:30:00+01:00', delivered: '2026-11-02T14:31:00+01:00' });
	// c3: the email bounced; bought 8 days later → converted, not recovered (after the 5-day window).
	await cart('c3', '2026-11-02T08:00:00+01:00', 5000, { converted: '2026-11-10T08:00:00+01:00', order: 5000 });
	await message('c3', 1, 'email', 'bounced', { sent: '2026-11-02T08:30:00+01:00' });
	// c4: no message (no SMS consent); bought the same afternoon → converted, not recovered.
	await cart('c4', '2026-11-03T09:00:00+01:00', 8000, { converted: '2026-11-03T15:00:00+01:00', order: 8000 });
	// c5: bought 10 minutes after entering → never abandoned.
	await cart('c5', '2026-11-04T10:00:00+01:00', 30000, { converted: '2026-11-04T10:10:00+01:00', order: 30000 });
	// c6: email delivered, opened only by a mail privacy proxy; then unsubscribed (an opt-out event) → opted out.
	await cart('c6', '2026-11-05T10:00:00+01:00', 15000);
	await message('c6', 1, 'email', 'delivered', { sent: '2026-11-05T10:30:00+01:00', delivered: '2026-11-05T10:31:00+01:00', machine: '2026-11-05T10:32:00+01:00' });
	await sql(`insert into cart_recovery.channel_events (provider, event_id, channel, kind, cart_id, occurred_at) values ('sendgrid', 'ev-c6', 'email', 'opt_out', 'c6', '2026-11-05T11:00:00+01:00')`);
	// c7: in euros: counted, never in a money figure.
	await cart('c7', '2026-11-06T10:00:00+01:00', 100, { currency: 'EUR' });
	// c8: entered before the range → not in the report.
	await cart('c8', '2026-10-30T10:00:00+01:00', 99999, { converted: '2026-11-01T10:00:00+01:00', order: 99999 });
	await message('c8', 1, 'email', 'sent', { sent: '2026-10-30T10:30:00+01:00' });
	// c9: the email was refused for good (failed, never sent).
	await cart('c9', '2026-11-07T10:00:00+01:00', 9000);
	await message('c9', 1, 'email', 'failed', { failed: '2026-11-07T10:30:00+01:00' });

	await code('KOSAR-C1', 'c1', 'fixed', 1500, 12000); // cost 1 500
	await code('KOSAR-C2', 'c2', 'percent', 10, 20000); // cost 10 % of 20 000 = 2 000
	await code('KOSAR-C4', 'c4', 'percent', 10); // issued, not redeemed
	await store.recordSkip({ cartId: 'c4', stage: 2, channel: 'sms', outcome: 'skipped', reason: 'no_consent', detail: 'No SMS consent' });
}

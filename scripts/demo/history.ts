// A shop's past in the store: carts that entered the sequence over the last weeks, what each message did
// (delivered, opened, clicked, bounced, opted out), who bought and when, the codes and their redemptions, the
// skips, and a split test with a holdout whose variants really differ — so the dashboard's first look (npm run
// demo) shows a meaningful page, and bench/report.bench.ts a busy shop's year. Plain SQL over the store's tables,
// seeded (setseed) so every run writes the same history.
export interface HistoryOptions {
	/** Carts that entered the sequence. */
	carts: number;
	/** Spread over the last this many days (ending an hour ago). */
	days: number;
	/** Prefix of the cart ids (keeps a history apart from live carts). */
	prefix?: string;
	/** The split test with a holdout, assigned to carts of its last `days` days (0: none). */
	experiment?: { name: string; days: number };
	/** Repeatable runs: setseed's value in [-1, 1]. */
	seed?: number;
}

const FIRST_NAMES = ['Anna', 'Bence', 'Csilla', 'Dóra', 'Eszter', 'Ferenc', 'Gábor', 'Hanna', 'István', 'Judit', 'Kata', 'László', 'Márk', 'Nóra', 'Orsolya', 'Péter', 'Réka', 'Sára', 'Tamás', 'Zsófia'];

/** The SQL statements, in order. */
export function historySql(options: HistoryOptions): string[] {
	const prefix = options.prefix ?? 'hist-';
	const experiment = options.experiment;
	const names = `array[${FIRST_NAMES.map((n) => `'${n}'`).join(', ')}]`;
	const p = `'${prefix.replace(/'/g, "''")}'`;
	return [
		`select setseed(${options.seed ?? 0.42})`,
		// Each cart with the segment its customer was in (new 45 %, returning 25 %, loyal 15 %, lapsed 8 %, discount-seekers 7 %).
		`insert into cart_recovery.carts (cart_id, source, customer_id, email, phone, first_name, locale, currency, value, items, status, created_at, last_activity_at, recovery_started_at, segment)
		 select ${p} || i, 'generic', ${p} || 'cust-' || i, 'vevo' || i || '@example.hu', '+3630' || lpad((1000000 + i)::text, 7, '0'),
		        (${names})[1 + (i % ${FIRST_NAMES.length})], 'hu', 'HUF', v, jsonb_build_array(jsonb_build_object('name', 'Termék', 'quantity', 1, 'price', v)),
		        'recovering', t, t, t,
		        case when sg < 0.45 then 'new' when sg < 0.70 then 'returning' when sg < 0.85 then 'loyal' when sg < 0.93 then 'lapsed' else 'discount-seeker' end
		 from (select i, (round((4000 + random() * 46000) / 10) * 10)::numeric as v,
		              now() - interval '1 hour' - random() * interval '${options.days} days' as t, random() + 0 * i as sg
		       from generate_series(1, ${options.carts}) i) s`,
		...(experiment
			? [
					`insert into cart_recovery.cart_variants (cart_id, experiment, variant, holdout, bucket, assigned_at)
					 select cart_id, '${experiment.name}', case when b < 0.45 then 'A' when b < 0.9 then 'B' else 'Kontroll' end, b >= 0.9, b, recovery_started_at
					 from (select cart_id, recovery_started_at, cart_recovery.variant_bucket(cart_id, '${experiment.name}') as b
					       from cart_recovery.carts where cart_id like ${p} || '%' and recovery_started_at > now() - interval '${experiment.days} days') x`,
				]
			: []),
		// Stage 1 email for every cart that is not in the holdout, stage 2 SMS for 60 %, the final email for 40 %.
		`insert into cart_recovery.messages (cart_id, stage, channel, status, sent_at, delivered_at, opened_at, machine_opened_at, clicked_at, campaign, variant, copy_source)
		 select c.cart_id, st.stage, st.channel,
		        case when r < 0.02 then 'bounced' when r < 0.10 then 'clicked' when r < 0.45 then 'opened' else 'delivered' end,
		        c.recovery_started_at + st.after,
		        case when r >= 0.02 then c.recovery_started_at + st.after + interval '1 minute' end,
		        case when r >= 0.02 and r < 0.45 then c.recovery_started_at + st.after + interval '20 minutes' end,
		        case when r >= 0.45 and r < 0.55 then c.recovery_started_at + st.after + interval '2 minutes' end,
		        case when r >= 0.02 and r < 0.10 then c.recovery_started_at + st.after + interval '25 minutes' end,
		        'abandoned-cart', v.variant, case when st.stage > 1 and r < 0.5 then 'ai' else 'template' end
		 from cart_recovery.carts c
		 left join cart_recovery.cart_variants v on v.cart_id = c.cart_id
		 cross join (values (1, 'email', interval '30 minutes', 1.0), (2, 'sms', interval '2 hours', 0.6), (3, 'email', interval '26 hours', 0.4)) st(stage, channel, after, share)
		 -- (referring to the row makes Postgres draw new numbers for each one, not once for the query)
		 cross join lateral (select random() + 0 * st.stage + 0 * length(c.cart_id) as r, random() + 0 * st.stage + 0 * length(c.cart_id) as pick) x
		 where c.cart_id like ${p} || '%' and x.pick < st.share and not coalesce(v.holdout, false)
		   and c.recovery_started_at + st.after < now()`,
		// Purchases: within the 5-day window after a reminder (B's bigger discount sells more than A's; the holdout,
		// with no message, least), some later, a few within minutes (never abandoned).
		`update cart_recovery.carts c set
		   converted_at = c.recovery_started_at + case when x.r < x.p then interval '1 hour' + random() * interval '3 days'
		                                               when x.r < x.p + 0.03 then interval '8 days' else interval '5 minutes' end,
		   order_value = c.value,
		   status = case when x.r < x.p and not x.holdout then 'recovered' else 'converted' end,
		   recovered_value = case when x.r < x.p and not x.holdout then c.value end,
		   returned_at = case when x.r < x.p and not x.holdout then c.recovery_started_at + interval '40 minutes' end
		 from (select c2.cart_id, random() as r, coalesce(v.holdout, false) as holdout,
		              case v.variant when 'B' then 0.17 when 'A' then 0.13 when 'Kontroll' then 0.08 else 0.12 end
		              + case c2.segment when 'loyal' then 0.06 when 'discount-seeker' then 0.04 when 'new' then -0.03 else 0 end as p
		       from cart_recovery.carts c2 left join cart_recovery.cart_variants v using (cart_id)
		       where c2.cart_id like ${p} || '%') x
		 where x.cart_id = c.cart_id and x.r < x.p + 0.05
		   and c.recovery_started_at + case when x.r < x.p then interval '1 hour' when x.r < x.p + 0.03 then interval '8 days' else interval '5 minutes' end < now()`,
		`update cart_recovery.carts set converted_at = least(converted_at, now() - interval '1 minute') where cart_id like ${p} || '%' and converted_at > now()`,
		`insert into cart_recovery.channel_events (provider, event_id, channel, kind, cart_id, occurred_at)
		 select 'sendgrid', 'history-' || cart_id, 'email', 'opt_out', cart_id, recovery_started_at + interval '1 hour'
		 from cart_recovery.carts where cart_id like ${p} || '%' and random() < 0.006 and recovery_started_at + interval '1 hour' < now()`,
		`insert into cart_recovery.skips (cart_id, stage, channel, outcome, reason, detail, first_at, last_at)
		 select cart_id, 2, 'sms', case when k < 3 then 'skipped' else 'deferred' end,
		        (array['no_consent', 'frequency_cap', 'window_closed', 'quiet_hours'])[1 + k], null, recovery_started_at + interval '2 hours', recovery_started_at + interval '2 hours'
		 from (select cart_id, recovery_started_at, floor(random() * 4)::int as k from cart_recovery.carts where cart_id like ${p} || '%' and random() < 0.3) s
		 on conflict do nothing`,
		`insert into cart_recovery.discount_codes (code, cart_id, stage, kind, amount, currency, valid_from, valid_until, created_at)
		 select 'KOSAR-' || upper(substr(md5(c.cart_id), 1, 8)), c.cart_id, 2, 'percent', case when v.variant = 'B' then 15 else 10 end, 'HUF',
		        c.recovery_started_at + interval '2 hours', c.recovery_started_at + interval '7 days 2 hours', c.recovery_started_at + interval '2 hours'
		 from cart_recovery.carts c left join cart_recovery.cart_variants v using (cart_id)
		 where c.cart_id like ${p} || '%' and not coalesce(v.holdout, false) and c.recovery_started_at + interval '2 hours' < now()
		 on conflict do nothing`,
		`insert into cart_recovery.discount_redemptions (code, order_id, order_total, redeemed_at)
		 select d.code, 'order-' || c.cart_id, c.order_value, c.converted_at
		 from cart_recovery.discount_codes d join cart_recovery.carts c using (cart_id)
		 where c.cart_id like ${p} || '%' and c.status = 'recovered'
		   and random() < case c.segment when 'discount-seeker' then 1 when 'loyal' then 0.5 else 0.8 end`,
		'analyze',
	];
}

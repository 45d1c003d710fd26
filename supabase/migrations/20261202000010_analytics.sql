-- Cart Recovery store, version 10: analytics (issue 15).
--   * cart_variants: each cart's variant per experiment, assigned once by a stable hash of (experiment, cart)
--     and the weights the Split Test node was given; a holdout variant gets no message. The same cart gets the
--     same variant on any worker and on every rerun, whatever the weights are later changed to.
--   * skips: why a message was not sent (or sent later): the send nodes' skip and defer reasons and Consent
--     Check's blocks, one row per (cart, stage, channel, outcome, reason) with how often it happened.
--   * report / experiment_results / cart_timeline / search_carts: every figure of the report node and the
--     dashboard, computed here and only here (lib/analytics/types.ts names the shapes and the definitions).
--   Rows leave with their cart (erasure, purge).

-- ---------------------------------------------------------------------------------------------------------
-- Experiments
-- ---------------------------------------------------------------------------------------------------------
create table cart_recovery.cart_variants (
  cart_id     text not null references cart_recovery.carts (cart_id) on delete cascade,
  experiment  text not null check (length(experiment) between 1 and 100),
  variant     text not null check (length(variant) between 1 and 100),
  holdout     boolean not null default false,
  bucket      double precision not null check (bucket >= 0 and bucket < 1),
  assigned_at timestamptz not null default now(),
  primary key (cart_id, experiment)
);
create index cart_variants_experiment on cart_recovery.cart_variants (experiment, assigned_at);

-- The cart's place in [0, 1) for an experiment: the first 48 bits of md5(experiment, cart). Uniform, stable, and
-- independent between experiments (a cart early in one split is not early in the next).
create or replace function cart_recovery.variant_bucket(p_cart_id text, p_experiment text)
returns double precision language sql immutable as $$
  select ('x' || substr(md5(p_experiment || chr(31) || p_cart_id), 1, 12))::bit(48)::bigint / 281474976710656.0
$$;

-- Assigns the cart a variant of the experiment, once: p_variants is the list of { name, weight (> 0), holdout }
-- in the node's order; the cart falls in the variant whose share of the total weight covers its bucket. A cart
-- already assigned keeps its variant (created = false), even if the list changed since.
-- Returns { created, experiment, variant, holdout, bucket, assigned_at }.
-- Refuses (22023) an empty experiment name, an empty or malformed list, a weight that is not a positive number,
-- duplicate variant names, more than one holdout; (P0002) an unknown cart.
create or replace function public.cart_recovery_assign_variant(p_cart_id text, p_experiment text, p_variants jsonb)
returns jsonb language plpgsql as $$
declare
  v_row      cart_recovery.cart_variants;
  v_bucket   double precision;
  v_total    numeric := 0;
  v_running  numeric := 0;
  v_item     jsonb;
  v_name     text;
  v_weight   numeric;
  v_chosen   jsonb;
  v_names    text[] := '{}';
  v_holdouts integer := 0;
begin
  if nullif(btrim(coalesce(p_experiment, '')), '') is null or length(p_experiment) > 100 then
    raise exception 'Experiment name is required (at most 100 characters)' using errcode = '22023';
  end if;
  if p_variants is null or jsonb_typeof(p_variants) <> 'array' or jsonb_array_length(p_variants) = 0 then
    raise exception 'Variants must be a non-empty list' using errcode = '22023';
  end if;
  for v_item in select value from jsonb_array_elements(p_variants) loop
    v_name := btrim(coalesce(v_item ->> 'name', ''));
    if v_name = '' or length(v_name) > 100 then
      raise exception 'Every variant needs a name (at most 100 characters)' using errcode = '22023';
    end if;
    if v_name = any (v_names) then
      raise exception 'Variant name "%" is used twice', v_name using errcode = '22023';
    end if;
    v_names := v_names || v_name;
    if jsonb_typeof(v_item -> 'weight') <> 'number' or (v_item ->> 'weight')::numeric <= 0 then
      raise exception 'Variant "%": weight must be a number above 0', v_name using errcode = '22023';
    end if;
    v_total := v_total + (v_item ->> 'weight')::numeric;
    if coalesce((v_item ->> 'holdout')::boolean, false) then v_holdouts := v_holdouts + 1; end if;
  end loop;
  if v_holdouts > 1 then
    raise exception 'At most one variant can be the holdout' using errcode = '22023';
  end if;

  select * into v_row from cart_recovery.cart_variants v where v.cart_id = p_cart_id and v.experiment = p_experiment;
  if found then
    return jsonb_build_object('created', false, 'experiment', v_row.experiment, 'variant', v_row.variant,
                              'holdout', v_row.holdout, 'bucket', v_row.bucket, 'assigned_at', v_row.assigned_at);
  end if;
  if not exists (select 1 from cart_recovery.carts c where c.cart_id = p_cart_id) then
    raise exception 'unknown cart %', p_cart_id using errcode = 'P0002';
  end if;

  v_bucket := cart_recovery.variant_bucket(p_cart_id, p_experiment);
  for v_item in select value from jsonb_array_elements(p_variants) loop
    v_running := v_running + (v_item ->> 'weight')::numeric;
    v_chosen := v_item;
    exit when v_bucket < v_running / v_total;
  end loop;

  insert into cart_recovery.cart_variants (cart_id, experiment, variant, holdout, bucket)
  values (p_cart_id, p_experiment, btrim(v_chosen ->> 'name'), coalesce((v_chosen ->> 'holdout')::boolean, false), v_bucket)
  on conflict (cart_id, experiment) do nothing
  returning * into v_row;
  if not found then
    -- Another worker assigned it a moment ago: its answer stands (the same, by the hash, unless the list differed).
    select * into v_row from cart_recovery.cart_variants v where v.cart_id = p_cart_id and v.experiment = p_experiment;
    return jsonb_build_object('created', false, 'experiment', v_row.experiment, 'variant', v_row.variant,
                              'holdout', v_row.holdout, 'bucket', v_row.bucket, 'assigned_at', v_row.assigned_at);
  end if;
  return jsonb_build_object('created', true, 'experiment', v_row.experiment, 'variant', v_row.variant,
                            'holdout', v_row.holdout, 'bucket', v_row.bucket, 'assigned_at', v_row.assigned_at);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Skips
-- ---------------------------------------------------------------------------------------------------------
create table cart_recovery.skips (
  cart_id  text not null references cart_recovery.carts (cart_id) on delete cascade,
  stage    integer not null default 0 check (stage >= 0),     -- 0: not about one stage (e.g. Consent Check)
  channel  text not null default '',                          -- '': not about one channel
  outcome  text not null check (outcome in ('skipped', 'deferred')),
  reason   text not null check (reason ~ '^[a-z][a-z0-9_]{0,59}$'),
  detail   text,
  first_at timestamptz not null default now(),
  last_at  timestamptz not null default now(),
  times    integer not null default 1,
  primary key (cart_id, stage, channel, outcome, reason)
);
create index skips_first_at on cart_recovery.skips (first_at);

-- Records that a message was skipped or deferred (a rerun of the same skip counts `times`, keeps the latest
-- detail). Returns { recorded } — false for a cart the store does not hold (nothing to attach it to).
-- Refuses (22023) an unknown outcome or a reason that is not a snake_case word.
create or replace function public.cart_recovery_record_skip(
  p_cart_id text, p_stage integer, p_channel text, p_outcome text, p_reason text, p_detail text default null
) returns jsonb language plpgsql as $$
begin
  if p_outcome is null or p_outcome not in ('skipped', 'deferred') then
    raise exception 'skip outcome must be skipped or deferred, not %', p_outcome using errcode = '22023';
  end if;
  if p_reason is null or p_reason !~ '^[a-z][a-z0-9_]{0,59}$' then
    raise exception 'skip reason must be a snake_case word, not "%"', p_reason using errcode = '22023';
  end if;
  if p_channel is not null and p_channel <> '' and p_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
    raise exception 'unknown channel %', p_channel using errcode = '22023';
  end if;
  if not exists (select 1 from cart_recovery.carts c where c.cart_id = p_cart_id) then
    return jsonb_build_object('recorded', false);
  end if;
  insert into cart_recovery.skips as s (cart_id, stage, channel, outcome, reason, detail)
  values (p_cart_id, greatest(coalesce(p_stage, 0), 0), coalesce(p_channel, ''), p_outcome, p_reason, left(p_detail, 500))
  on conflict (cart_id, stage, channel, outcome, reason)
  do update set times = s.times + 1, last_at = now(), detail = coalesce(excluded.detail, s.detail);
  return jsonb_build_object('recorded', true);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Indexes the report reads by
-- ---------------------------------------------------------------------------------------------------------
create index if not exists carts_recovery_started on cart_recovery.carts (recovery_started_at) where recovery_started_at is not null;

-- Each message carries when its cart entered the sequence, so the report counts a period's messages without
-- joining a million messages to their carts. Set on insert (a cart enters once: the value never changes after).
alter table cart_recovery.messages add column if not exists cart_entered_at timestamptz;
update cart_recovery.messages m set cart_entered_at = c.recovery_started_at
from cart_recovery.carts c where c.cart_id = m.cart_id and m.cart_entered_at is null;
create or replace function cart_recovery.message_cart_entered_at() returns trigger language plpgsql as $$
begin
  if new.cart_entered_at is null then
    select c.recovery_started_at into new.cart_entered_at from cart_recovery.carts c where c.cart_id = new.cart_id;
  end if;
  return new;
end
$$;
create trigger messages_cart_entered_at before insert on cart_recovery.messages
  for each row execute function cart_recovery.message_cart_entered_at();
create index if not exists messages_cart_entered on cart_recovery.messages (cart_entered_at);
create index if not exists messages_cart_sent on cart_recovery.messages (cart_id, sent_at);
create index if not exists channel_events_opt_out on cart_recovery.channel_events (cart_id, channel, occurred_at) where kind = 'opt_out';
create index if not exists discount_codes_cart on cart_recovery.discount_codes (cart_id) where cart_id is not null;
create index if not exists consent_events_withdrawn on cart_recovery.consent_events (consent_id, occurred_at) where action = 'withdrawn';

-- ---------------------------------------------------------------------------------------------------------
-- The report
-- ---------------------------------------------------------------------------------------------------------

-- 95 % Wilson score interval of x successes in n: { count, of, rate, low, high } (nulls when n = 0).
create or replace function cart_recovery.proportion(p_x bigint, p_n bigint)
returns jsonb language sql immutable as $$
  select case when coalesce(p_n, 0) = 0
    then jsonb_build_object('count', coalesce(p_x, 0), 'of', 0, 'rate', null, 'low', null, 'high', null)
    else (
      select jsonb_build_object('count', p_x, 'of', p_n, 'rate', round(p::numeric, 6),
        'low', round(greatest(0, (p + z*z/(2*n) - z * sqrt(p*(1-p)/n + z*z/(4*n*n))) / (1 + z*z/n))::numeric, 6),
        'high', round(least(1, (p + z*z/(2*n) + z * sqrt(p*(1-p)/n + z*z/(4*n*n))) / (1 + z*z/n))::numeric, 6))
      from (select p_x::float8 / p_n as p, p_n::float8 as n, 1.959964::float8 as z) v)
  end
$$;

-- { count, of, rate } (rate null when of = 0).
create or replace function cart_recovery.rate(p_x bigint, p_n bigint)
returns jsonb language sql immutable as $$
  select jsonb_build_object('count', coalesce(p_x, 0), 'of', coalesce(p_n, 0),
    'rate', case when coalesce(p_n, 0) = 0 then null else round(p_x::numeric / p_n, 6) end)
$$;

-- Checks a report's range and settings; raises 22023 naming the field.
create or replace function cart_recovery.check_range(
  p_from timestamptz, p_to timestamptz, p_currency text, p_attribution_days integer, p_timezone text
) returns void language plpgsql stable as $$
begin
  if p_from is null or p_to is null or p_from >= p_to then
    raise exception 'From must be before To' using errcode = '22023';
  end if;
  if p_to - p_from > interval '732 days' then
    raise exception 'The range may span at most two years' using errcode = '22023';
  end if;
  if p_currency is null or p_currency !~ '^[A-Za-z]{3}$' then
    raise exception 'Currency must be a three-letter code such as HUF, not "%"', p_currency using errcode = '22023';
  end if;
  if p_attribution_days is null or p_attribution_days < 1 or p_attribution_days > 90 then
    raise exception 'Attribution window must be 1 to 90 days, not %', p_attribution_days using errcode = '22023';
  end if;
  if p_timezone is null or not exists (select 1 from pg_timezone_names where name = p_timezone) then
    raise exception 'Time zone "%" is not a known IANA zone (e.g. Europe/Budapest)', p_timezone using errcode = '22023';
  end if;
end
$$;

-- The report for carts that entered the sequence in [p_from, p_to) — see lib/analytics/types.ts for each figure.
-- p_campaign: only carts with a message of that campaign, and only those messages. Money in p_currency only.
-- One statement, read-only: the cohort and its messages are read once (materialized) and every figure is taken
-- from them.
create or replace function public.cart_recovery_report(
  p_from timestamptz, p_to timestamptz, p_campaign text default null, p_currency text default 'HUF',
  p_attribution_days integer default 5, p_inactivity_minutes integer default 30, p_timezone text default 'Europe/Budapest'
) returns jsonb language plpgsql stable as $$
begin
  perform cart_recovery.check_range(p_from, p_to, p_currency, p_attribution_days, p_timezone);
  if p_inactivity_minutes is null or p_inactivity_minutes < 1 or p_inactivity_minutes > 10080 then
    raise exception 'Inactivity must be 1 to 10080 minutes, not %', p_inactivity_minutes using errcode = '22023';
  end if;
  return cart_recovery.report_figures(p_from, p_to, p_campaign, upper(p_currency),
    make_interval(days => p_attribution_days), make_interval(mins => p_inactivity_minutes), p_timezone)
    || jsonb_build_object(
      'range', jsonb_build_object('from', p_from, 'to', p_to, 'campaign', p_campaign, 'currency', upper(p_currency),
                                  'attribution_days', p_attribution_days, 'inactivity_minutes', p_inactivity_minutes,
                                  'timezone', p_timezone),
      'generated_at', now());
end
$$;

-- The report's figures (cart_recovery_report checks the arguments first). Planned for a busy shop's year (a million
-- messages): the messages are read in one pass, grouped by stage, channel and day, and every message figure and the
-- daily series are sums of those groups; the last touch and the opt-outs are found per cart through the
-- (cart_id, sent_at) index, for the few carts that bought or opted out. Enough memory for the hashes, for this call only.
create or replace function cart_recovery.report_figures(
  p_from timestamptz, p_to timestamptz, p_campaign text, p_currency text, p_window interval, p_inactivity interval, p_timezone text
) returns jsonb language plpgsql stable set work_mem = '64MB' set plan_cache_mode = 'force_custom_plan' set jit = off set enable_sort = off as $$
begin
  -- PL/pgSQL with custom plans: the planner sees this call's dates, so it knows a year is half a million carts and
  -- hashes them, instead of guessing a few rows and probing an index per cart.
  return (
  with
  cohort as (
    select c.cart_id, c.currency = p_currency as in_currency, c.value, c.recovery_started_at, c.converted_at,
           c.order_value, c.returned_at, c.email,
           -- Abandoned: not bought within the inactivity time after entering the sequence.
           not (c.converted_at is not null and c.converted_at < c.recovery_started_at + p_inactivity) as abandoned
    from cart_recovery.carts c
    where c.recovery_started_at >= p_from and c.recovery_started_at < p_to
      and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
  ),
  -- Last touch: the latest message sent within the window before the purchase of an abandoned cart gets the credit.
  touch as materialized (
    select t.message_id, t.stage, t.channel, case when k.in_currency then coalesce(k.order_value, 0) else 0 end as revenue,
           (k.converted_at at time zone p_timezone)::date as day
    from cohort k
    cross join lateral (
      select m.message_id, m.stage, m.channel from cart_recovery.messages m
      where m.cart_id = k.cart_id and m.sent_at <= k.converted_at and m.sent_at >= k.converted_at - p_window
        and (p_campaign is null or m.campaign = p_campaign)
      order by m.sent_at desc limit 1) t
    where k.abandoned and k.converted_at is not null
  ),
  -- The first opt-out per cart and channel after the cart entered the sequence: a STOP, button or provider opt-out
  -- (channel events) or an email unsubscribe (the consent events of the cart's email address) …
  optout_at as (
    select cart_id, channel, min(at) as at from (
      select e.cart_id, e.channel, e.occurred_at as at
      from cart_recovery.channel_events e join cart_recovery.carts c on c.cart_id = e.cart_id
      where e.kind = 'opt_out' and c.recovery_started_at >= p_from and c.recovery_started_at < p_to
        and e.occurred_at >= c.recovery_started_at
      union all
      select k.cart_id, 'email', ce.occurred_at
      from cart_recovery.consent_events ce
      join cart_recovery.consents cs on cs.consent_id = ce.consent_id and cs.channel = 'email'
      join cohort k on lower(k.email) = cs.address
      where ce.action = 'withdrawn' and ce.occurred_at >= k.recovery_started_at
    ) x group by cart_id, channel
  ),
  -- … put down to the last message on its channel before it.
  opted as materialized (
    select t.message_id, t.stage, t.channel
    from optout_at o
    cross join lateral (
      select m.message_id, m.stage, m.channel from cart_recovery.messages m
      where m.cart_id = o.cart_id and m.channel = o.channel and m.sent_at <= o.at and (p_campaign is null or m.campaign = p_campaign)
      order by m.sent_at desc limit 1) t
  ),
  -- Every message sent (or refused for good) to the cohort, in one pass, by stage, channel and day.
  groups as materialized (
    select m.stage, m.channel, (coalesce(m.sent_at, m.failed_at) at time zone p_timezone)::date as day,
           count(*) filter (where m.sent_at is not null) as sent,
           count(*) filter (where m.sent_at is not null and (m.delivered_at is not null or m.opened_at is not null or m.read_at is not null or m.clicked_at is not null)) as delivered,
           count(*) filter (where m.sent_at is not null and (m.opened_at is not null or m.read_at is not null)) as opened,
           count(*) filter (where m.sent_at is not null and m.machine_opened_at is not null and m.opened_at is null and m.read_at is null) as machine_opened,
           count(*) filter (where m.sent_at is not null and m.clicked_at is not null) as clicked,
           count(*) filter (where m.status = 'bounced') as bounced,
           count(*) filter (where m.status = 'failed') as failed,
           count(*) filter (where m.sent_at is not null and m.copy_source = 'ai') as ai_copy
    from cart_recovery.messages m
    where m.cart_entered_at >= p_from and m.cart_entered_at < p_to
      and (m.sent_at is not null or m.status = 'failed') and (p_campaign is null or m.campaign = p_campaign)
    group by 1, 2, 3
  ),
  credited as (
    select stage, channel, count(*) as recovered, sum(revenue) as revenue, 0::bigint as opted_out from touch group by 1, 2
    union all
    select stage, channel, 0, 0, count(*) from opted group by 1, 2
  ),
  funnel as (
    select g.stage, g.channel, sum(g.sent)::bigint as sent, sum(g.delivered)::bigint as delivered, sum(g.opened)::bigint as opened,
           sum(g.clicked)::bigint as clicked, sum(g.bounced)::bigint as bounced, sum(g.failed)::bigint as failed,
           coalesce((select sum(c.opted_out) from credited c where c.stage = g.stage and c.channel = g.channel), 0)::bigint as opted_out,
           coalesce((select sum(c.recovered) from credited c where c.stage = g.stage and c.channel = g.channel), 0)::bigint as recovered,
           coalesce((select sum(c.revenue) from credited c where c.stage = g.stage and c.channel = g.channel), 0) as revenue,
           sum(g.ai_copy)::bigint as ai_copy, sum(g.machine_opened)::bigint as machine_opened
    from groups g group by g.stage, g.channel
  ),
  mt as (
    select coalesce(sum(sent), 0)::bigint as sent, coalesce(sum(delivered), 0)::bigint as delivered,
           coalesce(sum(opened), 0)::bigint as opened, coalesce(sum(machine_opened), 0)::bigint as machine_opened,
           coalesce(sum(clicked), 0)::bigint as clicked, coalesce(sum(bounced), 0)::bigint as bounced,
           coalesce(sum(failed), 0)::bigint as failed, coalesce(sum(opted_out), 0)::bigint as opted_out,
           coalesce(sum(recovered), 0)::bigint as recovered, coalesce(sum(revenue), 0) as revenue
    from funnel
  ),
  ct as (
    select count(*) as enrolled,
           count(*) filter (where abandoned) as abandoned,
           coalesce(sum(value) filter (where abandoned and in_currency), 0) as abandoned_value,
           count(*) filter (where not in_currency) as other_currency,
           count(*) filter (where abandoned and returned_at is not null) as returned,
           count(*) filter (where abandoned and converted_at is not null) as converted
    from cohort
  ),
  codes as (
    select count(*) as issued, count(r.redemption_id) as redeemed,
           coalesce(sum(case when d.kind = 'percent' then coalesce(r.order_total, 0) * d.amount / 100 else d.amount end)
                    filter (where r.redemption_id is not null and (d.kind = 'percent' or upper(d.currency) = p_currency)), 0) as cost
    from cart_recovery.discount_codes d
    join cohort k on k.cart_id = d.cart_id and k.in_currency
    left join cart_recovery.discount_redemptions r on r.code = d.code
  ),
  skips as (
    select s.reason, s.outcome, s.stage, s.channel, count(*) as n
    from cart_recovery.skips s join cohort k on k.cart_id = s.cart_id
    group by s.reason, s.outcome, s.stage, s.channel
  ),
  days as (
    select d::date as day
    from generate_series((p_from at time zone p_timezone)::date, ((p_to - interval '1 microsecond') at time zone p_timezone)::date, interval '1 day') d
  ),
  de as (select (recovery_started_at at time zone p_timezone)::date as day, count(*) as n from cohort group by 1),
  ds as (select day, sum(sent)::bigint as n from groups group by 1),
  dr as (select day, count(*) as n, sum(revenue) as revenue from touch group by 1)
  select jsonb_build_object(
    'totals', (
      select jsonb_build_object(
        'carts_enrolled', ct.enrolled, 'carts_abandoned', ct.abandoned, 'abandoned_value', ct.abandoned_value,
        'other_currency_carts', ct.other_currency, 'messages_sent', mt.sent,
        'delivered', cart_recovery.rate(mt.delivered, mt.sent), 'opened', cart_recovery.rate(mt.opened, mt.sent),
        'machine_opened', cart_recovery.rate(mt.machine_opened, mt.sent), 'clicked', cart_recovery.rate(mt.clicked, mt.sent),
        'bounced', cart_recovery.rate(mt.bounced, mt.sent), 'failed', cart_recovery.rate(mt.failed, mt.sent + mt.failed),
        'opted_out', cart_recovery.rate(mt.opted_out, mt.sent),
        'returned', cart_recovery.rate(ct.returned, ct.abandoned),
        'converted', cart_recovery.rate(ct.converted, ct.abandoned),
        'recovered', cart_recovery.rate(mt.recovered, ct.abandoned),
        'recovered_revenue', mt.revenue,
        'revenue_per_message', case when mt.sent = 0 then null else round(mt.revenue / mt.sent, 2) end,
        'codes_issued', codes.issued, 'codes_redeemed', codes.redeemed, 'discount_cost', round(codes.cost, 2))
      from mt, ct, codes),
    'funnel', coalesce((
      select jsonb_agg(jsonb_build_object('stage', stage, 'channel', channel, 'sent', sent, 'delivered', delivered,
               'opened', opened, 'clicked', clicked, 'bounced', bounced, 'failed', failed, 'opted_out', opted_out,
               'recovered', recovered, 'revenue', revenue, 'ai_copy', ai_copy) order by stage, channel)
      from funnel), '[]'::jsonb),
    'skips', coalesce((
      select jsonb_agg(jsonb_build_object('reason', reason, 'outcome', outcome, 'stage', nullif(stage, 0),
               'channel', nullif(channel, ''), 'count', n) order by n desc, reason, stage, channel)
      from skips), '[]'::jsonb),
    'daily', (
      select coalesce(jsonb_agg(jsonb_build_object('day', to_char(days.day, 'YYYY-MM-DD'), 'enrolled', coalesce(de.n, 0),
               'messages_sent', coalesce(ds.n, 0), 'recovered', coalesce(dr.n, 0), 'recovered_revenue', coalesce(dr.revenue, 0))
               order by days.day), '[]'::jsonb)
      from days left join de using (day) left join ds using (day) left join dr using (day)),
    'experiments', (
      select coalesce(jsonb_agg(distinct v.experiment), '[]'::jsonb)
      from cart_recovery.cart_variants v where v.assigned_at >= p_from and v.assigned_at < p_to)));
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Experiment results
-- ---------------------------------------------------------------------------------------------------------

-- An experiment's variants over the carts assigned in [p_from, p_to): each variant's conversion (bought within
-- p_conversion_days after assignment — the same yardstick for the holdout, which gets no message) with its 95 %
-- Wilson interval, revenue per cart, messages; and against the holdout the lift in conversion and the incremental
-- purchases and revenue, with 95 % intervals (normal approximation of the difference). The winner: with a holdout,
-- the best variant whose lift is significantly above 0; without one, the best variant if it is significantly
-- better than the runner-up; else null.
create or replace function public.cart_recovery_experiment_results(
  p_experiment text, p_from timestamptz, p_to timestamptz, p_currency text default 'HUF', p_conversion_days integer default 7
) returns jsonb language plpgsql stable set work_mem = '64MB' set jit = off as $$
declare
  v_currency text := upper(p_currency);
  v_variants jsonb;
  v_holdout  text;
  v_winner   text;
begin
  perform cart_recovery.check_range(p_from, p_to, p_currency, 1, 'UTC');
  if nullif(btrim(coalesce(p_experiment, '')), '') is null then
    raise exception 'Experiment name is required' using errcode = '22023';
  end if;
  if p_conversion_days is null or p_conversion_days < 1 or p_conversion_days > 90 then
    raise exception 'Conversion window must be 1 to 90 days, not %', p_conversion_days using errcode = '22023';
  end if;

  with a as (
    select v.variant, v.holdout, v.cart_id,
           c.converted_at is not null and c.converted_at >= v.assigned_at
             and c.converted_at < v.assigned_at + make_interval(days => p_conversion_days) as converted,
           c.currency = v_currency as in_currency, c.order_value
    from cart_recovery.cart_variants v join cart_recovery.carts c using (cart_id)
    where v.experiment = p_experiment and v.assigned_at >= p_from and v.assigned_at < p_to
  ),
  sent as (
    select m.cart_id, count(*) as n from cart_recovery.messages m join a using (cart_id) where m.sent_at is not null group by 1
  ),
  per_cart as (
    select a.*, case when a.converted and a.in_currency then coalesce(a.order_value, 0) else 0 end as revenue,
           coalesce(sent.n, 0) as messages
    from a left join sent using (cart_id)
  ),
  s as (
    select variant, bool_or(holdout) as holdout, count(*) as n, count(*) filter (where converted) as x,
           sum(revenue) as revenue, avg(revenue)::float8 as mean, coalesce(var_samp(revenue), 0)::float8 as var,
           sum(messages) as messages, min(cart_id) as first_cart
    from per_cart group by variant
  ),
  h as (select * from s where holdout order by variant limit 1),
  l as (
    select s.*, s.x::float8 / s.n as p, h.variant as h_variant, h.n as hn, h.x::float8 / h.n as ph, h.mean as hmean, h.var as hvar
    from s left join h on not s.holdout
  ),
  lift as (
    select l.*, p - ph as diff,
           sqrt(p * (1 - p) / n + ph * (1 - ph) / hn) as se,
           sqrt(var / n + hvar / hn) as se_rev
    from l
  )
  select jsonb_agg(jsonb_build_object(
           'variant', variant, 'holdout', holdout, 'carts', n,
           'conversion', cart_recovery.proportion(x, n),
           'revenue', revenue, 'revenue_per_cart', round(mean::numeric, 2), 'messages_sent', messages)
         || case when h_variant is null then '{}'::jsonb else jsonb_build_object('lift', jsonb_build_object(
              'conversion_diff', round(diff::numeric, 6),
              'low', round((diff - 1.959964 * se)::numeric, 6), 'high', round((diff + 1.959964 * se)::numeric, 6),
              'significant', se > 0 and (diff - 1.959964 * se > 0 or diff + 1.959964 * se < 0),
              'incremental_conversions', round((diff * n)::numeric, 2),
              'incremental_revenue', round(((mean - hmean) * n)::numeric, 2),
              'incremental_revenue_low', round(((mean - hmean - 1.959964 * se_rev) * n)::numeric, 2),
              'incremental_revenue_high', round(((mean - hmean + 1.959964 * se_rev) * n)::numeric, 2))) end
         order by holdout, variant),
         max(h_variant),
         (array_agg(variant order by p desc, variant) filter (
            where h_variant is not null and se > 0 and diff - 1.959964 * se > 0))[1]
  into v_variants, v_holdout, v_winner
  from lift;

  if v_holdout is null and v_variants is not null and jsonb_array_length(v_variants) >= 2 then
    -- No holdout: the leader wins only when it is significantly ahead of the runner-up.
    with r as (
      select (e ->> 'variant') as variant, (e -> 'conversion' ->> 'count')::float8 as x, (e -> 'conversion' ->> 'of')::float8 as n
      from jsonb_array_elements(v_variants) e
    ),
    ranked as (select r.*, x / n as p, row_number() over (order by x / n desc, variant) as rk from r)
    select a.variant into v_winner
    from ranked a join ranked b on b.rk = 2
    where a.rk = 1 and (a.p - b.p) - 1.959964 * sqrt(a.p * (1 - a.p) / a.n + b.p * (1 - b.p) / b.n) > 0;
  end if;

  return jsonb_build_object(
    'experiment', p_experiment,
    'range', jsonb_build_object('from', p_from, 'to', p_to, 'currency', v_currency, 'attribution_days', p_conversion_days),
    'variants', coalesce(v_variants, '[]'::jsonb), 'holdout', v_holdout, 'winner', v_winner);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- "What happened to Anna?": search and timeline
-- ---------------------------------------------------------------------------------------------------------

-- The customer as the executions list shows them: first name and a masked address.
create or replace function cart_recovery.masked_customer(p_first_name text, p_email text, p_phone text)
returns text language sql immutable as $$
  select nullif(concat_ws(' · ', nullif(btrim(p_first_name), ''),
    case when p_email like '%@%' then left(p_email, 1) || '***@' || split_part(p_email, '@', 2)
         when nullif(p_phone, '') is not null then '***' || right(regexp_replace(p_phone, '\D', '', 'g'), 3) end), '')
$$;

-- Carts matching a cart id, customer id, email, phone (digits) or first name, newest first (at most p_limit).
-- Returns { carts: [{ cart_id, customer, status, value, currency, created_at, converted_at, order_value, recovered_value }] }.
create or replace function public.cart_recovery_search_carts(p_query text, p_limit integer default 20)
returns jsonb language plpgsql stable as $$
declare
  v_q      text := btrim(coalesce(p_query, ''));
  v_digits text := regexp_replace(coalesce(p_query, ''), '\D', '', 'g');
begin
  if length(v_q) < 2 then
    raise exception 'Search needs at least 2 characters' using errcode = '22023';
  end if;
  -- Each way of finding a customer is its own indexed lookup (a cart id or its beginning, a customer id, an email,
  -- the last nine digits of a phone number, a first name), so a search stays fast on a million carts.
  return jsonb_build_object('carts', coalesce((
    select jsonb_agg(jsonb_build_object('cart_id', c.cart_id,
             'customer', coalesce(cart_recovery.masked_customer(c.first_name, c.email, c.phone), c.customer_id, ''),
             'status', c.status, 'value', c.value, 'currency', c.currency, 'created_at', c.created_at,
             'converted_at', c.converted_at, 'order_value', c.order_value, 'recovered_value', c.recovered_value)
             order by c.created_at desc)
    from (
      select * from cart_recovery.carts c where c.cart_id in (
        select x.cart_id from cart_recovery.carts x where x.cart_id >= v_q and x.cart_id < v_q || chr(1114111)
        union select x.cart_id from cart_recovery.carts x where x.customer_id = v_q
        union select x.cart_id from cart_recovery.carts x where lower(x.email) = lower(v_q)
        union select x.cart_id from cart_recovery.carts x
              where length(v_digits) >= 7 and x.phone is not null and right(regexp_replace(x.phone, '\D', '', 'g'), 9) = right(v_digits, 9)
        union select x.cart_id from cart_recovery.carts x where v_q !~ '[@\d]' and lower(x.first_name) = lower(v_q))
      order by c.created_at desc
      limit greatest(1, least(coalesce(p_limit, 20), 100))
    ) c), '[]'::jsonb));
end
$$;

create index if not exists carts_email_lower on cart_recovery.carts (lower(email)) where email is not null;
create index if not exists carts_customer_id on cart_recovery.carts (customer_id) where customer_id is not null;
create index if not exists carts_phone_digits on cart_recovery.carts (right(regexp_replace(phone, '\D', '', 'g'), 9)) where phone is not null;
create index if not exists carts_first_name_lower on cart_recovery.carts (lower(first_name)) where first_name is not null;

-- Everything that happened to one cart, oldest first: created, enrolled, variants, every message (claimed, sent or
-- failed, with its latest status), the channel events about it, skips, codes issued and redeemed, the purchase,
-- and the consent changes of its addresses since it was created.
-- Returns { found, cart, entries: [{ at, kind, stage, channel, status, detail }] }.
create or replace function public.cart_recovery_cart_timeline(p_cart_id text)
returns jsonb language plpgsql stable as $$
declare
  v_cart cart_recovery.carts;
begin
  select * into v_cart from cart_recovery.carts c where c.cart_id = p_cart_id;
  if not found then
    return jsonb_build_object('found', false, 'cart', null, 'entries', '[]'::jsonb);
  end if;
  return jsonb_build_object(
    'found', true,
    'cart', jsonb_build_object('cart_id', v_cart.cart_id,
      'customer', coalesce(cart_recovery.masked_customer(v_cart.first_name, v_cart.email, v_cart.phone), v_cart.customer_id, ''),
      'status', v_cart.status, 'value', v_cart.value, 'currency', v_cart.currency, 'created_at', v_cart.created_at,
      'converted_at', v_cart.converted_at, 'order_value', v_cart.order_value, 'recovered_value', v_cart.recovered_value),
    'entries', coalesce((
      select jsonb_agg(jsonb_build_object('at', at, 'kind', kind, 'stage', stage, 'channel', channel, 'status', status, 'detail', detail)
                       order by at, ord)
      from (
        select v_cart.created_at as at, 1 as ord, 'cart' as kind, null::integer as stage, null::text as channel, null::text as status,
               format('Cart created: %s %s, %s item(s)', v_cart.value, v_cart.currency, jsonb_array_length(v_cart.items)) as detail
        union all
        select v_cart.recovery_started_at, 2, 'enrolled', null, null, null, 'Entered the recovery sequence'
        where v_cart.recovery_started_at is not null
        union all
        select v.assigned_at, 3, 'variant', null, null, v.variant,
               format('Experiment %s: variant %s%s', v.experiment, v.variant, case when v.holdout then ' (holdout: no messages)' else '' end)
        from cart_recovery.cart_variants v where v.cart_id = p_cart_id
        union all
        select coalesce(m.sent_at, m.failed_at, m.claimed_at), 4, 'message', m.stage, m.channel, m.status,
               format('%s, stage %s: %s%s%s', m.channel, m.stage, m.status,
                      case when m.copy_source = 'ai' then ' (AI-written copy)' else '' end,
                      case when m.error is not null then ' — ' || left(m.error, 200) else '' end)
        from cart_recovery.messages m where m.cart_id = p_cart_id
        union all
        select e.occurred_at, 5, 'event', m.stage, e.channel, coalesce(e.status, e.kind),
               format('%s reported %s%s', initcap(e.provider), coalesce(e.status, replace(e.kind, '_', '-')),
                      case when e.machine then ' (by a mail privacy proxy, not counted as an open)' else '' end)
        from cart_recovery.channel_events e left join cart_recovery.messages m using (message_id)
        where e.cart_id = p_cart_id
        union all
        select s.first_at, 6, 'skip', nullif(s.stage, 0), nullif(s.channel, ''), s.reason,
               format('%s: %s%s', case when s.outcome = 'deferred' then 'Deferred' else 'Not sent' end,
                      coalesce(s.detail, replace(s.reason, '_', ' ')), case when s.times > 1 then format(' (%s times)', s.times) else '' end)
        from cart_recovery.skips s where s.cart_id = p_cart_id
        union all
        select d.created_at, 7, 'code', d.stage, null, d.status,
               format('Code %s: %s off, valid until %s', d.code,
                      case when d.kind = 'percent' then trim_scale(d.amount)::text || '%' else trim_scale(d.amount)::text || ' ' || d.currency end,
                      to_char(d.valid_until at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
        from cart_recovery.discount_codes d where d.cart_id = p_cart_id
        union all
        select r.redeemed_at, 8, 'redeemed', d.stage, null, null,
               format('Code %s redeemed%s', r.code, coalesce(' on order ' || r.order_id, ''))
        from cart_recovery.discount_redemptions r join cart_recovery.discount_codes d using (code) where d.cart_id = p_cart_id
        union all
        select v_cart.converted_at, 9, 'purchase', null, null, v_cart.status,
               format('Bought%s: %s %s%s', coalesce(' (order ' || v_cart.order_id || ')', ''), coalesce(v_cart.order_value, v_cart.value), v_cart.currency,
                      case when v_cart.status = 'recovered' then ' — recovered by a reminder' else '' end)
        where v_cart.converted_at is not null
        union all
        select ce.occurred_at, 10, 'consent', null, ce.channel, ce.action,
               format('%s consent %s (%s)', ce.channel, ce.action, ce.source)
        from cart_recovery.consents cs join cart_recovery.consent_events ce using (consent_id)
        where ce.occurred_at >= v_cart.created_at and (
          (cs.channel = 'email' and cs.address = lower(v_cart.email))
          or (cs.channel = 'messenger' and cs.address = v_cart.messenger_psid)
          or (cs.channel in ('sms', 'whatsapp') and v_cart.customer_id is not null and cs.customer_id = v_cart.customer_id))
      ) t), '[]'::jsonb));
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Privileges, as in versions 6 to 9 (helpers in schema cart_recovery follow its grants of version 4).
revoke execute on function public.cart_recovery_assign_variant(text, text, jsonb) from public;
revoke execute on function public.cart_recovery_record_skip(text, integer, text, text, text, text) from public;
revoke execute on function public.cart_recovery_report(timestamptz, timestamptz, text, text, integer, integer, text) from public;
revoke execute on function public.cart_recovery_experiment_results(text, timestamptz, timestamptz, text, integer) from public;
revoke execute on function public.cart_recovery_search_carts(text, integer) from public;
revoke execute on function public.cart_recovery_cart_timeline(text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_assign_variant(text, text, jsonb) from public, anon, authenticated;
    revoke all on function public.cart_recovery_record_skip(text, integer, text, text, text, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_report(timestamptz, timestamptz, text, text, integer, integer, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_experiment_results(text, timestamptz, timestamptz, text, integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_search_carts(text, integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_cart_timeline(text) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_assign_variant(text, text, jsonb) to service_role;
    grant execute on function public.cart_recovery_record_skip(text, integer, text, text, text, text) to service_role;
    grant execute on function public.cart_recovery_report(timestamptz, timestamptz, text, text, integer, integer, text) to service_role;
    grant execute on function public.cart_recovery_experiment_results(text, timestamptz, timestamptz, text, integer) to service_role;
    grant execute on function public.cart_recovery_search_carts(text, integer) to service_role;
    grant execute on function public.cart_recovery_cart_timeline(text) to service_role;
    grant select, insert, update, delete on cart_recovery.cart_variants, cart_recovery.skips to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (10, 'analytics');

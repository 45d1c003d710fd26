-- Cart Recovery store, version 11: the report reads hourly rollups, so a busy shop's year answers in well under a
-- second (issue 15). The figures' definitions do not change: each kind of figure is still computed by one function
-- (report_part_*), which the report runs live on the raw rows where it must and which also builds the rollups.
--   * Rollups, per hour in which carts entered the sequence ("entered hour", UTC): the messages by stage, channel and
--     the quarter hour they were sent in; the carts nobody bought by quarter hour of entry; one row per bought cart
--     (its last touch, found once, so the attribution window and the inactivity time stay parameters); the skips;
--     the codes and what their redemptions cost. Quarter hours keep the daily series exact in every time zone.
--   * report_stale: the entered hours whose rows changed since their rollup was built, marked by row triggers on
--     carts, messages, skips, codes, redemptions and opt-outs that fire only on a change a figure depends on.
--   * The report rebuilds the stale hours of its range first (an hour changed within the last minute, or one another
--     session is writing, is read live instead, so the report never waits on a sender nor a sender long on it),
--     then sums rollups for whole hours and runs the same part functions live on the range's partial first and
--     last hours. A campaign's report reads everything live (rollups are kept for all campaigns together).
--   * Experiment results the same way, by the hour carts were assigned to a variant (experiment_stale, _variants,
--     _conversions): each variant's carts and the messages sent to them, and its bought carts.
--   * Opt-outs are rolled up too (by stage and channel of the last message before them); the experiments list is
--     read by one index probe per experiment.

create table cart_recovery.report_stale (
  hour      timestamptz primary key,
  marked_at timestamptz not null default now()
);

create table cart_recovery.report_messages (
  entered_hour   timestamptz not null,
  slot           timestamptz,             -- quarter hour of sent_at (of failed_at for a failure)
  stage          integer not null,
  channel        text not null,
  sent           bigint not null,
  delivered      bigint not null,
  opened         bigint not null,
  machine_opened bigint not null,
  clicked        bigint not null,
  bounced        bigint not null,
  failed         bigint not null,
  ai_copy        bigint not null
);
create index report_messages_hour on cart_recovery.report_messages (entered_hour);

create table cart_recovery.report_carts (
  entered_hour timestamptz not null,
  slot         timestamptz not null,      -- quarter hour of entry
  currency     text not null,
  enrolled     bigint not null,
  value        numeric not null,
  returned     bigint not null
);
create index report_carts_hour on cart_recovery.report_carts (entered_hour);

create table cart_recovery.report_conversions (
  entered_hour        timestamptz not null,
  recovery_started_at timestamptz not null,
  converted_at        timestamptz not null,
  currency            text not null,
  value               numeric not null,
  order_value         numeric,
  returned_at         timestamptz,
  touch_stage         integer,             -- the last message sent at or before the purchase (any age)
  touch_channel       text,
  touch_sent_at       timestamptz,
  entered_slot        timestamptz not null,  -- quarter hours of entry and purchase, for the daily series
  converted_slot      timestamptz not null
);
create index report_conversions_hour on cart_recovery.report_conversions (entered_hour);

create table cart_recovery.report_skips (
  entered_hour timestamptz not null,
  reason       text not null,
  outcome      text not null,
  stage        integer not null,
  channel      text not null,
  n            bigint not null
);
create index report_skips_hour on cart_recovery.report_skips (entered_hour);

create table cart_recovery.report_codes (
  entered_hour  timestamptz not null,
  cart_currency text not null,
  kind          text not null,
  code_currency text,
  issued        bigint not null,
  redeemed      bigint not null,
  cost          numeric not null           -- percent: of the order total; fixed: in code_currency
);
create index report_codes_hour on cart_recovery.report_codes (entered_hour);

create table cart_recovery.report_optouts (
  entered_hour timestamptz not null,
  stage        integer not null,            -- of the last message on the channel before the opt-out
  channel      text not null,
  n            bigint not null
);
create index report_optouts_hour on cart_recovery.report_optouts (entered_hour);

-- Experiments, per hour in which carts were assigned (an experiment's range is of assignments, not of entries).
create table cart_recovery.experiment_stale (
  hour      timestamptz primary key,
  marked_at timestamptz not null default now()
);

create table cart_recovery.experiment_variants (
  assigned_hour timestamptz not null,
  experiment    text not null,
  variant       text not null,
  holdout       boolean not null,
  carts         bigint not null,
  messages      bigint not null               -- messages sent to those carts
);
create index experiment_variants_hour on cart_recovery.experiment_variants (experiment, assigned_hour);

create table cart_recovery.experiment_conversions (
  assigned_hour timestamptz not null,
  experiment    text not null,
  variant       text not null,
  holdout       boolean not null,
  assigned_at   timestamptz not null,
  converted_at  timestamptz not null,
  currency      text not null,
  order_value   numeric
);
create index experiment_conversions_hour on cart_recovery.experiment_conversions (experiment, assigned_hour);

-- The hour (UTC) and the quarter hour a moment falls in. date_bin, unlike date_trunc, ignores the session's zone.
create or replace function cart_recovery.hour_of(p_at timestamptz) returns timestamptz language sql immutable as $$
  select date_bin('1 hour', p_at, timestamptz '2000-01-01 00:00:00+00')
$$;
create or replace function cart_recovery.quarter_of(p_at timestamptz) returns timestamptz language sql immutable as $$
  select date_bin('15 minutes', p_at, timestamptz '2000-01-01 00:00:00+00')
$$;

-- ---------------------------------------------------------------------------------------------------------
-- The parts: each figure's definition, for the carts that entered in [p_from, p_to) (and, with p_campaign, had a
-- message of that campaign, counting only those messages).
-- ---------------------------------------------------------------------------------------------------------

-- Every message sent (or refused for good), by stage, channel and quarter hour.
create or replace function cart_recovery.report_part_messages(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_messages language sql stable as $$
  select cart_recovery.hour_of(m.cart_entered_at), cart_recovery.quarter_of(coalesce(m.sent_at, m.failed_at)), m.stage, m.channel,
         count(*) filter (where m.sent_at is not null),
         count(*) filter (where m.sent_at is not null and (m.delivered_at is not null or m.opened_at is not null or m.read_at is not null or m.clicked_at is not null)),
         count(*) filter (where m.sent_at is not null and (m.opened_at is not null or m.read_at is not null)),
         count(*) filter (where m.sent_at is not null and m.machine_opened_at is not null and m.opened_at is null and m.read_at is null),
         count(*) filter (where m.sent_at is not null and m.clicked_at is not null),
         count(*) filter (where m.status = 'bounced'),
         count(*) filter (where m.status = 'failed'),
         count(*) filter (where m.sent_at is not null and m.copy_source = 'ai')
  from cart_recovery.messages m
  where m.cart_entered_at >= p_from and m.cart_entered_at < p_to
    and (m.sent_at is not null or m.status = 'failed') and (p_campaign is null or m.campaign = p_campaign)
  group by 1, 2, 3, 4
$$;

-- The carts of the range that nobody bought, by quarter hour of entry and currency.
create or replace function cart_recovery.report_part_carts(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_carts language sql stable as $$
  select cart_recovery.hour_of(c.recovery_started_at), cart_recovery.quarter_of(c.recovery_started_at), c.currency::text,
         count(*), coalesce(sum(c.value), 0), count(*) filter (where c.returned_at is not null)
  from cart_recovery.carts c
  where c.recovery_started_at >= p_from and c.recovery_started_at < p_to and c.converted_at is null
    and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
  group by 1, 2, 3
$$;

-- The carts of the range that were bought, each with its last touch: the latest message sent at or before the
-- purchase. Whether it counts (within the attribution window) and whether the cart was abandoned at all (not bought
-- within the inactivity time) are decided by the report, with its parameters.
create or replace function cart_recovery.report_part_conversions(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_conversions language sql stable as $$
  select cart_recovery.hour_of(c.recovery_started_at), c.recovery_started_at, c.converted_at, c.currency::text,
         c.value, c.order_value, c.returned_at, t.stage, t.channel, t.sent_at,
         cart_recovery.quarter_of(c.recovery_started_at), cart_recovery.quarter_of(c.converted_at)
  from cart_recovery.carts c
  left join lateral (
    select m.stage, m.channel, m.sent_at from cart_recovery.messages m
    where m.cart_id = c.cart_id and m.sent_at <= c.converted_at and (p_campaign is null or m.campaign = p_campaign)
    order by m.sent_at desc limit 1) t on true
  where c.recovery_started_at >= p_from and c.recovery_started_at < p_to and c.converted_at is not null
    and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
$$;

create or replace function cart_recovery.report_part_skips(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_skips language sql stable as $$
  -- Per cart through the skips' key (cart first): a few days' carts never scan every skip.
  select cart_recovery.hour_of(c.recovery_started_at), s.reason, s.outcome, s.stage, s.channel, sum(s.n)::bigint
  from cart_recovery.carts c
  cross join lateral (
    select s.reason, s.outcome, s.stage, s.channel, count(*) as n from cart_recovery.skips s
    where s.cart_id = c.cart_id group by 1, 2, 3, 4) s
  where c.recovery_started_at >= p_from and c.recovery_started_at < p_to
    and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
  group by 1, 2, 3, 4, 5
$$;

-- Codes issued for the range's carts, redeemed, and what the redemptions cost (a percentage of the order total, or
-- the fixed amount in the code's currency).
create or replace function cart_recovery.report_part_codes(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_codes language sql stable as $$
  -- Per cart through the codes' cart index, for the same reason.
  select cart_recovery.hour_of(c.recovery_started_at), c.currency::text, d.kind, d.code_currency,
         sum(d.issued)::bigint, sum(d.redeemed)::bigint, sum(d.cost)
  from cart_recovery.carts c
  cross join lateral (
    select d.kind, upper(d.currency) as code_currency, count(*) as issued, count(r.redemption_id) as redeemed,
           coalesce(sum(case when d.kind = 'percent' then coalesce(r.order_total, 0) * d.amount / 100 else d.amount end)
                    filter (where r.redemption_id is not null), 0) as cost
    from cart_recovery.discount_codes d left join cart_recovery.discount_redemptions r on r.code = d.code
    where d.cart_id = c.cart_id group by 1, 2) d
  where c.recovery_started_at >= p_from and c.recovery_started_at < p_to
    and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
  group by 1, 2, 3, 4
$$;

-- Opt-outs: the first per cart and channel after the cart entered the sequence — a STOP, button or provider opt-out
-- (channel events) or an email unsubscribe (the consent events of the cart's email address) — put down to the last
-- message on its channel before it.
create or replace function cart_recovery.report_part_optouts(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_optouts language sql stable as $$
  with optout_at as (
    select cart_id, channel, min(started) as started, min(at) as at from (
      select e.cart_id, e.channel, c.recovery_started_at as started, e.occurred_at as at
      from cart_recovery.channel_events e join cart_recovery.carts c on c.cart_id = e.cart_id
      where e.kind = 'opt_out' and c.recovery_started_at >= p_from and c.recovery_started_at < p_to
        and e.occurred_at >= c.recovery_started_at
      union all
      select c.cart_id, 'email', c.recovery_started_at, ce.occurred_at
      from cart_recovery.consent_events ce
      join cart_recovery.consents cs on cs.consent_id = ce.consent_id and cs.channel = 'email'
      join cart_recovery.carts c on lower(c.email) = cs.address
      where ce.action = 'withdrawn' and ce.occurred_at >= c.recovery_started_at
        and c.recovery_started_at >= p_from and c.recovery_started_at < p_to
    ) x group by cart_id, channel
  )
  select cart_recovery.hour_of(o.started), t.stage, t.channel, count(*)
  from optout_at o
  cross join lateral (
    select m.stage, m.channel from cart_recovery.messages m
    where m.cart_id = o.cart_id and m.channel = o.channel and m.sent_at <= o.at and (p_campaign is null or m.campaign = p_campaign)
    order by m.sent_at desc limit 1) t
  group by 1, 2, 3
$$;

-- An experiment's carts assigned in [p_from, p_to) (every experiment's with p_experiment null), per variant: how
-- many, and how many messages were sent to them.
create or replace function cart_recovery.experiment_part_variants(p_from timestamptz, p_to timestamptz, p_experiment text)
returns setof cart_recovery.experiment_variants language sql stable as $$
  select cart_recovery.hour_of(v.assigned_at), v.experiment, v.variant, v.holdout, count(*), coalesce(sum(s.n), 0)
  from cart_recovery.cart_variants v
  cross join lateral (select count(*) as n from cart_recovery.messages m where m.cart_id = v.cart_id and m.sent_at is not null) s
  where v.assigned_at >= p_from and v.assigned_at < p_to and (p_experiment is null or v.experiment = p_experiment)
  group by 1, 2, 3, 4
$$;

-- The bought carts among them, each with when it was assigned and bought (the conversion window is the caller's).
create or replace function cart_recovery.experiment_part_conversions(p_from timestamptz, p_to timestamptz, p_experiment text)
returns setof cart_recovery.experiment_conversions language sql stable as $$
  select cart_recovery.hour_of(v.assigned_at), v.experiment, v.variant, v.holdout, v.assigned_at, c.converted_at, c.currency::text, c.order_value
  from cart_recovery.cart_variants v join cart_recovery.carts c on c.cart_id = v.cart_id
  where v.assigned_at >= p_from and v.assigned_at < p_to and (p_experiment is null or v.experiment = p_experiment)
    and c.converted_at is not null
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Upkeep

-- Ranges [from, to) merged where one ends as the next begins; empty ranges dropped.
create or replace function cart_recovery.runs_of(p_from timestamptz[], p_to timestamptz[])
returns table (f timestamptz, t timestamptz) language sql immutable as $$
  select min(f), max(t) from (
    select f, t, count(*) filter (where starts) over (order by f) as run
    from (select f, t, f is distinct from lag(t) over (order by f) as starts
          from unnest(p_from, p_to) r(f, t) where f < t) x) y
  group by run order by 1
$$;
-- ---------------------------------------------------------------------------------------------------------

-- Rebuilds the rollups of the carts that entered in [p_from, p_to) (whole hours).
create or replace function cart_recovery.report_build(p_from timestamptz, p_to timestamptz)
returns void language plpgsql as $$
begin
  delete from cart_recovery.report_messages where entered_hour >= p_from and entered_hour < p_to;
  delete from cart_recovery.report_carts where entered_hour >= p_from and entered_hour < p_to;
  delete from cart_recovery.report_conversions where entered_hour >= p_from and entered_hour < p_to;
  delete from cart_recovery.report_skips where entered_hour >= p_from and entered_hour < p_to;
  delete from cart_recovery.report_codes where entered_hour >= p_from and entered_hour < p_to;
  delete from cart_recovery.report_optouts where entered_hour >= p_from and entered_hour < p_to;
  insert into cart_recovery.report_messages select * from cart_recovery.report_part_messages(p_from, p_to, null);
  insert into cart_recovery.report_carts select * from cart_recovery.report_part_carts(p_from, p_to, null);
  insert into cart_recovery.report_conversions select * from cart_recovery.report_part_conversions(p_from, p_to, null);
  insert into cart_recovery.report_skips select * from cart_recovery.report_part_skips(p_from, p_to, null);
  insert into cart_recovery.report_codes select * from cart_recovery.report_part_codes(p_from, p_to, null);
  insert into cart_recovery.report_optouts select * from cart_recovery.report_part_optouts(p_from, p_to, null);
end
$$;

-- Rebuilds the stale hours in [p_from, p_to) that were marked before p_settled and that no other session holds
-- (a sender writing to that hour now, or another report rebuilding it); returns the stale hours it left, which the
-- report reads live. In a read-only transaction it rebuilds nothing.
create or replace function cart_recovery.report_refresh(p_from timestamptz, p_to timestamptz, p_settled timestamptz)
returns timestamptz[] language plpgsql as $$
declare
  v_hours timestamptz[];
  v_run   record;
begin
  if current_setting('transaction_read_only') = 'off' then
    select array_agg(x.hour order by x.hour) into v_hours from (
      select s.hour from cart_recovery.report_stale s
      where s.hour >= p_from and s.hour < p_to and s.marked_at < p_settled
      order by s.hour for update skip locked) x;
    -- Consecutive hours are built in one pass (after an import, a whole year is one run).
    for v_run in select * from cart_recovery.runs_of(v_hours, array(select h + interval '1 hour' from unnest(v_hours) h)) loop
      perform cart_recovery.report_build(v_run.f, v_run.t);
    end loop;
    delete from cart_recovery.report_stale where hour = any (v_hours);
  end if;
  return coalesce((select array_agg(s.hour order by s.hour) from cart_recovery.report_stale s where s.hour >= p_from and s.hour < p_to), '{}');
end
$$;

-- The same for experiments, by the hour carts were assigned.
create or replace function cart_recovery.experiment_build(p_from timestamptz, p_to timestamptz)
returns void language plpgsql as $$
begin
  delete from cart_recovery.experiment_variants where assigned_hour >= p_from and assigned_hour < p_to;
  delete from cart_recovery.experiment_conversions where assigned_hour >= p_from and assigned_hour < p_to;
  insert into cart_recovery.experiment_variants select * from cart_recovery.experiment_part_variants(p_from, p_to, null);
  insert into cart_recovery.experiment_conversions select * from cart_recovery.experiment_part_conversions(p_from, p_to, null);
end
$$;

create or replace function cart_recovery.experiment_refresh(p_from timestamptz, p_to timestamptz, p_settled timestamptz)
returns timestamptz[] language plpgsql as $$
declare
  v_hours timestamptz[];
  v_run   record;
begin
  if current_setting('transaction_read_only') = 'off' then
    select array_agg(x.hour order by x.hour) into v_hours from (
      select s.hour from cart_recovery.experiment_stale s
      where s.hour >= p_from and s.hour < p_to and s.marked_at < p_settled
      order by s.hour for update skip locked) x;
    -- Consecutive hours are built in one pass (after an import, a whole year is one run).
    for v_run in select * from cart_recovery.runs_of(v_hours, array(select h + interval '1 hour' from unnest(v_hours) h)) loop
      perform cart_recovery.experiment_build(v_run.f, v_run.t);
    end loop;
    delete from cart_recovery.experiment_stale where hour = any (v_hours);
  end if;
  return coalesce((select array_agg(s.hour order by s.hour) from cart_recovery.experiment_stale s where s.hour >= p_from and s.hour < p_to), '{}');
end
$$;

-- Marking. Row triggers whose WHEN clause lets through only a change a figure depends on: a claim, a release, an
-- activity update of a cart or a delivery event of an unsent message costs nothing, and a send costs one upsert.
-- An hour already marked within the last few seconds is only locked, not rewritten (a busy hour is marked by every
-- send, and a row rewritten that often piles up versions): the lock is what matters — the report skips a locked
-- hour and reads it live — and marked_at only keeps a busy hour from being rebuilt over and over.
create or replace function cart_recovery.report_mark(p_hour timestamptz) returns void language plpgsql as $$
begin
  if p_hour is not null then
    insert into cart_recovery.report_stale as s (hour) values (p_hour)
    on conflict (hour) do update set marked_at = now() where s.marked_at < now() - interval '5 seconds';
  end if;
end
$$;

create or replace function cart_recovery.report_mark_cart(p_cart_id text) returns void language plpgsql as $$
begin
  perform cart_recovery.report_mark(cart_recovery.hour_of(c.recovery_started_at)) from cart_recovery.carts c where c.cart_id = p_cart_id;
end
$$;

-- The assignment hours of the cart's experiments.
create or replace function cart_recovery.experiment_mark(p_hour timestamptz) returns void language plpgsql as $$
begin
  insert into cart_recovery.experiment_stale as s (hour) values (p_hour)
  on conflict (hour) do update set marked_at = now() where s.marked_at < now() - interval '5 seconds';
end
$$;

create or replace function cart_recovery.experiment_mark_cart(p_cart_id text) returns void language plpgsql as $$
begin
  perform cart_recovery.experiment_mark(h)
  from (select distinct cart_recovery.hour_of(v.assigned_at) as h from cart_recovery.cart_variants v where v.cart_id = p_cart_id order by 1) x;
end
$$;

create or replace function cart_recovery.report_mark_messages() returns trigger language plpgsql as $$
begin
  if tg_op <> 'DELETE' then perform cart_recovery.report_mark(cart_recovery.hour_of(new.cart_entered_at)); end if;
  if tg_op <> 'INSERT' and (tg_op = 'DELETE' or old.cart_entered_at is distinct from new.cart_entered_at) then
    perform cart_recovery.report_mark(cart_recovery.hour_of(old.cart_entered_at));
  end if;
  -- An experiment counts the messages sent to its carts: only sent_at matters to it.
  if (case tg_op when 'INSERT' then new.sent_at is not null when 'DELETE' then old.sent_at is not null
                 else new.sent_at is distinct from old.sent_at end) then
    perform cart_recovery.experiment_mark_cart(case when tg_op = 'DELETE' then old.cart_id else new.cart_id end);
  end if;
  return null;
end
$$;

create or replace function cart_recovery.report_mark_carts() returns trigger language plpgsql as $$
begin
  if tg_op <> 'DELETE' then perform cart_recovery.report_mark(cart_recovery.hour_of(new.recovery_started_at)); end if;
  if tg_op <> 'INSERT' and (tg_op = 'DELETE' or old.recovery_started_at is distinct from new.recovery_started_at) then
    perform cart_recovery.report_mark(cart_recovery.hour_of(old.recovery_started_at));
  end if;
  if tg_op = 'UPDATE' and (new.converted_at, new.currency, new.order_value) is distinct from (old.converted_at, old.currency, old.order_value) then
    perform cart_recovery.experiment_mark_cart(new.cart_id);
  end if;
  return null;
end
$$;

-- Skips, codes and opt-out events mark their cart's hour (a row deleted with its cart finds no cart: the cart's own
-- delete marked it).
create or replace function cart_recovery.report_mark_by_cart() returns trigger language plpgsql as $$
begin
  if tg_op <> 'DELETE' then perform cart_recovery.report_mark_cart(new.cart_id); end if;
  if tg_op <> 'INSERT' then perform cart_recovery.report_mark_cart(old.cart_id); end if;
  return null;
end
$$;

create or replace function cart_recovery.report_mark_redemptions() returns trigger language plpgsql as $$
begin
  perform cart_recovery.report_mark_cart(d.cart_id) from cart_recovery.discount_codes d
  where d.code = case when tg_op = 'DELETE' then old.code else new.code end;
  return null;
end
$$;

-- An email unsubscribe marks the hours of the carts with that address.
create or replace function cart_recovery.report_mark_consents() returns trigger language plpgsql as $$
begin
  perform cart_recovery.report_mark(h) from (
    select distinct cart_recovery.hour_of(c.recovery_started_at) as h
    from cart_recovery.consents cs join cart_recovery.carts c on lower(c.email) = cs.address
    where cs.consent_id = new.consent_id and cs.channel = 'email' order by 1) x;
  return null;
end
$$;

create or replace function cart_recovery.experiment_mark_variants() returns trigger language plpgsql as $$
begin
  if tg_op <> 'DELETE' then perform cart_recovery.experiment_mark(cart_recovery.hour_of(new.assigned_at)); end if;
  if tg_op <> 'INSERT' then perform cart_recovery.experiment_mark(cart_recovery.hour_of(old.assigned_at)); end if;
  return null;
end
$$;

create trigger report_messages_insert after insert on cart_recovery.messages for each row
  when (new.sent_at is not null or new.status in ('failed', 'bounced'))
  execute function cart_recovery.report_mark_messages();
create trigger report_messages_update after update on cart_recovery.messages for each row
  when ((new.sent_at is not null or new.status in ('failed', 'bounced') or old.sent_at is not null or old.status in ('failed', 'bounced'))
        and (new.sent_at, new.failed_at, new.status, new.delivered_at, new.opened_at, new.read_at, new.clicked_at,
             new.machine_opened_at, new.copy_source, new.stage, new.channel, new.cart_entered_at)
            is distinct from (old.sent_at, old.failed_at, old.status, old.delivered_at, old.opened_at, old.read_at, old.clicked_at,
             old.machine_opened_at, old.copy_source, old.stage, old.channel, old.cart_entered_at))
  execute function cart_recovery.report_mark_messages();
create trigger report_messages_delete after delete on cart_recovery.messages for each row
  when (old.sent_at is not null or old.status in ('failed', 'bounced'))
  execute function cart_recovery.report_mark_messages();

create trigger report_carts_insert after insert on cart_recovery.carts for each row
  when (new.recovery_started_at is not null)
  execute function cart_recovery.report_mark_carts();
create trigger report_carts_update after update on cart_recovery.carts for each row
  when ((new.recovery_started_at, new.converted_at, new.returned_at, new.value, new.currency, new.order_value, new.email)
        is distinct from (old.recovery_started_at, old.converted_at, old.returned_at, old.value, old.currency, old.order_value, old.email))
  execute function cart_recovery.report_mark_carts();
create trigger report_carts_delete after delete on cart_recovery.carts for each row
  when (old.recovery_started_at is not null)
  execute function cart_recovery.report_mark_carts();

create trigger report_skips_change after insert or delete on cart_recovery.skips for each row
  execute function cart_recovery.report_mark_by_cart();
create trigger report_codes_insert_delete after insert or delete on cart_recovery.discount_codes for each row
  execute function cart_recovery.report_mark_by_cart();
create trigger report_codes_update after update on cart_recovery.discount_codes for each row
  when ((new.cart_id, new.kind, new.amount, new.currency) is distinct from (old.cart_id, old.kind, old.amount, old.currency))
  execute function cart_recovery.report_mark_by_cart();
create trigger report_opt_outs_insert after insert on cart_recovery.channel_events for each row
  when (new.kind = 'opt_out')
  execute function cart_recovery.report_mark_by_cart();
create trigger report_opt_outs_delete after delete on cart_recovery.channel_events for each row
  when (old.kind = 'opt_out')
  execute function cart_recovery.report_mark_by_cart();
create trigger report_unsubscribes_insert after insert on cart_recovery.consent_events for each row
  when (new.action = 'withdrawn')
  execute function cart_recovery.report_mark_consents();
create trigger report_redemptions_change after insert or delete on cart_recovery.discount_redemptions for each row
  execute function cart_recovery.report_mark_redemptions();
create trigger experiment_variants_change after insert or update or delete on cart_recovery.cart_variants for each row
  execute function cart_recovery.experiment_mark_variants();

-- ---------------------------------------------------------------------------------------------------------
-- The report
-- ---------------------------------------------------------------------------------------------------------

-- Checks a report's range and settings; raises 22023 naming the field (as in version 10, with a faster zone check).
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
  -- An IANA name (Region/City, or a bare name such as UTC or CET), never a POSIX rule such as "UTC+3"; then the
  -- zone database must know it. (Looking it up in pg_timezone_names reads every zone file: a third of a second.)
  if p_timezone is null or p_timezone !~ '^([A-Za-z_]+(/[A-Za-z0-9_+-]+)+|[A-Za-z]+|[A-Z]{3}[0-9][A-Z]{3})$' then
    raise exception 'Time zone "%" is not a known IANA zone (e.g. Europe/Budapest)', p_timezone using errcode = '22023';
  end if;
  begin
    perform now() at time zone p_timezone;
  exception when invalid_parameter_value then
    raise exception 'Time zone "%" is not a known IANA zone (e.g. Europe/Budapest)', p_timezone using errcode = '22023';
  end;
end
$$;


-- The wrapper now keeps the rollups up to date, so it may write (volatile); its arguments and answer are unchanged.
create or replace function public.cart_recovery_report(
  p_from timestamptz, p_to timestamptz, p_campaign text default null, p_currency text default 'HUF',
  p_attribution_days integer default 5, p_inactivity_minutes integer default 30, p_timezone text default 'Europe/Budapest'
) returns jsonb language plpgsql volatile as $$
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

-- The report's figures (cart_recovery_report checks the arguments first): rollups for the range's whole, settled
-- hours, the part functions live for the rest (the partial first and last hours, hours that changed within the
-- last minute, a campaign's whole range); then every total, rate and series from those parts.
drop function cart_recovery.report_figures(timestamptz, timestamptz, text, text, interval, interval, text);
create function cart_recovery.report_figures(
  p_from timestamptz, p_to timestamptz, p_campaign text, p_currency text, p_window interval, p_inactivity interval, p_timezone text
) returns jsonb language plpgsql volatile set work_mem = '64MB' set jit = off set plan_cache_mode = 'force_custom_plan' as $$
declare
  v_lo    timestamptz := cart_recovery.hour_of(p_from + interval '1 hour' - interval '1 microsecond');
  v_hi    timestamptz := cart_recovery.hour_of(p_to);
  v_live_from timestamptz[] := '{}';
  v_live_to   timestamptz[] := '{}';
  v_stale timestamptz[] := '{}';
  v_run   record;
  v_msg   cart_recovery.report_messages[] := '{}';
  v_crt   cart_recovery.report_carts[] := '{}';
  v_conv  cart_recovery.report_conversions[] := '{}';
  v_skp   cart_recovery.report_skips[] := '{}';
  v_cds   cart_recovery.report_codes[] := '{}';
  v_opt   cart_recovery.report_optouts[] := '{}';
begin
  if p_campaign is not null or v_lo >= v_hi then
    -- Everything live; the rollup range is empty.
    v_live_from := array[p_from]; v_live_to := array[p_to];
    v_lo := p_to; v_hi := p_to;
  else
    v_stale := cart_recovery.report_refresh(v_lo, v_hi, now() - interval '1 minute');
    v_live_from := array[p_from, v_hi] || v_stale;
    v_live_to := array[v_lo, p_to] || array(select h + interval '1 hour' from unnest(v_stale) h);
  end if;

  -- The live parts, one call per run of adjacent ranges (the stale hours of a busy shop are its last few days: one
  -- run), each planned with its own dates.
  for v_run in select * from cart_recovery.runs_of(v_live_from, v_live_to) loop
    v_msg := v_msg || array(select p from cart_recovery.report_part_messages(v_run.f, v_run.t, p_campaign) p);
    v_crt := v_crt || array(select p from cart_recovery.report_part_carts(v_run.f, v_run.t, p_campaign) p);
    v_conv := v_conv || array(select p from cart_recovery.report_part_conversions(v_run.f, v_run.t, p_campaign) p);
    v_skp := v_skp || array(select p from cart_recovery.report_part_skips(v_run.f, v_run.t, p_campaign) p);
    v_cds := v_cds || array(select p from cart_recovery.report_part_codes(v_run.f, v_run.t, p_campaign) p);
    v_opt := v_opt || array(select p from cart_recovery.report_part_optouts(v_run.f, v_run.t, p_campaign) p);
  end loop;

  return (
  with
  msg as materialized (
    select r.* from cart_recovery.report_messages r where r.entered_hour >= v_lo and r.entered_hour < v_hi and r.entered_hour <> all (v_stale)
    union all
    select * from unnest(v_msg)
  ),
  crt as materialized (
    select r.* from cart_recovery.report_carts r where r.entered_hour >= v_lo and r.entered_hour < v_hi and r.entered_hour <> all (v_stale)
    union all
    select * from unnest(v_crt)
  ),
  conv as materialized (
    select r.*, r.currency = p_currency as in_currency,
           not (r.converted_at < r.recovery_started_at + p_inactivity) as abandoned
    from (
      select r.* from cart_recovery.report_conversions r where r.entered_hour >= v_lo and r.entered_hour < v_hi and r.entered_hour <> all (v_stale)
      union all
      select * from unnest(v_conv)) r
  ),
  skp as (
    select r.* from cart_recovery.report_skips r where r.entered_hour >= v_lo and r.entered_hour < v_hi and r.entered_hour <> all (v_stale)
    union all
    select * from unnest(v_skp)
  ),
  cds as (
    select r.* from cart_recovery.report_codes r where r.entered_hour >= v_lo and r.entered_hour < v_hi and r.entered_hour <> all (v_stale)
    union all
    select * from unnest(v_cds)
  ),
  -- Last touch: the latest message sent within the window before the purchase of an abandoned cart gets the credit.
  touch as (
    select touch_stage as stage, touch_channel as channel, case when in_currency then coalesce(order_value, 0) else 0 end as revenue,
           converted_slot
    from conv where abandoned and touch_sent_at >= converted_at - p_window
  ),
  opted as (
    select r.* from cart_recovery.report_optouts r where r.entered_hour >= v_lo and r.entered_hour < v_hi and r.entered_hour <> all (v_stale)
    union all
    select * from unnest(v_opt)
  ),
  credited as (
    select stage, channel, count(*) as recovered, sum(revenue) as revenue, 0::bigint as opted_out from touch group by 1, 2
    union all
    select stage, channel, 0, 0, sum(n)::bigint from opted group by 1, 2
  ),
  funnel as (
    select g.stage, g.channel, sum(g.sent)::bigint as sent, sum(g.delivered)::bigint as delivered, sum(g.opened)::bigint as opened,
           sum(g.clicked)::bigint as clicked, sum(g.bounced)::bigint as bounced, sum(g.failed)::bigint as failed,
           coalesce((select sum(c.opted_out) from credited c where c.stage = g.stage and c.channel = g.channel), 0)::bigint as opted_out,
           coalesce((select sum(c.recovered) from credited c where c.stage = g.stage and c.channel = g.channel), 0)::bigint as recovered,
           coalesce((select sum(c.revenue) from credited c where c.stage = g.stage and c.channel = g.channel), 0) as revenue,
           sum(g.ai_copy)::bigint as ai_copy, sum(g.machine_opened)::bigint as machine_opened
    from msg g group by g.stage, g.channel
  ),
  mt as (
    select coalesce(sum(sent), 0)::bigint as sent, coalesce(sum(delivered), 0)::bigint as delivered,
           coalesce(sum(opened), 0)::bigint as opened, coalesce(sum(machine_opened), 0)::bigint as machine_opened,
           coalesce(sum(clicked), 0)::bigint as clicked, coalesce(sum(bounced), 0)::bigint as bounced,
           coalesce(sum(failed), 0)::bigint as failed, coalesce(sum(opted_out), 0)::bigint as opted_out,
           coalesce(sum(recovered), 0)::bigint as recovered, coalesce(sum(revenue), 0) as revenue
    from funnel
  ),
  -- Carts nobody bought are all abandoned; a bought cart is abandoned when it was not bought within the inactivity time.
  ct as (
    select sum(enrolled)::bigint as enrolled, sum(abandoned)::bigint as abandoned, coalesce(sum(abandoned_value), 0) as abandoned_value,
           sum(other_currency)::bigint as other_currency, sum(returned)::bigint as returned, sum(converted)::bigint as converted
    from (
      select coalesce(sum(enrolled), 0) as enrolled, coalesce(sum(enrolled), 0) as abandoned,
             coalesce(sum(value) filter (where currency = p_currency), 0) as abandoned_value,
             coalesce(sum(enrolled) filter (where currency <> p_currency), 0) as other_currency,
             coalesce(sum(returned), 0) as returned, 0 as converted
      from crt
      union all
      select count(*), count(*) filter (where abandoned), coalesce(sum(value) filter (where abandoned and in_currency), 0),
             count(*) filter (where not in_currency), count(*) filter (where abandoned and returned_at is not null),
             count(*) filter (where abandoned)
      from conv) x
  ),
  codes as (
    select coalesce(sum(issued), 0)::bigint as issued, coalesce(sum(redeemed), 0)::bigint as redeemed,
           coalesce(sum(cost) filter (where kind = 'percent' or code_currency = p_currency), 0) as cost
    from cds where cart_currency = p_currency
  ),
  skips as (select reason, outcome, stage, channel, sum(n)::bigint as n from skp group by 1, 2, 3, 4),
  days as (
    select d::date as day
    from generate_series((p_from at time zone p_timezone)::date, ((p_to - interval '1 microsecond') at time zone p_timezone)::date, interval '1 day') d
  ),
  de as (
    select day, sum(n)::bigint as n from (
      select (slot at time zone p_timezone)::date as day, n from (select slot, sum(enrolled) as n from crt group by 1) c
      union all
      select (entered_slot at time zone p_timezone)::date, n from (select entered_slot, count(*) as n from conv group by 1) c) x group by 1
  ),
  ds as (
    select (slot at time zone p_timezone)::date as day, sum(n)::bigint as n
    from (select slot, sum(sent) as n from msg group by 1) m group by 1
  ),
  -- (Quarter hours first, then days: a zone conversion per quarter hour, not per purchase.)
  dr as (
    select (converted_slot at time zone p_timezone)::date as day, sum(n)::bigint as n, sum(revenue) as revenue
    from (select converted_slot, count(*) as n, sum(revenue) as revenue from touch group by 1) t group by 1
  )
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
      -- The experiments with carts assigned in the range: one index probe per experiment, not a scan of assignments.
      with recursive e as (
        select min(v.experiment) as name from cart_recovery.cart_variants v
        union all
        select (select min(v.experiment) from cart_recovery.cart_variants v where v.experiment > e.name) from e where e.name is not null
      )
      select coalesce(jsonb_agg(e.name order by e.name), '[]'::jsonb) from e
      where e.name is not null and exists (
        select 1 from cart_recovery.cart_variants v where v.experiment = e.name and v.assigned_at >= p_from and v.assigned_at < p_to))));
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Experiment results: the definitions of version 10, read from the rollups
-- ---------------------------------------------------------------------------------------------------------

create or replace function public.cart_recovery_experiment_results(
  p_experiment text, p_from timestamptz, p_to timestamptz, p_currency text default 'HUF', p_conversion_days integer default 7
) returns jsonb language plpgsql volatile set work_mem = '64MB' set jit = off set plan_cache_mode = 'force_custom_plan' as $$
declare
  v_currency text := upper(p_currency);
  v_variants jsonb;
  v_holdout  text;
  v_winner   text;
  v_lo       timestamptz := cart_recovery.hour_of(p_from + interval '1 hour' - interval '1 microsecond');
  v_hi       timestamptz := cart_recovery.hour_of(p_to);
  v_stale    timestamptz[] := '{}';
  v_live_from timestamptz[];
  v_live_to   timestamptz[];
  v_run      record;
  v_vr       cart_recovery.experiment_variants[] := '{}';
  v_cv       cart_recovery.experiment_conversions[] := '{}';
begin
  perform cart_recovery.check_range(p_from, p_to, p_currency, 1, 'UTC');
  if nullif(btrim(coalesce(p_experiment, '')), '') is null then
    raise exception 'Experiment name is required' using errcode = '22023';
  end if;
  if p_conversion_days is null or p_conversion_days < 1 or p_conversion_days > 90 then
    raise exception 'Conversion window must be 1 to 90 days, not %', p_conversion_days using errcode = '22023';
  end if;

  if v_lo >= v_hi then
    v_live_from := array[p_from]; v_live_to := array[p_to];
    v_lo := p_to; v_hi := p_to;
  else
    v_stale := cart_recovery.experiment_refresh(v_lo, v_hi, now() - interval '1 minute');
    v_live_from := array[p_from, v_hi] || v_stale;
    v_live_to := array[v_lo, p_to] || array(select h + interval '1 hour' from unnest(v_stale) h);
  end if;

  -- Each variant's carts and messages, and its bought carts: from the rollups for whole settled hours of assignment,
  -- live for the rest (as the report does). A cart converts when bought within the window after its assignment;
  -- its revenue counts in the report's currency; every other cart of the variant adds 0 to the mean and variance.
  for v_run in select * from cart_recovery.runs_of(v_live_from, v_live_to) loop
    v_vr := v_vr || array(select p from cart_recovery.experiment_part_variants(v_run.f, v_run.t, p_experiment) p);
    v_cv := v_cv || array(select p from cart_recovery.experiment_part_conversions(v_run.f, v_run.t, p_experiment) p);
  end loop;

  with vr as (
    select r.* from cart_recovery.experiment_variants r
    where r.experiment = p_experiment and r.assigned_hour >= v_lo and r.assigned_hour < v_hi and r.assigned_hour <> all (v_stale)
    union all
    select * from unnest(v_vr)
  ),
  cv as (
    select r.variant, case when r.currency = v_currency then coalesce(r.order_value, 0) else 0 end as revenue
    from (
      select r.* from cart_recovery.experiment_conversions r
      where r.experiment = p_experiment and r.assigned_hour >= v_lo and r.assigned_hour < v_hi and r.assigned_hour <> all (v_stale)
      union all
      select * from unnest(v_cv)) r
    where r.converted_at >= r.assigned_at and r.converted_at < r.assigned_at + make_interval(days => p_conversion_days)
  ),
  sums as (
    select v.variant, bool_or(v.holdout) as holdout, sum(v.carts)::numeric as n, sum(v.messages)::bigint as messages,
           coalesce((select count(*) from cv where cv.variant = v.variant), 0)::bigint as x,
           coalesce((select sum(cv.revenue) from cv where cv.variant = v.variant), 0)::numeric as revenue,
           coalesce((select sum(cv.revenue * cv.revenue) from cv where cv.variant = v.variant), 0)::numeric as revenue_sq
    from vr v group by v.variant
  ),
  s as (
    select variant, holdout, n::bigint as n, x, revenue, (revenue / n)::float8 as mean,
           case when n > 1 then ((n * revenue_sq - revenue * revenue) / (n * (n - 1)))::float8 else 0 end as var,
           messages
    from sums
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

-- The rollups of the carts already in the store, built once here.
select cart_recovery.report_build('-infinity', 'infinity');
delete from cart_recovery.report_stale;
select cart_recovery.experiment_build('-infinity', 'infinity');
delete from cart_recovery.experiment_stale;

-- Privileges, as in versions 6 to 10.
revoke execute on function public.cart_recovery_report(timestamptz, timestamptz, text, text, integer, integer, text) from public;
revoke execute on function public.cart_recovery_experiment_results(text, timestamptz, timestamptz, text, integer) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_report(timestamptz, timestamptz, text, text, integer, integer, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_experiment_results(text, timestamptz, timestamptz, text, integer) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_report(timestamptz, timestamptz, text, text, integer, integer, text) to service_role;
    grant execute on function public.cart_recovery_experiment_results(text, timestamptz, timestamptz, text, integer) to service_role;
    grant select, insert, update, delete on cart_recovery.report_stale, cart_recovery.report_messages, cart_recovery.report_carts,
      cart_recovery.report_conversions, cart_recovery.report_skips, cart_recovery.report_codes, cart_recovery.report_optouts,
      cart_recovery.experiment_stale, cart_recovery.experiment_variants, cart_recovery.experiment_conversions to service_role;
    grant execute on all functions in schema cart_recovery to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (11, 'report_rollups');

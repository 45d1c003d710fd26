-- Cart Recovery store, version 16: customer history, segments and discounts by rules (issue 17).
--   Per customer (the carts' customer_key: the shop's customer id, else the email, else the phone …) the store keeps
--   what the events it already records say about them: orders and revenue to date, carts abandoned and recovered, how
--   often and how fast they came back after a reminder, carts they were offered a code for and codes they used. Triggers on the tables those events
--   write keep it current in the same statement, so no event costs an extra round trip. Cart Check reads it with the
--   cart and names the customer's segment (one SQL function, thresholds from the node); the cart keeps the segment
--   its flow began with, for the report by segment. Discount Code records the rule behind each code and what the code
--   is worth, and enforces a per-customer budget atomically.
--   Erasure finds the rows by customer_key (every cart_recovery table is searched); retention drops a customer's
--   history once nothing about them happened within the retention period, as it drops their carts.

create table cart_recovery.customers (
  customer_key     text primary key,
  orders           integer not null default 0,
  revenue          jsonb not null default '{}'::jsonb,     -- order totals to date by currency, e.g. {"HUF": 48970}
  first_order_at   timestamptz,
  last_order_at    timestamptz,
  carts_abandoned  integer not null default 0,             -- carts that entered recovery
  carts_recovered  integer not null default 0,             -- of those, bought after a reminder
  comebacks        integer not null default 0,             -- carts the customer came back to after a reminder
  comeback_seconds bigint not null default 0,              -- summed: first reminder → back in the cart or bought
  carts_with_code  integer not null default 0,             -- carts a code was offered for (one per cart however many)
  codes_used       integer not null default 0,
  last_seen_at     timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
create index customers_last_seen on cart_recovery.customers (last_seen_at);

alter table cart_recovery.carts add column segment text;
alter table cart_recovery.discount_codes add column rule jsonb, add column worth numeric(14, 2), add column worth_currency char(3);
create index discount_codes_worth on cart_recovery.discount_codes (cart_id, created_at) where worth is not null;

-- Adds to one customer's history (creates it on first use). p_revenue: an order's total in p_currency.
create or replace function cart_recovery.add_to_history(
  p_key text, p_at timestamptz, p_orders integer default 0, p_revenue numeric default null, p_currency text default null,
  p_abandoned integer default 0, p_recovered integer default 0, p_comeback_seconds bigint default null,
  p_carts_with_code integer default 0, p_codes_used integer default 0
) returns void language sql as $$
  insert into cart_recovery.customers as h (customer_key, orders, revenue, first_order_at, last_order_at, carts_abandoned,
    carts_recovered, comebacks, comeback_seconds, carts_with_code, codes_used, last_seen_at)
  values (p_key, p_orders,
    case when p_revenue is not null and p_currency is not null then jsonb_build_object(p_currency, p_revenue) else '{}'::jsonb end,
    case when p_orders > 0 then p_at end, case when p_orders > 0 then p_at end, p_abandoned, p_recovered,
    case when p_comeback_seconds is not null then 1 else 0 end, coalesce(p_comeback_seconds, 0), p_carts_with_code, p_codes_used,
    coalesce(p_at, now()))
  on conflict (customer_key) do update set
    orders = h.orders + p_orders,
    revenue = case when p_revenue is not null and p_currency is not null
                   then h.revenue || jsonb_build_object(p_currency, coalesce((h.revenue ->> p_currency)::numeric, 0) + p_revenue)
                   else h.revenue end,
    first_order_at = case when p_orders > 0 then least(h.first_order_at, p_at) else h.first_order_at end,
    last_order_at = case when p_orders > 0 then greatest(h.last_order_at, p_at) else h.last_order_at end,
    carts_abandoned = h.carts_abandoned + p_abandoned,
    carts_recovered = h.carts_recovered + p_recovered,
    comebacks = h.comebacks + case when p_comeback_seconds is not null then 1 else 0 end,
    comeback_seconds = h.comeback_seconds + coalesce(p_comeback_seconds, 0),
    carts_with_code = h.carts_with_code + p_carts_with_code,
    codes_used = h.codes_used + p_codes_used,
    last_seen_at = greatest(h.last_seen_at, coalesce(p_at, now())),
    updated_at = now()
$$;

-- A cart's changes as history: entering recovery (abandoned), an order (and whether a reminder won it), and the first
-- time the customer came back after a reminder — back in the cart, or straight to the order — with how long after
-- the first reminder that was. Runs in the statement that changed the cart (record_cart_event's).
create or replace function cart_recovery.history_from_cart() returns trigger language plpgsql as $$
declare
  v_old_status text := case when tg_op = 'UPDATE' then old.status end;
  v_old_returned timestamptz := case when tg_op = 'UPDATE' then old.returned_at end;
  v_bought boolean := new.status in ('converted', 'recovered') and coalesce(v_old_status, '') not in ('converted', 'recovered');
  v_back_at timestamptz;
  v_first_reminder timestamptz;
begin
  if new.customer_key is null then
    return null;
  end if;
  -- Entering recovery sets recovery_started_at once; withdraw_enrolment (n8n could not start the flow) clears it again.
  if new.recovery_started_at is not null and (tg_op = 'INSERT' or old.recovery_started_at is null) then
    perform cart_recovery.add_to_history(new.customer_key, new.recovery_started_at, p_abandoned => 1);
  elsif tg_op = 'UPDATE' and old.recovery_started_at is not null and new.recovery_started_at is null then
    perform cart_recovery.add_to_history(new.customer_key, now(), p_abandoned => -1);
  end if;
  v_back_at := case
    when v_old_returned is null and new.returned_at is not null then new.returned_at
    when v_bought and new.status = 'recovered' and new.returned_at is null then new.converted_at
  end;
  if v_back_at is not null then
    select min(m.sent_at) into v_first_reminder from cart_recovery.messages m
    where m.cart_id = new.cart_id and m.sent_at is not null and m.sent_at <= v_back_at;
  end if;
  if v_bought or v_first_reminder is not null then
    perform cart_recovery.add_to_history(new.customer_key, coalesce(new.converted_at, v_back_at, now()),
      p_orders => case when v_bought then 1 else 0 end,
      p_revenue => case when v_bought then coalesce(new.order_value, new.value) end,
      p_currency => case when v_bought then new.currency end,
      p_recovered => case when v_bought and new.status = 'recovered' then 1 else 0 end,
      p_comeback_seconds => case when v_first_reminder is not null then greatest(extract(epoch from v_back_at - v_first_reminder), 0)::bigint end);
  end if;
  return null;
end
$$;
create trigger carts_history after insert or update of status, returned_at, recovery_started_at on cart_recovery.carts
  for each row execute function cart_recovery.history_from_cart();

-- The first code offered for each of a customer's carts (a cart's later stages and re-issues count once: one order per
-- cart can use one), and the codes they redeemed (a code made for no cart counts for whoever redeems it).
create or replace function cart_recovery.history_from_codes() returns trigger language plpgsql as $$
declare
  v_key text;
begin
  if tg_table_name = 'discount_codes' then
    select c.customer_key into v_key from cart_recovery.carts c where c.cart_id = new.cart_id;
    if v_key is not null and not exists (select 1 from cart_recovery.discount_codes d where d.cart_id = new.cart_id and d.code <> new.code) then
      perform cart_recovery.add_to_history(v_key, new.created_at, p_carts_with_code => 1);
    end if;
  else
    select coalesce(c.customer_key, new.customer_ref) into v_key
    from cart_recovery.discount_codes d left join cart_recovery.carts c on c.cart_id = d.cart_id where d.code = new.code;
    if v_key is not null then
      perform cart_recovery.add_to_history(v_key, new.redeemed_at, p_codes_used => 1);
    end if;
  end if;
  return null;
end
$$;
create trigger discount_codes_history after insert on cart_recovery.discount_codes
  for each row execute function cart_recovery.history_from_codes();
create trigger discount_redemptions_history after insert on cart_recovery.discount_redemptions
  for each row execute function cart_recovery.history_from_codes();

-- The history the store already holds when this migration runs.
insert into cart_recovery.customers (customer_key, orders, revenue, first_order_at, last_order_at, carts_abandoned,
  carts_recovered, comebacks, comeback_seconds, carts_with_code, codes_used, last_seen_at)
select c.customer_key,
  count(*) filter (where c.status in ('converted', 'recovered')),
  coalesce((select jsonb_object_agg(currency, total) from (
    select o.currency, sum(coalesce(o.order_value, o.value)) as total from cart_recovery.carts o
    where o.customer_key = c.customer_key and o.status in ('converted', 'recovered') group by o.currency) r), '{}'::jsonb),
  min(c.converted_at), max(c.converted_at),
  count(*) filter (where c.recovery_started_at is not null),
  count(*) filter (where c.status = 'recovered'),
  count(b.back_seconds), coalesce(sum(b.back_seconds), 0)::bigint,
  count(*) filter (where exists (select 1 from cart_recovery.discount_codes d where d.cart_id = c.cart_id)),
  coalesce(sum((select count(*) from cart_recovery.discount_redemptions r join cart_recovery.discount_codes d using (code)
                where d.cart_id = c.cart_id)), 0),
  max(greatest(c.last_activity_at, c.converted_at))
from cart_recovery.carts c
left join lateral (
  select extract(epoch from x.back_at - x.first_reminder)::bigint as back_seconds from (
    select coalesce(c.returned_at, case when c.status = 'recovered' then c.converted_at end) as back_at,
           (select min(m.sent_at) from cart_recovery.messages m where m.cart_id = c.cart_id and m.sent_at is not null) as first_reminder) x
  where x.first_reminder is not null and x.back_at >= x.first_reminder) b on true
where c.customer_key is not null
group by c.customer_key;

-- ---------------------------------------------------------------------------------------------------------
-- Segments
-- ---------------------------------------------------------------------------------------------------------

-- The thresholds, with the defaults the README explains: p_rules { loyal_orders, lapsed_days, seeker_codes,
-- seeker_share }; a missing or null key takes its default.
create or replace function cart_recovery.segment_rules(p_rules jsonb) returns jsonb language plpgsql immutable as $$
declare
  v jsonb := jsonb_build_object('loyal_orders', 3, 'lapsed_days', 90, 'seeker_codes', 2, 'seeker_share', 0.8)
             || jsonb_strip_nulls(coalesce(p_rules, '{}'::jsonb));
begin
  if jsonb_typeof(v -> 'loyal_orders') <> 'number' or (v ->> 'loyal_orders')::numeric < 2 then
    raise exception 'segment rule loyal_orders must be a number of orders from 2' using errcode = '22023';
  end if;
  if jsonb_typeof(v -> 'lapsed_days') <> 'number' or (v ->> 'lapsed_days')::numeric < 1 then
    raise exception 'segment rule lapsed_days must be a number of days from 1' using errcode = '22023';
  end if;
  if jsonb_typeof(v -> 'seeker_codes') <> 'number' or (v ->> 'seeker_codes')::numeric < 1 then
    raise exception 'segment rule seeker_codes must be a number of codes from 1' using errcode = '22023';
  end if;
  if jsonb_typeof(v -> 'seeker_share') <> 'number' or (v ->> 'seeker_share')::numeric not between 0 and 1 then
    raise exception 'segment rule seeker_share must be a share between 0 and 1' using errcode = '22023';
  end if;
  return v;
end
$$;

-- The customer's segment, first match wins:
--   discount-seeker  redeemed at least seeker_codes codes, for at least seeker_share of the carts they were offered one for;
--   new              never ordered (also: no history at all);
--   lapsed           ordered before, but not in the last lapsed_days days;
--   loyal            at least loyal_orders orders;
--   returning        ordered before.
create or replace function cart_recovery.customer_segment(h cart_recovery.customers, p_rules jsonb)
returns text language sql stable as $$
  select case
    when h.customer_key is null then 'new'
    when h.codes_used >= (r ->> 'seeker_codes')::numeric and h.codes_used >= (r ->> 'seeker_share')::numeric * h.carts_with_code
      then 'discount-seeker'
    when h.orders = 0 then 'new'
    when h.last_order_at < now() - (r ->> 'lapsed_days')::numeric * interval '1 day' then 'lapsed'
    when h.orders >= (r ->> 'loyal_orders')::numeric then 'loyal'
    else 'returning'
  end
  from (select cart_recovery.segment_rules(p_rules) as r) rules
$$;

-- The history as Cart Check outputs it: { segment, orders, revenue, first_order_at, last_order_at, carts_abandoned,
-- carts_recovered, comebacks, comeback_rate, average_comeback_minutes, carts_with_code, codes_used }.
create or replace function cart_recovery.customer_json(h cart_recovery.customers, p_rules jsonb)
returns jsonb language sql stable as $$
  select jsonb_build_object(
    'segment', cart_recovery.customer_segment(h, p_rules),
    'orders', coalesce(h.orders, 0),
    'revenue', coalesce(h.revenue, '{}'::jsonb),
    'first_order_at', h.first_order_at,
    'last_order_at', h.last_order_at,
    'carts_abandoned', coalesce(h.carts_abandoned, 0),
    'carts_recovered', coalesce(h.carts_recovered, 0),
    'comebacks', coalesce(h.comebacks, 0),
    'comeback_rate', case when coalesce(h.carts_abandoned, 0) > 0 then round(h.comebacks::numeric / h.carts_abandoned, 3) end,
    'average_comeback_minutes', case when h.comebacks > 0 then round(h.comeback_seconds / 60.0 / h.comebacks) end,
    'carts_with_code', coalesce(h.carts_with_code, 0),
    'codes_used', coalesce(h.codes_used, 0))
$$;

-- check_cart as in version 15, plus the customer: the cart's JSON gains { customer: customer_json }, and the cart
-- keeps the segment its flow first saw (the report's split). p_segment_rules: see segment_rules.
drop function public.cart_recovery_check_cart(text, text);
create or replace function public.cart_recovery_check_cart(p_cart_id text, p_execution_id text default null, p_segment_rules jsonb default null)
returns jsonb language plpgsql as $$
declare
  v_cart     cart_recovery.carts;
  v_history  cart_recovery.customers;
  v_customer jsonb;
begin
  select * into v_cart from cart_recovery.carts where cart_id = p_cart_id;
  if not found then
    return null;
  end if;
  if nullif(trim(p_execution_id), '') is not null then
    insert into cart_recovery.flows as f (cart_id, execution_id) values (p_cart_id, trim(p_execution_id))
    on conflict (cart_id) do update set execution_id = excluded.execution_id, checked_at = now()
      where f.execution_id is distinct from excluded.execution_id or f.checked_at < now() - interval '1 minute';
  end if;
  select * into v_history from cart_recovery.customers where customer_key = v_cart.customer_key;
  v_customer := cart_recovery.customer_json(v_history, p_segment_rules);
  if v_cart.segment is null and v_cart.status = 'recovering' then
    update cart_recovery.carts set segment = v_customer ->> 'segment' where cart_id = p_cart_id returning * into v_cart;
  end if;
  return cart_recovery.cart_json(v_cart) || jsonb_build_object('customer', v_customer);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Discount codes by rules
-- ---------------------------------------------------------------------------------------------------------

-- issue_discount_code as in version 2, plus: p_rule (how the amount was chosen, kept with the code), p_worth and
-- p_worth_currency (what the code takes off this cart), and a budget: with p_budget, the worth of the codes issued
-- for the customer's carts in the last p_budget_days (in p_worth_currency) plus this one may not exceed it —
-- checked under the customer's lock, so two carts cannot both take the last of it. Over budget: { created: false,
-- over_budget: true, budget_left, code: null }. An earlier code for the cart + stage is returned whatever the budget.
drop function public.cart_recovery_issue_discount_code(text, text, numeric, timestamptz, text, integer, text, text, numeric, integer, text);
create or replace function public.cart_recovery_issue_discount_code(
  p_code text, p_kind text, p_amount numeric, p_valid_until timestamptz, p_cart_id text default null,
  p_stage integer default null, p_customer_ref text default null, p_currency text default null,
  p_minimum_order numeric default null, p_usage_limit integer default 1, p_customer_email text default null,
  p_rule jsonb default null, p_worth numeric default null, p_worth_currency text default null,
  p_budget numeric default null, p_budget_days integer default 30
) returns jsonb language plpgsql as $$
declare
  v_code  text := upper(btrim(coalesce(p_code, '')));
  v_row   cart_recovery.discount_codes;
  v_key   text;
  v_spent numeric;
begin
  if v_code !~ '^[A-Z0-9][A-Z0-9_-]{7,}$' then
    raise exception 'discount code "%" must be at least 8 letters, digits, - or _', p_code using errcode = '22023';
  end if;
  if p_kind not in ('percent', 'fixed') then
    raise exception 'discount type must be percent or fixed, not %', p_kind using errcode = '22023';
  end if;
  if p_amount is null or p_amount <= 0 or (p_kind = 'percent' and p_amount > 100) then
    raise exception 'discount amount % is out of range', p_amount using errcode = '22023';
  end if;
  if p_kind = 'fixed' and coalesce(p_currency, '') !~ '^[A-Za-z]{3}$' then
    raise exception 'a fixed-amount discount needs a 3-letter currency' using errcode = '22023';
  end if;
  if p_valid_until is null or p_valid_until <= now() then
    raise exception 'discount validity must end in the future' using errcode = '22023';
  end if;
  if (p_cart_id is null) <> (p_stage is null) then
    raise exception 'cart id and stage go together' using errcode = '22023';
  end if;
  if p_worth is not null and (p_worth < 0 or coalesce(p_worth_currency, '') !~ '^[A-Za-z]{3}$') then
    raise exception 'a code''s worth needs an amount from 0 and a 3-letter currency' using errcode = '22023';
  end if;
  if p_budget is not null and (p_budget < 0 or p_worth is null or p_cart_id is null or coalesce(p_budget_days, 0) < 1) then
    raise exception 'a budget needs a cart, the code''s worth and a period of at least 1 day' using errcode = '22023';
  end if;

  if p_cart_id is not null then
    select * into v_row from cart_recovery.discount_codes
    where cart_id = p_cart_id and stage = p_stage and status <> 'rejected';
    if found then
      return jsonb_build_object('created', false, 'collision', false, 'code', cart_recovery.discount_json(v_row));
    end if;
  end if;

  if p_budget is not null then
    select customer_key into v_key from cart_recovery.carts where cart_id = p_cart_id;
    if v_key is not null then
      perform pg_advisory_xact_lock(hashtext('cart_recovery.customer:' || v_key));
      select coalesce(sum(d.worth), 0) into v_spent from cart_recovery.discount_codes d
      join cart_recovery.carts c on c.cart_id = d.cart_id
      where c.customer_key = v_key and d.worth_currency = upper(p_worth_currency)
        and d.created_at > now() - make_interval(days => p_budget_days)
        and (d.status = 'active' or d.used_count > 0);
      if v_spent + p_worth > p_budget then
        return jsonb_build_object('created', false, 'collision', false, 'over_budget', true,
                                  'budget_left', greatest(p_budget - v_spent, 0), 'code', null);
      end if;
    end if;
  end if;

  insert into cart_recovery.discount_codes (code, cart_id, stage, customer_ref, customer_email, kind, amount, currency,
                                            minimum_order, usage_limit, valid_until, rule, worth, worth_currency)
  values (v_code, p_cart_id, p_stage, nullif(btrim(coalesce(p_customer_ref, '')), ''),
          case when nullif(btrim(coalesce(p_customer_ref, '')), '') is not null then lower(nullif(btrim(coalesce(p_customer_email, '')), '')) end,
          p_kind, p_amount,
          upper(nullif(p_currency, '')), p_minimum_order, coalesce(p_usage_limit, 1), p_valid_until,
          p_rule, p_worth, upper(nullif(p_worth_currency, '')))
  on conflict do nothing
  returning * into v_row;
  if found then
    return jsonb_build_object('created', true, 'collision', false, 'code', cart_recovery.discount_json(v_row));
  end if;
  if p_cart_id is not null then
    select * into v_row from cart_recovery.discount_codes
    where cart_id = p_cart_id and stage = p_stage and status <> 'rejected';
    if found then
      return jsonb_build_object('created', false, 'collision', false, 'code', cart_recovery.discount_json(v_row));
    end if;
  end if;
  return jsonb_build_object('created', false, 'collision', true, 'code', null);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Retention: purge as in version 7, plus the history of customers nothing happened to within the period.
-- ---------------------------------------------------------------------------------------------------------
create or replace function public.cart_recovery_purge(p_retention_days integer default 60)
returns jsonb language plpgsql as $$
declare
  v_cutoff   timestamptz;
  v_carts    bigint;
  v_messages bigint;
  v_codes    bigint;
  v_inbound  bigint;
  v_written_to_us bigint;
  v_channel_events bigint;
  v_customers bigint;
begin
  if p_retention_days is null or p_retention_days < 1 then
    raise exception 'retention must be at least 1 day' using errcode = '22023';
  end if;
  v_cutoff := now() - make_interval(days => p_retention_days);
  select count(*) into v_messages from cart_recovery.messages m join cart_recovery.carts c using (cart_id)
  where greatest(c.last_activity_at, c.converted_at, c.updated_at) < v_cutoff;
  select count(*) into v_channel_events from cart_recovery.channel_events e
  where e.received_at < v_cutoff or e.cart_id in (
    select c.cart_id from cart_recovery.carts c where greatest(c.last_activity_at, c.converted_at, c.updated_at) < v_cutoff);
  delete from cart_recovery.carts c where greatest(c.last_activity_at, c.converted_at, c.updated_at) < v_cutoff;
  get diagnostics v_carts = row_count;
  delete from cart_recovery.discount_codes d where d.valid_until < v_cutoff;
  get diagnostics v_codes = row_count;
  delete from cart_recovery.inbound_events e where e.received_at < v_cutoff;
  get diagnostics v_inbound = row_count;
  delete from cart_recovery.inbound_messages m where m.received_at < greatest(v_cutoff, now() - interval '7 days');
  get diagnostics v_written_to_us = row_count;
  delete from cart_recovery.channel_events e where e.received_at < v_cutoff;
  delete from cart_recovery.customers h where h.last_seen_at < v_cutoff
    and not exists (select 1 from cart_recovery.carts c where c.customer_key = h.customer_key);
  get diagnostics v_customers = row_count;
  return jsonb_build_object('carts', v_carts, 'messages', v_messages, 'discount_codes', v_codes,
                            'inbound_events', v_inbound, 'inbound_messages', v_written_to_us,
                            'channel_events', v_channel_events, 'customers', v_customers, 'cutoff', v_cutoff);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- The report by segment
-- ---------------------------------------------------------------------------------------------------------

-- What a redeemed code took off its order: a percentage of the order's total, or the fixed amount. The one place
-- the report's discount cost is worked out (report_part_codes below, and the segments).
create or replace function cart_recovery.discount_cost(p_kind text, p_amount numeric, p_order_total numeric)
returns numeric language sql immutable as $$
  select case when p_kind = 'percent' then coalesce(p_order_total, 0) * p_amount / 100 else p_amount end
$$;

-- As in version 11, with the cost from discount_cost.
create or replace function cart_recovery.report_part_codes(p_from timestamptz, p_to timestamptz, p_campaign text)
returns setof cart_recovery.report_codes language sql stable as $$
  select cart_recovery.hour_of(c.recovery_started_at), c.currency::text, d.kind, d.code_currency,
         sum(d.issued)::bigint, sum(d.redeemed)::bigint, sum(d.cost)
  from cart_recovery.carts c
  cross join lateral (
    select d.kind, upper(d.currency) as code_currency, count(*) as issued, count(r.redemption_id) as redeemed,
           coalesce(sum(cart_recovery.discount_cost(d.kind, d.amount, r.order_total)) filter (where r.redemption_id is not null), 0) as cost
    from cart_recovery.discount_codes d left join cart_recovery.discount_redemptions r on r.code = d.code
    where d.cart_id = c.cart_id group by 1, 2) d
  where c.recovery_started_at >= p_from and c.recovery_started_at < p_to
    and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
  group by 1, 2, 3, 4
$$;

-- Per segment (the one each cart's flow began with; 'unknown' for carts checked before version 16), the carts in the
-- report's currency that entered recovery in the range: recovered carts and revenue (bought after a reminder, as the
-- store attributed it at the order), discount cost of the codes redeemed, revenue net of it, and — where a Split Test
-- held some carts out — the conversion of the carts that got reminders against the held-out ones within p_window
-- of entering recovery, and the difference (lift) with its 95 % interval.
create or replace function cart_recovery.report_segments(
  p_from timestamptz, p_to timestamptz, p_campaign text, p_currency text, p_window interval
) returns jsonb language sql stable as $$
  with c as (
    select coalesce(c.segment, 'unknown') as segment, c.status, c.recovered_value,
           c.status in ('converted', 'recovered') and c.converted_at < c.recovery_started_at + p_window as bought,
           coalesce((select bool_or(v.holdout) from cart_recovery.cart_variants v where v.cart_id = c.cart_id), false) as held_out,
           (select coalesce(sum(cart_recovery.discount_cost(d.kind, d.amount, r.order_total)), 0)
            from cart_recovery.discount_codes d join cart_recovery.discount_redemptions r on r.code = d.code
            where d.cart_id = c.cart_id and (d.kind = 'percent' or upper(d.currency) = p_currency)) as cost,
           (select count(*) from cart_recovery.discount_codes d join cart_recovery.discount_redemptions r on r.code = d.code
            where d.cart_id = c.cart_id) as redeemed
    from cart_recovery.carts c
    where c.recovery_started_at >= p_from and c.recovery_started_at < p_to and c.currency = p_currency
      and (p_campaign is null or exists (select 1 from cart_recovery.messages m where m.cart_id = c.cart_id and m.campaign = p_campaign))
  ),
  s as (
    select segment,
           count(*) filter (where not held_out) as n, count(*) filter (where held_out) as hn,
           count(*) filter (where not held_out and bought) as x, count(*) filter (where held_out and bought) as hx,
           count(*) filter (where status = 'recovered') as recovered,
           coalesce(sum(recovered_value) filter (where status = 'recovered'), 0) as revenue,
           sum(redeemed) as redeemed, sum(cost) as cost
    from c group by segment
  )
  select coalesce(jsonb_agg(jsonb_build_object(
      'segment', segment, 'carts', n, 'held_out_carts', hn, 'recovered', recovered, 'recovered_revenue', revenue,
      'codes_redeemed', redeemed, 'discount_cost', round(cost, 2), 'net_revenue', round(revenue - cost, 2),
      'conversion', cart_recovery.proportion(x, n),
      'held_out_conversion', case when hn > 0 then cart_recovery.proportion(hx, hn) end,
      'lift', case when n > 0 and hn > 0 then (
        select jsonb_build_object('conversion_diff', round(diff::numeric, 6),
                                  'low', round((diff - 1.959964 * se)::numeric, 6), 'high', round((diff + 1.959964 * se)::numeric, 6),
                                  'significant', se > 0 and (diff - 1.959964 * se > 0 or diff + 1.959964 * se < 0))
        from (select (x::float8 / n - hx::float8 / hn) as diff,
                     sqrt((x::float8 / n) * (1 - x::float8 / n) / n + (hx::float8 / hn) * (1 - hx::float8 / hn) / hn) as se) l) end)
    order by array_position(array['new', 'returning', 'loyal', 'lapsed', 'discount-seeker', 'unknown'], segment)), '[]'::jsonb)
  from s
$$;

-- The report as in version 11, with its figures by segment.
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
      'segments', cart_recovery.report_segments(p_from, p_to, p_campaign, upper(p_currency), make_interval(days => p_attribution_days)),
      'range', jsonb_build_object('from', p_from, 'to', p_to, 'campaign', p_campaign, 'currency', upper(p_currency),
                                  'attribution_days', p_attribution_days, 'inactivity_minutes', p_inactivity_minutes,
                                  'timezone', p_timezone),
      'generated_at', now());
end
$$;

-- Privileges, as in versions 6 to 15.
revoke execute on function public.cart_recovery_check_cart(text, text, jsonb) from public;
revoke execute on function public.cart_recovery_issue_discount_code(text, text, numeric, timestamptz, text, integer, text, text, numeric, integer, text, jsonb, numeric, text, numeric, integer) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_check_cart(text, text, jsonb) from public, anon, authenticated;
    revoke all on function public.cart_recovery_issue_discount_code(text, text, numeric, timestamptz, text, integer, text, text, numeric, integer, text, jsonb, numeric, text, numeric, integer) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_check_cart(text, text, jsonb) to service_role;
    grant execute on function public.cart_recovery_issue_discount_code(text, text, numeric, timestamptz, text, integer, text, text, numeric, integer, text, jsonb, numeric, text, numeric, integer) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (16, 'customer_history');

-- Cart Recovery store, version 1: carts, inbound event dedup, messages (one per cart + stage + channel).
-- Tables live in their own schema (not exposed through Supabase's REST API); the functions that n8n calls
-- live in public with a cart_recovery_ prefix so supabase-js `rpc` reaches them without extra API settings.
-- Every function is one atomic, idempotent store operation; see lib/store/CartRecoveryStore.ts for the TypeScript side.

create schema if not exists cart_recovery;

create table if not exists cart_recovery.schema_migrations (
  version    integer primary key,
  name       text not null,
  applied_at timestamptz not null default now()
);

create table cart_recovery.carts (
  cart_id              text primary key,
  source               text not null,
  customer_id          text,
  customer_key         text,            -- customer_id, else lower(email), else phone: the unit of the re-entry cooldown
  email                text,
  phone                text,
  first_name           text,
  last_name            text,
  locale               text,
  currency             char(3) not null,
  value                numeric(14, 2) not null default 0,
  items                jsonb not null default '[]'::jsonb,
  restore_url          text,
  status               text not null default 'active'
                       check (status in ('active', 'recovering', 'converted', 'recovered', 'closed')),
  created_at           timestamptz not null default now(),
  last_activity_at     timestamptz not null,
  recovery_started_at  timestamptz,
  returned_at          timestamptz,
  converted_at         timestamptz,
  order_id             text,
  order_value          numeric(14, 2),
  recovered_value      numeric(14, 2),
  updated_at           timestamptz not null default now()
);
create index carts_customer_key_recovery on cart_recovery.carts (customer_key, recovery_started_at desc);
create index carts_status_activity on cart_recovery.carts (status, last_activity_at);

-- Inbound deliveries already processed (webshop webhooks now, channel events later): the dedup register.
create table cart_recovery.inbound_events (
  source      text not null,
  event_id    text not null,
  received_at timestamptz not null default now(),
  primary key (source, event_id)
);
create index inbound_events_received on cart_recovery.inbound_events (received_at);

create table cart_recovery.messages (
  message_id   uuid primary key default gen_random_uuid(),
  cart_id      text not null references cart_recovery.carts (cart_id) on delete cascade,
  stage        integer not null check (stage >= 1),
  channel      text not null check (channel in ('email', 'sms', 'messenger', 'whatsapp')),
  status       text not null default 'queued'
               check (status in ('queued', 'released', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'bounced')),
  claim_token  uuid not null default gen_random_uuid(),
  attempts     integer not null default 1,
  campaign     text,
  variant      text,
  provider_id  text,
  error        text,
  claimed_at   timestamptz not null default now(),
  sent_at      timestamptz,
  delivered_at timestamptz,
  opened_at    timestamptz,
  clicked_at   timestamptz,
  failed_at    timestamptz,
  updated_at   timestamptz not null default now(),
  -- The exactly-once rule: one row, hence at most one send, per cart + stage + channel.
  unique (cart_id, stage, channel)
);
create index messages_provider_id on cart_recovery.messages (provider_id) where provider_id is not null;

create or replace function public.cart_recovery_schema_version()
returns jsonb language sql stable as $$
  select jsonb_build_object(
    'version', coalesce(max(version), 0),
    'migrations', coalesce(jsonb_agg(jsonb_build_object('version', version, 'name', name) order by version), '[]'::jsonb))
  from cart_recovery.schema_migrations
$$;

create or replace function cart_recovery.cart_json(c cart_recovery.carts)
returns jsonb language sql stable as $$
  select to_jsonb(c) - 'customer_key' || jsonb_build_object(
    'messages', coalesce((
      select jsonb_agg(jsonb_build_object(
        'message_id', m.message_id, 'stage', m.stage, 'channel', m.channel, 'status', m.status,
        'provider_id', m.provider_id, 'sent_at', m.sent_at, 'error', m.error) order by m.stage, m.channel)
      from cart_recovery.messages m where m.cart_id = c.cart_id), '[]'::jsonb))
$$;

-- Records one normalised webshop event in one call.
--   p_event: { source, event_id, type: 'cart' | 'order', cart_id, occurred_at, customer_id, email, phone,
--              first_name, last_name, locale, currency, value, items, restore_url, order_id, order_value }
-- Returns { duplicate, enrolled, outcome, cart_status }.
--   outcome: 'duplicate' | 'enrolled' | 'updated' | 'cooldown' | 'ignored' | 'converted' | 'recovered'
-- A cart enters recovery (enrolled = true) at most once, on its first activity, unless the same customer
-- entered recovery within p_cooldown_seconds. An order marks the cart recovered (with the order value) when
-- a follow-up was sent within p_attribution_seconds before it, otherwise converted.
create or replace function public.cart_recovery_record_cart_event(
  p_event jsonb,
  p_cooldown_seconds integer default 86400,
  p_attribution_seconds integer default 432000
) returns jsonb language plpgsql as $$
declare
  v_source   text := p_event ->> 'source';
  v_event_id text := p_event ->> 'event_id';
  v_type     text := coalesce(p_event ->> 'type', 'cart');
  v_cart_id  text := p_event ->> 'cart_id';
  v_at       timestamptz := coalesce((p_event ->> 'occurred_at')::timestamptz, now());
  v_key      text := coalesce(nullif(p_event ->> 'customer_id', ''), lower(nullif(p_event ->> 'email', '')),
                              nullif(p_event ->> 'phone', ''));
  v_cart     cart_recovery.carts;
  v_inserted boolean := false;
  v_outcome  text;
  v_attributed boolean;
begin
  if v_source is null or v_event_id is null or v_cart_id is null then
    raise exception 'cart event needs source, event_id and cart_id' using errcode = '22023';
  end if;
  if v_type not in ('cart', 'order') then
    raise exception 'unknown cart event type %', v_type using errcode = '22023';
  end if;

  insert into cart_recovery.inbound_events (source, event_id) values (v_source, v_event_id)
  on conflict do nothing;
  if not found then
    select * into v_cart from cart_recovery.carts where cart_id = v_cart_id;
    return jsonb_build_object('duplicate', true, 'enrolled', false, 'outcome', 'duplicate',
                              'cart_status', v_cart.status);
  end if;

  -- Serialise per customer so the cooldown holds across carts, then per cart.
  if v_key is not null then
    perform pg_advisory_xact_lock(hashtext('cart_recovery.customer:' || v_key));
  end if;

  insert into cart_recovery.carts as c (
    cart_id, source, customer_id, customer_key, email, phone, first_name, last_name, locale, currency,
    value, items, restore_url, last_activity_at, status)
  values (
    v_cart_id, v_source, nullif(p_event ->> 'customer_id', ''), v_key, nullif(p_event ->> 'email', ''),
    nullif(p_event ->> 'phone', ''), nullif(p_event ->> 'first_name', ''), nullif(p_event ->> 'last_name', ''),
    nullif(p_event ->> 'locale', ''), upper(coalesce(p_event ->> 'currency', 'HUF')),
    coalesce((p_event ->> 'value')::numeric, 0), coalesce(p_event -> 'items', '[]'::jsonb),
    nullif(p_event ->> 'restore_url', ''), v_at, 'active')
  on conflict (cart_id) do nothing
  returning * into v_cart;
  v_inserted := found;

  if not v_inserted then
    select * into v_cart from cart_recovery.carts where cart_id = v_cart_id for update;
    -- Contacts only ever get filled in; the cart snapshot only moves forward in time.
    update cart_recovery.carts c set
      customer_id = coalesce(nullif(p_event ->> 'customer_id', ''), c.customer_id),
      customer_key = coalesce(c.customer_key, v_key),
      email = coalesce(nullif(p_event ->> 'email', ''), c.email),
      phone = coalesce(nullif(p_event ->> 'phone', ''), c.phone),
      first_name = coalesce(nullif(p_event ->> 'first_name', ''), c.first_name),
      last_name = coalesce(nullif(p_event ->> 'last_name', ''), c.last_name),
      locale = coalesce(nullif(p_event ->> 'locale', ''), c.locale),
      restore_url = coalesce(nullif(p_event ->> 'restore_url', ''), c.restore_url),
      currency = case when v_type = 'cart' and v_at >= c.last_activity_at and p_event ? 'currency'
                      then upper(p_event ->> 'currency') else c.currency end,
      value = case when v_type = 'cart' and v_at >= c.last_activity_at and p_event ? 'value'
                   then (p_event ->> 'value')::numeric else c.value end,
      items = case when v_type = 'cart' and v_at >= c.last_activity_at and p_event ? 'items'
                   then p_event -> 'items' else c.items end,
      returned_at = case when v_type = 'cart' and c.status = 'recovering' and v_at > c.last_activity_at
                         then v_at else c.returned_at end,
      last_activity_at = greatest(c.last_activity_at, v_at),
      updated_at = now()
    where c.cart_id = v_cart_id
    returning * into v_cart;
  end if;

  if v_type = 'order' then
    if v_cart.status in ('converted', 'recovered') then
      return jsonb_build_object('duplicate', false, 'enrolled', false, 'outcome', 'ignored', 'cart_status', v_cart.status);
    end if;
    select exists (
      select 1 from cart_recovery.messages m
      where m.cart_id = v_cart_id and m.sent_at is not null
        and m.sent_at <= v_at and m.sent_at >= v_at - make_interval(secs => p_attribution_seconds)
    ) into v_attributed;
    update cart_recovery.carts c set
      status = case when v_attributed then 'recovered' else 'converted' end,
      converted_at = v_at,
      order_id = coalesce(nullif(p_event ->> 'order_id', ''), c.order_id),
      order_value = coalesce((p_event ->> 'order_value')::numeric, (p_event ->> 'value')::numeric, c.value),
      recovered_value = case when v_attributed
                             then coalesce((p_event ->> 'order_value')::numeric, (p_event ->> 'value')::numeric, c.value)
                        end,
      updated_at = now()
    where c.cart_id = v_cart_id
    returning * into v_cart;
    return jsonb_build_object('duplicate', false, 'enrolled', false, 'outcome', v_cart.status,
                              'cart_status', v_cart.status, 'recovered_value', v_cart.recovered_value);
  end if;

  if v_cart.status <> 'active' then
    v_outcome := 'updated';
  elsif jsonb_array_length(v_cart.items) = 0 then
    v_outcome := 'ignored';
  elsif v_key is not null and exists (
      select 1 from cart_recovery.carts o
      where o.customer_key = v_key and o.cart_id <> v_cart_id
        and o.recovery_started_at > now() - make_interval(secs => p_cooldown_seconds)) then
    v_outcome := 'cooldown';
  else
    update cart_recovery.carts set status = 'recovering', recovery_started_at = now(), updated_at = now()
    where cart_id = v_cart_id returning * into v_cart;
    v_outcome := 'enrolled';
  end if;

  return jsonb_build_object('duplicate', false, 'enrolled', v_outcome = 'enrolled', 'outcome', v_outcome,
                            'cart_status', v_cart.status);
end
$$;

-- The cart as stored (with its messages), or null when unknown.
create or replace function public.cart_recovery_get_cart(p_cart_id text)
returns jsonb language sql stable as $$
  select cart_recovery.cart_json(c) from cart_recovery.carts c where c.cart_id = p_cart_id
$$;

-- Claims the right to send message (cart, stage, channel). Exactly one caller ever gets claimed = true for a
-- key, unless the holder released it (the provider certainly did not accept it), in which case one caller
-- may claim it again. Returns { claimed, message_id, claim_token (only to the winner), status, attempts }.
create or replace function public.cart_recovery_claim_message(
  p_cart_id text, p_stage integer, p_channel text, p_campaign text default null, p_variant text default null
) returns jsonb language plpgsql as $$
declare
  v_msg cart_recovery.messages;
begin
  if not exists (select 1 from cart_recovery.carts where cart_id = p_cart_id) then
    raise exception 'unknown cart %', p_cart_id using errcode = 'P0002';
  end if;
  insert into cart_recovery.messages (cart_id, stage, channel, campaign, variant)
  values (p_cart_id, p_stage, p_channel, p_campaign, p_variant)
  on conflict (cart_id, stage, channel) do nothing
  returning * into v_msg;
  if not found then
    update cart_recovery.messages m set status = 'queued', claim_token = gen_random_uuid(),
      attempts = m.attempts + 1, claimed_at = now(), error = null, updated_at = now(),
      campaign = coalesce(p_campaign, m.campaign), variant = coalesce(p_variant, m.variant)
    where m.cart_id = p_cart_id and m.stage = p_stage and m.channel = p_channel and m.status = 'released'
    returning * into v_msg;
    if not found then
      select * into v_msg from cart_recovery.messages m
      where m.cart_id = p_cart_id and m.stage = p_stage and m.channel = p_channel;
      return jsonb_build_object('claimed', false, 'message_id', v_msg.message_id, 'status', v_msg.status,
                                'attempts', v_msg.attempts, 'provider_id', v_msg.provider_id);
    end if;
  end if;
  return jsonb_build_object('claimed', true, 'message_id', v_msg.message_id, 'claim_token', v_msg.claim_token,
                            'status', v_msg.status, 'attempts', v_msg.attempts);
end
$$;

-- Completes a claimed message: 'sent' (with provider id), 'failed' (permanent, with error) or 'released'
-- (the provider certainly did not accept it, so the key may be claimed again). Only the claim holder can
-- complete it; a second completion with the same token returns the stored row unchanged.
create or replace function public.cart_recovery_complete_message(
  p_message_id uuid, p_claim_token uuid, p_status text, p_provider_id text default null, p_error text default null
) returns jsonb language plpgsql as $$
declare
  v_msg cart_recovery.messages;
begin
  if p_status not in ('sent', 'failed', 'released') then
    raise exception 'complete_message status must be sent, failed or released, not %', p_status using errcode = '22023';
  end if;
  update cart_recovery.messages m set
    status = p_status,
    provider_id = coalesce(p_provider_id, m.provider_id),
    error = p_error,
    sent_at = case when p_status = 'sent' then now() else m.sent_at end,
    failed_at = case when p_status = 'failed' then now() else m.failed_at end,
    updated_at = now()
  where m.message_id = p_message_id and m.claim_token = p_claim_token and m.status = 'queued'
  returning * into v_msg;
  if not found then
    select * into v_msg from cart_recovery.messages m where m.message_id = p_message_id and m.claim_token = p_claim_token;
    if not found then
      raise exception 'message % is not held with this claim token', p_message_id using errcode = 'P0002';
    end if;
    return jsonb_build_object('completed', false, 'message_id', v_msg.message_id, 'status', v_msg.status,
                              'provider_id', v_msg.provider_id);
  end if;
  return jsonb_build_object('completed', true, 'message_id', v_msg.message_id, 'status', v_msg.status,
                            'provider_id', v_msg.provider_id, 'sent_at', v_msg.sent_at);
end
$$;

-- Supabase: the functions are for the service role (the key n8n uses), never for anon or logged-in users.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_record_cart_event(jsonb, integer, integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_get_cart(text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_claim_message(text, integer, text, text, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_complete_message(uuid, uuid, text, text, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_schema_version() from public, anon, authenticated;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (1, 'cart_recovery_init');

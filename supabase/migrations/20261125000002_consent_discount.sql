-- Cart Recovery store, version 2: consent register (Grt. §6 / GDPR), suppression hashes after erasure,
-- GDPR export / erasure / retention purge, and discount codes (issue, validate, redeem, deactivate, shop sync).
-- Functions follow version 1: public.cart_recovery_<op>(p_* named args) returns jsonb, one atomic call each.

-- ---------------------------------------------------------------------------------------------------------
-- Settings: per-store secrets generated here, so every n8n process (main, workers) signs and verifies alike
-- without configuration. gen_random_uuid() is core since Postgres 13 (and in PGlite); no pgcrypto needed.
-- Two v4 UUIDs carry 244 random bits; sha256 spreads them over 256.
-- ---------------------------------------------------------------------------------------------------------
create table cart_recovery.settings (
  key        text primary key,
  value      text not null,
  created_at timestamptz not null default now()
);

insert into cart_recovery.settings (key, value) values
  ('unsubscribe_secret', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex')),
  ('suppression_salt',   encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex'))
on conflict (key) do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- Consent: current state per (channel, address) plus the append-only event log that proves it.
--   email -> lower-cased address; sms / whatsapp -> E.164 phone; messenger -> page-scoped id (PSID).
-- ---------------------------------------------------------------------------------------------------------
create table cart_recovery.consents (
  consent_id      uuid primary key default gen_random_uuid(),
  channel         text not null check (channel in ('email', 'sms', 'messenger', 'whatsapp')),
  address         text not null,
  customer_id     text,
  status          text not null check (status in ('granted', 'withdrawn')),
  granted_at      timestamptz,
  withdrawn_at    timestamptz,
  source          text,             -- of the latest change: 'checkout_checkbox', 'one_click', 'keyword', ...
  wording         text,             -- the consent text shown when it was granted
  wording_version text,
  ip              text,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  unique (channel, address)
);
create index consents_customer on cart_recovery.consents (customer_id, channel) where customer_id is not null;

create table cart_recovery.consent_events (
  event_id        bigint generated always as identity primary key,
  consent_id      uuid not null references cart_recovery.consents (consent_id) on delete cascade,
  channel         text not null,
  address         text not null,
  customer_id     text,
  action          text not null check (action in ('granted', 'withdrawn')),
  source          text not null,
  wording         text,
  wording_version text,
  ip              text,
  detail          text,
  occurred_at     timestamptz not null,
  recorded_at     timestamptz not null default now()
);
create index consent_events_consent on cart_recovery.consent_events (consent_id, event_id);

-- The register is append-only: events are never changed. Rows are only deleted by erasure (Art. 17).
create or replace function cart_recovery.consent_events_append_only()
returns trigger language plpgsql as $$
begin
  raise exception 'cart_recovery.consent_events is append-only' using errcode = '55000';
end
$$;
create trigger consent_events_no_update before update on cart_recovery.consent_events
  for each row execute function cart_recovery.consent_events_append_only();

-- Salted hashes of erased customers' identifiers: nothing readable, enough to never contact them again.
create table cart_recovery.suppressions (
  hash       text primary key,
  kind       text not null check (kind in ('email', 'phone', 'psid', 'customer')),
  reason     text not null default 'erasure',
  created_at timestamptz not null default now()
);

-- ---------------------------------------------------------------------------------------------------------
-- Discount codes and their redemptions.
-- ---------------------------------------------------------------------------------------------------------
create table cart_recovery.discount_codes (
  code           text primary key,        -- upper case, prefix + random part
  cart_id        text,
  stage          integer,
  customer_ref   text,                    -- customer id, else lower-cased email; null: anyone may use it
  customer_email text,                    -- lower-cased; a bound code also works for this email (guest checkout)
  kind           text not null check (kind in ('percent', 'fixed')),
  amount         numeric(14, 2) not null check (amount > 0),
  currency       char(3),
  minimum_order  numeric(14, 2),
  usage_limit    integer not null default 1 check (usage_limit >= 1),
  used_count     integer not null default 0,
  status         text not null default 'active' check (status in ('active', 'deactivated', 'rejected')),
  status_reason  text,
  valid_from     timestamptz not null default now(),
  valid_until    timestamptz not null,
  shop_platform  text,
  shop_ref       text,
  synced_at      timestamptz,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  check (kind = 'fixed' or amount <= 100),
  check (kind = 'percent' or currency is not null)
);
-- One live code per cart + stage: a retry gets the same code. A code the shop rejected ('rejected') is
-- out of the way, so the next attempt issues a fresh one.
create unique index discount_codes_cart_stage on cart_recovery.discount_codes (cart_id, stage)
  where cart_id is not null and status <> 'rejected';
create index discount_codes_valid_until on cart_recovery.discount_codes (valid_until);

create table cart_recovery.discount_redemptions (
  redemption_id uuid primary key default gen_random_uuid(),
  code          text not null references cart_recovery.discount_codes (code) on delete cascade,
  order_id      text,
  customer_ref  text,
  order_total   numeric(14, 2),
  redeemed_at   timestamptz not null default now(),
  unique (code, order_id)
);

-- ---------------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------------

-- One address per channel, in the form the register keys on. Callers normalise phones to E.164 first
-- (libphonenumber in lib/consent); this is the safety net for raw input (spaces, 00 / 06 prefixes).
create or replace function cart_recovery.normalise_address(p_channel text, p_address text)
returns text language plpgsql immutable as $$
declare
  v text := nullif(btrim(coalesce(p_address, '')), '');
begin
  if v is null then return null; end if;
  if p_channel = 'email' then return lower(v); end if;
  if p_channel in ('sms', 'whatsapp', 'phone') then
    v := regexp_replace(v, '[\s().\-/]', '', 'g');
    if v like '00%' then v := '+' || substr(v, 3);
    elsif v like '06%' then v := '+36' || substr(v, 3);          -- Hungarian domestic prefix
    elsif v ~ '^[0-9]+$' then v := '+' || v;
    end if;
    return nullif(v, '');
  end if;
  return v;
end
$$;

create or replace function cart_recovery.setting(p_key text)
returns text language sql stable as $$
  select value from cart_recovery.settings where key = p_key
$$;

-- Salted sha256 of one identifier; kinds: email, phone, psid, customer.
create or replace function cart_recovery.suppression_hash(p_kind text, p_value text)
returns text language sql stable as $$
  select encode(sha256(convert_to(cart_recovery.setting('suppression_salt') || '|' || p_kind || '|' || p_value, 'UTF8')), 'hex')
$$;

create or replace function cart_recovery.is_suppressed(p_kind text, p_value text)
returns boolean language sql stable as $$
  select p_value is not null and exists (
    select 1 from cart_recovery.suppressions where hash = cart_recovery.suppression_hash(p_kind, p_value))
$$;

create or replace function cart_recovery.address_kind(p_channel text)
returns text language sql immutable as $$
  select case p_channel when 'email' then 'email' when 'sms' then 'phone' when 'whatsapp' then 'phone'
                        when 'messenger' then 'psid' end
$$;

-- The address a subject has on a channel: given explicitly, else the customer's latest consent row.
create or replace function cart_recovery.subject_address(p_subject jsonb, p_channel text)
returns text language plpgsql stable as $$
declare
  v_raw text := case p_channel
    when 'email' then p_subject ->> 'email'
    when 'sms' then p_subject ->> 'phone'
    when 'whatsapp' then coalesce(nullif(p_subject ->> 'whatsapp_phone', ''), p_subject ->> 'phone')
    when 'messenger' then p_subject ->> 'messenger_psid'
  end;
  v_addr text := cart_recovery.normalise_address(p_channel, v_raw);
begin
  if v_addr is null and nullif(p_subject ->> 'customer_id', '') is not null then
    select c.address into v_addr from cart_recovery.consents c
    where c.customer_id = p_subject ->> 'customer_id' and c.channel = p_channel
    order by c.updated_at desc limit 1;
  end if;
  return v_addr;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Consent operations
-- ---------------------------------------------------------------------------------------------------------

-- { unsubscribe_secret }: read once per process by lib/consent/unsubscribe.ts.
create or replace function public.cart_recovery_consent_secret()
returns jsonb language sql stable as $$
  select jsonb_build_object('unsubscribe_secret', cart_recovery.setting('unsubscribe_secret'))
$$;

-- p_subject: { customer_id, email, phone, messenger_psid, whatsapp_phone }; p_channels: ["email", "sms", ...]
-- Returns [{ channel, allowed, reason, address, granted_at, source }] in the order asked.
--   reason: granted | no_consent | withdrawn | suppressed (erased customer) | no_address
create or replace function public.cart_recovery_check_consent(p_subject jsonb, p_channels jsonb)
returns jsonb language plpgsql stable as $$
declare
  v_channel text;
  v_addr    text;
  v_consent cart_recovery.consents;
  v_reason  text;
  v_out     jsonb := '[]'::jsonb;
  v_customer_suppressed boolean := cart_recovery.is_suppressed('customer', nullif(p_subject ->> 'customer_id', ''));
begin
  if jsonb_typeof(p_channels) is distinct from 'array' then
    raise exception 'channels must be a JSON array' using errcode = '22023';
  end if;
  for v_channel in select jsonb_array_elements_text(p_channels) loop
    if v_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
      raise exception 'unknown channel "%" (email, sms, messenger, whatsapp)', v_channel using errcode = '22023';
    end if;
    v_addr := cart_recovery.subject_address(p_subject, v_channel);
    v_consent := null;
    if v_addr is null then
      v_reason := 'no_address';
    elsif v_customer_suppressed or cart_recovery.is_suppressed(cart_recovery.address_kind(v_channel), v_addr) then
      v_reason := 'suppressed';
    else
      select * into v_consent from cart_recovery.consents where channel = v_channel and address = v_addr;
      v_reason := case when v_consent.consent_id is null then 'no_consent'
                       when v_consent.status = 'granted' then 'granted' else 'withdrawn' end;
    end if;
    v_out := v_out || jsonb_build_array(jsonb_build_object(
      'channel', v_channel, 'allowed', v_reason = 'granted', 'reason', v_reason, 'address', v_addr,
      'granted_at', case when v_reason = 'granted' then v_consent.granted_at end,
      'source', case when v_reason = 'granted' then v_consent.source end));
  end loop;
  return v_out;
end
$$;

-- Records a prior, express consent for one channel and address, with its proof (source, wording or its
-- version, optional IP, time). Appends an event and sets the current state to granted. An erased
-- (suppressed) address is refused unless p_lift_suppression (a fresh, explicit opt-in by the customer).
-- Returns { recorded, changed, consent_id, status, reason }.
create or replace function public.cart_recovery_record_consent(
  p_channel text, p_address text, p_source text, p_customer_id text default null, p_wording text default null,
  p_wording_version text default null, p_ip text default null, p_occurred_at timestamptz default null,
  p_lift_suppression boolean default false
) returns jsonb language plpgsql as $$
declare
  v_addr    text := cart_recovery.normalise_address(p_channel, p_address);
  v_at      timestamptz := coalesce(p_occurred_at, now());
  v_consent cart_recovery.consents;
  v_before  text;
begin
  if p_channel is null or p_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
    raise exception 'unknown channel "%" (email, sms, messenger, whatsapp)', p_channel using errcode = '22023';
  end if;
  if v_addr is null then
    raise exception 'consent needs the % address', p_channel using errcode = '22023';
  end if;
  if nullif(btrim(coalesce(p_source, '')), '') is null then
    raise exception 'consent needs its source (e.g. checkout_checkbox)' using errcode = '22023';
  end if;
  if p_wording is null and p_wording_version is null then
    raise exception 'consent needs the wording shown or its version' using errcode = '22023';
  end if;
  if cart_recovery.is_suppressed(cart_recovery.address_kind(p_channel), v_addr)
     or cart_recovery.is_suppressed('customer', nullif(p_customer_id, '')) then
    if not p_lift_suppression then
      return jsonb_build_object('recorded', false, 'changed', false, 'consent_id', null, 'status', null,
                                'reason', 'suppressed');
    end if;
    delete from cart_recovery.suppressions
    where hash in (cart_recovery.suppression_hash(cart_recovery.address_kind(p_channel), v_addr),
                   cart_recovery.suppression_hash('customer', coalesce(nullif(p_customer_id, ''), '')));
  end if;

  insert into cart_recovery.consents (channel, address, customer_id, status, granted_at, source, wording,
                                      wording_version, ip)
  values (p_channel, v_addr, nullif(p_customer_id, ''), 'granted', v_at, p_source, p_wording, p_wording_version, p_ip)
  on conflict (channel, address) do nothing
  returning * into v_consent;
  if found then
    v_before := null;
  else
    select * into v_consent from cart_recovery.consents where channel = p_channel and address = v_addr for update;
    v_before := v_consent.status;
    update cart_recovery.consents c set
      status = 'granted', granted_at = v_at, withdrawn_at = null, source = p_source, wording = p_wording,
      wording_version = p_wording_version, ip = p_ip,
      customer_id = coalesce(nullif(p_customer_id, ''), c.customer_id), updated_at = now()
    where c.consent_id = v_consent.consent_id
    returning * into v_consent;
  end if;
  insert into cart_recovery.consent_events (consent_id, channel, address, customer_id, action, source, wording,
                                            wording_version, ip, occurred_at)
  values (v_consent.consent_id, p_channel, v_addr, v_consent.customer_id, 'granted', p_source, p_wording,
          p_wording_version, p_ip, v_at);
  return jsonb_build_object('recorded', true, 'changed', v_before is distinct from 'granted',
                            'consent_id', v_consent.consent_id, 'status', v_consent.status, 'reason', 'granted',
                            'granted_at', v_consent.granted_at);
end
$$;

-- Withdraws consent (GDPR Art. 7(3), Art. 21: as easy as giving it, absolute). Either one address on a channel,
-- or every address a customer id has on a channel (p_channel null: on every channel). Idempotent: an address
-- already withdrawn stays withdrawn and gets no second event. An address never registered gets a withdrawn
-- row all the same, so its objection is on record before any consent arrives.
-- Returns { withdrawn, changed, consents: [{ consent_id, channel, changed }] }.
create or replace function public.cart_recovery_withdraw_consent(
  p_source text, p_channel text default null, p_address text default null, p_customer_id text default null,
  p_detail text default null, p_occurred_at timestamptz default null
) returns jsonb language plpgsql as $$
declare
  v_at      timestamptz := coalesce(p_occurred_at, now());
  v_addr    text;
  v_consent cart_recovery.consents;
  v_out     jsonb := '[]'::jsonb;
  v_changed boolean;
  v_any     boolean := false;
begin
  if p_channel is not null and p_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
    raise exception 'unknown channel "%" (email, sms, messenger, whatsapp)', p_channel using errcode = '22023';
  end if;
  if nullif(btrim(coalesce(p_source, '')), '') is null then
    raise exception 'withdrawal needs its source (e.g. one_click, keyword)' using errcode = '22023';
  end if;

  if nullif(btrim(coalesce(p_address, '')), '') is not null then
    if p_channel is null then
      raise exception 'withdrawing an address needs its channel' using errcode = '22023';
    end if;
    v_addr := cart_recovery.normalise_address(p_channel, p_address);
    insert into cart_recovery.consents (channel, address, customer_id, status, withdrawn_at, source)
    values (p_channel, v_addr, nullif(p_customer_id, ''), 'withdrawn', v_at, p_source)
    on conflict (channel, address) do nothing;
  elsif nullif(p_customer_id, '') is null then
    raise exception 'withdrawal needs an address or a customer id' using errcode = '22023';
  end if;

  for v_consent in
    select * from cart_recovery.consents c
    where (v_addr is not null and c.channel = p_channel and c.address = v_addr)
       or (v_addr is null and c.customer_id = p_customer_id and (p_channel is null or c.channel = p_channel))
    order by c.channel, c.address
    for update
  loop
    v_changed := v_consent.status <> 'withdrawn' or not exists (
      select 1 from cart_recovery.consent_events e where e.consent_id = v_consent.consent_id);
    if v_changed then
      update cart_recovery.consents set status = 'withdrawn', withdrawn_at = v_at, source = p_source, updated_at = now()
      where consent_id = v_consent.consent_id;
      insert into cart_recovery.consent_events (consent_id, channel, address, customer_id, action, source, detail, occurred_at)
      values (v_consent.consent_id, v_consent.channel, v_consent.address, v_consent.customer_id, 'withdrawn', p_source,
              p_detail, v_at);
      v_any := true;
    end if;
    v_out := v_out || jsonb_build_array(jsonb_build_object('consent_id', v_consent.consent_id,
                                                           'channel', v_consent.channel, 'changed', v_changed));
  end loop;
  return jsonb_build_object('withdrawn', jsonb_array_length(v_out) > 0, 'changed', v_any, 'consents', v_out);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- GDPR: everything about one person, in every table of the schema (including tables added by later
-- migrations, found through information_schema).
-- ---------------------------------------------------------------------------------------------------------

-- The identifiers of a subject, widened once through carts and consents (a customer id finds its emails and
-- phones, an email finds its customer id): { emails, phones, psids, customer_ids, cart_ids, raw }.
create or replace function cart_recovery.subject_identifiers(p_subject jsonb)
returns jsonb language plpgsql stable as $$
declare
  v_emails text[] := array_remove(array[cart_recovery.normalise_address('email', p_subject ->> 'email')], null);
  v_phones text[] := array_remove(array[cart_recovery.normalise_address('sms', p_subject ->> 'phone'),
                                        cart_recovery.normalise_address('sms', p_subject ->> 'whatsapp_phone')], null);
  v_psids  text[] := array_remove(array[cart_recovery.normalise_address('messenger', p_subject ->> 'messenger_psid')], null);
  v_cids   text[] := array_remove(array[nullif(btrim(coalesce(p_subject ->> 'customer_id', '')), '')], null);
  v_raw    text[] := array_remove(array[nullif(btrim(coalesce(p_subject ->> 'phone', '')), ''),
                                        nullif(btrim(coalesce(p_subject ->> 'whatsapp_phone', '')), '')], null);
  v_carts  text[];
begin
  -- widen: customer ids of the carts and consents of these addresses
  v_cids := v_cids || coalesce((select array_agg(distinct c.customer_id) from cart_recovery.carts c
    where c.customer_id is not null and (lower(c.email) = any (v_emails)
       or cart_recovery.normalise_address('sms', c.phone) = any (v_phones))), '{}')
    || coalesce((select array_agg(distinct k.customer_id) from cart_recovery.consents k
    where k.customer_id is not null and (
      (k.channel = 'email' and k.address = any (v_emails)) or (k.channel in ('sms', 'whatsapp') and k.address = any (v_phones))
      or (k.channel = 'messenger' and k.address = any (v_psids)))), '{}');
  -- widen: addresses of those customer ids
  v_emails := v_emails || coalesce((select array_agg(distinct lower(c.email)) from cart_recovery.carts c
    where c.email is not null and c.customer_id = any (v_cids)), '{}')
    || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel = 'email' and k.customer_id = any (v_cids)), '{}');
  v_phones := v_phones || coalesce((select array_agg(distinct cart_recovery.normalise_address('sms', c.phone))
    from cart_recovery.carts c where c.phone is not null and c.customer_id = any (v_cids)), '{}')
    || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel in ('sms', 'whatsapp') and k.customer_id = any (v_cids)), '{}');
  v_raw := v_raw || coalesce((select array_agg(distinct c.phone) from cart_recovery.carts c
    where c.phone is not null and (c.customer_id = any (v_cids) or cart_recovery.normalise_address('sms', c.phone) = any (v_phones))), '{}');
  v_psids := v_psids || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel = 'messenger' and k.customer_id = any (v_cids)), '{}');
  select coalesce(array_agg(c.cart_id), '{}') into v_carts from cart_recovery.carts c
  where c.customer_id = any (v_cids) or lower(c.email) = any (v_emails)
     or cart_recovery.normalise_address('sms', c.phone) = any (v_phones);
  return jsonb_build_object(
    'emails', to_jsonb(array(select distinct x from unnest(v_emails) x where x is not null)),
    'phones', to_jsonb(array(select distinct x from unnest(v_phones) x where x is not null)),
    'psids', to_jsonb(array(select distinct x from unnest(v_psids) x where x is not null)),
    'customer_ids', to_jsonb(array(select distinct x from unnest(v_cids) x where x is not null)),
    'cart_ids', to_jsonb(v_carts),
    'raw', to_jsonb(array(select distinct x from unnest(v_raw) x where x is not null)));
end
$$;

-- The WHERE clause (over alias t) that selects a subject's rows in one table: rows of the subject's carts
-- (a cart_id column), rows whose customer-named column holds a customer id, and rows where any text or JSON
-- column contains an email, phone, PSID as a whole token. Parameters: $1 cart ids, $2 customer ids,
-- $3 token regex. Null when the table cannot hold the subject.
create or replace function cart_recovery.subject_predicate(p_table text, p_ids jsonb)
returns text language plpgsql stable as $$
declare
  v_parts  text[] := '{}';
  v_col    record;
  v_tokens text[];
begin
  select array_agg(distinct x) into v_tokens from (
    select jsonb_array_elements_text(p_ids -> 'emails') x
    union select jsonb_array_elements_text(p_ids -> 'phones')
    union select jsonb_array_elements_text(p_ids -> 'psids')
    union select jsonb_array_elements_text(p_ids -> 'raw')) s where length(x) >= 5;
  for v_col in
    select column_name, data_type, udt_name from information_schema.columns
    where table_schema = 'cart_recovery' and table_name = p_table order by ordinal_position
  loop
    if v_col.column_name = 'cart_id' and jsonb_array_length(p_ids -> 'cart_ids') > 0 then
      v_parts := v_parts || format('t.%I::text = any ($1)', v_col.column_name);
    end if;
    if v_col.data_type in ('text', 'character varying', 'character', 'json', 'jsonb') or v_col.udt_name = 'citext' then
      if v_col.column_name like '%customer%' and jsonb_array_length(p_ids -> 'customer_ids') > 0 then
        v_parts := v_parts || format('t.%I::text = any ($2)', v_col.column_name);
      end if;
      if coalesce(array_length(v_tokens, 1), 0) > 0 then
        v_parts := v_parts || format('t.%I::text ~* $3', v_col.column_name);
      end if;
    end if;
  end loop;
  if coalesce(array_length(v_parts, 1), 0) = 0 then return null; end if;
  return array_to_string(v_parts, ' or ');
end
$$;

create or replace function cart_recovery.subject_regex(p_ids jsonb)
returns text language sql immutable as $$
  select '(^|[^[:alnum:]._%+@-])(' || coalesce(string_agg(regexp_replace(x, '([^[:alnum:]])', '\\\1', 'g'), '|'), '(?!)')
         || ')($|[^[:alnum:]._%+@-])'
  from (select jsonb_array_elements_text(p_ids -> 'emails') x
        union select jsonb_array_elements_text(p_ids -> 'phones')
        union select jsonb_array_elements_text(p_ids -> 'psids')
        union select jsonb_array_elements_text(p_ids -> 'raw')) s
  where length(x) >= 5
$$;

-- Tables that hold no personal data by design: the migration log, per-store secrets, salted hashes.
create or replace function cart_recovery.erasure_tables()
returns setof text language sql stable as $$
  select table_name::text from information_schema.tables
  where table_schema = 'cart_recovery' and table_type = 'BASE TABLE'
    and table_name not in ('schema_migrations', 'settings', 'suppressions')
  order by table_name
$$;

-- GDPR Art. 15 / 20: { subject, identifiers, exported_at, tables: { <table>: [rows] } }.
create or replace function public.cart_recovery_export_customer(p_subject jsonb)
returns jsonb language plpgsql stable as $$
declare
  v_ids    jsonb := cart_recovery.subject_identifiers(p_subject);
  v_carts  text[] := array(select jsonb_array_elements_text(v_ids -> 'cart_ids'));
  v_cids   text[] := array(select jsonb_array_elements_text(v_ids -> 'customer_ids'));
  v_regex  text := cart_recovery.subject_regex(v_ids);
  v_table  text;
  v_pred   text;
  v_rows   jsonb;
  v_tables jsonb := '{}'::jsonb;
begin
  for v_table in select cart_recovery.erasure_tables() loop
    v_pred := cart_recovery.subject_predicate(v_table, v_ids);
    continue when v_pred is null;
    execute format('select coalesce(jsonb_agg(to_jsonb(t)), ''[]''::jsonb) from cart_recovery.%I t where %s', v_table, v_pred)
      into v_rows using v_carts, v_cids, v_regex;
    v_tables := v_tables || jsonb_build_object(v_table, v_rows);
  end loop;
  return jsonb_build_object('subject', p_subject, 'identifiers', v_ids - 'raw', 'exported_at', now(),
    'suppressed', exists (select 1 from cart_recovery.suppressions s where s.hash in (
      select cart_recovery.suppression_hash('email', jsonb_array_elements_text(v_ids -> 'emails'))
      union select cart_recovery.suppression_hash('phone', jsonb_array_elements_text(v_ids -> 'phones'))
      union select cart_recovery.suppression_hash('customer', jsonb_array_elements_text(v_ids -> 'customer_ids')))),
    'tables', v_tables);
end
$$;

-- GDPR Art. 17: deletes every row about the subject in every table of the schema, then keeps one salted hash
-- per identifier so no later import, cart or consent contacts them again (check_consent says 'suppressed').
-- Returns { erased, deleted: { <table>: n }, suppressed: n }.
create or replace function public.cart_recovery_erase_customer(p_subject jsonb, p_reason text default 'erasure')
returns jsonb language plpgsql as $$
declare
  v_ids     jsonb := cart_recovery.subject_identifiers(p_subject);
  v_carts   text[] := array(select jsonb_array_elements_text(v_ids -> 'cart_ids'));
  v_cids    text[] := array(select jsonb_array_elements_text(v_ids -> 'customer_ids'));
  v_regex   text := cart_recovery.subject_regex(v_ids);
  v_table   text;
  v_pred    text;
  v_n       bigint;
  v_deleted jsonb := '{}'::jsonb;
  v_pending text[];
  v_retry   text[];
  v_pass    integer := 0;
  v_hashes  integer;
begin
  if coalesce(jsonb_array_length(v_ids -> 'emails'), 0) + coalesce(jsonb_array_length(v_ids -> 'phones'), 0)
     + coalesce(jsonb_array_length(v_ids -> 'psids'), 0) + coalesce(jsonb_array_length(v_ids -> 'customer_ids'), 0) = 0 then
    raise exception 'erasure needs a customer id, email, phone or Messenger id' using errcode = '22023';
  end if;
  v_pending := array(select cart_recovery.erasure_tables());
  -- Foreign keys without ON DELETE CASCADE in later tables: retry a table after the others.
  while coalesce(array_length(v_pending, 1), 0) > 0 and v_pass < 5 loop
    v_pass := v_pass + 1;
    v_retry := '{}';
    foreach v_table in array v_pending loop
      v_pred := cart_recovery.subject_predicate(v_table, v_ids);
      continue when v_pred is null;
      begin
        execute format('delete from cart_recovery.%I t where %s', v_table, v_pred) using v_carts, v_cids, v_regex;
        get diagnostics v_n = row_count;
        v_deleted := jsonb_set(v_deleted, array[v_table], to_jsonb(coalesce((v_deleted ->> v_table)::bigint, 0) + v_n));
      exception when foreign_key_violation then
        if v_pass = 5 then raise; end if;
        v_retry := v_retry || v_table;
      end;
    end loop;
    v_pending := v_retry;
  end loop;

  insert into cart_recovery.suppressions (hash, kind, reason)
  select cart_recovery.suppression_hash(kind, value), kind, coalesce(p_reason, 'erasure') from (
    select 'email' kind, jsonb_array_elements_text(v_ids -> 'emails') value
    union select 'phone', jsonb_array_elements_text(v_ids -> 'phones')
    union select 'psid', jsonb_array_elements_text(v_ids -> 'psids')
    union select 'customer', jsonb_array_elements_text(v_ids -> 'customer_ids')) s
  on conflict (hash) do nothing;
  get diagnostics v_hashes = row_count;
  return jsonb_build_object('erased', true, 'deleted', v_deleted, 'suppressed', v_hashes);
end
$$;

-- Retention (GDPR Art. 5(1)(e)): deletes carts whose last activity (or order) is older than the retention
-- period, with their messages, and discount codes expired that long ago. Messages of younger carts stay:
-- they are the exactly-once guard of those carts. Returns { carts, messages, discount_codes, cutoff }.
create or replace function public.cart_recovery_purge(p_retention_days integer default 60)
returns jsonb language plpgsql as $$
declare
  v_cutoff   timestamptz;
  v_carts    bigint;
  v_messages bigint;
  v_codes    bigint;
begin
  if p_retention_days is null or p_retention_days < 1 then
    raise exception 'retention must be at least 1 day' using errcode = '22023';
  end if;
  v_cutoff := now() - make_interval(days => p_retention_days);
  select count(*) into v_messages from cart_recovery.messages m join cart_recovery.carts c using (cart_id)
  where greatest(c.last_activity_at, c.converted_at, c.updated_at) < v_cutoff;
  delete from cart_recovery.carts c where greatest(c.last_activity_at, c.converted_at, c.updated_at) < v_cutoff;
  get diagnostics v_carts = row_count;
  delete from cart_recovery.discount_codes d where d.valid_until < v_cutoff;
  get diagnostics v_codes = row_count;
  return jsonb_build_object('carts', v_carts, 'messages', v_messages, 'discount_codes', v_codes, 'cutoff', v_cutoff);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Discount codes
-- ---------------------------------------------------------------------------------------------------------

create or replace function cart_recovery.discount_json(d cart_recovery.discount_codes)
returns jsonb language sql stable as $$
  select to_jsonb(d) || jsonb_build_object('remaining_uses', greatest(d.usage_limit - d.used_count, 0))
$$;

-- Issues p_code (drawn by the caller with crypto randomness) for (cart, stage), or returns the code already
-- issued for them: { created, collision, code: {...} }. collision = true: p_code exists for something else;
-- draw another. Concurrent calls for one cart + stage all get the same code.
create or replace function public.cart_recovery_issue_discount_code(
  p_code text, p_kind text, p_amount numeric, p_valid_until timestamptz, p_cart_id text default null,
  p_stage integer default null, p_customer_ref text default null, p_currency text default null,
  p_minimum_order numeric default null, p_usage_limit integer default 1, p_customer_email text default null
) returns jsonb language plpgsql as $$
declare
  v_code text := upper(btrim(coalesce(p_code, '')));
  v_row  cart_recovery.discount_codes;
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

  if p_cart_id is not null then
    select * into v_row from cart_recovery.discount_codes
    where cart_id = p_cart_id and stage = p_stage and status <> 'rejected';
    if found then
      return jsonb_build_object('created', false, 'collision', false, 'code', cart_recovery.discount_json(v_row));
    end if;
  end if;

  insert into cart_recovery.discount_codes (code, cart_id, stage, customer_ref, customer_email, kind, amount, currency,
                                            minimum_order, usage_limit, valid_until)
  values (v_code, p_cart_id, p_stage, nullif(btrim(coalesce(p_customer_ref, '')), ''),
          case when nullif(btrim(coalesce(p_customer_ref, '')), '') is not null then lower(nullif(btrim(coalesce(p_customer_email, '')), '')) end,
          p_kind, p_amount,
          upper(nullif(p_currency, '')), p_minimum_order, coalesce(p_usage_limit, 1), p_valid_until)
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

create or replace function public.cart_recovery_get_discount_code(p_code text)
returns jsonb language sql stable as $$
  select cart_recovery.discount_json(d) from cart_recovery.discount_codes d where d.code = upper(btrim(p_code))
$$;

-- Why a code cannot be used for this order, or null when it can.
create or replace function cart_recovery.discount_refusal(
  d cart_recovery.discount_codes, p_customer_ids text[], p_order_total numeric, p_currency text
) returns text language sql stable as $$
  select case
    when d.code is null then 'unknown'
    when d.status <> 'active' then 'deactivated'
    when d.valid_from > now() then 'not_yet_valid'
    when d.valid_until <= now() then 'expired'
    when d.used_count >= d.usage_limit then 'used_up'
    when d.customer_ref is not null and not (d.customer_ref = any (coalesce(p_customer_ids, '{}'))
                                             or coalesce(d.customer_email = any (coalesce(p_customer_ids, '{}')), false)) then 'wrong_customer'
    when d.kind = 'fixed' and p_currency is not null and upper(p_currency) <> d.currency then 'wrong_currency'
    when d.minimum_order is not null and (p_order_total is null or p_order_total < d.minimum_order) then 'below_minimum'
  end
$$;

-- { valid, reason, code }. reason: unknown | deactivated | not_yet_valid | expired | used_up | wrong_customer |
-- wrong_currency | below_minimum (null when valid). A bound code matches the customer id or the customer's email.
create or replace function public.cart_recovery_validate_discount_code(
  p_code text, p_customer_id text default null, p_email text default null, p_order_total numeric default null,
  p_currency text default null
) returns jsonb language plpgsql stable as $$
declare
  v_row    cart_recovery.discount_codes;
  v_reason text;
begin
  select * into v_row from cart_recovery.discount_codes where code = upper(btrim(coalesce(p_code, '')));
  v_reason := cart_recovery.discount_refusal(v_row, array_remove(array[nullif(p_customer_id, ''), lower(nullif(p_email, ''))], null),
                                             p_order_total, p_currency);
  return jsonb_build_object('valid', v_reason is null, 'reason', v_reason,
                            'code', case when v_row.code is null then null else cart_recovery.discount_json(v_row) end);
end
$$;

-- Atomic redemption: { redeemed, duplicate, reason, code }. Redemptions of one code are serialised, so of two
-- concurrent redemptions of a single-use code exactly one wins; the other gets reason used_up. A repeated
-- redemption for the same order id is idempotent (redeemed = true, duplicate = true, no second use).
create or replace function public.cart_recovery_redeem_discount_code(
  p_code text, p_order_id text default null, p_customer_id text default null, p_email text default null,
  p_order_total numeric default null, p_currency text default null
) returns jsonb language plpgsql as $$
declare
  v_code   text := upper(btrim(coalesce(p_code, '')));
  v_row    cart_recovery.discount_codes;
  v_reason text;
begin
  perform pg_advisory_xact_lock(hashtext('cart_recovery.discount:' || v_code));
  select * into v_row from cart_recovery.discount_codes where code = v_code for update;
  if found and nullif(p_order_id, '') is not null and exists (
      select 1 from cart_recovery.discount_redemptions r where r.code = v_code and r.order_id = p_order_id) then
    return jsonb_build_object('redeemed', true, 'duplicate', true, 'reason', null, 'code', cart_recovery.discount_json(v_row));
  end if;
  v_reason := cart_recovery.discount_refusal(v_row, array_remove(array[nullif(p_customer_id, ''), lower(nullif(p_email, ''))], null),
                                             p_order_total, p_currency);
  if v_reason is not null then
    return jsonb_build_object('redeemed', false, 'duplicate', false, 'reason', v_reason,
                              'code', case when v_row.code is null then null else cart_recovery.discount_json(v_row) end);
  end if;
  update cart_recovery.discount_codes set used_count = used_count + 1, updated_at = now()
  where code = v_code and used_count < usage_limit
  returning * into v_row;
  insert into cart_recovery.discount_redemptions (code, order_id, customer_ref, order_total)
  values (v_code, nullif(p_order_id, ''), coalesce(nullif(p_customer_id, ''), lower(nullif(p_email, ''))), p_order_total);
  return jsonb_build_object('redeemed', true, 'duplicate', false, 'reason', null, 'code', cart_recovery.discount_json(v_row));
end
$$;

-- Deactivates a code: 'deactivated' by a person or flow, 'rejected' when the shop refused it (a retry for the
-- same cart + stage then issues a fresh code). Idempotent. Returns { deactivated, changed, code }.
create or replace function public.cart_recovery_deactivate_discount_code(
  p_code text, p_reason text default null, p_rejected boolean default false
) returns jsonb language plpgsql as $$
declare
  v_row cart_recovery.discount_codes;
begin
  update cart_recovery.discount_codes set status = case when p_rejected then 'rejected' else 'deactivated' end,
    status_reason = p_reason, updated_at = now()
  where code = upper(btrim(coalesce(p_code, ''))) and status = 'active'
  returning * into v_row;
  if found then
    return jsonb_build_object('deactivated', true, 'changed', true, 'code', cart_recovery.discount_json(v_row));
  end if;
  select * into v_row from cart_recovery.discount_codes where code = upper(btrim(coalesce(p_code, '')));
  if not found then
    return jsonb_build_object('deactivated', false, 'changed', false, 'reason', 'unknown', 'code', null);
  end if;
  return jsonb_build_object('deactivated', true, 'changed', false, 'code', cart_recovery.discount_json(v_row));
end
$$;

-- Records that the shop accepted the code: { code }.
create or replace function public.cart_recovery_mark_discount_synced(p_code text, p_platform text, p_shop_ref text default null)
returns jsonb language plpgsql as $$
declare
  v_row cart_recovery.discount_codes;
begin
  update cart_recovery.discount_codes set shop_platform = p_platform, shop_ref = p_shop_ref, synced_at = now(),
    updated_at = now()
  where code = upper(btrim(coalesce(p_code, '')))
  returning * into v_row;
  if not found then
    raise exception 'unknown discount code %', p_code using errcode = 'P0002';
  end if;
  return jsonb_build_object('code', cart_recovery.discount_json(v_row));
end
$$;

-- Supabase: the functions are for the service role (the key n8n uses), never for anon or logged-in users.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_consent_secret() from public, anon, authenticated;
    revoke all on function public.cart_recovery_check_consent(jsonb, jsonb) from public, anon, authenticated;
    revoke all on function public.cart_recovery_record_consent(text, text, text, text, text, text, text, timestamptz, boolean) from public, anon, authenticated;
    revoke all on function public.cart_recovery_withdraw_consent(text, text, text, text, text, timestamptz) from public, anon, authenticated;
    revoke all on function public.cart_recovery_export_customer(jsonb) from public, anon, authenticated;
    revoke all on function public.cart_recovery_erase_customer(jsonb, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_purge(integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_issue_discount_code(text, text, numeric, timestamptz, text, integer, text, text, numeric, integer, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_get_discount_code(text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_validate_discount_code(text, text, text, numeric, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_redeem_discount_code(text, text, text, text, numeric, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_deactivate_discount_code(text, text, boolean) from public, anon, authenticated;
    revoke all on function public.cart_recovery_mark_discount_synced(text, text, text) from public, anon, authenticated;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (2, 'consent_discount');

-- Cart Recovery store, version 6: per-channel contacts and the customer service window (issue 12).
--   * carts get the contacts Meta's channels need: messenger_psid (the page-scoped id Messenger gives the
--     customer on the shop's page), whatsapp_phone (E.164; may differ from the SMS phone) and whatsapp_bsuid
--     (Meta's business-scoped user id, e.g. US.13491208655302741918, which 2026 webhooks carry and which can
--     stand in for wa_id when a user hides the number behind a username).
--   * record_cart_event stores them in the same call. Its rules now live in small helpers, so the next rule change
--     replaces one helper instead of restating record_cart_event: event_customer_key (the cooldown unit),
--     event_suppressed / event_without_personal_data (erased customers) and enrollment_outcome (who enters
--     recovery: a cart with only a Messenger PSID or only a WhatsApp number is contactable too).
--   * inbound_messages: what the customer wrote to the shop on WhatsApp or Messenger (only the provider's message
--     id, the sender and the time; no content). record_inbound_message stores one, idempotent on the message id;
--     service_window answers whether the 24-hour customer service window is open and until when.
--   * Erasure and export find the new contacts (a PSID or BSUID alone finds the person's carts, and a cart's
--     contacts find the rest) and hash BSUIDs like the other identifiers; purge removes old inbound messages.

alter table cart_recovery.carts
  add column if not exists messenger_psid text,
  add column if not exists whatsapp_phone text,
  add column if not exists whatsapp_bsuid text;
create index if not exists carts_messenger_psid on cart_recovery.carts (messenger_psid) where messenger_psid is not null;
create index if not exists carts_whatsapp_phone on cart_recovery.carts (whatsapp_phone) where whatsapp_phone is not null;
create index if not exists carts_whatsapp_bsuid on cart_recovery.carts (whatsapp_bsuid) where whatsapp_bsuid is not null;

-- Erased BSUIDs are kept as salted hashes too.
alter table cart_recovery.suppressions drop constraint if exists suppressions_kind_check;
alter table cart_recovery.suppressions add constraint suppressions_kind_check
  check (kind in ('email', 'phone', 'psid', 'bsuid', 'customer'));

-- Messages the customer sent the shop: the customer service window opens with each of them.
create table cart_recovery.inbound_messages (
  channel     text not null check (channel in ('whatsapp', 'messenger')),
  message_id  text not null,          -- the provider's id: WhatsApp wamid, Messenger mid
  address     text,                   -- whatsapp: the sender's number in E.164 (wa_id); messenger: the PSID
  bsuid       text,                   -- whatsapp: the sender's business-scoped user id
  received_at timestamptz not null,   -- when the customer sent it (the provider's timestamp)
  recorded_at timestamptz not null default now(),
  primary key (channel, message_id),
  check (address is not null or bsuid is not null),
  check (channel = 'whatsapp' or bsuid is null)
);
create index inbound_messages_address on cart_recovery.inbound_messages (channel, address, received_at desc) where address is not null;
create index inbound_messages_bsuid on cart_recovery.inbound_messages (channel, bsuid, received_at desc) where bsuid is not null;
create index inbound_messages_received on cart_recovery.inbound_messages (received_at);

-- ---------------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------------

-- A WhatsApp business-scoped user id: two-letter country code, a period, optionally ENT. (a parent BSUID shared
-- by managed businesses), then up to 128 letters and digits. Stored exactly as Meta sends it.
create or replace function cart_recovery.is_bsuid(p_value text)
returns boolean language sql immutable as $$
  select coalesce(btrim(p_value) ~ '^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$', false)
$$;

-- normalise_address of version 2, except that a WhatsApp address that is a BSUID is kept as it is (read as a
-- phone it would lose its period).
create or replace function cart_recovery.normalise_address(p_channel text, p_address text)
returns text language plpgsql immutable as $$
declare
  v text := nullif(btrim(coalesce(p_address, '')), '');
begin
  if v is null then return null; end if;
  if p_channel = 'email' then return lower(v); end if;
  if p_channel = 'whatsapp' and cart_recovery.is_bsuid(v) then return v; end if;
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

-- The unit of the re-entry cooldown and the frequency cap: customer id, else email, else phone, else WhatsApp
-- number, else BSUID, else PSID (the last two prefixed, so they never meet a shop's customer id).
create or replace function cart_recovery.event_customer_key(p_event jsonb)
returns text language sql immutable as $$
  select coalesce(nullif(p_event ->> 'customer_id', ''), lower(nullif(p_event ->> 'email', '')),
                  nullif(p_event ->> 'phone', ''), cart_recovery.normalise_address('sms', nullif(p_event ->> 'whatsapp_phone', '')),
                  'whatsapp:' || nullif(btrim(p_event ->> 'whatsapp_bsuid'), ''),
                  'messenger:' || nullif(btrim(p_event ->> 'messenger_psid'), ''))
$$;

-- Whether an event names an erased (suppressed) customer by any of its identifiers.
create or replace function cart_recovery.event_suppressed(p_event jsonb)
returns boolean language sql stable as $$
  select cart_recovery.is_suppressed('email', lower(nullif(p_event ->> 'email', '')))
      or cart_recovery.is_suppressed('phone', cart_recovery.normalise_address('sms', p_event ->> 'phone'))
      or cart_recovery.is_suppressed('phone', cart_recovery.normalise_address('sms', p_event ->> 'whatsapp_phone'))
      or cart_recovery.is_suppressed('psid', cart_recovery.normalise_address('messenger', p_event ->> 'messenger_psid'))
      or cart_recovery.is_suppressed('bsuid', nullif(btrim(coalesce(p_event ->> 'whatsapp_bsuid', '')), ''))
      or cart_recovery.is_suppressed('customer', nullif(p_event ->> 'customer_id', ''))
$$;

-- The event without the personal data of its customer: what is stored for an erased customer.
create or replace function cart_recovery.event_without_personal_data(p_event jsonb)
returns jsonb language sql immutable as $$
  select p_event - array['customer_id', 'email', 'phone', 'first_name', 'last_name', 'messenger_psid',
                         'whatsapp_phone', 'whatsapp_bsuid']
$$;

-- The enrollment decision for a cart event, after the cart row was written (p_cart is the row as stored):
--   'updated'    the cart is already past 'active' (recovering, converted, …)
--   'suppressed' the event named an erased customer
--   'ignored'    the cart is empty
--   'no_contact' nobody to follow up with on any channel (no email, phone, WhatsApp number or BSUID, or
--                Messenger PSID): an anonymous cart enters recovery with the first event that names one
--   'cooldown'   the same customer entered recovery with another cart within p_cooldown_seconds
--   'enrolled'   the cart enters recovery (the caller marks it)
create or replace function cart_recovery.enrollment_outcome(
  p_cart cart_recovery.carts, p_customer_key text, p_suppressed boolean, p_cooldown_seconds integer
) returns text language sql stable as $$
  select case
    when p_cart.status <> 'active' then 'updated'
    when p_suppressed then 'suppressed'
    when jsonb_array_length(p_cart.items) = 0 then 'ignored'
    when num_nonnulls(p_cart.email, p_cart.phone, p_cart.whatsapp_phone, p_cart.whatsapp_bsuid, p_cart.messenger_psid) = 0
      then 'no_contact'
    when p_customer_key is not null and exists (
        select 1 from cart_recovery.carts o
        where o.customer_key = p_customer_key and o.cart_id <> p_cart.cart_id
          and o.recovery_started_at > now() - make_interval(secs => p_cooldown_seconds)) then 'cooldown'
    else 'enrolled'
  end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- record_cart_event: version 5's, with the new contacts and the rules above moved into their helpers.
-- ---------------------------------------------------------------------------------------------------------
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
  v_key      text;
  v_keys     text[];
  v_cart     cart_recovery.carts;
  v_inserted boolean := false;
  v_suppressed boolean;
  v_outcome  text;
  v_attributed boolean;
begin
  if v_source is null or v_event_id is null or v_cart_id is null then
    raise exception 'cart event needs source, event_id and cart_id' using errcode = '22023';
  end if;
  if v_type not in ('cart', 'order') then
    raise exception 'unknown cart event type %', v_type using errcode = '22023';
  end if;
  if p_event ? 'dedup_keys' and jsonb_typeof(p_event -> 'dedup_keys') not in ('array', 'null') then
    raise exception 'cart event dedup_keys must be an array of ids' using errcode = '22023';
  end if;
  v_keys := array(select distinct k from (
    select v_event_id as k
    union all
    select jsonb_array_elements_text(case when jsonb_typeof(p_event -> 'dedup_keys') = 'array' then p_event -> 'dedup_keys' end)
  ) ids where nullif(k, '') is not null);

  -- One statement, so either every id is recorded or (one was seen: a unique violation) none is.
  begin
    insert into cart_recovery.inbound_events (source, event_id) select v_source, k from unnest(v_keys) k;
  exception when unique_violation then
    select * into v_cart from cart_recovery.carts where cart_id = v_cart_id;
    return jsonb_build_object('duplicate', true, 'enrolled', false, 'outcome', 'duplicate',
                              'cart_status', v_cart.status);
  end;

  -- An erased customer (GDPR Art. 17) left only salted hashes: keep their carts' business facts (items, value,
  -- conversion) but store none of their personal data again, and never enroll them.
  v_suppressed := cart_recovery.event_suppressed(p_event);
  if v_suppressed then
    p_event := cart_recovery.event_without_personal_data(p_event);
  end if;
  v_key := cart_recovery.event_customer_key(p_event);

  -- Serialise per customer so the cooldown holds across carts, then per cart.
  if v_key is not null then
    perform pg_advisory_xact_lock(hashtext('cart_recovery.customer:' || v_key));
  end if;

  insert into cart_recovery.carts as c (
    cart_id, source, customer_id, customer_key, email, phone, messenger_psid, whatsapp_phone, whatsapp_bsuid,
    first_name, last_name, locale, currency, value, items, restore_url, last_activity_at, status)
  values (
    v_cart_id, v_source, nullif(p_event ->> 'customer_id', ''), v_key, nullif(p_event ->> 'email', ''),
    nullif(p_event ->> 'phone', ''), cart_recovery.normalise_address('messenger', p_event ->> 'messenger_psid'),
    cart_recovery.normalise_address('sms', p_event ->> 'whatsapp_phone'),
    nullif(btrim(coalesce(p_event ->> 'whatsapp_bsuid', '')), ''),
    nullif(p_event ->> 'first_name', ''), nullif(p_event ->> 'last_name', ''),
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
      messenger_psid = coalesce(cart_recovery.normalise_address('messenger', p_event ->> 'messenger_psid'), c.messenger_psid),
      whatsapp_phone = coalesce(cart_recovery.normalise_address('sms', p_event ->> 'whatsapp_phone'), c.whatsapp_phone),
      whatsapp_bsuid = coalesce(nullif(btrim(coalesce(p_event ->> 'whatsapp_bsuid', '')), ''), c.whatsapp_bsuid),
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

  v_outcome := cart_recovery.enrollment_outcome(v_cart, v_key, v_suppressed, p_cooldown_seconds);
  if v_outcome = 'enrolled' then
    update cart_recovery.carts set status = 'recovering', recovery_started_at = now(), updated_at = now()
    where cart_id = v_cart_id returning * into v_cart;
  end if;

  return jsonb_build_object('duplicate', false, 'enrolled', v_outcome = 'enrolled', 'outcome', v_outcome,
                            'cart_status', v_cart.status);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- The customer service window
-- ---------------------------------------------------------------------------------------------------------

-- Records one message the customer sent on WhatsApp (p_address: the number, wa_id, with or without '+';
-- p_bsuid: the business-scoped user id; either may be missing, not both) or Messenger (p_address: the PSID).
-- Idempotent on the provider's message id: a second delivery of the same message counts once (it may fill in an
-- identifier the first lacked). A message from an erased customer is not stored (reason 'suppressed').
-- Returns { recorded, duplicate, reason, channel, address, bsuid, received_at }.
create or replace function public.cart_recovery_record_inbound_message(
  p_channel text, p_message_id text, p_address text default null, p_bsuid text default null,
  p_received_at timestamptz default null
) returns jsonb language plpgsql as $$
declare
  v_id    text := nullif(btrim(coalesce(p_message_id, '')), '');
  v_addr  text := cart_recovery.normalise_address(p_channel, p_address);
  v_bsuid text := nullif(btrim(coalesce(p_bsuid, '')), '');
  v_at    timestamptz := coalesce(p_received_at, now());
  v_row   cart_recovery.inbound_messages;
begin
  if p_channel is null or p_channel not in ('whatsapp', 'messenger') then
    raise exception 'inbound messages are recorded for whatsapp or messenger, not "%"', p_channel using errcode = '22023';
  end if;
  if v_id is null then
    raise exception 'an inbound message needs the provider''s message id' using errcode = '22023';
  end if;
  if p_channel = 'whatsapp' and cart_recovery.is_bsuid(v_addr) then
    -- A BSUID given as the address (wa_id empty, user_id set).
    v_bsuid := coalesce(v_bsuid, v_addr);
    v_addr := null;
  end if;
  if p_channel = 'messenger' and v_bsuid is not null then
    raise exception 'a Messenger message has no WhatsApp user id; give the PSID as the address' using errcode = '22023';
  end if;
  if v_bsuid is not null and not cart_recovery.is_bsuid(v_bsuid) then
    raise exception 'WhatsApp user id "%" is not a business-scoped user id (e.g. US.13491208655302741918)', v_bsuid using errcode = '22023';
  end if;
  if p_channel = 'whatsapp' and v_addr is not null and v_addr !~ '^\+[1-9][0-9]{6,14}$' then
    raise exception 'WhatsApp number "%" is not a phone number', p_address using errcode = '22023';
  end if;
  if v_addr is null and v_bsuid is null then
    raise exception 'an inbound % message needs the sender (%)', p_channel,
      case p_channel when 'whatsapp' then 'number or business-scoped user id' else 'PSID' end using errcode = '22023';
  end if;
  -- 5 minutes of slack for clocks; a message from the future would hold the window open.
  if v_at > now() + interval '5 minutes' then
    raise exception 'inbound message received at % is in the future', v_at using errcode = '22023';
  end if;

  if cart_recovery.is_suppressed(cart_recovery.address_kind(p_channel), v_addr)
     or cart_recovery.is_suppressed('bsuid', v_bsuid) then
    return jsonb_build_object('recorded', false, 'duplicate', false, 'reason', 'suppressed', 'channel', p_channel,
                              'address', null, 'bsuid', null, 'received_at', null);
  end if;

  insert into cart_recovery.inbound_messages (channel, message_id, address, bsuid, received_at)
  values (p_channel, v_id, v_addr, v_bsuid, v_at)
  on conflict (channel, message_id) do nothing
  returning * into v_row;
  if found then
    return jsonb_build_object('recorded', true, 'duplicate', false, 'reason', 'recorded', 'channel', v_row.channel,
                              'address', v_row.address, 'bsuid', v_row.bsuid, 'received_at', v_row.received_at);
  end if;
  update cart_recovery.inbound_messages m set address = coalesce(m.address, v_addr), bsuid = coalesce(m.bsuid, v_bsuid)
  where m.channel = p_channel and m.message_id = v_id
  returning * into v_row;
  return jsonb_build_object('recorded', false, 'duplicate', true, 'reason', 'duplicate', 'channel', v_row.channel,
                            'address', v_row.address, 'bsuid', v_row.bsuid, 'received_at', v_row.received_at);
end
$$;

-- The customer service window of one customer on WhatsApp or Messenger: open for 24 hours after the customer's
-- last message (free-form and interactive WhatsApp messages, Messenger RESPONSE messages, are allowed only then).
-- WhatsApp: the customer is found by number (p_address) or business-scoped user id (p_bsuid, or a BSUID given as
-- p_address), whichever the messages carried. Messenger: p_address is the PSID.
-- Returns { channel, open, last_inbound_at, open_until } (both null when the customer never wrote).
create or replace function public.cart_recovery_service_window(
  p_channel text, p_address text default null, p_bsuid text default null
) returns jsonb language plpgsql stable as $$
declare
  v_addr  text := cart_recovery.normalise_address(p_channel, p_address);
  v_bsuid text := nullif(btrim(coalesce(p_bsuid, '')), '');
  v_last  timestamptz;
  v_until timestamptz;
begin
  if p_channel is null or p_channel not in ('whatsapp', 'messenger') then
    raise exception 'the service window is for whatsapp or messenger, not "%"', p_channel using errcode = '22023';
  end if;
  if p_channel = 'whatsapp' and cart_recovery.is_bsuid(v_addr) then
    v_bsuid := coalesce(v_bsuid, v_addr);
    v_addr := null;
  end if;
  if v_addr is null and v_bsuid is null then
    raise exception 'the service window needs the customer''s % address', p_channel using errcode = '22023';
  end if;
  select max(m.received_at) into v_last from cart_recovery.inbound_messages m
  where m.channel = p_channel and (m.address = v_addr or m.bsuid = v_bsuid);
  v_until := v_last + interval '24 hours';
  return jsonb_build_object('channel', p_channel, 'open', coalesce(v_until > now(), false),
                            'last_inbound_at', v_last, 'open_until', v_until);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- GDPR: the new identifiers in export and erasure
-- ---------------------------------------------------------------------------------------------------------

-- The identifiers of a subject (version 2's, plus BSUIDs and the carts' channel contacts), widened once: through
-- inbound WhatsApp messages (a number and a BSUID that came together are one person), through carts and consents
-- (a customer id finds its emails and phones, an email finds its customer id), and through the subject's carts
-- (every contact a cart names belongs to its customer: a PSID finds the cart's email).
-- { emails, phones, psids, bsuids, customer_ids, cart_ids, raw }.
create or replace function cart_recovery.subject_identifiers(p_subject jsonb)
returns jsonb language plpgsql stable as $$
declare
  v_emails text[] := array_remove(array[cart_recovery.normalise_address('email', p_subject ->> 'email')], null);
  v_phones text[] := array_remove(array[cart_recovery.normalise_address('sms', p_subject ->> 'phone'),
                                        cart_recovery.normalise_address('sms', p_subject ->> 'whatsapp_phone')], null);
  v_psids  text[] := array_remove(array[cart_recovery.normalise_address('messenger', p_subject ->> 'messenger_psid')], null);
  v_bsuids text[] := array_remove(array[nullif(btrim(coalesce(p_subject ->> 'whatsapp_bsuid', '')), '')], null);
  v_cids   text[] := array_remove(array[nullif(btrim(coalesce(p_subject ->> 'customer_id', '')), '')], null);
  v_raw    text[] := array_remove(array[nullif(btrim(coalesce(p_subject ->> 'phone', '')), ''),
                                        nullif(btrim(coalesce(p_subject ->> 'whatsapp_phone', '')), '')], null);
  v_carts  text[];
begin
  -- widen: a WhatsApp number and a BSUID that arrived on the same message are the same person
  v_bsuids := v_bsuids || coalesce((select array_agg(distinct m.bsuid) from cart_recovery.inbound_messages m
    where m.channel = 'whatsapp' and m.bsuid is not null and m.address = any (v_phones)), '{}');
  v_phones := v_phones || coalesce((select array_agg(distinct m.address) from cart_recovery.inbound_messages m
    where m.channel = 'whatsapp' and m.address is not null and m.bsuid = any (v_bsuids)), '{}');
  -- widen: customer ids of the carts and consents of these addresses
  v_cids := v_cids || coalesce((select array_agg(distinct c.customer_id) from cart_recovery.carts c
    where c.customer_id is not null and (lower(c.email) = any (v_emails)
       or cart_recovery.normalise_address('sms', c.phone) = any (v_phones) or c.whatsapp_phone = any (v_phones)
       or c.messenger_psid = any (v_psids) or c.whatsapp_bsuid = any (v_bsuids))), '{}')
    || coalesce((select array_agg(distinct k.customer_id) from cart_recovery.consents k
    where k.customer_id is not null and (
      (k.channel = 'email' and k.address = any (v_emails)) or (k.channel in ('sms', 'whatsapp') and k.address = any (v_phones))
      or (k.channel = 'whatsapp' and k.address = any (v_bsuids)) or (k.channel = 'messenger' and k.address = any (v_psids)))), '{}');
  -- the subject's carts: by customer id or by any address
  select coalesce(array_agg(c.cart_id), '{}') into v_carts from cart_recovery.carts c
  where c.customer_id = any (v_cids) or lower(c.email) = any (v_emails)
     or cart_recovery.normalise_address('sms', c.phone) = any (v_phones) or c.whatsapp_phone = any (v_phones)
     or c.messenger_psid = any (v_psids) or c.whatsapp_bsuid = any (v_bsuids);
  -- widen: addresses of those customer ids and carts
  v_emails := v_emails || coalesce((select array_agg(distinct lower(c.email)) from cart_recovery.carts c
    where c.email is not null and c.cart_id = any (v_carts)), '{}')
    || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel = 'email' and k.customer_id = any (v_cids)), '{}');
  v_phones := v_phones || coalesce((select array_agg(distinct cart_recovery.normalise_address('sms', c.phone))
    from cart_recovery.carts c where c.phone is not null and c.cart_id = any (v_carts)), '{}')
    || coalesce((select array_agg(distinct c.whatsapp_phone)
    from cart_recovery.carts c where c.whatsapp_phone is not null and c.cart_id = any (v_carts)), '{}')
    || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel in ('sms', 'whatsapp') and not cart_recovery.is_bsuid(k.address) and k.customer_id = any (v_cids)), '{}');
  v_raw := v_raw || coalesce((select array_agg(distinct c.phone) from cart_recovery.carts c
    where c.phone is not null and c.cart_id = any (v_carts)), '{}');
  v_psids := v_psids || coalesce((select array_agg(distinct c.messenger_psid) from cart_recovery.carts c
    where c.messenger_psid is not null and c.cart_id = any (v_carts)), '{}')
    || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel = 'messenger' and k.customer_id = any (v_cids)), '{}');
  v_bsuids := v_bsuids || coalesce((select array_agg(distinct c.whatsapp_bsuid) from cart_recovery.carts c
    where c.whatsapp_bsuid is not null and c.cart_id = any (v_carts)), '{}')
    || coalesce((select array_agg(distinct k.address) from cart_recovery.consents k
    where k.channel = 'whatsapp' and cart_recovery.is_bsuid(k.address) and k.customer_id = any (v_cids)), '{}');
  -- and again for the numbers and BSUIDs the carts named
  v_bsuids := v_bsuids || coalesce((select array_agg(distinct m.bsuid) from cart_recovery.inbound_messages m
    where m.channel = 'whatsapp' and m.bsuid is not null and m.address = any (v_phones)), '{}');
  v_phones := v_phones || coalesce((select array_agg(distinct m.address) from cart_recovery.inbound_messages m
    where m.channel = 'whatsapp' and m.address is not null and m.bsuid = any (v_bsuids)), '{}');
  return jsonb_build_object(
    'emails', to_jsonb(array(select distinct x from unnest(v_emails) x where x is not null)),
    'phones', to_jsonb(array(select distinct x from unnest(v_phones) x where x is not null)),
    'psids', to_jsonb(array(select distinct x from unnest(v_psids) x where x is not null)),
    'bsuids', to_jsonb(array(select distinct x from unnest(v_bsuids) x where x is not null)),
    'customer_ids', to_jsonb(array(select distinct x from unnest(v_cids) x where x is not null)),
    'cart_ids', to_jsonb(v_carts),
    'raw', to_jsonb(array(select distinct x from unnest(v_raw) x where x is not null)));
end
$$;

-- Every identifier of a subject with its kind: email, phone, psid, bsuid, customer (hashed on erasure) and raw
-- (phones as the shop wrote them: only searched for). The one list the functions below read, so a new kind of
-- identifier is added here and in subject_identifiers only.
create or replace function cart_recovery.subject_tokens(p_ids jsonb)
returns table (kind text, value text) language sql immutable as $$
  select 'email', jsonb_array_elements_text(coalesce(p_ids -> 'emails', '[]'))
  union select 'phone', jsonb_array_elements_text(coalesce(p_ids -> 'phones', '[]'))
  union select 'psid', jsonb_array_elements_text(coalesce(p_ids -> 'psids', '[]'))
  union select 'bsuid', jsonb_array_elements_text(coalesce(p_ids -> 'bsuids', '[]'))
  union select 'customer', jsonb_array_elements_text(coalesce(p_ids -> 'customer_ids', '[]'))
  union select 'raw', jsonb_array_elements_text(coalesce(p_ids -> 'raw', '[]'))
$$;

-- As in version 2; the searched tokens come from subject_tokens (every kind but customer ids).
create or replace function cart_recovery.subject_predicate(p_table text, p_ids jsonb)
returns text language plpgsql stable as $$
declare
  v_parts  text[] := '{}';
  v_col    record;
  v_tokens text[];
begin
  select array_agg(distinct t.value) into v_tokens from cart_recovery.subject_tokens(p_ids) t
  where t.kind <> 'customer' and length(t.value) >= 5;
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
  select '(^|[^[:alnum:]._%+@-])(' || coalesce(string_agg(regexp_replace(t.value, '([^[:alnum:]])', '\\\1', 'g'), '|'), '(?!)')
         || ')($|[^[:alnum:]._%+@-])'
  from (select distinct value from cart_recovery.subject_tokens(p_ids) where kind <> 'customer' and length(value) >= 5) t
$$;

-- GDPR Art. 15 / 20, as in version 2; 'suppressed' covers every kind of identifier.
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
      select cart_recovery.suppression_hash(t.kind, t.value) from cart_recovery.subject_tokens(v_ids) t where t.kind <> 'raw')),
    'tables', v_tables);
end
$$;

-- GDPR Art. 17, as in version 2: deletes every row about the subject in every table of the schema (the carts with
-- their channel contacts, inbound messages by number, BSUID or PSID, …), then keeps one salted hash per
-- identifier of every kind. Returns { erased, deleted: { <table>: n }, suppressed: n }.
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
  if not exists (select 1 from cart_recovery.subject_tokens(v_ids) t where t.kind <> 'raw') then
    raise exception 'erasure needs a customer id, email, phone or Messenger id (or a WhatsApp number or user id)' using errcode = '22023';
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
  select distinct cart_recovery.suppression_hash(t.kind, t.value), t.kind, coalesce(p_reason, 'erasure')
  from cart_recovery.subject_tokens(v_ids) t where t.kind <> 'raw'
  on conflict (hash) do nothing;
  get diagnostics v_hashes = row_count;
  return jsonb_build_object('erased', true, 'deleted', v_deleted, 'suppressed', v_hashes);
end
$$;

-- Retention (GDPR Art. 5(1)(e)), as in version 5, plus inbound messages: kept for the retention period but at
-- most 7 days, since the service window needs only the last 24 hours (a week covers late webhook retries).
-- Returns { carts, messages, discount_codes, inbound_events, inbound_messages, cutoff }.
create or replace function public.cart_recovery_purge(p_retention_days integer default 60)
returns jsonb language plpgsql as $$
declare
  v_cutoff   timestamptz;
  v_carts    bigint;
  v_messages bigint;
  v_codes    bigint;
  v_inbound  bigint;
  v_written_to_us bigint;
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
  delete from cart_recovery.inbound_events e where e.received_at < v_cutoff;
  get diagnostics v_inbound = row_count;
  delete from cart_recovery.inbound_messages m where m.received_at < greatest(v_cutoff, now() - interval '7 days');
  get diagnostics v_written_to_us = row_count;
  return jsonb_build_object('carts', v_carts, 'messages', v_messages, 'discount_codes', v_codes,
                            'inbound_events', v_inbound, 'inbound_messages', v_written_to_us, 'cutoff', v_cutoff);
end
$$;

-- The new store functions are not for everyone: on any Postgres, PUBLIC could otherwise open a customer's service
-- window or learn whether a number wrote in. On Supabase only the service role may call them (create or replace
-- keeps the earlier functions' grants).
revoke execute on function public.cart_recovery_record_inbound_message(text, text, text, text, timestamptz) from public;
revoke execute on function public.cart_recovery_service_window(text, text, text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_record_inbound_message(text, text, text, text, timestamptz) from public, anon, authenticated;
    revoke all on function public.cart_recovery_service_window(text, text, text) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_record_inbound_message(text, text, text, text, timestamptz) to service_role;
    grant execute on function public.cart_recovery_service_window(text, text, text) to service_role;
    grant select, insert, update, delete on cart_recovery.inbound_messages to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (6, 'channel_contacts');

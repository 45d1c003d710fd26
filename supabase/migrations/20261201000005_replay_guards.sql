-- Cart Recovery store, version 5: the store refuses replays (security review, issue 10).
--   * record_consent: a grant dated at or before the address's last withdrawal is refused (reason
--     'withdrawn_later'), so an old grant replayed, or a shop's delayed retry, cannot undo a withdrawal; a grant
--     dated in the future is refused too, since it would outrank every later withdrawal.
--   * redeem_discount_code: the order id is required; a repeat for the same (code, order) returns the first
--     redemption and uses nothing up.
--   * purge: processed inbound event ids go after the same retention as carts and codes.
--   * record_cart_event: a delivery may name further ids (p_event.dedup_keys) besides its event id; it is a
--     duplicate when any of them was seen, and all of them are recorded together. Shopify's X-Shopify-Event-Id is
--     not covered by its HMAC, so the trigger adds the webhook id and the hash of the signed body.
-- Signatures are unchanged: create or replace keeps the revokes of migrations 1 and 2 and the grants of 4.

-- Records a prior, express consent for one channel and address, with its proof (source, wording or its
-- version, optional IP, time). Appends an event and sets the current state to granted. Refused without writing
-- anything: an erased (suppressed) address unless p_lift_suppression (a fresh, explicit opt-in by the
-- customer), and a grant dated at or before the last withdrawal of the address (a withdrawal is absolute;
-- only a newer grant overrides it).
-- Returns { recorded, changed, consent_id, status, reason, granted_at?, withdrawn_at? }.
create or replace function public.cart_recovery_record_consent(
  p_channel text, p_address text, p_source text, p_customer_id text default null, p_wording text default null,
  p_wording_version text default null, p_ip text default null, p_occurred_at timestamptz default null,
  p_lift_suppression boolean default false
) returns jsonb language plpgsql as $$
declare
  v_addr       text := cart_recovery.normalise_address(p_channel, p_address);
  v_at         timestamptz := coalesce(p_occurred_at, now());
  v_consent    cart_recovery.consents;
  v_before     text;
  v_suppressed boolean;
  v_withdrawn  timestamptz;
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
  -- 5 minutes of slack for a shop server's clock running ahead of ours.
  if v_at > now() + interval '5 minutes' then
    raise exception 'consent given at % is in the future', v_at using errcode = '22023';
  end if;
  v_suppressed := cart_recovery.is_suppressed(cart_recovery.address_kind(p_channel), v_addr)
               or cart_recovery.is_suppressed('customer', nullif(p_customer_id, ''));
  if v_suppressed and not p_lift_suppression then
    return jsonb_build_object('recorded', false, 'changed', false, 'consent_id', null, 'status', null,
                              'reason', 'suppressed');
  end if;

  insert into cart_recovery.consents (channel, address, customer_id, status, granted_at, source, wording,
                                      wording_version, ip)
  values (p_channel, v_addr, nullif(p_customer_id, ''), 'granted', v_at, p_source, p_wording, p_wording_version, p_ip)
  on conflict (channel, address) do nothing
  returning * into v_consent;
  if found then
    v_before := null;
  else
    -- Locked before the comparison, so a withdrawal running at the same moment is either seen or waits.
    select * into v_consent from cart_recovery.consents where channel = p_channel and address = v_addr for update;
    -- A later grant clears withdrawn_at; the register keeps every withdrawal.
    v_withdrawn := greatest(v_consent.withdrawn_at, (
      select max(e.occurred_at) from cart_recovery.consent_events e
      where e.consent_id = v_consent.consent_id and e.action = 'withdrawn'));
    if v_withdrawn is not null and v_at <= v_withdrawn then
      return jsonb_build_object('recorded', false, 'changed', false, 'consent_id', v_consent.consent_id,
                                'status', v_consent.status, 'reason', 'withdrawn_later', 'withdrawn_at', v_withdrawn);
    end if;
    v_before := v_consent.status;
    update cart_recovery.consents c set
      status = 'granted', granted_at = v_at, withdrawn_at = null, source = p_source, wording = p_wording,
      wording_version = p_wording_version, ip = p_ip,
      customer_id = coalesce(nullif(p_customer_id, ''), c.customer_id), updated_at = now()
    where c.consent_id = v_consent.consent_id
    returning * into v_consent;
  end if;
  if v_suppressed then
    delete from cart_recovery.suppressions
    where hash in (cart_recovery.suppression_hash(cart_recovery.address_kind(p_channel), v_addr),
                   cart_recovery.suppression_hash('customer', coalesce(nullif(p_customer_id, ''), '')));
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

-- Atomic redemption for one order: { redeemed, duplicate, reason, code, redeemed_at }. Redemptions of one code
-- are serialised, so of two concurrent redemptions of a single-use code exactly one wins; the other gets reason
-- used_up. The order id is required: a repeat for the same (code, order) returns the first redemption
-- (duplicate = true, its redeemed_at) without a second use, whoever sends it and whatever else it says.
create or replace function public.cart_recovery_redeem_discount_code(
  p_code text, p_order_id text default null, p_customer_id text default null, p_email text default null,
  p_order_total numeric default null, p_currency text default null
) returns jsonb language plpgsql as $$
declare
  v_code   text := upper(btrim(coalesce(p_code, '')));
  v_order  text := nullif(btrim(coalesce(p_order_id, '')), '');
  v_row    cart_recovery.discount_codes;
  v_used   cart_recovery.discount_redemptions;
  v_reason text;
begin
  if v_order is null then
    raise exception 'redeeming a code needs the order id' using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtext('cart_recovery.discount:' || v_code));
  select * into v_row from cart_recovery.discount_codes where code = v_code for update;
  if found then
    select * into v_used from cart_recovery.discount_redemptions r where r.code = v_code and r.order_id = v_order;
    if found then
      return jsonb_build_object('redeemed', true, 'duplicate', true, 'reason', null,
                                'code', cart_recovery.discount_json(v_row), 'redeemed_at', v_used.redeemed_at);
    end if;
  end if;
  v_reason := cart_recovery.discount_refusal(v_row, array_remove(array[nullif(p_customer_id, ''), lower(nullif(p_email, ''))], null),
                                             p_order_total, p_currency);
  if v_reason is not null then
    return jsonb_build_object('redeemed', false, 'duplicate', false, 'reason', v_reason,
                              'code', case when v_row.code is null then null else cart_recovery.discount_json(v_row) end,
                              'redeemed_at', null);
  end if;
  update cart_recovery.discount_codes set used_count = used_count + 1, updated_at = now()
  where code = v_code and used_count < usage_limit
  returning * into v_row;
  insert into cart_recovery.discount_redemptions (code, order_id, customer_ref, order_total)
  values (v_code, v_order, coalesce(nullif(p_customer_id, ''), lower(nullif(p_email, ''))), p_order_total)
  returning * into v_used;
  return jsonb_build_object('redeemed', true, 'duplicate', false, 'reason', null,
                            'code', cart_recovery.discount_json(v_row), 'redeemed_at', v_used.redeemed_at);
end
$$;

-- Retention (GDPR Art. 5(1)(e)): deletes carts whose last activity (or order) is older than the retention
-- period, with their messages, discount codes expired that long ago, and the ids of inbound deliveries received
-- that long ago. Messages of younger carts stay: they are the exactly-once guard of those carts.
-- Returns { carts, messages, discount_codes, inbound_events, cutoff }.
create or replace function public.cart_recovery_purge(p_retention_days integer default 60)
returns jsonb language plpgsql as $$
declare
  v_cutoff   timestamptz;
  v_carts    bigint;
  v_messages bigint;
  v_codes    bigint;
  v_inbound  bigint;
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
  return jsonb_build_object('carts', v_carts, 'messages', v_messages, 'discount_codes', v_codes,
                            'inbound_events', v_inbound, 'cutoff', v_cutoff);
end
$$;

-- record_cart_event as in version 4, except the dedup: the event id and every id in p_event.dedup_keys are
-- recorded in one statement; if any of them was seen before, none is recorded and the delivery is a duplicate.
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

  -- One statement, so either every id is recorded or (one was seen: a unique violation) none is: a replay that
  -- names one known id cannot mark its other, new ids as seen.
  begin
    insert into cart_recovery.inbound_events (source, event_id) select v_source, k from unnest(v_keys) k;
  exception when unique_violation then
    select * into v_cart from cart_recovery.carts where cart_id = v_cart_id;
    return jsonb_build_object('duplicate', true, 'enrolled', false, 'outcome', 'duplicate',
                              'cart_status', v_cart.status);
  end;

  -- An erased customer (GDPR Art. 17) left only salted hashes: keep their carts' business facts (items, value,
  -- conversion) but store none of their personal data again, and never enroll them.
  v_suppressed := cart_recovery.is_suppressed('email', lower(nullif(p_event ->> 'email', '')))
    or cart_recovery.is_suppressed('phone', cart_recovery.normalise_address('sms', p_event ->> 'phone'))
    or cart_recovery.is_suppressed('customer', nullif(p_event ->> 'customer_id', ''));
  if v_suppressed then
    p_event := p_event - 'customer_id' - 'email' - 'phone' - 'first_name' - 'last_name';
    v_key := null;
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
  elsif v_suppressed then
    v_outcome := 'suppressed';
  elsif jsonb_array_length(v_cart.items) = 0 then
    v_outcome := 'ignored';
  elsif v_cart.email is null and v_cart.phone is null then
    -- Nobody to follow up with: an anonymous cart enters recovery with the first event that names a contact.
    v_outcome := 'no_contact';
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

insert into cart_recovery.schema_migrations (version, name) values (5, 'replay_guards');

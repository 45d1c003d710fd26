-- Cart Recovery store, version 4: enrollment needs someone to contact and never includes an erased customer;
-- grants for Supabase's service_role.
--
-- record_cart_event, as in version 1, plus:
--   * a cart enters recovery only once it has an email or a phone (outcome 'no_contact' until then), so
--     anonymous carts do not start executions that can only end in skips;
--   * an event naming a suppressed (erased) email, phone or customer id is stored without personal data
--     and never enrolls (outcome 'suppressed').

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

  insert into cart_recovery.inbound_events (source, event_id) values (v_source, v_event_id)
  on conflict do nothing;
  if not found then
    select * into v_cart from cart_recovery.carts where cart_id = v_cart_id;
    return jsonb_build_object('duplicate', true, 'enrolled', false, 'outcome', 'duplicate',
                              'cart_status', v_cart.status);
  end if;

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


-- Supabase: PostgREST runs each call as the key's role (service_role for n8n). Functions run with the caller's
-- rights, so that role needs the schema, its tables and sequences; default privileges cover later migrations.
do $$
declare
  f regprocedure;
begin
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant usage on schema cart_recovery to service_role;
    grant select, insert, update, delete on all tables in schema cart_recovery to service_role;
    grant usage, select on all sequences in schema cart_recovery to service_role;
    grant execute on all functions in schema cart_recovery to service_role;
    alter default privileges in schema cart_recovery grant select, insert, update, delete on tables to service_role;
    alter default privileges in schema cart_recovery grant usage, select on sequences to service_role;
    alter default privileges in schema cart_recovery grant execute on functions to service_role;
    for f in select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
             where n.nspname = 'public' and p.proname like 'cart\_recovery\_%' loop
      execute format('grant execute on function %s to service_role', f);
    end loop;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (4, 'enrollment_contact_and_grants');

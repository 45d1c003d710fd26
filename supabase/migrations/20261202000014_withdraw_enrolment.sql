-- Cart Recovery store, version 14: an enrolment n8n could not start is withdrawn (issue 16).
--   The Abandoned Cart Trigger records a cart event (record_cart_event enrols the cart in one transaction) and only
--   then asks n8n to start the recovery flow. If n8n cannot create that execution (its own database timed out, its
--   queue is down), the shop gets an error and retries — but its retry used to meet the event id already recorded
--   and was answered as a duplicate: the cart stayed enrolled with no flow running for it. withdraw_enrolment undoes
--   that enrolment, so the retry enrols the cart again and starts its flow.

-- Undoes the enrolment p_event made: forgets the event's ids (event_id and its dedup keys, all recorded in that
-- transaction) and puts the cart back to 'active' with no recovery started. Only that enrolment: the cart must still
-- be recovering since the moment the event was recorded (both are that transaction's now()), and nothing of the
-- sequence may have happened to it since (no message claimed, no skip, no discount code) — a flow that started after
-- all keeps its cart. Returns { withdrawn, reason, cart_status }, reason one of 'withdrawn', 'unknown_event',
-- 'not_enrolled_by_event', 'sequence_started'.
create or replace function public.cart_recovery_withdraw_enrolment(p_event jsonb) returns jsonb
language plpgsql as $$
declare
  v_source   text := p_event ->> 'source';
  v_event_id text := p_event ->> 'event_id';
  v_cart_id  text := p_event ->> 'cart_id';
  v_recorded timestamptz;
  v_cart     cart_recovery.carts;
begin
  if v_source is null or v_event_id is null or v_cart_id is null then
    raise exception 'cart event needs source, event_id and cart_id' using errcode = '22023';
  end if;
  select received_at into v_recorded from cart_recovery.inbound_events where source = v_source and event_id = v_event_id;
  if v_recorded is null then
    return jsonb_build_object('withdrawn', false, 'reason', 'unknown_event', 'cart_status', null);
  end if;
  select * into v_cart from cart_recovery.carts where cart_id = v_cart_id for update;
  if v_cart.status is distinct from 'recovering' or v_cart.recovery_started_at is distinct from v_recorded then
    return jsonb_build_object('withdrawn', false, 'reason', 'not_enrolled_by_event', 'cart_status', v_cart.status);
  end if;
  if exists (select 1 from cart_recovery.messages where cart_id = v_cart_id)
     or exists (select 1 from cart_recovery.skips where cart_id = v_cart_id)
     or exists (select 1 from cart_recovery.discount_codes where cart_id = v_cart_id) then
    return jsonb_build_object('withdrawn', false, 'reason', 'sequence_started', 'cart_status', v_cart.status);
  end if;
  -- The event's dedup keys were inserted with it, in one statement: same source, same received_at.
  delete from cart_recovery.inbound_events where source = v_source and received_at = v_recorded
    and (event_id = v_event_id or event_id in (
      select jsonb_array_elements_text(case when jsonb_typeof(p_event -> 'dedup_keys') = 'array' then p_event -> 'dedup_keys' end)));
  update cart_recovery.carts set status = 'active', recovery_started_at = null, updated_at = now()
  where cart_id = v_cart_id returning * into v_cart;
  return jsonb_build_object('withdrawn', true, 'reason', 'withdrawn', 'cart_status', v_cart.status);
end
$$;

-- Privileges, as in versions 6 to 13.
revoke execute on function public.cart_recovery_withdraw_enrolment(jsonb) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_withdraw_enrolment(jsonb) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_withdraw_enrolment(jsonb) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (14, 'withdraw_enrolment');

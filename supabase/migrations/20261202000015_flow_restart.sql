-- Cart Recovery store, version 15: a recovery flow a dead n8n worker stopped is started again (issue 16).
--   n8n 2.x never runs a queue-mode job again once its worker died (Bull's maxStalledCount is 0): it fails the
--   execution and replaces its data with the error, so n8n's own Retry has nothing to resume. What n8n does do is
--   run the workflow's Error Trigger with the failed execution's id. The store therefore keeps, per cart, the id of
--   the n8n execution that runs its flow (noted by the Abandoned Cart Trigger as soon as n8n created it, and by Cart
--   Check at every stage, in the call that reads the cart), and restart_flow turns a failed execution's id back into
--   its cart and the stage its flow should go on from.

create table cart_recovery.flows (
  cart_id              text primary key references cart_recovery.carts (cart_id) on delete cascade,
  execution_id         text not null,
  checked_at           timestamptz not null default now(),
  restarts             integer not null default 0,
  restarted_at         timestamptz,
  stopped_execution_id text
);
create index flows_execution on cart_recovery.flows (execution_id);
create index flows_stopped_execution on cart_recovery.flows (stopped_execution_id) where stopped_execution_id is not null;

-- get_cart, and notes which n8n execution runs the cart's flow (p_execution_id; null notes nothing). One round trip:
-- Cart Check reads the cart at every stage anyway.
create or replace function public.cart_recovery_check_cart(p_cart_id text, p_execution_id text default null)
returns jsonb language plpgsql as $$
declare
  v_cart cart_recovery.carts;
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
  return cart_recovery.cart_json(v_cart);
end
$$;

-- Starts the flow execution p_execution_id ran again, once: returns { restarted, reason, cart_id, resume_stage,
-- restarts, cart }. resume_stage is the first stage after the last one that reached the customer (a message sent,
-- delivered, failed at the provider, or claimed and never confirmed: none of those is sent again), 1 when none did.
-- reason when not restarted: 'unknown_execution' (no cart's flow ran in it: another workflow's run, a note the
-- trigger could not write, or the customer was erased since), 'already_restarted', 'bought' (converted or recovered), 'not_in_recovery'.
create or replace function public.cart_recovery_restart_flow(p_execution_id text) returns jsonb
language plpgsql as $$
declare
  v_flow  cart_recovery.flows;
  v_cart  cart_recovery.carts;
  v_stage integer;
begin
  if nullif(trim(p_execution_id), '') is null then
    raise exception 'execution id is empty' using errcode = '22023';
  end if;
  if exists (select 1 from cart_recovery.flows where stopped_execution_id = trim(p_execution_id)) then
    return jsonb_build_object('restarted', false, 'reason', 'already_restarted',
      'cart_id', (select cart_id from cart_recovery.flows where stopped_execution_id = trim(p_execution_id) limit 1));
  end if;
  select * into v_flow from cart_recovery.flows where execution_id = trim(p_execution_id) for update;
  if not found then
    return jsonb_build_object('restarted', false, 'reason', 'unknown_execution', 'cart_id', null);
  end if;
  select * into v_cart from cart_recovery.carts where cart_id = v_flow.cart_id;
  if v_cart.status in ('converted', 'recovered') then
    return jsonb_build_object('restarted', false, 'reason', 'bought', 'cart_id', v_cart.cart_id, 'cart_status', v_cart.status);
  end if;
  if v_cart.status is distinct from 'recovering' then
    return jsonb_build_object('restarted', false, 'reason', 'not_in_recovery', 'cart_id', v_cart.cart_id, 'cart_status', v_cart.status);
  end if;
  select coalesce(max(stage), 0) + 1 into v_stage from cart_recovery.messages
  where cart_id = v_cart.cart_id and status <> 'released';
  update cart_recovery.flows set restarts = restarts + 1, restarted_at = now(), stopped_execution_id = trim(p_execution_id)
  where cart_id = v_cart.cart_id returning * into v_flow;
  return jsonb_build_object('restarted', true, 'reason', 'restarted', 'cart_id', v_cart.cart_id, 'cart_status', v_cart.status,
    'resume_stage', v_stage, 'restarts', v_flow.restarts, 'cart', cart_recovery.cart_json(v_cart));
end
$$;

-- Privileges, as in versions 6 to 14 (the new table follows the schema's default privileges of version 4).
revoke execute on function public.cart_recovery_check_cart(text, text) from public;
revoke execute on function public.cart_recovery_restart_flow(text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_check_cart(text, text) from public, anon, authenticated;
    revoke all on function public.cart_recovery_restart_flow(text) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_check_cart(text, text) to service_role;
    grant execute on function public.cart_recovery_restart_flow(text) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (15, 'flow_restart');

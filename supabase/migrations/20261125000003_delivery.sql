-- Cart Recovery store, version 3: delivery. One call that applies the per-customer frequency cap and claims
-- the message (cart, stage, channel) atomically, so several n8n workers can never both pass the cap.

create index if not exists messages_channel_claimed on cart_recovery.messages (channel, claimed_at desc);

-- Claims message (cart, stage, channel) like cart_recovery_claim_message, after checking the frequency cap:
-- at most p_cap_max messages on p_channel to the cart's customer (carts.customer_key: customer id, else email,
-- else phone) within p_cap_window_seconds, counting every message that is being sent or was sent (released
-- and failed ones reached nobody). Callers for the same customer and channel are serialised by an advisory
-- lock held until the call's transaction ends, so the count and the claim cannot interleave.
-- Returns the claim_message result plus 'reason':
--   claimed = true                      reason 'claimed'
--   claimed = false, key already held    reason 'already_claimed' (status tells sent / queued / failed …)
--   claimed = false, over the cap        reason 'frequency_cap', next_allowed_at (when a slot frees), recent
-- A cap of null or 0 turns the check off.
create or replace function public.cart_recovery_claim_delivery(
  p_cart_id text, p_stage integer, p_channel text, p_campaign text default null, p_variant text default null,
  p_cap_max integer default null, p_cap_window_seconds integer default null
) returns jsonb language plpgsql as $$
declare
  v_key    text;
  v_msg    cart_recovery.messages;
  v_recent integer;
  v_next   timestamptz;
  v_claim  jsonb;
  v_capped boolean;
begin
  select c.customer_key into v_key from cart_recovery.carts c where c.cart_id = p_cart_id;
  if not found then
    raise exception 'unknown cart %', p_cart_id using errcode = 'P0002';
  end if;
  if p_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
    raise exception 'unknown channel %', p_channel using errcode = '22023';
  end if;

  v_capped := coalesce(p_cap_max, 0) > 0 and coalesce(p_cap_window_seconds, 0) > 0 and v_key is not null;
  if v_capped then
    perform pg_advisory_xact_lock(hashtext('cart_recovery.cap:' || p_channel || ':' || v_key));
  end if;

  -- The key is already held (or done): no cap question, the answer is the existing message. Checked under
  -- the lock, so a duplicate of a message being claimed right now reads as already claimed, not as capped.
  select * into v_msg from cart_recovery.messages m
  where m.cart_id = p_cart_id and m.stage = p_stage and m.channel = p_channel;
  if found and v_msg.status <> 'released' then
    return jsonb_build_object('claimed', false, 'reason', 'already_claimed', 'message_id', v_msg.message_id,
                              'status', v_msg.status, 'attempts', v_msg.attempts, 'provider_id', v_msg.provider_id);
  end if;

  if v_capped then
    select count(*) into v_recent
    from cart_recovery.messages m join cart_recovery.carts c on c.cart_id = m.cart_id
    where c.customer_key = v_key and m.channel = p_channel and m.status not in ('released', 'failed')
      and coalesce(m.sent_at, m.claimed_at) > now() - make_interval(secs => p_cap_window_seconds);
    if v_recent >= p_cap_max then
      -- The slot frees when the p_cap_max-th most recent message leaves the window.
      select t + make_interval(secs => p_cap_window_seconds) into v_next from (
        select coalesce(m.sent_at, m.claimed_at) as t
        from cart_recovery.messages m join cart_recovery.carts c on c.cart_id = m.cart_id
        where c.customer_key = v_key and m.channel = p_channel and m.status not in ('released', 'failed')
          and coalesce(m.sent_at, m.claimed_at) > now() - make_interval(secs => p_cap_window_seconds)
        order by 1 desc offset p_cap_max - 1 limit 1) s;
      return jsonb_build_object('claimed', false, 'reason', 'frequency_cap', 'recent', v_recent,
                                'next_allowed_at', v_next);
    end if;
  end if;

  v_claim := public.cart_recovery_claim_message(p_cart_id, p_stage, p_channel, p_campaign, p_variant);
  return v_claim || jsonb_build_object('reason', case when (v_claim ->> 'claimed')::boolean then 'claimed' else 'already_claimed' end);
end
$$;

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_claim_delivery(text, integer, text, text, text, integer, integer) from public, anon, authenticated;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (3, 'delivery');

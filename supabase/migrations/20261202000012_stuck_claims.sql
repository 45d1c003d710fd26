-- Cart Recovery store, version 12: messages stuck in 'queued' (issue 16).
-- A send node claims (cart, stage, channel), calls the provider, then records the result. A sender that dies between
-- the claim and the record (a worker killed, the store unreachable for the record) leaves the message 'queued' for
-- ever: nobody knows whether the customer got it, and the claim keeps every later run from sending it (at most
-- once). settle_stuck_messages finds them and settles each one, never by sending:
--   * 'sent' when a provider event proves the message went out: a status event recorded for it (its id comes back
--     in SendGrid's custom_args, Twilio's status callback URL and WhatsApp's biz_opaque_callback_data), or the
--     customer's own answer to it — a button of this cart pressed on this channel, a SendGrid unsubscribe or spam
--     report naming it — when no other message of the cart on that channel could have carried it;
--   * else 'unknown' (new status): it may or may not have reached the customer; a person decides. It stays claimed,
--     so it is never sent again by itself; it is not counted as sent by the report (no sent_at); the frequency cap
--     counts it, as it may have reached the customer; a provider event that arrives later still moves it on.
-- messages gets settled_at and settle_note (what was decided and on what evidence).

alter table cart_recovery.messages drop constraint if exists messages_status_check;
alter table cart_recovery.messages add constraint messages_status_check
  check (status in ('queued', 'released', 'sent', 'delivered', 'opened', 'read', 'clicked', 'failed', 'bounced', 'unknown'));
alter table cart_recovery.messages
  add column if not exists settled_at timestamptz,
  add column if not exists settle_note text;
-- The settle call reads the oldest claims still queued; few rows are queued at any time.
create index if not exists messages_queued_claimed on cart_recovery.messages (claimed_at) where status = 'queued';

-- The provider as its own brand writes it.
create or replace function cart_recovery.provider_label(p_provider text)
returns text language sql immutable as $$
  select case p_provider when 'sendgrid' then 'SendGrid' when 'twilio' then 'Twilio' when 'meta' then 'Meta' else p_provider end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- A late provider event still settles an 'unknown' message (as version 7, with 'unknown' waiting like 'queued').
-- ---------------------------------------------------------------------------------------------------------
create or replace function cart_recovery.status_rank(p_status text)
returns integer language sql immutable as $$
  select case p_status
    when 'queued' then 0 when 'released' then 0 when 'unknown' then 0
    when 'sent' then 1 when 'processed' then 1 when 'deferred' then 1
    when 'delivered' then 2
    when 'opened' then 3 when 'read' then 3
    when 'clicked' then 4
  end
$$;

create or replace function cart_recovery.apply_message_status(
  p_message_id uuid, p_provider text, p_status text, p_at timestamptz, p_machine boolean, p_permanent boolean,
  p_error_code text, p_error_detail text, p_provider_id text
) returns jsonb language plpgsql as $$
declare
  v_msg     cart_recovery.messages;
  v_prev    text;
  v_failure boolean := p_status in ('bounced', 'failed', 'dropped');
  v_target  text := case p_status when 'dropped' then 'failed' when 'processed' then 'sent' when 'deferred' then 'sent'
                                  else p_status end;
  v_waiting boolean;
  v_new     text;
  v_failed  boolean;
begin
  select * into v_msg from cart_recovery.messages m where m.message_id = p_message_id for update;
  v_prev := v_msg.status;
  v_waiting := v_prev in ('queued', 'released', 'unknown');
  if v_failure then
    v_new := case when v_prev in ('queued', 'released', 'unknown', 'sent', 'delivered') then v_target else v_prev end;
  elsif p_status = 'opened' and p_machine then
    v_new := case when v_waiting then 'sent' else v_prev end;
  elsif v_prev in ('failed', 'bounced') then
    v_new := v_prev;
  elsif cart_recovery.status_rank(v_target) > cart_recovery.status_rank(v_prev) then
    v_new := v_target;
  else
    v_new := v_prev;
  end if;
  v_failed := v_new in ('failed', 'bounced') and v_failure;

  update cart_recovery.messages m set
    status = v_new,
    claim_token = case when v_waiting and v_new <> v_prev then gen_random_uuid() else m.claim_token end,
    sent_at = case when v_waiting and not v_failure then coalesce(m.sent_at, p_at) else m.sent_at end,
    provider_id = coalesce(m.provider_id,
                           case when p_provider = 'sendgrid' then split_part(p_provider_id, '.', 1) else p_provider_id end),
    delivered_at = case when p_status = 'delivered' then coalesce(m.delivered_at, p_at) else m.delivered_at end,
    opened_at = case when p_status = 'opened' and not p_machine then coalesce(m.opened_at, p_at) else m.opened_at end,
    machine_opened_at = case when p_status = 'opened' and p_machine then coalesce(m.machine_opened_at, p_at)
                             else m.machine_opened_at end,
    read_at = case when p_status = 'read' then coalesce(m.read_at, p_at) else m.read_at end,
    clicked_at = case when p_status = 'clicked' then coalesce(m.clicked_at, p_at) else m.clicked_at end,
    failed_at = case when v_failed then coalesce(m.failed_at, p_at) else m.failed_at end,
    error_code = case when v_failed then coalesce(p_error_code, m.error_code) else m.error_code end,
    permanent_failure = case when v_failed then coalesce(m.permanent_failure, false) or coalesce(p_permanent, false)
                             else m.permanent_failure end,
    -- An 'unknown' message's reason no longer holds once the provider speaks.
    error = case when v_failed then coalesce(left(p_error_detail, 500), m.error)
                 when v_prev = 'unknown' and v_new <> v_prev then null else m.error end,
    settle_note = case when v_prev = 'unknown' and v_new <> v_prev
                       then concat_ws(' ', m.settle_note, format('%s reported %s later.', cart_recovery.provider_label(p_provider), p_status))
                       else m.settle_note end,
    last_event_at = greatest(m.last_event_at, p_at),
    updated_at = now()
  where m.message_id = p_message_id
  returning * into v_msg;

  if p_status = 'clicked' then
    update cart_recovery.carts c set returned_at = coalesce(c.returned_at, p_at), updated_at = now()
    where c.cart_id = v_msg.cart_id and c.status = 'recovering';
  end if;

  return jsonb_build_object('message', cart_recovery.message_event_json(v_msg, v_prev),
    'effect', case when v_waiting and v_new <> v_prev then 'completed_queued'
                   when v_new <> v_prev then 'status_advanced' else 'status_kept' end);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- What proves a stuck message went out
-- ---------------------------------------------------------------------------------------------------------

-- The first event that proves message m reached its provider (or the customer), or null:
--   1. a delivery status recorded for the message itself (any status, a bounce too: the provider had it);
--   2. the customer's answer to it: on the message's channel, after its claim, naming its cart — a button, postback,
--      quick reply or list choice our send nodes put there (action code / later / stop / cart), or a SendGrid
--      unsubscribe or spam report (SendGrid names the message) — when no other message of the cart on the channel
--      had been sent by then (the answer could belong to that one: then it proves nothing).
-- Returns { kind: provider_status | customer_answer, provider, what, at } or, for an answer that may belong to another
-- message, { kind: ambiguous_answer, … }.
create or replace function cart_recovery.stuck_message_evidence(m cart_recovery.messages)
returns jsonb language plpgsql stable as $$
declare
  v_event cart_recovery.channel_events;
  v_other boolean;
begin
  select * into v_event from cart_recovery.channel_events e
  where e.message_id = m.message_id and e.kind = 'status'
  order by e.occurred_at, e.event_id limit 1;
  if found then
    return jsonb_build_object('kind', 'provider_status', 'provider', v_event.provider, 'what', v_event.status, 'at', v_event.occurred_at);
  end if;

  select * into v_event from cart_recovery.channel_events e
  where e.cart_id = m.cart_id and e.channel = m.channel and e.occurred_at >= m.claimed_at
    and ((e.kind = 'reply' and e.action is not null)
         or (e.kind = 'opt_out' and e.provider = 'sendgrid' and e.source in ('sendgrid_unsubscribe', 'sendgrid_spamreport')))
  order by e.occurred_at, e.event_id limit 1;
  if not found then
    return null;
  end if;
  select exists (select 1 from cart_recovery.messages o
                 where o.cart_id = m.cart_id and o.channel = m.channel and o.message_id <> m.message_id
                   and o.sent_at is not null and o.sent_at <= v_event.occurred_at) into v_other;
  return jsonb_build_object('kind', case when v_other then 'ambiguous_answer' else 'customer_answer' end,
    'provider', v_event.provider,
    'what', case when v_event.kind = 'reply' then coalesce(v_event.reply, 'reply') || ' ' || v_event.action
                 else replace(v_event.source, 'sendgrid_', '') end,
    'at', v_event.occurred_at);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- settle_stuck_messages
-- ---------------------------------------------------------------------------------------------------------

-- Lists the messages claimed more than p_older_than_seconds ago and still 'queued' (oldest first, at most p_max) and,
-- unless p_dry_run, settles each: 'sent' on evidence (stuck_message_evidence), else 'unknown' with the reason. Never
-- sends, never gives a claim back: the (cart, stage, channel) stays taken. Rows another settle call is working on are
-- skipped (skip locked), so two schedules running at once settle each message once.
-- Returns { dry_run, older_than_seconds, checked_at, found, sent, unknown, more,
--           messages: [{ message_id, cart_id, stage, channel, customer (masked), campaign, attempts, claimed_at,
--                        age_seconds, outcome: sent | unknown, settled, evidence, reason }] }.
-- Refuses (22023) a threshold under 60 seconds (a sender may still be working) and a p_max outside 1…1000.
create or replace function public.cart_recovery_settle_stuck_messages(
  p_older_than_seconds integer default 1800, p_max integer default 100, p_dry_run boolean default false
) returns jsonb language plpgsql as $$
declare
  v_now      timestamptz := now();
  v_msg      cart_recovery.messages;
  v_cart     cart_recovery.carts;
  v_evidence jsonb;
  v_event    cart_recovery.channel_events;
  v_outcome  text;
  v_reason   text;
  v_rows     jsonb := '[]'::jsonb;
  v_sent     integer := 0;
  v_unknown  integer := 0;
  v_more     boolean;
begin
  if p_older_than_seconds is null or p_older_than_seconds < 60 then
    raise exception 'older than must be at least 60 seconds (a sender may still be working on a younger claim), not %', p_older_than_seconds
      using errcode = '22023';
  end if;
  if p_max is null or p_max < 1 or p_max > 1000 then
    raise exception 'max messages must be between 1 and 1000, not %', p_max using errcode = '22023';
  end if;

  for v_msg in
    select * from cart_recovery.messages m
    where m.status = 'queued' and m.claimed_at < v_now - make_interval(secs => p_older_than_seconds)
    order by m.claimed_at, m.cart_id, m.stage, m.channel
    limit p_max
    for update skip locked
  loop
    select * into v_cart from cart_recovery.carts c where c.cart_id = v_msg.cart_id;
    v_evidence := cart_recovery.stuck_message_evidence(v_msg);
    if v_evidence ->> 'kind' in ('provider_status', 'customer_answer') then
      v_outcome := 'sent';
      v_reason := format(case when v_evidence ->> 'kind' = 'customer_answer'
                              then 'Confirmed sent: the customer answered it (%s: %s at %s). The sender stopped before recording it.'
                              else 'Confirmed sent: %s reported it %s at %s. The sender stopped before recording it.' end,
        cart_recovery.provider_label(v_evidence ->> 'provider'), replace(v_evidence ->> 'what', '_', ' '),
        to_char((v_evidence ->> 'at')::timestamptz at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'));
    else
      v_outcome := 'unknown';
      v_reason := format('Outcome unknown: claimed %s min ago, the sender stopped before recording the provider''s answer, and no provider event proves it was sent%s. It is not sent again automatically; check the provider''s log and decide.',
        floor(extract(epoch from v_now - v_msg.claimed_at) / 60)::bigint,
        case when v_evidence ->> 'kind' = 'ambiguous_answer'
             then format(' (%s reported %s at %s, which may answer an earlier message on this channel)',
                         cart_recovery.provider_label(v_evidence ->> 'provider'), replace(v_evidence ->> 'what', '_', ' '),
                         to_char((v_evidence ->> 'at')::timestamptz at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'))
             else '' end);
    end if;

    if not p_dry_run then
      if v_outcome = 'sent' then
        -- Sent right after the claim: the sender calls the provider as soon as it holds it. Its own status events, if
        -- any, then move it as they would have on arrival (delivered, opened, or bounced).
        update cart_recovery.messages m set status = 'sent', sent_at = m.claimed_at, claim_token = gen_random_uuid(),
          settled_at = v_now, settle_note = v_reason, updated_at = v_now
        where m.message_id = v_msg.message_id;
        for v_event in
          select * from cart_recovery.channel_events e
          where e.message_id = v_msg.message_id and e.kind = 'status' order by e.occurred_at, e.event_id
        loop
          perform cart_recovery.apply_message_status(v_msg.message_id, v_event.provider, v_event.status, v_event.occurred_at,
                                                     v_event.machine, v_event.permanent, v_event.error_code, null, null);
        end loop;
        v_sent := v_sent + 1;
      else
        -- The claim token is kept: the record of a sender that was only slow is the one thing that could still tell.
        update cart_recovery.messages m set status = 'unknown', error = left(v_reason, 500),
          settled_at = v_now, settle_note = v_reason, updated_at = v_now
        where m.message_id = v_msg.message_id;
        v_unknown := v_unknown + 1;
      end if;
    end if;

    v_rows := v_rows || jsonb_build_array(jsonb_build_object(
      'message_id', v_msg.message_id, 'cart_id', v_msg.cart_id, 'stage', v_msg.stage, 'channel', v_msg.channel,
      'customer', coalesce(cart_recovery.masked_customer(v_cart.first_name, v_cart.email, v_cart.phone), v_cart.customer_id, ''),
      'campaign', v_msg.campaign, 'attempts', v_msg.attempts, 'claimed_at', v_msg.claimed_at,
      'age_seconds', floor(extract(epoch from v_now - v_msg.claimed_at))::bigint,
      'outcome', v_outcome, 'settled', not p_dry_run, 'evidence', v_evidence, 'reason', v_reason));
  end loop;

  -- Settled rows are no longer queued: after a real run whatever is still old and queued is more; a dry run changed nothing.
  select count(*) > case when p_dry_run then jsonb_array_length(v_rows) else 0 end into v_more from (
    select 1 from cart_recovery.messages m
    where m.status = 'queued' and m.claimed_at < v_now - make_interval(secs => p_older_than_seconds)
    limit p_max + 1) x;

  return jsonb_build_object('dry_run', p_dry_run, 'older_than_seconds', p_older_than_seconds, 'checked_at', v_now,
    'found', jsonb_array_length(v_rows), 'sent', v_sent, 'unknown', v_unknown, 'more', coalesce(v_more, false),
    'messages', v_rows);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Privileges, as in versions 6 to 10: the service role only.
-- ---------------------------------------------------------------------------------------------------------
revoke execute on function public.cart_recovery_settle_stuck_messages(integer, integer, boolean) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_settle_stuck_messages(integer, integer, boolean) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_settle_stuck_messages(integer, integer, boolean) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (12, 'stuck_claims');

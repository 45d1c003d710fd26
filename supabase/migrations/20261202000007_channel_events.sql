-- Cart Recovery store, version 7: channel events (delivery statuses, replies, opt-outs from SendGrid, Twilio and
-- Meta), one atomic store call per event.
--   * messages: the 'read' status (WhatsApp / Messenger / Twilio read receipts) and what the providers tell about a
--     message: error_code, permanent_failure, read_at, machine_opened_at (an open by a mail client's privacy proxy,
--     left out of open rates) and last_event_at.
--   * channel_events: the dedup register of provider events (primary key provider + event id) with what each one
--     changed. It holds no address and no text: the proof of an opt-out goes to consent_events through
--     withdraw_consent, and a row leaves with its cart or message (on delete cascade) or after the retention period.
--   * record_channel_event: the normalised event (lib/events/types.ts, snake_case) in, the whole answer out: the
--     message and cart it concerns, whether consent was withdrawn, the service window and the cart's live discount
--     code, so the Channel Events Trigger needs no second call to answer a "send me the code" reply.
--   * purge removes channel events received before the retention cutoff.

-- ---------------------------------------------------------------------------------------------------------
-- messages
-- ---------------------------------------------------------------------------------------------------------
alter table cart_recovery.messages drop constraint if exists messages_status_check;
alter table cart_recovery.messages add constraint messages_status_check
  check (status in ('queued', 'released', 'sent', 'delivered', 'opened', 'read', 'clicked', 'failed', 'bounced'));
alter table cart_recovery.messages
  add column if not exists error_code text,
  add column if not exists permanent_failure boolean,
  add column if not exists read_at timestamptz,
  add column if not exists machine_opened_at timestamptz,
  add column if not exists last_event_at timestamptz;

-- ---------------------------------------------------------------------------------------------------------
-- channel_events
-- ---------------------------------------------------------------------------------------------------------
create table cart_recovery.channel_events (
  provider    text not null check (provider in ('sendgrid', 'twilio', 'meta')),
  event_id    text not null check (length(event_id) between 1 and 200),
  channel     text not null check (channel in ('email', 'sms', 'messenger', 'whatsapp')),
  kind        text not null check (kind in ('status', 'reply', 'opt_out', 'opt_in')),
  status      text check (status in ('processed', 'deferred', 'sent', 'delivered', 'opened', 'read', 'clicked',
                                     'bounced', 'dropped', 'failed')),
  message_id  uuid references cart_recovery.messages (message_id) on delete cascade,
  cart_id     text references cart_recovery.carts (cart_id) on delete cascade,
  machine     boolean not null default false,
  permanent   boolean not null default false,
  error_code  text,
  reply       text check (reply in ('text', 'button', 'postback', 'quick_reply', 'list')),
  action      text check (action in ('code', 'later', 'stop', 'cart')),
  source      text,                 -- opt-out / opt-in: the provider's mechanism ('twilio_stop', …), never the text
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  effect      text,                 -- what the event changed (see record_channel_event)
  answered_at timestamptz,          -- a customer's message answered by Reply to Customer (claim_reply)
  primary key (provider, event_id)
);
create index channel_events_message on cart_recovery.channel_events (message_id) where message_id is not null;
create index channel_events_cart on cart_recovery.channel_events (cart_id) where cart_id is not null;
create index channel_events_occurred on cart_recovery.channel_events (occurred_at);
create index channel_events_received on cart_recovery.channel_events (received_at);

-- ---------------------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------------------

-- How far a message got; a status moves forward only. Failed and bounced are not on the ladder (null): they end
-- a message that had not reached the customer yet.
create or replace function cart_recovery.status_rank(p_status text)
returns integer language sql immutable as $$
  select case p_status
    when 'queued' then 0 when 'released' then 0
    when 'sent' then 1 when 'processed' then 1 when 'deferred' then 1
    when 'delivered' then 2
    when 'opened' then 3 when 'read' then 3
    when 'clicked' then 4
  end
$$;

create or replace function cart_recovery.message_event_json(m cart_recovery.messages, p_previous text)
returns jsonb language sql immutable as $$
  select case when m.message_id is null then null else jsonb_build_object(
    'message_id', m.message_id, 'cart_id', m.cart_id, 'stage', m.stage, 'channel', m.channel, 'status', m.status,
    'previous_status', p_previous) end
$$;

create or replace function cart_recovery.cart_event_json(c cart_recovery.carts)
returns jsonb language sql immutable as $$
  select case when c.cart_id is null then null else jsonb_build_object(
    'cart_id', c.cart_id, 'status', c.status, 'first_name', c.first_name, 'locale', c.locale, 'currency', c.currency,
    'returned_at', c.returned_at) end
$$;

-- The cart's code a customer can still use now (the latest stage's), or null.
create or replace function cart_recovery.cart_live_code(p_cart_id text)
returns jsonb language sql stable as $$
  select jsonb_build_object('code', d.code, 'kind', d.kind, 'amount', d.amount, 'currency', d.currency,
                            'valid_until', d.valid_until, 'stage', d.stage)
  from cart_recovery.discount_codes d
  where p_cart_id is not null and d.cart_id = p_cart_id and d.status = 'active' and d.valid_from <= now()
    and d.valid_until > now() and d.used_count < d.usage_limit
  order by d.stage desc nulls last, d.created_at desc
  limit 1
$$;

-- Whether the sender of an event (its normalised address, or WhatsApp BSUID) is the cart's contact on the channel.
create or replace function cart_recovery.cart_has_contact(c cart_recovery.carts, p_channel text, p_address text, p_bsuid text)
returns boolean language sql stable as $$
  select coalesce(case p_channel
    when 'email' then lower(c.email) = p_address
    when 'sms' then cart_recovery.normalise_address('sms', c.phone) = p_address
    when 'whatsapp' then c.whatsapp_phone = p_address or cart_recovery.normalise_address('sms', c.phone) = p_address
                         or c.whatsapp_bsuid = p_bsuid
    when 'messenger' then c.messenger_psid = p_address
  end, false)
$$;

-- Withdraws consent for everything a channel event names: its address and, on WhatsApp, the business-scoped user
-- id and every number the same person wrote from or shopped with under it (sends are checked by number, Meta may
-- report a stop by user id only). Returns whether any consent changed.
create or replace function cart_recovery.withdraw_for_event(
  p_source text, p_channel text, p_address text, p_bsuid text, p_detail text, p_at timestamptz
) returns boolean language plpgsql as $$
declare
  v_changed boolean := false;
  v_target  text;
begin
  for v_target in
    select a.v from unnest(array[p_address, p_bsuid]) as a(v) where a.v is not null
    union
    select m.address from cart_recovery.inbound_messages m
    where p_channel = 'whatsapp' and p_bsuid is not null and m.channel = 'whatsapp' and m.bsuid = p_bsuid and m.address is not null
    union
    select c.whatsapp_phone from cart_recovery.carts c
    where p_channel = 'whatsapp' and p_bsuid is not null and c.whatsapp_bsuid = p_bsuid and c.whatsapp_phone is not null
  loop
    v_changed := coalesce((public.cart_recovery_withdraw_consent(p_source, p_channel, v_target, null, p_detail, p_at) ->> 'changed')::boolean, false)
                 or v_changed;
  end loop;
  return v_changed;
end
$$;

-- The cart a reply or opt-out concerns. The cart named by a button payload, when the sender is its contact or
-- answered one of its messages (a payload alone names any cart id, and a "code" reply returns the cart's code);
-- else the cart of the message answered; else the sender's latest cart in recovery.
create or replace function cart_recovery.event_cart(
  p_channel text, p_address text, p_bsuid text, p_cart_id text, p_in_reply_to text, p_message_id uuid
) returns cart_recovery.carts language plpgsql stable as $$
declare
  v_cart cart_recovery.carts;
  v_answered text;
begin
  if nullif(p_in_reply_to, '') is not null then
    select m.cart_id into v_answered from cart_recovery.messages m
    where m.provider_id = p_in_reply_to and m.channel = p_channel
    order by m.claimed_at desc limit 1;
  end if;
  if v_answered is null and p_message_id is not null then
    select m.cart_id into v_answered from cart_recovery.messages m where m.message_id = p_message_id;
  end if;
  if nullif(p_cart_id, '') is not null then
    select * into v_cart from cart_recovery.carts c where c.cart_id = p_cart_id;
    if found and (v_answered = v_cart.cart_id or cart_recovery.cart_has_contact(v_cart, p_channel, p_address, p_bsuid)) then
      return v_cart;
    end if;
    v_cart := null;
  end if;
  if v_answered is not null then
    select * into v_cart from cart_recovery.carts c where c.cart_id = v_answered;
    if found then return v_cart; end if;
  end if;
  if p_address is null and p_bsuid is null then
    return null;
  end if;
  select * into v_cart from cart_recovery.carts c
  where c.status = 'recovering' and cart_recovery.cart_has_contact(c, p_channel, p_address, p_bsuid)
  order by c.recovery_started_at desc nulls last, c.last_activity_at desc
  limit 1;
  return v_cart;
end
$$;

-- Applies one provider status to one message, forward only:
--   queued 0 < sent / processed / deferred 1 < delivered 2 < opened / read 3 < clicked 4. processed, deferred
--   and sent change nothing but a message still queued (or released): the provider has it, so it is completed
--   as sent under a fresh claim token, and the sender's own late complete_message finds its token gone.
--   bounced / failed / dropped (stored as failed) end a message not yet opened, read or clicked, with the
--   provider's error code. A machine open is recorded in machine_opened_at only. A click marks the cart returned
--   (it stays in recovery: the sequence goes on until an order arrives).
-- Every time the provider reports is kept once (coalesce), whatever the status does.
-- Returns { message: {…}, effect: status_advanced | status_kept | completed_queued }.
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
  v_waiting := v_prev in ('queued', 'released');
  if v_failure then
    v_new := case when v_prev in ('queued', 'released', 'sent', 'delivered') then v_target else v_prev end;
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
    -- SendGrid's events carry sg_message_id, the X-Message-Id the send node stores plus ".filter…".
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
    error = case when v_failed then coalesce(left(p_error_detail, 500), m.error) else m.error end,
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
-- record_channel_event
-- ---------------------------------------------------------------------------------------------------------

-- Records one channel event in one call. p_event: the normalised event of lib/events/types.ts in snake_case:
--   { provider, channel, event_id, kind: status | reply | opt_out | opt_in, at, address,
--     status, message_id, provider_id, watermark, error_code, error_detail, permanent, machine, url,   (status)
--     reply, text, payload, action, cart_id, in_reply_to, bsuid,                                        (reply)
--     source, detail }                                                                          (opt_out, opt_in)
-- text, url and profile names are never stored. A provider delivering the same event again (same provider +
-- event_id) gets duplicate = true and changes nothing.
--   status   the message by our message_id, else by provider_id (SendGrid: sg_message_id's X-Message-Id part);
--            Messenger delivery / read receipts (watermark, ms since the epoch) cover every message sent to the
--            PSID up to the watermark. See apply_message_status for the rules. No message: 'unknown_message'.
--   reply    WhatsApp / Messenger: the customer's message opens the 24-hour service window
--            (record_inbound_message). The cart: see event_cart. action code / cart marks a recovering cart
--            returned; action stop withdraws consent (source button_stop).
--   opt_out  withdraws consent for the address (a WhatsApp BSUID when there is no number) on the channel, with
--            source and detail as the proof, whether or not consent was ever given.
--   opt_in   recorded only: consent needs its own express proof (record_consent).
-- An erased (suppressed) sender: nothing personal is stored (no inbound message, no consent row, no cart found by
-- address; the register keeps a hash of the event id, which may name a PSID); effect 'suppressed'.
-- Returns { duplicate, recorded, found, kind, channel, effect, messages_updated, message, cart, consent_withdrawn,
--           window_open_until, code }; effect: status_advanced | status_kept | completed_queued | unknown_message |
--           window_opened | returned | consent_withdrawn | recorded_only | suppressed | duplicate.
create or replace function public.cart_recovery_record_channel_event(p_event jsonb)
returns jsonb language plpgsql as $$
declare
  v_provider   text := p_event ->> 'provider';
  v_channel    text := p_event ->> 'channel';
  v_event_id   text := p_event ->> 'event_id';
  v_kind       text := p_event ->> 'kind';
  v_status     text := nullif(p_event ->> 'status', '');
  v_reply      text := nullif(p_event ->> 'reply', '');
  v_action     text := nullif(p_event ->> 'action', '');
  v_pid        text := nullif(btrim(coalesce(p_event ->> 'provider_id', '')), '');
  v_wm_text    text := nullif(btrim(coalesce(p_event ->> 'watermark', '')), '');
  v_machine    boolean := coalesce((p_event ->> 'machine')::boolean, false);
  v_permanent  boolean := coalesce((p_event ->> 'permanent')::boolean, false);
  v_at         timestamptz;
  v_mid        uuid;
  v_wm         timestamptz;
  v_addr       text;
  v_bsuid      text := nullif(btrim(coalesce(p_event ->> 'bsuid', '')), '');
  v_suppressed boolean;
  v_row        cart_recovery.channel_events;
  v_msg        cart_recovery.messages;
  v_cart       cart_recovery.carts;
  v_applied    jsonb;
  v_message    jsonb;
  v_effect     text;
  v_found      boolean := false;
  v_updated    integer := 0;
  v_withdrawn  boolean := false;
  v_until      timestamptz;
  v_id         uuid;
  v_stop       boolean;
begin
  -- ── Validation: every refusal names the key ───────────────────────────────────────────────────────────
  if v_provider is null or v_provider not in ('sendgrid', 'twilio', 'meta') then
    raise exception 'channel event "provider" must be sendgrid, twilio or meta, not "%"', coalesce(v_provider, 'null') using errcode = '22023';
  end if;
  if v_channel is null or v_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
    raise exception 'channel event "channel" must be email, sms, messenger or whatsapp, not "%"', coalesce(v_channel, 'null') using errcode = '22023';
  end if;
  if nullif(btrim(coalesce(v_event_id, '')), '') is null or length(v_event_id) > 200 then
    raise exception 'channel event "event_id" must be 1 to 200 characters' using errcode = '22023';
  end if;
  if v_kind is null or v_kind not in ('status', 'reply', 'opt_out', 'opt_in') then
    raise exception 'channel event "kind" must be status, reply, opt_out or opt_in, not "%"', coalesce(v_kind, 'null') using errcode = '22023';
  end if;
  begin
    v_at := (p_event ->> 'at')::timestamptz;
  exception when others then
    raise exception 'channel event "at" is not a time: "%"', p_event ->> 'at' using errcode = '22023';
  end;
  if v_at is null then
    raise exception 'channel event "at" is missing' using errcode = '22023';
  end if;
  if not isfinite(v_at) then
    raise exception 'channel event "at" is not a time: "%"', p_event ->> 'at' using errcode = '22023';
  end if;
  -- 5 minutes of slack for clocks; an event from the future would hold a service window open.
  if v_at > now() + interval '5 minutes' then
    raise exception 'channel event "at" (%) is in the future', v_at using errcode = '22023';
  end if;
  -- Providers echo whatever custom argument they were given: an id that is not ours is no id.
  if coalesce(p_event ->> 'message_id', '') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    v_mid := (p_event ->> 'message_id')::uuid;
  end if;
  if v_kind = 'status' then
    if v_status is null or v_status not in ('processed', 'deferred', 'sent', 'delivered', 'opened', 'read', 'clicked',
                                            'bounced', 'dropped', 'failed') then
      raise exception 'channel event "status" must be a delivery status (processed, deferred, sent, delivered, opened, read, clicked, bounced, dropped, failed), not "%"',
        coalesce(v_status, 'null') using errcode = '22023';
    end if;
    if v_wm_text is not null then
      if v_wm_text !~ '^[0-9]{1,16}$' then
        raise exception 'channel event "watermark" must be milliseconds since the epoch, not "%"', v_wm_text using errcode = '22023';
      end if;
      v_wm := to_timestamp(v_wm_text::numeric / 1000);
    end if;
  else
    v_status := null;
    v_machine := false;
    v_permanent := false;
  end if;
  if v_kind = 'reply' then
    if v_reply is null or v_reply not in ('text', 'button', 'postback', 'quick_reply', 'list') then
      raise exception 'channel event "reply" must be text, button, postback, quick_reply or list, not "%"', coalesce(v_reply, 'null') using errcode = '22023';
    end if;
    if v_action is not null and v_action not in ('code', 'later', 'stop', 'cart') then
      raise exception 'channel event "action" must be code, later, stop or cart, not "%"', v_action using errcode = '22023';
    end if;
  else
    v_reply := null;
    v_action := null;
  end if;
  if v_kind in ('opt_out', 'opt_in') and nullif(btrim(coalesce(p_event ->> 'source', '')), '') is null then
    raise exception 'channel event "source" is missing (e.g. twilio_stop, sendgrid_unsubscribe)' using errcode = '22023';
  end if;
  if v_bsuid is not null and (v_channel <> 'whatsapp' or not cart_recovery.is_bsuid(v_bsuid)) then
    raise exception 'channel event "bsuid" must be a WhatsApp business-scoped user id' using errcode = '22023';
  end if;

  -- Twilio names WhatsApp senders 'whatsapp:+36…'.
  v_addr := cart_recovery.normalise_address(v_channel, regexp_replace(coalesce(p_event ->> 'address', ''), '^whatsapp:', ''));
  if v_channel = 'whatsapp' and cart_recovery.is_bsuid(v_addr) then
    v_bsuid := coalesce(v_bsuid, v_addr);
    v_addr := null;
  end if;
  if v_kind = 'opt_out' and v_addr is null and v_bsuid is null then
    raise exception 'channel event "address" is missing: an opt-out needs the customer''s % address', v_channel using errcode = '22023';
  end if;
  if v_kind in ('reply', 'opt_out') and v_channel = 'whatsapp' and v_addr is not null and v_addr !~ '^\+[1-9][0-9]{6,14}$' then
    raise exception 'channel event "address" is not a WhatsApp number or business-scoped user id: "%"', p_event ->> 'address' using errcode = '22023';
  end if;

  -- An erased customer (GDPR Art. 17) left only salted hashes. Their events are still recorded (the dedup register
  -- must hold), but under a hash of the event id: a Messenger receipt's id names the PSID.
  v_suppressed := cart_recovery.is_suppressed(cart_recovery.address_kind(v_channel), v_addr)
               or cart_recovery.is_suppressed('bsuid', v_bsuid);
  if v_suppressed then
    v_event_id := 'suppressed:' || encode(sha256(convert_to(v_event_id, 'UTF8')), 'hex');
  end if;

  -- ── Dedup: the register row first, so a replay (or a concurrent twin) changes nothing ─────────────────
  insert into cart_recovery.channel_events (provider, event_id, channel, kind, status, machine, permanent, error_code,
                                            reply, action, source, occurred_at)
  values (v_provider, v_event_id, v_channel, v_kind, v_status, v_machine, v_permanent,
          left(nullif(p_event ->> 'error_code', ''), 100), v_reply, v_action,
          case when v_kind in ('opt_out', 'opt_in') then left(p_event ->> 'source', 100) end, v_at)
  on conflict (provider, event_id) do nothing
  returning * into v_row;
  if not found then
    select * into v_row from cart_recovery.channel_events e where e.provider = v_provider and e.event_id = v_event_id;
    select * into v_msg from cart_recovery.messages m where m.message_id = v_row.message_id;
    select * into v_cart from cart_recovery.carts c where c.cart_id = v_row.cart_id;
    return jsonb_build_object('duplicate', true, 'recorded', false, 'found', v_row.message_id is not null or v_row.cart_id is not null,
      'kind', v_row.kind, 'channel', v_row.channel, 'effect', 'duplicate', 'messages_updated', 0,
      'message', cart_recovery.message_event_json(v_msg, v_msg.status), 'cart', cart_recovery.cart_event_json(v_cart),
      'consent_withdrawn', false, 'window_open_until', null, 'code', null);
  end if;

  -- ── status ─────────────────────────────────────────────────────────────────────────────────────────────
  if v_kind = 'status' then
    if v_mid is not null then
      select m.message_id into v_id from cart_recovery.messages m where m.message_id = v_mid;
    end if;
    if v_id is null and v_pid is not null then
      select m.message_id into v_id from cart_recovery.messages m
      where m.channel = v_channel
        and (m.provider_id = v_pid or (v_provider = 'sendgrid' and m.provider_id = split_part(v_pid, '.', 1)))
      order by m.claimed_at desc limit 1;
    end if;
    if v_id is not null then
      v_applied := cart_recovery.apply_message_status(v_id, v_provider, v_status, v_at, v_machine, v_permanent,
        nullif(p_event ->> 'error_code', ''), nullif(p_event ->> 'error_detail', ''), v_pid);
      v_message := v_applied -> 'message';
      v_effect := v_applied ->> 'effect';
      v_updated := case when v_effect = 'status_kept' then 0 else 1 end;
    elsif v_wm is not null and v_pid is null and v_channel = 'messenger' and v_addr is not null
          and v_status in ('delivered', 'read') then
      -- A receipt names no message: every message to the PSID sent up to the watermark and not yet this far.
      for v_id in
        select m.message_id from cart_recovery.messages m join cart_recovery.carts c on c.cart_id = m.cart_id
        where c.messenger_psid = v_addr and m.channel = 'messenger' and m.sent_at <= v_wm
          and cart_recovery.status_rank(m.status) < cart_recovery.status_rank(v_status)
        order by m.sent_at, m.message_id
      loop
        v_applied := cart_recovery.apply_message_status(v_id, v_provider, v_status, v_at, false, false, null, null, null);
        v_message := v_applied -> 'message';
        v_updated := v_updated + 1;
      end loop;
      if v_message is not null then
        v_effect := 'status_advanced';
      elsif exists (select 1 from cart_recovery.messages m join cart_recovery.carts c on c.cart_id = m.cart_id
                    where c.messenger_psid = v_addr and m.channel = 'messenger' and m.sent_at <= v_wm) then
        -- Every message up to the watermark is that far already: the newest one is the answer.
        select m.* into v_msg from cart_recovery.messages m join cart_recovery.carts c on c.cart_id = m.cart_id
        where c.messenger_psid = v_addr and m.channel = 'messenger' and m.sent_at <= v_wm
        order by m.sent_at desc limit 1;
        v_message := cart_recovery.message_event_json(v_msg, v_msg.status);
        v_effect := 'status_kept';
      end if;
    end if;
    if v_message is null then
      v_effect := 'unknown_message';
    else
      v_found := true;
      select * into v_cart from cart_recovery.carts c where c.cart_id = v_message ->> 'cart_id';
    end if;

  -- ── reply ──────────────────────────────────────────────────────────────────────────────────────────────
  elsif v_kind = 'reply' then
    v_stop := v_action = 'stop';
    if v_suppressed then
      v_effect := 'suppressed';
    else
      if v_channel in ('whatsapp', 'messenger') and (v_addr is not null or v_bsuid is not null) then
        perform public.cart_recovery_record_inbound_message(v_channel, v_event_id, v_addr, v_bsuid, v_at);
        v_until := (public.cart_recovery_service_window(v_channel, v_addr, v_bsuid) ->> 'open_until')::timestamptz;
      end if;
      v_cart := cart_recovery.event_cart(v_channel, v_addr, v_bsuid, p_event ->> 'cart_id', p_event ->> 'in_reply_to', v_mid);
      v_found := v_cart.cart_id is not null;
      if v_stop and (v_addr is not null or v_bsuid is not null) then
        v_withdrawn := cart_recovery.withdraw_for_event('button_stop', v_channel, v_addr, v_bsuid,
          left(coalesce(nullif(p_event ->> 'detail', ''), 'payload ' || nullif(p_event ->> 'payload', ''), 'stop button'), 500), v_at);
        v_effect := 'consent_withdrawn';
      elsif v_action in ('code', 'cart') and v_cart.status = 'recovering' then
        update cart_recovery.carts c set returned_at = coalesce(c.returned_at, v_at), updated_at = now()
        where c.cart_id = v_cart.cart_id
        returning * into v_cart;
        v_effect := 'returned';
      elsif v_until is not null then
        v_effect := 'window_opened';
      else
        v_effect := 'recorded_only';
      end if;
    end if;

  -- ── opt_out ────────────────────────────────────────────────────────────────────────────────────────────
  elsif v_kind = 'opt_out' then
    if v_suppressed then
      -- The customer was erased and is never contacted again: a consent row would store the address anew.
      v_effect := 'suppressed';
    else
      v_withdrawn := cart_recovery.withdraw_for_event(p_event ->> 'source', v_channel, v_addr, v_bsuid,
        left(nullif(p_event ->> 'detail', ''), 500), v_at);
      v_effect := 'consent_withdrawn';
      v_cart := cart_recovery.event_cart(v_channel, v_addr, v_bsuid, p_event ->> 'cart_id', null, v_mid);
      v_found := v_cart.cart_id is not null;
    end if;

  -- ── opt_in: never consent by itself ────────────────────────────────────────────────────────────────────
  else
    v_effect := case when v_suppressed then 'suppressed' else 'recorded_only' end;
  end if;

  update cart_recovery.channel_events e set
    message_id = (v_message ->> 'message_id')::uuid,
    cart_id = coalesce(v_message ->> 'cart_id', v_cart.cart_id),
    effect = v_effect
  where e.provider = v_provider and e.event_id = v_event_id;

  return jsonb_build_object('duplicate', false, 'recorded', true, 'found', v_found, 'kind', v_kind, 'channel', v_channel,
    'effect', v_effect, 'messages_updated', v_updated, 'message', v_message, 'cart', cart_recovery.cart_event_json(v_cart),
    'consent_withdrawn', v_withdrawn, 'window_open_until', v_until,
    -- The cart's code only to whoever asked for it and is that cart's contact on the channel: a payload or a reply
    -- context alone never hands out a code.
    'code', case when v_kind = 'reply' and v_action = 'code' and v_cart.cart_id is not null
                      and cart_recovery.cart_has_contact(v_cart, v_channel, v_addr, v_bsuid)
                 then cart_recovery.cart_live_code(v_cart.cart_id) end);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Retention
-- ---------------------------------------------------------------------------------------------------------

-- Retention (GDPR Art. 5(1)(e)), as in version 6, plus channel events received before the cutoff (those of purged
-- carts and messages go with them). Returns { carts, messages, discount_codes, inbound_events, inbound_messages,
-- channel_events, cutoff }.
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
begin
  if p_retention_days is null or p_retention_days < 1 then
    raise exception 'retention must be at least 1 day' using errcode = '22023';
  end if;
  v_cutoff := now() - make_interval(days => p_retention_days);
  select count(*) into v_messages from cart_recovery.messages m join cart_recovery.carts c using (cart_id)
  where greatest(c.last_activity_at, c.converted_at, c.updated_at) < v_cutoff;
  -- Counted before the carts go, since their events cascade with them.
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
  return jsonb_build_object('carts', v_carts, 'messages', v_messages, 'discount_codes', v_codes,
                            'inbound_events', v_inbound, 'inbound_messages', v_written_to_us,
                            'channel_events', v_channel_events, 'cutoff', v_cutoff);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Answering a customer's message at most once
-- ---------------------------------------------------------------------------------------------------------

-- Claims the answer to one recorded customer message (a reply or opt-out event): only the first caller gets
-- claimed = true, so a retried or doubled execution of Reply to Customer cannot answer twice. p_release = true
-- gives the claim back after a send that failed, so a later run may answer.
-- Returns { claimed, reason ('claimed', 'already_answered', 'released', 'unknown_event', 'not_a_message'), answered_at }.
create or replace function public.cart_recovery_claim_reply(p_provider text, p_event_id text, p_release boolean default false)
returns jsonb language plpgsql as $$
declare
  v_row cart_recovery.channel_events;
begin
  select * into v_row from cart_recovery.channel_events e where e.provider = p_provider and e.event_id = p_event_id;
  if not found then
    return jsonb_build_object('claimed', false, 'reason', 'unknown_event', 'answered_at', null);
  end if;
  if v_row.kind not in ('reply', 'opt_out', 'opt_in') then
    return jsonb_build_object('claimed', false, 'reason', 'not_a_message', 'answered_at', null);
  end if;
  if p_release then
    update cart_recovery.channel_events e set answered_at = null where e.provider = p_provider and e.event_id = p_event_id;
    return jsonb_build_object('claimed', false, 'reason', 'released', 'answered_at', null);
  end if;
  update cart_recovery.channel_events e set answered_at = now()
  where e.provider = p_provider and e.event_id = p_event_id and e.answered_at is null
  returning * into v_row;
  if found then
    return jsonb_build_object('claimed', true, 'reason', 'claimed', 'answered_at', v_row.answered_at);
  end if;
  select * into v_row from cart_recovery.channel_events e where e.provider = p_provider and e.event_id = p_event_id;
  return jsonb_build_object('claimed', false, 'reason', 'already_answered', 'answered_at', v_row.answered_at);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Privileges, as in version 6: the new store function is not for PUBLIC on any Postgres (it withdraws consent and
-- answers with a cart's discount code); on Supabase only the service role may call it.
-- ---------------------------------------------------------------------------------------------------------
revoke execute on function public.cart_recovery_record_channel_event(jsonb) from public;
revoke execute on function public.cart_recovery_claim_reply(text, text, boolean) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_record_channel_event(jsonb) from public, anon, authenticated;
    revoke all on function public.cart_recovery_claim_reply(text, text, boolean) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_record_channel_event(jsonb) to service_role;
    grant execute on function public.cart_recovery_claim_reply(text, text, boolean) to service_role;
    grant select, insert, update, delete on cart_recovery.channel_events to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (7, 'channel_events');

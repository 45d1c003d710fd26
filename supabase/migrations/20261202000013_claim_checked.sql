-- Cart Recovery store, version 13: a send in two round trips (issue 16).
--   * claim_checked: ONE atomic call re-checks the cart (bought, closed, erased), the customer's consent for the
--     channel, quiet hours (the caller says until when), the frequency cap, and claims the message (cart, stage,
--     channel). A refusal is recorded as a skip (cart_recovery.skips) in the same call and comes back with its
--     reason. Then complete_message records the provider's answer. Before version 13 a send made four calls
--     (get_cart, check_consent, claim_delivery, complete_message) plus record_skip for a refusal, and a consent
--     withdrawn between the consent check and the claim was not seen.
--   The rules themselves stay where they are: consent is check_consent's, the cap and the claim claim_delivery's,
--   the skip record record_skip's; this function only runs them in order, in one transaction.

-- The cart's address on a channel, when it is already in the form consent is keyed on: email lower-cased (ASCII, so
-- lower() is the same as JavaScript's), phones in E.164, a Messenger PSID as digits. Null when the cart has no such
-- address or one that only the package can read (a national phone number needs libphonenumber and the node's
-- default country): the caller then passes the address itself. Carts from the Abandoned Cart Trigger always hold
-- E.164 numbers and lower-cased emails.
create or replace function cart_recovery.canonical_address(p_cart cart_recovery.carts, p_channel text)
returns text language plpgsql immutable as $$
declare
  v text;
begin
  v := btrim(case p_channel
    when 'email' then p_cart.email
    when 'sms' then p_cart.phone
    when 'whatsapp' then coalesce(nullif(btrim(p_cart.whatsapp_phone), ''), p_cart.phone)
    when 'messenger' then p_cart.messenger_psid
  end);
  if v is null or v = '' then return null; end if;
  if p_channel = 'email' then
    return case when v ~ '^[\x21-\x7e]+$' and v ~ '^[^@<>"]+@[^@<>"]+\.[^@<>"]+$' then lower(v) end;
  end if;
  if p_channel in ('sms', 'whatsapp') then
    return case when v ~ '^\+[1-9][0-9]{6,14}$' then v end;
  end if;
  return case when v ~ '^[0-9]{5,64}$' then v end;
end
$$;

-- Re-checks and claims message (cart, stage, channel), or says why not — recording that in cart_recovery.skips.
--   p_address            the channel address (email, E.164 phone, PSID); null: read from the cart when it is
--                        canonical (cart_recovery.canonical_address), else 'address_needed' comes back with the cart
--   p_cap_*              the per-customer frequency cap (claim_delivery); p_cap_when 'skip' or 'defer' (how a capped
--                        message is recorded)
--   p_quiet_until        quiet hours are on until then (the node computes it, time zones are the package's): a message
--                        that passes the cart and consent checks is deferred, not claimed; p_quiet_detail is its words
--   p_claim              false: check the cart and consent only (a channel with its own condition, e.g. Meta's
--                        service window, reads it before claiming); nothing is claimed and 'checked' comes back
-- Returns { outcome, ... }:
--   claimed         { address, cart, message_id, claim_token, status, attempts }
--   checked         { address, cart }
--   address_needed  { cart }                                     (nothing checked or recorded)
--   skipped         { reason, detail, recorded, address?, message_id?, status?, provider_id? }
--                   reason: cart_not_found (not recorded: no cart) | purchased | cart_closed | no_consent | withdrawn |
--                           suppressed | already_sent | in_progress | previously_failed | outcome_unknown | frequency_cap
--   deferred        { reason: quiet_hours | frequency_cap, detail, recorded, address, send_after?, recent? }
create or replace function public.cart_recovery_claim_checked(
  p_cart_id text, p_stage integer, p_channel text, p_address text default null,
  p_campaign text default null, p_variant text default null,
  p_cap_max integer default null, p_cap_window_seconds integer default null, p_cap_when text default 'defer',
  p_quiet_until timestamptz default null, p_quiet_detail text default null, p_claim boolean default true
) returns jsonb language plpgsql as $$
declare
  v_cart    cart_recovery.carts;
  v_addr    text;
  v_consent jsonb;
  v_claim   jsonb;
  v_reason  text;
  v_detail  text;
  v_outcome text := 'skipped';
  v_extra   jsonb := '{}'::jsonb;
begin
  if p_channel is null or p_channel not in ('email', 'sms', 'messenger', 'whatsapp') then
    raise exception 'unknown channel %', p_channel using errcode = '22023';
  end if;
  if p_cap_when is null or p_cap_when not in ('skip', 'defer') then
    raise exception 'cap_when must be skip or defer, not %', p_cap_when using errcode = '22023';
  end if;

  select * into v_cart from cart_recovery.carts c where c.cart_id = p_cart_id;
  if not found then
    return jsonb_build_object('outcome', 'skipped', 'reason', 'cart_not_found', 'recorded', false,
      'detail', format('Cart "%s" is not in the store (erased, purged, or a wrong Cart ID)', p_cart_id));
  end if;

  -- 1. The customer may have bought, or recovery was closed, while the flow waited.
  if v_cart.status in ('converted', 'recovered') then
    v_reason := 'purchased';
    v_detail := format('The cart was bought (%s%s)', v_cart.status,
      coalesce(' at ' || (to_jsonb(v_cart.converted_at) #>> '{}'), ''));
  elsif v_cart.status = 'closed' then
    v_reason := 'cart_closed';
    v_detail := 'The cart is closed';
  end if;

  if v_reason is null then
    v_addr := coalesce(cart_recovery.normalise_address(p_channel, p_address), cart_recovery.canonical_address(v_cart, p_channel));
    if v_addr is null then
      return jsonb_build_object('outcome', 'address_needed', 'cart', cart_recovery.cart_json(v_cart));
    end if;

    -- 2. Prior, express, channel-specific consent (Grt. §6), as check_consent decides it.
    v_consent := public.cart_recovery_check_consent(
      jsonb_build_object('customer_id', v_cart.customer_id,
        case p_channel when 'email' then 'email' when 'sms' then 'phone' when 'whatsapp' then 'whatsapp_phone' else 'messenger_psid' end,
        v_addr),
      jsonb_build_array(p_channel)) -> 0;
    if not (v_consent ->> 'allowed')::boolean then
      v_reason := case when v_consent ->> 'reason' in ('granted', 'no_address') then 'no_consent' else v_consent ->> 'reason' end;
      v_detail := format('No %s consent for %s: %s', p_channel, v_addr, v_consent ->> 'reason');
    end if;
  end if;

  if v_reason is null and not p_claim then
    return jsonb_build_object('outcome', 'checked', 'address', v_addr, 'cart', cart_recovery.cart_json(v_cart));
  end if;

  -- 3. Quiet hours: deferred, never dropped; the released message is checked again.
  if v_reason is null and p_quiet_until is not null then
    v_outcome := 'deferred';
    v_reason := 'quiet_hours';
    v_detail := coalesce(p_quiet_detail, 'Quiet hours');
    v_extra := jsonb_build_object('send_after', p_quiet_until);
  end if;

  -- 4. Frequency cap and claim (several workers may run this at once: claim_delivery serialises them).
  if v_reason is null then
    v_claim := public.cart_recovery_claim_delivery(p_cart_id, p_stage, p_channel, p_campaign, p_variant, p_cap_max, p_cap_window_seconds);
    if (v_claim ->> 'claimed')::boolean then
      return jsonb_build_object('outcome', 'claimed', 'address', v_addr, 'cart', cart_recovery.cart_json(v_cart),
        'message_id', v_claim -> 'message_id', 'claim_token', v_claim -> 'claim_token',
        'status', v_claim -> 'status', 'attempts', v_claim -> 'attempts');
    end if;
    if v_claim ->> 'reason' = 'frequency_cap' then
      v_outcome := case p_cap_when when 'skip' then 'skipped' else 'deferred' end;
      v_reason := 'frequency_cap';
      v_detail := format('%s %s message(s) to this customer in the last %s h (cap %s)', v_claim ->> 'recent', p_channel,
        trim_scale(round(p_cap_window_seconds / 3600.0, 2)), p_cap_max);
      v_extra := jsonb_build_object('recent', (v_claim ->> 'recent')::integer, 'send_after', v_claim -> 'next_allowed_at');
    else
      v_reason := case v_claim ->> 'status' when 'queued' then 'in_progress' when 'failed' then 'previously_failed'
                                             when 'bounced' then 'previously_failed' when 'unknown' then 'outcome_unknown'
                                             else 'already_sent' end;
      v_detail := case v_reason
        when 'in_progress' then 'Another run holds this message (sending now, or it stopped mid-send: it is not sent again automatically)'
        when 'outcome_unknown' then 'Its sender stopped mid-send and it was settled as unknown (it may have arrived): a person decides, it is not sent again automatically'
        when 'previously_failed' then 'This message failed permanently before; it is not retried'
        else 'Already sent' || coalesce(' (provider id ' || (v_claim ->> 'provider_id') || ')', '') end;
      v_extra := jsonb_build_object('message_id', v_claim -> 'message_id', 'status', v_claim -> 'status',
                                    'provider_id', v_claim -> 'provider_id');
    end if;
  end if;

  perform public.cart_recovery_record_skip(p_cart_id, p_stage, p_channel, v_outcome, v_reason, v_detail);
  return jsonb_build_object('outcome', v_outcome, 'reason', v_reason, 'detail', v_detail, 'recorded', true)
    || case when v_addr is null then '{}'::jsonb else jsonb_build_object('address', v_addr) end
    || v_extra;
end
$$;

-- Privileges, as in versions 6 to 10 (helpers in schema cart_recovery follow its grants of version 4).
revoke execute on function public.cart_recovery_claim_checked(text, integer, text, text, text, text, integer, integer, text, timestamptz, text, boolean) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_claim_checked(text, integer, text, text, text, text, integer, integer, text, timestamptz, text, boolean) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_claim_checked(text, integer, text, text, text, text, integer, integer, text, timestamptz, text, boolean) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (13, 'claim_checked');

-- Cart Recovery store, version 9: whose words each sent message carried.
--   * messages.copy_source: 'ai' when the send node used the AI Offer Writer's copy (subject, preview text, intro,
--     SMS text, WhatsApp body or Messenger text), 'template' when it sent the templates; null for messages sent
--     before version 9 or not sent. Set once, when the message is completed as sent; what the model wrote is in
--     ai_copies (cart, stage), what went out is in the send node's execution.
--   * complete_message takes it as p_copy_source (optional: older callers complete as before).

alter table cart_recovery.messages add column copy_source text check (copy_source in ('ai', 'template'));

drop function public.cart_recovery_complete_message(uuid, uuid, text, text, text);

-- Completes a claimed message: 'sent' (with provider id and, optionally, its copy source), 'failed' (permanent, with
-- error) or 'released' (the provider certainly did not accept it, so the key may be claimed again). Only the claim
-- holder can complete it; a second completion with the same token returns the stored row unchanged.
create or replace function public.cart_recovery_complete_message(
  p_message_id uuid, p_claim_token uuid, p_status text, p_provider_id text default null, p_error text default null,
  p_copy_source text default null
) returns jsonb language plpgsql as $$
declare
  v_msg cart_recovery.messages;
begin
  if p_status not in ('sent', 'failed', 'released') then
    raise exception 'complete_message status must be sent, failed or released, not %', p_status using errcode = '22023';
  end if;
  if p_copy_source is not null and p_copy_source not in ('ai', 'template') then
    raise exception 'complete_message copy_source must be ai or template, not %', p_copy_source using errcode = '22023';
  end if;
  update cart_recovery.messages m set
    status = p_status,
    provider_id = coalesce(p_provider_id, m.provider_id),
    error = p_error,
    sent_at = case when p_status = 'sent' then now() else m.sent_at end,
    failed_at = case when p_status = 'failed' then now() else m.failed_at end,
    copy_source = case when p_status = 'sent' then p_copy_source else m.copy_source end,
    updated_at = now()
  where m.message_id = p_message_id and m.claim_token = p_claim_token and m.status = 'queued'
  returning * into v_msg;
  if not found then
    select * into v_msg from cart_recovery.messages m where m.message_id = p_message_id and m.claim_token = p_claim_token;
    if not found then
      raise exception 'message % is not held with this claim token', p_message_id using errcode = 'P0002';
    end if;
    return jsonb_build_object('completed', false, 'message_id', v_msg.message_id, 'status', v_msg.status,
                              'provider_id', v_msg.provider_id);
  end if;
  return jsonb_build_object('completed', true, 'message_id', v_msg.message_id, 'status', v_msg.status,
                            'provider_id', v_msg.provider_id, 'sent_at', v_msg.sent_at, 'copy_source', v_msg.copy_source);
end
$$;

-- Privileges, as in version 1 (the service role only).
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_complete_message(uuid, uuid, text, text, text, text) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_complete_message(uuid, uuid, text, text, text, text) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (9, 'copy_source');

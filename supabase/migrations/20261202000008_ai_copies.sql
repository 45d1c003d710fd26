-- Cart Recovery store, version 8: the copy the AI Offer Writer wrote, one per cart and stage.
--   * ai_copies: what the model wrote for (cart, stage) — only copy that passed every guardrail — with the model,
--     its token usage and how many calls it took. A retry or a second run of the node returns it without a new model
--     call (idempotent, and the same words on every channel of a stage); a row leaves with its cart (erasure, purge).
--     Template fallbacks are not stored: the next run may ask the model again.
--   * get_ai_copy / record_ai_copy: one atomic call each; of two writers at once the first one's copy is kept and
--     both get it.

create table cart_recovery.ai_copies (
  cart_id           text not null references cart_recovery.carts (cart_id) on delete cascade,
  stage             integer not null check (stage >= 1),
  language          text not null check (language in ('hu', 'en')),
  channels          jsonb not null default '[]'::jsonb check (jsonb_typeof(channels) = 'array'),
  copy              jsonb not null check (jsonb_typeof(copy) = 'object'),
  model             text not null,
  prompt_tokens     integer,
  completion_tokens integer,
  attempts          integer not null default 1 check (attempts >= 1),
  created_at        timestamptz not null default now(),
  primary key (cart_id, stage)
);

-- The stored copy for (cart, stage), or { found: false }.
-- Returns { found, cart_id, stage, language, channels, copy, model, prompt_tokens, completion_tokens, attempts, created_at }.
create or replace function public.cart_recovery_get_ai_copy(p_cart_id text, p_stage integer)
returns jsonb language sql stable as $$
  select coalesce(
    (select jsonb_build_object('found', true, 'cart_id', a.cart_id, 'stage', a.stage, 'language', a.language,
       'channels', a.channels, 'copy', a.copy, 'model', a.model, 'prompt_tokens', a.prompt_tokens,
       'completion_tokens', a.completion_tokens, 'attempts', a.attempts, 'created_at', a.created_at)
     from cart_recovery.ai_copies a where a.cart_id = p_cart_id and a.stage = p_stage),
    jsonb_build_object('found', false))
$$;

-- Stores the copy for (cart, stage) unless one is there already; either way returns the stored one
-- ({ created, ...get_ai_copy }). Refuses (22023) an unknown cart, a stage below 1, a copy that is not an object of
-- strings, an unknown language.
create or replace function public.cart_recovery_record_ai_copy(
  p_cart_id text, p_stage integer, p_language text, p_channels jsonb, p_copy jsonb, p_model text,
  p_prompt_tokens integer default null, p_completion_tokens integer default null, p_attempts integer default 1
) returns jsonb language plpgsql as $$
declare
  v_created boolean;
begin
  if p_stage is null or p_stage < 1 then
    raise exception 'AI copy "stage" must be 1 or more, not %', p_stage using errcode = '22023';
  end if;
  if p_language is null or p_language not in ('hu', 'en') then
    raise exception 'AI copy "language" must be hu or en, not "%"', p_language using errcode = '22023';
  end if;
  if p_copy is null or jsonb_typeof(p_copy) <> 'object'
     or exists (select 1 from jsonb_each(p_copy) e where jsonb_typeof(e.value) <> 'string') then
    raise exception 'AI copy "copy" must be an object of texts' using errcode = '22023';
  end if;
  if p_channels is not null and jsonb_typeof(p_channels) <> 'array' then
    raise exception 'AI copy "channels" must be a list' using errcode = '22023';
  end if;
  if nullif(btrim(coalesce(p_model, '')), '') is null then
    raise exception 'AI copy "model" is required' using errcode = '22023';
  end if;
  if not exists (select 1 from cart_recovery.carts c where c.cart_id = p_cart_id) then
    raise exception 'AI copy for unknown cart "%"', p_cart_id using errcode = '22023';
  end if;
  insert into cart_recovery.ai_copies (cart_id, stage, language, channels, copy, model, prompt_tokens, completion_tokens, attempts)
  values (p_cart_id, p_stage, p_language, coalesce(p_channels, '[]'::jsonb), p_copy, p_model, p_prompt_tokens, p_completion_tokens,
          greatest(coalesce(p_attempts, 1), 1))
  on conflict (cart_id, stage) do nothing;
  v_created := found;
  return jsonb_build_object('created', v_created) || public.cart_recovery_get_ai_copy(p_cart_id, p_stage);
end
$$;

-- Privileges, as in versions 6 and 7.
revoke execute on function public.cart_recovery_get_ai_copy(text, integer) from public;
revoke execute on function public.cart_recovery_record_ai_copy(text, integer, text, jsonb, jsonb, text, integer, integer, integer) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_get_ai_copy(text, integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_record_ai_copy(text, integer, text, jsonb, jsonb, text, integer, integer, integer) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_get_ai_copy(text, integer) to service_role;
    grant execute on function public.cart_recovery_record_ai_copy(text, integer, text, jsonb, jsonb, text, integer, integer, integer) to service_role;
    grant select, insert, update, delete on cart_recovery.ai_copies to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (8, 'ai_copies');

-- Cart Recovery store, version 17: the product catalogue, recommendations and welcome back (issue 18).
--   Every cart and order event already carries the cart's items. A trigger on carts keeps, from them, the latest known
--   data of each product (title, price, picture, link, category) and, when a cart is bought, how many orders held
--   each product and each pair of products — in the statement of the event the store records anyway, so no event
--   costs an extra round trip. cart_recovery.recommend is the one rule for "you may also like": products other
--   customers bought together with the cart's items, never one in the cart or one this customer bought before,
--   filled up with the shop's best sellers in the cart's price band. Cart Check (Recommend Products) and the Welcome
--   Back Trigger both call it.
--   cart_recovery_welcome_back answers the shop's chat in one call: refuses a replayed request, finds the visitor's
--   cart in recovery only when every identifier the shop sent matches it, marks it returned and hands back the cart,
--   its live code and the recommendations.
--   The cart's timeline shows its products and when the customer came back.
--   The catalogue holds no personal data (products, not people): erasure and export leave it out.

create table cart_recovery.products (
  product_key     text primary key,          -- the shop's product id, else 'sku:' + SKU, else 'name:' + lower-case title
  title           text not null,
  price           numeric(16, 2) not null,   -- the unit price last seen, in currency
  currency        char(3) not null,
  image_url       text,
  url             text,
  category        text,
  orders          integer not null default 0, -- bought carts that held it
  last_ordered_at timestamptz,
  updated_at      timestamptz not null default now()
) with (fillfactor = 70);
-- Room left on each page and no index on orders: an order's `orders + 1` is a heap-only update, not a new index entry.
create index products_by_price on cart_recovery.products (currency, price);

-- Bought together: one row per ordered pair, both directions, so a cart's items find their partners by primary key.
create table cart_recovery.product_pairs (
  product_key text not null,
  other_key   text not null,
  orders      integer not null default 0,
  -- The counts ride in the key's index, so a cart's partners are read from the index alone.
  primary key (product_key, other_key) include (orders)
) with (fillfactor = 80);

-- Finding the visitor's cart in recovery by the shop's customer id or the email (partial: only carts in recovery).
create index carts_recovering_customer on cart_recovery.carts (customer_id) where status = 'recovering';
create index carts_recovering_email on cart_recovery.carts (lower(email)) where status = 'recovering';
create index carts_customer_bought on cart_recovery.carts (customer_key) where status in ('converted', 'recovered');
-- The chat's replay register is swept by each greeting: this finds its old rows without reading the shop's events.
create index inbound_events_welcome_back on cart_recovery.inbound_events (received_at) where source = 'welcome_back';

-- A cart line's product: the shop's product id, else its SKU, else its title (null for a line with none of them).
create or replace function cart_recovery.product_key(p_item jsonb)
returns text language sql immutable as $$
  select left(coalesce(nullif(btrim(p_item ->> 'product_id'), ''),
                       'sku:' || nullif(btrim(p_item ->> 'sku'), ''),
                       'name:' || nullif(lower(btrim(p_item ->> 'name')), '')), 200)
$$;

-- At most this many distinct products of one order (the first by key) are counted, in orders and in pairs: an order
-- of 500 lines would otherwise write 250 000 pairs.
create or replace function cart_recovery.pair_limit() returns integer language sql immutable as $$ select 40 $$;

-- The catalogue from a cart's change: its lines' latest product data when the items changed, and when the cart was
-- bought, one more order for each of its products and each pair of them. Rows are locked in key order, so two orders
-- of the same products never wait on each other in a circle.
create or replace function cart_recovery.catalogue_from_cart() returns trigger language plpgsql as $$
declare
  v_bought boolean := new.status in ('converted', 'recovered')
                      and (tg_op = 'INSERT' or old.status not in ('converted', 'recovered'));
  v_keys   text[];
begin
  if jsonb_typeof(new.items) is distinct from 'array' or jsonb_array_length(new.items) = 0 then
    return null;
  end if;
  if tg_op = 'INSERT' or new.items is distinct from old.items then
    insert into cart_recovery.products as p (product_key, title, price, currency, image_url, url, category)
    select distinct on (k) k, left(i ->> 'name', 200), coalesce((i ->> 'price')::numeric, 0), new.currency,
           nullif(i ->> 'image_url', ''), nullif(i ->> 'url', ''), nullif(left(btrim(i ->> 'category'), 100), '')
    from jsonb_array_elements(new.items) i, lateral (select cart_recovery.product_key(i) as k) x
    where k is not null and jsonb_typeof(i) = 'object'
    order by k
    on conflict (product_key) do update set
      title = excluded.title, price = excluded.price, currency = excluded.currency,
      image_url = coalesce(excluded.image_url, p.image_url), url = coalesce(excluded.url, p.url),
      category = coalesce(excluded.category, p.category), updated_at = now()
    where (p.title, p.price, p.currency, p.image_url, p.url, p.category)
          is distinct from (excluded.title, excluded.price, excluded.currency, coalesce(excluded.image_url, p.image_url),
                            coalesce(excluded.url, p.url), coalesce(excluded.category, p.category));
  end if;
  if v_bought then
    v_keys := array(select k from (select distinct cart_recovery.product_key(i) as k from jsonb_array_elements(new.items) i
                                   where jsonb_typeof(i) = 'object') d
                    where k is not null order by k limit cart_recovery.pair_limit());
    perform 1 from cart_recovery.products where product_key = any (v_keys) order by product_key for update;
    update cart_recovery.products set orders = orders + 1,
      last_ordered_at = greatest(last_ordered_at, coalesce(new.converted_at, now()))
    where product_key = any (v_keys);
    insert into cart_recovery.product_pairs as pp (product_key, other_key, orders)
    select a, b, 1 from unnest(v_keys) a, unnest(v_keys) b where a <> b order by a, b
    on conflict (product_key, other_key) do update set orders = pp.orders + 1;
  end if;
  return null;
end
$$;
create trigger carts_catalogue after insert or update of items, status on cart_recovery.carts
  for each row execute function cart_recovery.catalogue_from_cart();

-- The catalogue the store already holds when this migration runs: each product as its latest cart shows it, and the
-- orders and pairs of the bought carts.
insert into cart_recovery.products (product_key, title, price, currency, image_url, url, category)
select distinct on (k) k, left(i ->> 'name', 200), coalesce((i ->> 'price')::numeric, 0), c.currency,
       nullif(i ->> 'image_url', ''), nullif(i ->> 'url', ''), nullif(left(btrim(i ->> 'category'), 100), '')
from cart_recovery.carts c, jsonb_array_elements(case when jsonb_typeof(c.items) = 'array' then c.items else '[]' end) i,
     lateral (select cart_recovery.product_key(i) as k) x
where k is not null and jsonb_typeof(i) = 'object'
order by k, c.last_activity_at desc;

with bought as (
  select c.cart_id, c.converted_at,
         array(select k from (select distinct cart_recovery.product_key(i) as k from jsonb_array_elements(c.items) i
                              where jsonb_typeof(i) = 'object') d
               where k is not null order by k limit cart_recovery.pair_limit()) as keys
  from cart_recovery.carts c
  where c.status in ('converted', 'recovered') and jsonb_typeof(c.items) = 'array'
), counted as (
  update cart_recovery.products p set orders = n.orders, last_ordered_at = n.last_at
  from (select k, count(*) as orders, max(converted_at) as last_at from bought, unnest(keys) k group by k) n
  where p.product_key = n.k
  returning 1
)
insert into cart_recovery.product_pairs (product_key, other_key, orders)
select a, b, count(*) from bought, unnest(keys) a, unnest(keys) b where a <> b group by a, b;

-- The catalogue is about products, not people: erasure and export leave it out (its tables would be the largest to
-- search). As in version 2, plus products and product_pairs.
create or replace function cart_recovery.erasure_tables()
returns setof text language sql stable as $$
  select table_name::text from information_schema.tables
  where table_schema = 'cart_recovery' and table_type = 'BASE TABLE'
    and table_name not in ('schema_migrations', 'settings', 'suppressions', 'products', 'product_pairs')
  order by table_name
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Recommendations
-- ---------------------------------------------------------------------------------------------------------

-- Up to p_limit products for a cart, best first: [{ product_id, title, price, currency, image_url, url, category,
-- reason }]. First those other customers bought together with the cart's items (by how many orders held the pair,
-- summed over the cart's items), then the shop's best sellers (by orders) priced between half the cheapest and twice
-- the dearest item of the cart. Always in the cart's currency; never a product in the cart or one the customer bought
-- before (their earlier orders, by customer key). Ties go by orders, then product id, so the answer is stable.
create or replace function cart_recovery.recommend(p_cart cart_recovery.carts, p_limit integer)
returns jsonb language sql stable as $$
  with lines as (
    select cart_recovery.product_key(i) as k, (i ->> 'price')::numeric as price
    from jsonb_array_elements(case when jsonb_typeof(p_cart.items) = 'array' then p_cart.items else '[]' end) i
    where jsonb_typeof(i) = 'object'
  ),
  excluded as (
    select k from lines where k is not null
    union
    select cart_recovery.product_key(i)
    from cart_recovery.carts o, jsonb_array_elements(case when jsonb_typeof(o.items) = 'array' then o.items else '[]' end) i
    where p_cart.customer_key is not null and o.customer_key = p_cart.customer_key
      and o.status in ('converted', 'recovered') and jsonb_typeof(i) = 'object'
  ),
  together as (
    select pp.other_key as k, sum(pp.orders) as score
    from cart_recovery.product_pairs pp
    where pp.product_key in (select k from lines where k is not null)
      and not exists (select 1 from excluded e where e.k = pp.other_key)
    group by pp.other_key
  ),
  first_choice as (
    select p.*, 'bought_together' as reason, 1 as tier, t.score
    from together t join cart_recovery.products p on p.product_key = t.k
    where p.currency = p_cart.currency
    order by t.score desc, p.orders desc, p.product_key
    limit greatest(coalesce(p_limit, 0), 0)
  ),
  band as (
    select min(price) / 2 as low, max(price) * 2 as high from lines where price > 0
  ),
  best_sellers as (
    select p.*, 'best_seller' as reason, 2 as tier, p.orders::numeric as score
    from cart_recovery.products p, band
    where p.currency = p_cart.currency and p.orders > 0
      and (band.low is null or p.price between band.low and band.high)
      and not exists (select 1 from excluded e where e.k = p.product_key)
      and not exists (select 1 from first_choice f where f.product_key = p.product_key)
    order by p.orders desc, p.product_key
    limit greatest(coalesce(p_limit, 0) - (select count(*) from first_choice), 0)
  )
  select coalesce(jsonb_agg(jsonb_build_object('product_id', r.product_key, 'title', r.title, 'price', r.price,
           'currency', r.currency, 'image_url', r.image_url, 'url', r.url, 'category', r.category, 'reason', r.reason)
         order by r.tier, r.score desc, r.orders desc, r.product_key), '[]'::jsonb)
  from (select * from first_choice union all select * from best_sellers) r
$$;

-- { found, products }: the recommendations for a cart (Cart Check's Recommend Products). p_limit 1–10.
create or replace function public.cart_recovery_recommend_products(p_cart_id text, p_limit integer default 4)
returns jsonb language plpgsql stable as $$
declare
  v_cart cart_recovery.carts;
begin
  if p_limit is null or p_limit < 1 or p_limit > 10 then
    raise exception 'the number of products to recommend must be from 1 to 10, not %', p_limit using errcode = '22023';
  end if;
  select * into v_cart from cart_recovery.carts where cart_id = p_cart_id;
  if not found then
    return jsonb_build_object('found', false, 'products', '[]'::jsonb);
  end if;
  return jsonb_build_object('found', true, 'products', cart_recovery.recommend(v_cart, p_limit));
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Welcome back
-- ---------------------------------------------------------------------------------------------------------

-- The shop's chat asks, for a visitor it knows (p_visitor: cart_id, customer_id, email — at least one), whether there
-- is something to greet them with. p_request_id (the request's verified signature) is registered once: a copy of the
-- same request is refused ({ greet: false, reason: 'replay' }); registrations older than two hours (past any signing
-- window) are dropped as new ones come. The cart is the one named by cart_id, else the visitor's latest cart in
-- recovery; every identifier the shop sent must match it, otherwise nothing about it is returned. Greets only a cart
-- in recovery that got a reminder within p_within_days (a shopper still filling their cart is not "back"):
-- { greet: true, returned_now, cart, discount (live code or null), recommendations }; marks it returned (the return
-- rate) on its first greeting. Otherwise { greet: false, reason: unknown | purchased | not_in_recovery | no_reminder },
-- with nothing personal.
create or replace function public.cart_recovery_welcome_back(p_visitor jsonb, p_request_id text, p_limit integer default 4, p_within_days integer default 14)
returns jsonb language plpgsql as $$
declare
  v_cart_id  text := nullif(btrim(p_visitor ->> 'cart_id'), '');
  v_customer text := nullif(btrim(p_visitor ->> 'customer_id'), '');
  v_email    text := nullif(lower(btrim(p_visitor ->> 'email')), '');
  v_cart     cart_recovery.carts;
  v_returned boolean := false;
begin
  if jsonb_typeof(p_visitor) is distinct from 'object' or coalesce(v_cart_id, v_customer, v_email) is null then
    raise exception 'the visitor needs cart_id, customer_id or email' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 0 or p_limit > 10 then
    raise exception 'the number of products to recommend must be from 0 to 10, not %', p_limit using errcode = '22023';
  end if;
  if p_within_days is null or p_within_days < 1 or p_within_days > 365 then
    raise exception 'the days after the last reminder must be from 1 to 365, not %', p_within_days using errcode = '22023';
  end if;
  delete from cart_recovery.inbound_events e where e.ctid in (
    select o.ctid from cart_recovery.inbound_events o
    where o.received_at < now() - interval '2 hours' and o.source = 'welcome_back' limit 100);
  if nullif(btrim(p_request_id), '') is not null then
    insert into cart_recovery.inbound_events (source, event_id) values ('welcome_back', left(btrim(p_request_id), 200))
    on conflict do nothing;
    if not found then
      return jsonb_build_object('greet', false, 'reason', 'replay');
    end if;
  end if;

  if v_cart_id is not null then
    select * into v_cart from cart_recovery.carts c
    where c.cart_id = v_cart_id
      and (v_customer is null or c.customer_id = v_customer)
      and (v_email is null or lower(c.email) = v_email);
  elsif v_customer is not null then
    select * into v_cart from cart_recovery.carts c
    where c.status = 'recovering' and c.customer_id = v_customer and (v_email is null or lower(c.email) = v_email)
    order by c.recovery_started_at desc nulls last, c.cart_id limit 1;
  else
    select * into v_cart from cart_recovery.carts c
    where c.status = 'recovering' and lower(c.email) = v_email
    order by c.recovery_started_at desc nulls last, c.cart_id limit 1;
  end if;
  if v_cart.cart_id is null then
    return jsonb_build_object('greet', false, 'reason', 'unknown');
  end if;
  if v_cart.status <> 'recovering' then
    return jsonb_build_object('greet', false,
      'reason', case when v_cart.status in ('converted', 'recovered') then 'purchased' else 'not_in_recovery' end);
  end if;
  if not exists (select 1 from cart_recovery.messages m
                 where m.cart_id = v_cart.cart_id and m.sent_at > now() - p_within_days * interval '1 day') then
    return jsonb_build_object('greet', false, 'reason', 'no_reminder');
  end if;

  if v_cart.returned_at is null then
    update cart_recovery.carts set returned_at = now(), updated_at = now()
    where cart_id = v_cart.cart_id and returned_at is null
    returning * into v_cart;
    v_returned := found;
  end if;
  return jsonb_build_object('greet', true, 'returned_now', v_returned, 'cart', cart_recovery.cart_json(v_cart),
    'discount', cart_recovery.cart_live_code(v_cart.cart_id),
    'recommendations', case when p_limit > 0 then cart_recovery.recommend(v_cart, p_limit) else '[]'::jsonb end);
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- The cart's timeline (the dashboard's "what happened to Anna?") as in version 10, plus the cart's products (name and
-- quantity, the first 20 lines) and the moment the customer came back to the shop (a click, the cart touched again,
-- or the chat's welcome back). Version 10's function is kept under another name and wrapped, not restated.
-- ---------------------------------------------------------------------------------------------------------
alter function public.cart_recovery_cart_timeline(text) set schema cart_recovery;
alter function cart_recovery.cart_recovery_cart_timeline(text) rename to timeline_of_version_10;
revoke execute on function cart_recovery.timeline_of_version_10(text) from public;

create or replace function public.cart_recovery_cart_timeline(p_cart_id text)
returns jsonb language sql stable as $$
  select case when c.cart_id is null then t else
    jsonb_set(t, '{cart,items}', coalesce((
      select jsonb_agg(jsonb_build_object('name', i ->> 'name', 'quantity', i -> 'quantity') order by n)
      from jsonb_array_elements(case when jsonb_typeof(c.items) = 'array' then c.items else '[]' end) with ordinality as l(i, n)
      where n <= 20 and jsonb_typeof(i) = 'object'), '[]'::jsonb))
    || case when c.returned_at is null then '{}'::jsonb else jsonb_build_object('entries', (t -> 'entries') || jsonb_build_array(
         jsonb_build_object('at', c.returned_at, 'kind', 'returned', 'stage', null, 'channel', null, 'status', null,
                            'detail', 'Came back to the shop after a reminder'))) end
  end
  from (select cart_recovery.timeline_of_version_10(p_cart_id) as t) x
  left join cart_recovery.carts c on c.cart_id = p_cart_id
$$;

revoke execute on function public.cart_recovery_recommend_products(text, integer) from public;
revoke execute on function public.cart_recovery_welcome_back(jsonb, text, integer, integer) from public;
revoke execute on function public.cart_recovery_cart_timeline(text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.cart_recovery_recommend_products(text, integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_welcome_back(jsonb, text, integer, integer) from public, anon, authenticated;
    revoke all on function public.cart_recovery_cart_timeline(text) from public, anon, authenticated;
    revoke all on function cart_recovery.timeline_of_version_10(text) from public, anon, authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function public.cart_recovery_recommend_products(text, integer) to service_role;
    grant execute on function public.cart_recovery_welcome_back(jsonb, text, integer, integer) to service_role;
    grant execute on function public.cart_recovery_cart_timeline(text) to service_role;
  end if;
end
$$;

insert into cart_recovery.schema_migrations (version, name) values (17, 'products_welcome_back');

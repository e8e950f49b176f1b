-- afterRestore: masks the personal data of customers, deterministically, so y stays joinable and testable.
-- Runs in one READ WRITE transaction as the master user (lambdas/sql/steps.ts, kind 'change'); all or nothing.
--
-- email     -> user_<first 12 hex digits of md5(lower(email))>@example.invalid
--              The same address (in any case) always gives the same masked address, in every refresh and on every
--              copy, so an address a developer looks up in one table is found in another masked the same way.
--              Two rows that would get the same masked address (addresses that differ only in case, which the
--              case-sensitive unique constraint allows, or a 48-bit hash collision) get ".<id>" before the "@"
--              instead, so the unique constraint always holds.
--              .invalid is reserved (RFC 2606): no mail to a masked address can be delivered.
-- full_name -> Customer <id>
-- phone     -> NULL stays NULL; any other number becomes +000 followed by the id, zero-padded to 10 digits, so
--              "has a phone" survives but the number reaches no one.
-- ids, customer_id, created_at and amounts are kept: every join and every report on y matches production.
--
-- Idempotent: an address already in the masked form is left alone (hashing it again would change it), and the
-- name and phone are functions of the id. A second run changes no row.
-- Only built-in functions (md5, lower, left, lpad, regular expressions): no extension such as pgcrypto is needed.
--
-- Note: md5 of an address without a secret is a pseudonym, not anonymity: whoever can read y and guesses an
-- address can hash it and find its row. Mask with a keyed hash (pgcrypto's hmac, with a key kept off y) if that
-- matters for your data.

with unmasked as (
  select id, 'user_' || left(md5(lower(email)), 12) as local_part
  from customers
  where email !~ '^user_[0-9a-f]{12}(\.[0-9]+)?@example\.invalid$'
),
planned as (
  select u.id,
         case
           when count(*) over (partition by u.local_part) = 1
                and not exists (select 1 from customers c where c.email = u.local_part || '@example.invalid')
             then u.local_part
           else u.local_part || '.' || u.id
         end || '@example.invalid' as masked
  from unmasked u
)
update customers c
set email = p.masked
from planned p
where c.id = p.id;

update customers
set full_name = 'Customer ' || id,
    phone = case when phone is null then null else '+000' || lpad(id::text, greatest(10, length(id::text)), '0') end
where full_name is distinct from 'Customer ' || id
   or phone is distinct from case when phone is null then null else '+000' || lpad(id::text, greatest(10, length(id::text)), '0') end;

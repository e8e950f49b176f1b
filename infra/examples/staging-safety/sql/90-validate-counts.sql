-- validate: y has data, and masking kept orders joined to their customers. Runs read-only and is rolled back
-- (lambdas/sql/steps.ts, kind 'check'): the first column must be true, or the refresh fails and y is isolated.
--
-- ok is false when customers or orders is empty (a restore that lost its data) or when an order names a
-- customer that does not exist (the foreign key forbids it; this proves it on the copy). An order without a
-- customer (customer_id NULL) is allowed, as the schema allows it. The other columns are for the report.
select c.n > 0 and o.n > 0 and o.orphans = 0 as ok,
       c.n as customers,
       o.n as orders,
       o.orphans as orders_without_their_customer
from (select count(*) as n from customers) c,
     (select count(*) as n,
             count(*) filter (where o.customer_id is not null
                                and not exists (select 1 from customers cu where cu.id = o.customer_id)) as orphans
      from orders o) o;

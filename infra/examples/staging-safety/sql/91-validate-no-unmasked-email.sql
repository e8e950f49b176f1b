-- validate: no customer's real email address is left on y. Runs read-only and is rolled back
-- (lambdas/sql/steps.ts, kind 'check'): the first column must be true, or the refresh fails and y is isolated.
--
-- Every email must have the form 10-mask.sql gives it, user_<12 hex digits>[.<id>]@example.invalid: an address
-- merely ending in @example.invalid, or any other, counts as unmasked. One row, always (count(*) of no row is 0).
select count(*) = 0 as all_emails_masked,
       count(*) as unmasked_emails
from customers
where email !~ '^user_[0-9a-f]{12}(\.[0-9]+)?@example\.invalid$';

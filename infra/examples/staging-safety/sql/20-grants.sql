-- afterRestore: the read-only developer role. Runs after 10-mask.sql, in one READ WRITE transaction as the master
-- user (lambdas/sql/steps.ts, kind 'change'). Idempotent: every statement may run again on the next refresh.
--
-- staging_developer is a NOLOGIN role: grant it to the people who read y (GRANT staging_developer TO alice).
-- It may read every table of schema public, now and created later, and nothing else: no INSERT, UPDATE, DELETE,
-- TRUNCATE, REFERENCES or TRIGGER, no sequence, no function beyond what PUBLIC has.
--
-- A restore brings back production's roles with the snapshot, and on a first refresh this role does not exist
-- yet: CREATE ROLE has no IF NOT EXISTS, hence the check.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'staging_developer') then
    create role staging_developer nologin;
  end if;
end
$$;

grant usage on schema public to staging_developer;
grant select on all tables in schema public to staging_developer;
-- Tables the master user creates later in public (a migration tried on y) are readable too.
alter default privileges in schema public grant select on tables to staging_developer;

-- Sessions that log in as staging_developer itself start read-only (y's parameter group does so for every
-- session already). PostgreSQL applies a role's settings to the role that logs in, not to roles it is a member
-- of: for alice, a member, the privileges above are what keeps her from writing.
alter role staging_developer set default_transaction_read_only = on;

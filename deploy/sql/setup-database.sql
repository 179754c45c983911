-- Database-level setup of ONE bounded context, run as an admin connected to the context's
-- own database "__CTX__" (schema and default privileges are per database). Same template
-- placeholders as setup.sql; same SQL subset.

-- Only the migrator creates objects in the public schema. CockroachDB grants CREATE on it to
-- PUBLIC; PostgreSQL 15+ does not (the REVOKE is then a no-op).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO "__CTX___migrator";
GRANT USAGE ON SCHEMA public TO "__CTX___app";

-- DML on every table the migrator creates from now on (migrations run after this) ...
ALTER DEFAULT PRIVILEGES FOR ROLE "__CTX___migrator" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "__CTX___app";
-- ... and on the tables that already exist (a re-run after migrations).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "__CTX___app";

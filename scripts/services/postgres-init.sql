-- The telematics role and its databases (local-only default credentials). Idempotent: run by
-- scripts/services.sh on every 'up', and by the postgres image on a fresh volume (docker-compose.yml).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'telematics') THEN
    CREATE ROLE telematics LOGIN CREATEDB PASSWORD 'telematics';
  END IF;
END
$$;

SELECT format('CREATE DATABASE %I OWNER telematics', d)
  FROM unnest(ARRAY['telematics', 'telematics_test']) AS d
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec

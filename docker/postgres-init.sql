-- Runs once, when the PostgreSQL volume is first created (docker-entrypoint-initdb.d).
-- Archon's database is POSTGRES_DB; the Inngest server keeps its apps, events
-- and run history in a database of its own. Archon's first migration creates the
-- vector extension in its database (the image ships pgvector).
CREATE DATABASE inngest;

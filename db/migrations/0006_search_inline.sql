-- Full-text ranking reads each candidate's tsvector several times (ts_rank per
-- query word). Stored out of line, every read fetched it from the TOAST table
-- again: MAIN keeps it in the row, and the body text moves out of line instead.
-- Rows written before this apply it when they are next written (a refresh);
-- `VACUUM FULL chunks, code_examples` rewrites them all at once.
ALTER TABLE "chunks" ALTER COLUMN "search" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "code_examples" ALTER COLUMN "search" SET STORAGE MAIN;

ALTER TABLE "chunks" DROP CONSTRAINT "chunks_embedding_dim_check";--> statement-breakpoint
ALTER TABLE "code_examples" DROP CONSTRAINT "code_examples_embedding_dim_check";--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "indexed_dim" integer;--> statement-breakpoint
ALTER TABLE "code_examples" ADD COLUMN "indexed_dim" integer;--> statement-breakpoint
-- HNSW indexes now cover rows by indexed_dim. They are dropped before the backfill,
-- which would otherwise re-insert every vector into them one by one; start-up
-- builds them again in bulk (db/vector-index.ts).
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('chunks', 'code_examples') AND indexname LIKE '%\_hnsw' LOOP
    EXECUTE format('DROP INDEX %I', r.indexname);
  END LOOP;
END $$;--> statement-breakpoint
UPDATE "chunks" SET "indexed_dim" = "embedding_dim" WHERE "embedding_dim" IS NOT NULL;--> statement-breakpoint
UPDATE "code_examples" SET "indexed_dim" = "embedding_dim" WHERE "embedding_dim" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "chunks_vector_backlog_idx" ON "chunks" USING btree ("embedding_dim") WHERE "chunks"."indexed_dim" is null and "chunks"."embedding_dim" is not null;--> statement-breakpoint
CREATE INDEX "code_examples_vector_backlog_idx" ON "code_examples" USING btree ("embedding_dim") WHERE "code_examples"."indexed_dim" is null and "code_examples"."embedding_dim" is not null;--> statement-breakpoint
ALTER TABLE "chunks" ADD CONSTRAINT "chunks_embedding_dim_check" CHECK ((("chunks"."embedding" is null and "chunks"."embedding_dim" is null) or vector_dims("chunks"."embedding") = "chunks"."embedding_dim") and ("chunks"."indexed_dim" is null or "chunks"."indexed_dim" = "chunks"."embedding_dim"));--> statement-breakpoint
ALTER TABLE "code_examples" ADD CONSTRAINT "code_examples_embedding_dim_check" CHECK ((("code_examples"."embedding" is null and "code_examples"."embedding_dim" is null) or vector_dims("code_examples"."embedding") = "code_examples"."embedding_dim") and ("code_examples"."indexed_dim" is null or "code_examples"."indexed_dim" = "code_examples"."embedding_dim"));
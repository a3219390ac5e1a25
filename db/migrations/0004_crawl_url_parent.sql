ALTER TABLE "crawl_urls" ADD COLUMN "parent_id" bigint;--> statement-breakpoint
CREATE INDEX "crawl_urls_job_parent_idx" ON "crawl_urls" USING btree ("job_id","parent_id");
'use client';

import { useQuery } from '@tanstack/react-query';
import { Archive, FileUp, Globe } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { toast } from 'sonner';
import { Dialog, DialogBody, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../_components/ui/dialog';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../_components/ui/tabs';
import { useTRPC } from '../../_lib/trpc';
import { CrawlForm } from './crawl-form';
import { shortUrl } from './format';
import { ImportForm } from './import-form';
import { useTrackJob } from './live-jobs';
import { UploadForm } from './upload-form';

export type AddTab = 'crawl' | 'upload' | 'import';
export const ADD_TABS: AddTab[] = ['crawl', 'upload', 'import'];

/**
 * Adding knowledge: crawl a site, upload files, or import an archive, one tab
 * each. Which tab is open lives in the URL (`?add=upload`), so the empty
 * state's buttons and a shared link open the right one.
 */
export function AddKnowledgeDialog({ tab, onTabChange, onClose }: { tab: AddTab | null; onTabChange: (tab: AddTab) => void; onClose: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const track = useTrackJob();
  const tags = useQuery({ ...trpc.knowledge.sourceTags.queryOptions(), enabled: tab !== null });
  const known = (tags.data ?? []).map((t) => t.tag);
  return (
    <Dialog open={tab !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent size="lg" data-testid="add-knowledge-dialog">
        <DialogHeader>
          <DialogTitle>Add knowledge</DialogTitle>
          <DialogDescription>Crawl a documentation site, upload files, or import a source exported from Archon.</DialogDescription>
        </DialogHeader>
        <Tabs value={tab ?? 'crawl'} onValueChange={(v) => onTabChange(v as AddTab)} className="flex min-h-0 flex-1 flex-col">
          <div className="px-5 pb-2">
            <TabsList variant="segmented" aria-label="How to add knowledge" className="w-full [&>*]:flex-1 [&>*]:justify-center">
              <TabsTrigger value="crawl">
                <Globe aria-hidden /> Crawl a site
              </TabsTrigger>
              <TabsTrigger value="upload">
                <FileUp aria-hidden /> Upload files
              </TabsTrigger>
              <TabsTrigger value="import">
                <Archive aria-hidden /> Import archive
              </TabsTrigger>
            </TabsList>
          </div>
          <DialogBody className="pb-4">
            <TabsContent value="crawl" forceMount className="mt-2 data-[state=inactive]:hidden">
              <CrawlForm
                tags={known}
                onStarted={(job, url) => {
                  track(job);
                  onClose();
                  toast.success('Crawl started', {
                    description: `${shortUrl(url)}: progress shows on its row.`,
                    action: job.sourceId
                      ? { label: 'Open', onClick: () => router.push(`/knowledge/sources/${encodeURIComponent(job.sourceId!)}`) }
                      : undefined,
                  });
                }}
              />
            </TabsContent>
            <TabsContent value="upload" forceMount className="mt-2 data-[state=inactive]:hidden">
              <UploadForm tags={known} onDone={onClose} />
            </TabsContent>
            <TabsContent value="import" forceMount className="mt-2 data-[state=inactive]:hidden">
              <ImportForm onDone={onClose} />
            </TabsContent>
          </DialogBody>
        </Tabs>
      </DialogContent>
    </Dialog>
  );
}

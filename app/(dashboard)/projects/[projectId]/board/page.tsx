import type { Metadata } from 'next';
import { requireUser } from '../../../../_lib/server/session';

export const metadata: Metadata = { title: 'Board' };

export default async function BoardPage() {
  await requireUser();
  return <p className="text-sm text-muted-foreground">The board is on its way.</p>;
}

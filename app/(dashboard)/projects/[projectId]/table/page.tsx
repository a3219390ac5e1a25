import type { Metadata } from 'next';
import { requireUser } from '../../../../_lib/server/session';

export const metadata: Metadata = { title: 'Table' };

export default async function TablePage() {
  await requireUser();
  return <p className="text-sm text-muted-foreground">The table is on its way.</p>;
}

'use client';

import type { BookOpen } from 'lucide-react';
import { useId } from 'react';

export function Section({
  icon: Icon,
  title,
  count,
  action,
  children,
}: {
  icon: typeof BookOpen;
  title: string;
  count?: number;
  action?: React.ReactNode;
  children: React.ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="grid gap-2.5">
      <div className="flex items-center gap-2">
        <Icon aria-hidden className="size-4 text-muted-foreground" />
        <h3 id={id} className="text-sm font-semibold">
          {title}
        </h3>
        {count !== undefined && count > 0 && <span className="text-sm tabular-nums text-muted-foreground">{count}</span>}
        <div className="ml-auto">{action}</div>
      </div>
      {children}
    </section>
  );
}

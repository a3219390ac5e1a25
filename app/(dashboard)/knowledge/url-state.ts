'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';

/**
 * A page's state in its query string (filters, sort, page, tab), so a reload or
 * a shared link shows the same view. Writes go through history.replaceState,
 * which Next.js folds into useSearchParams without asking the server again.
 */
export function useUrlState() {
  const params = useSearchParams();
  const pathname = usePathname();
  const set = useCallback(
    (patch: Record<string, string | string[] | null | undefined>, opts: { push?: boolean; state?: Record<string, unknown> } = {}) => {
      const next = new URLSearchParams(window.location.search);
      for (const [key, value] of Object.entries(patch)) {
        next.delete(key);
        if (value == null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
        for (const v of Array.isArray(value) ? value : [value]) next.append(key, v);
      }
      const qs = next.toString();
      const url = `${pathname}${qs ? `?${qs}` : ''}`;
      // A page's own entries in history.state (not Next.js's, which it copies itself) stay on a replace.
      const { __NA, __PRIVATE_NEXTJS_INTERNALS_TREE, ...own } = (window.history.state ?? {}) as Record<string, unknown>;
      if (opts.push) window.history.pushState(opts.state ?? null, '', url);
      else window.history.replaceState({ ...own, ...opts.state }, '', url);
    },
    [pathname],
  );
  return { params, set };
}

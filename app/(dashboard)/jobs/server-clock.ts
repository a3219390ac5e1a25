'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../../_lib/trpc';

/**
 * The server's time, ticking every `tickMs` while `live` (for "running for
 * 2 min" on a job that has not finished). Durations mix the browser's clock
 * with the server's timestamps, so the difference between the two clocks is
 * taken from system.info once and applied. The tick only re-renders; it asks
 * the server nothing.
 */
export function useServerNow(live: boolean, tickMs = 1_000): number {
  const trpc = useTRPC();
  const info = useQuery({ ...trpc.system.info.queryOptions(), staleTime: Number.POSITIVE_INFINITY });
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    // The answer left the server about half a round trip ago; close enough for seconds.
    if (info.data) setOffset(new Date(info.data.serverTime).getTime() - info.dataUpdatedAt);
  }, [info.data, info.dataUpdatedAt]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(t);
  }, [live, tickMs]);
  return now + offset;
}

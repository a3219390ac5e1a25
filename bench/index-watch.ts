// What the vector index of a PostgreSQL server database is doing, sampled
// every 250 ms during bench:ingest's crawls: whether the chunks' HNSW index
// exists, whether an index is being built, and how many rows wait in the
// backlog (read exactly by every search). Each of the probe's searches is then
// put with the state it started in, so a slow tail can be told apart: no index
// (a rebuild dropped it), a build running, or a long backlog.
import postgres from 'postgres';
import { percentile } from './metrics';
import type { TimedWait } from './probe';

type State = { at: number; hasIndex: boolean; building: boolean; backlog: number };

export function watchVectorIndex(databaseUrl: string, intervalMs = 250) {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const states: State[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      // The chunks' index only: a code examples' build running beside a valid chunks index is not what a search waits for.
      const [row] = await client<{ has_index: boolean; building: boolean; backlog: number }[]>`
        select coalesce(bool_or(i.indisvalid), false) as has_index, coalesce(bool_or(not i.indisvalid), false) as building,
          (select count(*)::int from chunks where indexed_dim is null and embedding_dim is not null) as backlog
        from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = 'chunks'::regclass and c.relname like 'chunks_embedding_%_hnsw'`.catch(() => [undefined]);
      if (row) states.push({ at, hasIndex: row.has_index, building: row.building, backlog: row.backlog });
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - at))));
    }
  })();
  const stateAt = (t: number) => {
    let found: State | undefined;
    for (const s of states) if (s.at <= t) found = s;
    return found;
  };
  return {
    /** Stops sampling (before the idle searches, which the sampling's own queries would slow). */
    async stop() {
      stopped = true;
      await loop;
      await client.end();
    },
    /** The searches grouped by the state they started in: how many, p50, p95, and how many were slower than `slowMs`. */
    group(searches: TimedWait[], slowMs: number) {
      const groups = new Map<string, number[]>();
      for (const s of searches) {
        const state = stateAt(s.at);
        const key = !state
          ? 'unknown'
          : !state.hasIndex
            ? state.building
              ? 'index building'
              : 'no index'
            : state.backlog >= 1000
              ? 'backlog ≥ 1,000'
              : 'backlog < 1,000';
        groups.set(key, [...(groups.get(key) ?? []), s.ms]);
      }
      const round = (x: number) => Number(x.toFixed(1));
      return {
        samples: states.length,
        secondsWithoutIndex: round((states.filter((s) => !s.hasIndex).length * intervalMs) / 1000),
        secondsBuilding: round((states.filter((s) => s.building).length * intervalMs) / 1000),
        largestBacklog: Math.max(0, ...states.map((s) => s.backlog)),
        searches: Object.fromEntries(
          [...groups].map(([k, ms]) => [
            k,
            { n: ms.length, p50: round(percentile(ms, 0.5)), p95: round(percentile(ms, 0.95)), slow: ms.filter((m) => m > slowMs).length },
          ]),
        ),
      };
    },
  };
}

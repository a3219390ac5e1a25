// Where a board move's time goes on each page's main thread, from a Chromium trace taken by bench/board.ts
// --trace: the mover's window runs from the drop key (mark `move-key`) to the move's request being sent, the
// watcher's from the event's WebSocket message (mark `move-message`) to the frame that paints it (mark
// `move-painted`). Inside the windows, main-thread time is split by trace event (self time, so nothing counts
// twice); what is left is the thread waiting (idle, or on another process or the network).
type TraceEvent = { name: string; cat?: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: any };
type Span = { start: number; end: number; label: string; children: Span[] };
type Window = { start: number; end: number };

const label = (e: TraceEvent) => {
  const data = e.args?.data ?? {};
  if (e.name === 'EventDispatch') return `EventDispatch ${data.type ?? ''}`;
  if (e.name === 'FunctionCall')
    return `FunctionCall ${data.functionName || '(anonymous)'} ${String(data.url ?? '')
      .split('/')
      .pop()}`;
  return e.name;
};

/** Self-time intervals of one thread's complete events, labelled. */
function selfIntervals(events: TraceEvent[]): { start: number; end: number; label: string }[] {
  const spans = events
    .filter((e) => e.ph === 'X' && e.dur !== undefined)
    .map((e) => ({ start: e.ts, end: e.ts + e.dur!, label: label(e), children: [] as Span[] }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const roots: Span[] = [];
  const stack: Span[] = [];
  for (const span of spans) {
    while (stack.length && stack.at(-1)!.end <= span.start) stack.pop();
    (stack.length ? stack.at(-1)!.children : roots).push(span);
    stack.push(span);
  }
  const out: { start: number; end: number; label: string }[] = [];
  const walk = (span: Span) => {
    let at = span.start;
    for (const child of span.children) {
      if (child.start > at) out.push({ start: at, end: child.start, label: span.label });
      at = Math.max(at, Math.min(child.end, span.end));
      walk(child);
    }
    if (span.end > at) out.push({ start: at, end: span.end, label: span.label });
  };
  roots.forEach(walk);
  return out;
}

function split(intervals: { start: number; end: number; label: string }[], windows: Window[]) {
  const totals = new Map<string, number>();
  let length = 0;
  for (const w of windows) {
    length += w.end - w.start;
    for (const i of intervals) {
      const overlap = Math.min(i.end, w.end) - Math.max(i.start, w.start);
      if (overlap > 0) totals.set(i.label, (totals.get(i.label) ?? 0) + overlap);
    }
  }
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  const per = (us: number) => `${(us / 1000 / windows.length).toFixed(1)} ms`;
  const top = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, us]) => `    ${per(us).padStart(9)}  ${name}`);
  return [`  ${windows.length} moves; window ${per(length)} a move, main thread busy ${per(busy)}, waiting ${per(length - busy)}`, ...top].join('\n');
}

type Sample = { ts: number; stack: string[] };

/** JavaScript samples per process from the trace's V8 CPU profile chunks, each with its stack (leaf first). */
function samplesByPid(events: TraceEvent[]): Map<number, Sample[]> {
  const profiles = new Map<string, { pid: number; at: number; nodes: Map<number, { frame: string; parent?: number }>; samples: Sample[] }>();
  for (const e of events) {
    if (e.name === 'Profile') {
      profiles.set(`${e.pid}:${(e as any).id}`, { pid: e.pid, at: e.args?.data?.startTime ?? e.ts, nodes: new Map(), samples: [] });
      continue;
    }
    if (e.name !== 'ProfileChunk') continue;
    const profile = profiles.get(`${e.pid}:${(e as any).id}`);
    if (!profile) continue;
    const data = e.args?.data ?? {};
    for (const node of data.cpuProfile?.nodes ?? []) {
      const f = node.callFrame ?? {};
      const where = f.url ? `${String(f.url).split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}` : '';
      profile.nodes.set(node.id, { frame: `${f.functionName || '(anonymous)'} ${where}`.trim(), parent: node.parent });
    }
    const ids: number[] = data.cpuProfile?.samples ?? [];
    const deltas: number[] = data.timeDeltas ?? [];
    ids.forEach((id, i) => {
      profile.at += deltas[i] ?? 0;
      profile.samples.push({ ts: profile.at, stack: [String(id)] });
    });
  }
  const out = new Map<number, Sample[]>();
  for (const profile of profiles.values()) {
    const stackOf = (id: number) => {
      const stack: string[] = [];
      for (let n = profile.nodes.get(id); n; n = n.parent === undefined ? undefined : profile.nodes.get(n.parent)) stack.push(n.frame);
      return stack;
    };
    const samples = profile.samples.map((s) => ({ ts: s.ts, stack: stackOf(Number(s.stack[0])) }));
    out.set(profile.pid, [...(out.get(profile.pid) ?? []), ...samples]);
  }
  return out;
}

function hotFunctions(samples: Sample[] | undefined, windows: Window[]) {
  if (!samples?.length) return '    (no JavaScript samples)';
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let n = 0;
  for (const s of samples) {
    if (!windows.some((w) => s.ts >= w.start && s.ts < w.end)) continue;
    const leaf = s.stack[0] ?? '?';
    if (leaf.startsWith('(idle)') || leaf.startsWith('(program)')) continue;
    n++;
    self.set(leaf, (self.get(leaf) ?? 0) + 1);
    for (const f of new Set(s.stack)) total.set(f, (total.get(f) ?? 0) + 1);
  }
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([f, c]) => `      ${String(c).padStart(5)}  ${f}`);
  return [`    JavaScript samples in the windows: ${n}; by self:`, ...top(self), '    by total (inclusive):', ...top(total)].join('\n');
}

export function breakdown(trace: { traceEvents?: TraceEvent[] } | TraceEvent[]): string {
  const events = Array.isArray(trace) ? trace : (trace.traceEvents ?? []);
  const mainThreads = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  const marks = (name: string) => events.filter((e) => e.name === name && e.cat?.includes('blink.user_timing')).sort((a, b) => a.ts - b.ts);
  const thread = (pid: number) => {
    const main = [...mainThreads].find((k) => k.startsWith(`${pid}:`));
    return events.filter((e) => `${e.pid}:${e.tid}` === main);
  };
  const lines: string[] = [];
  const samples = samplesByPid(events);

  const keys = marks('move-key');
  if (keys.length) {
    const pid = keys[0]!.pid;
    const sends = events
      .filter((e) => e.name === 'ResourceSendRequest' && e.pid === pid && String(e.args?.data?.url ?? '').includes('tasks.move'))
      .map((e) => e.ts)
      .sort((a, b) => a - b);
    const windows = keys.flatMap((k) => {
      const sent = sends.find((t) => t >= k.ts);
      return sent === undefined ? [] : [{ start: k.ts, end: sent }];
    });
    lines.push('mover, drop key → move request sent:', split(selfIntervals(thread(pid)), windows), hotFunctions(samples.get(pid), windows));
  }
  const messages = marks('move-message');
  if (messages.length) {
    const pid = messages[0]!.pid;
    const painted = marks('move-painted').map((e) => e.ts);
    const windows = messages.flatMap((m) => {
      const end = painted.find((t) => t >= m.ts);
      return end === undefined ? [] : [{ start: m.ts, end }];
    });
    lines.push('watcher, event message → painted:', split(selfIntervals(thread(pid)), windows), hotFunctions(samples.get(pid), windows));
  }
  return lines.length ? lines.join('\n') : 'trace: no move marks found';
}

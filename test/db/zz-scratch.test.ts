import { afterAll, beforeAll, it } from 'vitest';
import { createCaller } from '../../server/routers/_app';
import { createContextInner } from '../../server/trpc/context';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';
let rt: TestRuntime;
beforeAll(async () => { rt = await createTestRuntime(); });
afterAll(async () => { await rt?.close(); });
it('scratch', async () => {
  const p = await rt.caller.projects.create({ title: 'p' });
  try {
    const it0 = await rt.caller.tasks.onChange({ projectId: '00000000-0000-4000-8000-000000000000' });
    console.log('returned', typeof it0, Object.prototype.toString.call(it0));
    for await (const e of it0 as any) { console.log(e); }
  } catch (e: any) { console.log('err', e.constructor.name, e.code, e.message); }
  const ac = new AbortController();
  const c = createCaller(createContextInner({ runtime: rt }), { signal: ac.signal });
  const iter = await c.tasks.onChange({ projectId: p.id });
  const t = await rt.caller.tasks.create({ projectId: p.id, title: 'a' });
  const i = (iter as any)[Symbol.asyncIterator]();
  const r = await i.next();
  console.log(JSON.stringify(r));
  const t0 = Date.now();
  const pn = i.next();
  setTimeout(() => ac.abort(), 100);
  console.log(await pn, Date.now() - t0);
  const m = await rt.caller.tasks.update({ id: t.id, expectedVersion: 99, title: 'x' }).catch((e) => e);
  console.log(m.constructor.name, m.code, m.message);
  const n = await rt.caller.tasks.byId({ id: '00000000-0000-4000-8000-000000000000' }).catch((e) => e);
  console.log(n.constructor.name, n.code, n.message);
});

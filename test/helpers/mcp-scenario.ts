import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../server/mcp/server';
import type { DocsSite } from '../fixtures/docs-site';
import { connectMcp, structured, type TrpcClient, textOf, trpcOver } from './mcp';
import { waitFor } from './wait';

export type ScenarioContext = {
  url: string;
  /** An admin-scope key (sees every tool). */
  adminKey: string;
  site: DocsSite;
  /** resources/list's page size, when the server was given a small one to show paging. */
  listPageSize?: number;
};

const longMarkdown = () =>
  Array.from({ length: 60 }, (_, i) => `## Part ${i}\n\n${`Paragraph ${i} explains the gizmo calibration step ${i} in detail. `.repeat(6)}`).join(
    '\n\n',
  );

/**
 * Every tool, called through the official SDK client over streamable HTTP,
 * each result checked against what tRPC says about the same data. The last
 * test fails if a tool was added without being called here.
 */
export function describeEveryTool(get: () => ScenarioContext) {
  const called = new Set<string>();
  let mcp: Client;
  let sessionId: string | undefined;
  let trpc: TrpcClient;
  let ctx: ScenarioContext;
  const call = (name: string, args: Record<string, unknown> = {}, opts?: Parameters<Client['callTool']>[2]) => {
    called.add(name);
    return mcp.callTool({ name, arguments: args }, undefined, { timeout: 120_000, ...opts });
  };
  let sourceId: string;
  let uploadSourceId: string;
  let pageIds: string[] = [];
  let codeExampleId: number;

  beforeAll(async () => {
    ctx = get();
    const connected = await connectMcp(ctx.url, ctx.adminKey);
    mcp = connected.client;
    sessionId = connected.transport.sessionId;
    trpc = trpcOver(ctx.url, ctx.adminKey);
  });
  afterAll(async () => {
    await mcp?.close();
  });

  it('lists every tool for an admin key, the page templates and the prompts, with the instructions', async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(10);
      expect(tool.outputSchema).toMatchObject({ type: 'object' });
    }
    const { resourceTemplates } = await mcp.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual([
      'archon://pages{?url,source_id}',
      'archon://sources/{sourceId}/pages/{pageId}',
    ]);
    const { prompts } = await mcp.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['plan_feature_tasks', 'research_library']);
    expect(mcp.getInstructions()).toMatch(/rag_get_available_sources/);
  });

  it('rag_add_source crawls the test site and reports progress that rises and ends at the total', async () => {
    const progress: Progress[] = [];
    const res = await call(
      'rag_add_source',
      { url: `${ctx.site.url}/docs/`, mode: 'recursive', max_depth: 2, tags: ['fixture'], title: 'Fixture Docs' },
      { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true },
    );
    const out = structured(res);
    expect(out).toMatchObject({ waited: true, job: { status: 'completed', kind: 'crawl' } });
    sourceId = out.job.sourceId;
    const job = await trpc.jobs.get.query({ id: out.job.id });
    expect(out.job).toMatchObject({ pagesFetched: job.pagesFetched, chunksStored: job.chunksStored, status: 'completed' });
    expect(job.pagesFetched).toBeGreaterThanOrEqual(4);

    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const [i, p] of progress.entries()) {
      expect(p.total).toBeGreaterThanOrEqual(p.progress);
      if (i > 0) expect(p.progress).toBeGreaterThan(progress[i - 1]!.progress);
    }
    const last = progress.at(-1)!;
    expect(last.progress).toBe(last.total);
    expect(last.progress).toBe(job.pagesFetched + job.pagesSkipped + job.pagesFailed + job.chunksStored + 1);
    expect(last.message).toMatch(/^completed: /);
  });

  it('rag_get_available_sources resolves a library name to its source id', async () => {
    const out = structured(await call('rag_get_available_sources', { query: 'fixture' }));
    const source = await trpc.knowledge.source.query({ id: sourceId });
    expect(out.total).toBe(1);
    expect(out.sources[0]).toMatchObject({
      id: sourceId,
      title: source.title,
      pages: source.pageCount,
      chunks: source.chunkCount,
      tags: ['fixture'],
    });
    expect(structured(await call('rag_get_available_sources', { query: 'no such library' })).total).toBe(0);
  });

  it('rag_search_knowledge_base answers pages by default, chunks on request, and whole passages within max_tokens', async () => {
    const pages = structured(await call('rag_search_knowledge_base', { query: 'frobnicator widgets', source_id: sourceId }));
    expect(pages.returnMode).toBe('pages');
    expect(pages.results.length).toBeGreaterThan(0);
    const listed = await trpc.knowledge.listPages.query({ sourceId, limit: 200 });
    pageIds = listed.items.map((p) => p.id);
    for (const r of pages.results) expect(pageIds).toContain(r.pageId);

    const chunks = structured(await call('rag_search_knowledge_base', { query: 'frobnicator', return_mode: 'chunks', match_count: 3 }));
    expect(chunks.results.length).toBeGreaterThan(0);
    expect(chunks.results.length).toBeLessThanOrEqual(3);
    const direct = await trpc.knowledge.search.query({ query: 'frobnicator', limit: 3 });
    expect(chunks.results.map((r: { chunkId: number }) => r.chunkId)).toEqual(direct.results.map((r) => (r as { chunkId: number }).chunkId));

    const budget = 100;
    const packed = structured(await call('rag_search_knowledge_base', { query: 'frobnicator widgets', max_tokens: budget, match_count: 5 }));
    const passages = packed.results.flatMap((p: { passages: { chunkId: number; content: string }[] }) => p.passages);
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.reduce((n: number, x: { content: string }) => n + Math.ceil(x.content.length / 4), 0)).toBeLessThanOrEqual(budget);
    expect(packed.leftOut.passages).toBeGreaterThan(0);
    expect(packed.notice).toMatch(/did not fit max_tokens=100/);
    // Within a page, passages keep the page's order.
    for (const page of packed.results) {
      const order = (await trpc.knowledge.listChunks.query({ pageId: page.pageId, limit: 200 })).items.map((c) => c.id);
      const positions = page.passages.map((x: { chunkId: number }) => order.indexOf(x.chunkId));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('rag_search_code_examples finds the fixture code', async () => {
    const out = structured(await call('rag_search_code_examples', { query: 'frobnicate widgets', source_id: sourceId }));
    const hit = out.results.find((r: { code: string }) => r.code.includes('frobnicate('));
    expect(hit).toBeTruthy();
    expect(hit.language).toBe('typescript');
    codeExampleId = hit.id;
  });

  it('rag_upload_document returns the job at once without progress; get_job and list_jobs follow it', async () => {
    const res = structured(
      await call('rag_upload_document', { filename: 'gizmo-guide.md', content: `# Gizmo guide\n\n${longMarkdown()}`, tags: ['upload'] }),
    );
    expect(res.waited).toBe(false);
    uploadSourceId = res.job.sourceId;
    const done = await waitFor(
      async () => {
        const j = structured(await call('get_job', { job_id: res.job.id }));
        return ['completed', 'failed'].includes(j.job.status) ? j.job : null;
      },
      60_000,
      'upload job',
    );
    expect(done).toMatchObject({ status: 'completed', kind: 'upload' });
    expect(done).toMatchObject({ chunksStored: (await trpc.jobs.get.query({ id: res.job.id })).chunksStored });
    const listed = structured(await call('list_jobs', { source_id: uploadSourceId }));
    expect(listed.jobs.map((j: { id: string }) => j.id)).toEqual([res.job.id]);
    expect(structured(await call('list_jobs', { kind: 'crawl' })).total).toBeGreaterThanOrEqual(1);
  });

  it('rag_list_pages_for_source and rag_read_full_page match tRPC, by id, by URL, paged and within max_tokens', async () => {
    const out = structured(await call('rag_list_pages_for_source', { source_id: sourceId }));
    const listed = await trpc.knowledge.listPages.query({ sourceId, limit: 200 });
    expect(out.total).toBe(listed.total);
    expect(out.pages.map((p: { id: string }) => p.id)).toEqual(listed.items.map((p) => p.id));

    const first = listed.items[0]!;
    const byId = structured(await call('rag_read_full_page', { page_id: first.id }));
    expect(byId.content).toBe((await trpc.knowledge.readPage.query({ pageId: first.id })).content);
    expect(byId.page.truncated).toBe(false);
    const byUrl = structured(await call('rag_read_full_page', { url: first.url }));
    expect(byUrl.page.id).toBe(first.id);

    const [long] = (await trpc.knowledge.listPages.query({ sourceId: uploadSourceId })).items;
    const full = (await trpc.knowledge.readPage.query({ pageId: long!.id, maxChars: 200_000 })).content;
    expect(full.length).toBeGreaterThan(20_000);
    const paged = structured(await call('rag_read_full_page', { page_id: long!.id }));
    expect(paged.content).toBe(full.slice(0, 20_000));
    expect(paged.notice).toMatch(/Read on with offset 20000/);

    const budgeted = structured(await call('rag_read_full_page', { page_id: long!.id, max_tokens: 500 }));
    expect(budgeted.content.length).toBeLessThanOrEqual(2000);
    expect(full.startsWith(budgeted.content)).toBe(true);
    // Whole passages: what follows the cut starts a paragraph or a heading.
    expect(full.slice(budgeted.page.end)).toMatch(/^(## |Paragraph )/);
    const next = structured(await call('rag_read_full_page', { page_id: long!.id, max_tokens: 500, offset: budgeted.page.end }));
    expect(full.slice(budgeted.page.end).startsWith(next.content)).toBe(true);
  });

  it('rag_refresh_source waits when asked to, without progress', async () => {
    const out = structured(await call('rag_refresh_source', { source_id: sourceId, wait: true }));
    expect(out).toMatchObject({ waited: true, job: { kind: 'refresh', status: 'completed', sourceId } });
  });

  it('cancel_job stops a running crawl', async () => {
    const started = structured(await call('rag_add_source', { url: `${ctx.site.url}/slowdocs/0`, mode: 'recursive', max_depth: 40, concurrency: 1 }));
    expect(started.waited).toBe(false);
    const out = structured(await call('cancel_job', { job_id: started.job.id }));
    expect(out.job.status).toBe('cancelled');
    expect((await trpc.jobs.get.query({ id: started.job.id })).status).toBe('cancelled');
  });

  let projectId: string;
  it('manage_project, find_projects and get_project_features', async () => {
    const created = structured(
      await call('manage_project', {
        action: 'create',
        title: 'MCP project',
        description: 'Built over MCP',
        github_repo: 'acme/docs',
        features: ['search', 'tasks'],
      }),
    );
    projectId = created.project.id;
    expect(await trpc.projects.byId.query({ id: projectId })).toMatchObject({ title: 'MCP project', githubRepo: 'https://github.com/acme/docs' });
    const updated = structured(await call('manage_project', { action: 'update', project_id: projectId, pinned: true }));
    expect(updated.project.pinned).toBe(true);
    const found = structured(await call('find_projects', { query: 'MCP' }));
    expect(found.projects.map((p: { id: string }) => p.id)).toContain(projectId);
    const one = structured(await call('find_projects', { project_id: projectId }));
    expect(one.project).toMatchObject({ id: projectId, features: ['search', 'tasks'] });
    expect(structured(await call('get_project_features', { project_id: projectId }))).toEqual({ features: ['search', 'tasks'], count: 2 });

    const doomed = structured(await call('manage_project', { action: 'create', title: 'Doomed' })).project.id;
    structured(await call('manage_project', { action: 'delete', project_id: doomed }));
    await expect(trpc.projects.byId.query({ id: doomed })).rejects.toThrow(/does not exist/);
  });

  it('manage_task and find_tasks: priority, subtasks, moves with an order, links, archive', async () => {
    const parent = structured(
      await call('manage_task', {
        action: 'create',
        project_id: projectId,
        title: 'Wire the MCP endpoint',
        priority: 'high',
        feature: 'mcp',
        source_ids: [sourceId],
        code_example_ids: [codeExampleId],
      }),
    ).task;
    expect(await trpc.tasks.byId.query({ id: parent.id })).toMatchObject({
      priority: 'high',
      feature: 'mcp',
      sourceIds: [sourceId],
      codeExampleIds: [codeExampleId],
      status: 'todo',
    });
    const sub = structured(
      await call('manage_task', { action: 'create', project_id: projectId, parent_task_id: parent.id, title: 'Write tests' }),
    ).task;
    expect(sub.parentId).toBe(parent.id);
    const a = structured(await call('manage_task', { action: 'create', project_id: projectId, title: 'A', assignee: 'Coding Agent' })).task;
    const b = structured(await call('manage_task', { action: 'create', project_id: projectId, title: 'B' })).task;

    structured(await call('manage_task', { action: 'update', task_id: b.id, status: 'doing' }));
    const moved = structured(
      await call('manage_task', { action: 'update', task_id: a.id, status: 'doing', before_task_id: b.id, description: 'now' }),
    ).task;
    expect(moved.status).toBe('doing');
    const doing = await trpc.tasks.list.query({ projectId, status: 'doing' });
    expect(doing.items.map((t) => t.id)).toEqual([a.id, b.id]);

    const stale = await call('manage_task', { action: 'update', task_id: a.id, title: 'A2', expected_version: 1 });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toMatch(/changed by someone else/);

    const one = structured(await call('find_tasks', { task_id: parent.id }));
    expect(one.task.subtasks.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    const inDoing = structured(await call('find_tasks', { filter_by: 'status', filter_value: 'doing', project_id: projectId }));
    expect(inDoing.tasks.map((t: { id: string }) => t.id)).toEqual([a.id, b.id]);
    const byAssignee = structured(await call('find_tasks', { filter_by: 'assignee', filter_value: 'Coding Agent' }));
    expect(byAssignee.tasks.map((t: { id: string }) => t.id)).toEqual([a.id]);
    const byProject = structured(await call('find_tasks', { filter_by: 'project', filter_value: projectId }));
    expect(byProject.total).toBe(4);

    const archived = structured(await call('manage_task', { action: 'delete', task_id: parent.id }));
    expect(archived.archived.sort()).toEqual([parent.id, sub.id].sort());
    expect((await trpc.tasks.byId.query({ id: parent.id })).archived).toBe(true);
  });

  it('manage_document, find_documents, find_versions and manage_version', async () => {
    const created = structured(
      await call('manage_document', { action: 'create', project_id: projectId, title: 'Spec', document_type: 'spec', content: '# Spec\n\nfirst' }),
    ).document;
    structured(
      await call('manage_document', {
        action: 'update',
        project_id: projectId,
        document_id: created.id,
        content: '# Spec\n\nsecond',
        change_summary: 'v2',
      }),
    );
    expect((await trpc.documents.byId.query({ id: created.id })).content).toBe('# Spec\n\nsecond');
    const listed = structured(await call('find_documents', { project_id: projectId, document_type: 'spec' }));
    expect(listed.documents.map((d: { id: string }) => d.id)).toEqual([created.id]);
    const read = structured(await call('find_documents', { project_id: projectId, document_id: created.id }));
    expect(read.document.content).toBe('# Spec\n\nsecond');

    const history = structured(await call('find_versions', { project_id: projectId, document_id: created.id }));
    expect(history.versions.map((v: { versionNumber: number }) => v.versionNumber)).toEqual([2, 1]);
    const v1 = structured(await call('find_versions', { project_id: projectId, document_id: created.id, version_number: 1 }));
    expect(v1.version.content).toBe('# Spec\n\nfirst');
    structured(
      await call('manage_version', {
        action: 'restore',
        project_id: projectId,
        document_id: created.id,
        version_number: 1,
        created_by: 'Coding Agent',
      }),
    );
    expect((await trpc.documents.byId.query({ id: created.id })).content).toBe('# Spec\n\nfirst');

    const snap = structured(
      await call('manage_version', { action: 'create', project_id: projectId, field_name: 'features', change_summary: 'before edits' }),
    );
    const features = await trpc.versions.list.query({ projectId, fieldName: 'features' });
    expect(features.items[0]!.versionNumber).toBe(snap.version.versionNumber);

    structured(await call('manage_document', { action: 'delete', project_id: projectId, document_id: created.id }));
    await expect(trpc.documents.byId.query({ id: created.id })).rejects.toThrow(/does not exist/);
  });

  it('health_check and session_info', async () => {
    const health = structured(await call('health_check'));
    expect(health).toMatchObject({ status: 'ok', migrationsCurrent: true });
    const session = structured(await call('session_info'));
    expect(session).toMatchObject({
      sessionId,
      transport: 'http',
      mode: 'server',
      caller: { kind: 'api-key', capabilities: ['read', 'write', 'admin'] },
    });
    expect(session.activeSessions).toBeGreaterThanOrEqual(1);
  });

  it('serves pages as resources, listed with a cursor, read by id and by URL', async () => {
    const uris: string[] = [];
    let cursor: string | undefined;
    let lists = 0;
    do {
      const page = await mcp.listResources(cursor ? { cursor } : undefined);
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
      lists++;
    } while (cursor && lists < 100);
    const expected: string[] = [];
    for (const source of (await trpc.knowledge.sources.query({ limit: 200 })).items) {
      const pages = await trpc.knowledge.listPages.query({ sourceId: source.id, limit: 200 });
      expected.push(...pages.items.map((p) => `archon://sources/${source.id}/pages/${p.id}`));
    }
    expect(expected.length).toBeGreaterThan(4);
    expect(uris.sort()).toEqual(expected.sort());
    const crawled = await trpc.knowledge.listPages.query({ sourceId, limit: 200 });
    if (ctx.listPageSize) expect(lists).toBe(Math.ceil(expected.length / ctx.listPageSize));

    const page = crawled.items[0]!;
    const byId = await mcp.readResource({ uri: `archon://sources/${sourceId}/pages/${page.id}` });
    expect(byId.contents[0]).toMatchObject({ mimeType: 'text/markdown', text: (await trpc.knowledge.readPage.query({ pageId: page.id })).content });
    const byUrl = await mcp.readResource({ uri: `archon://pages?url=${encodeURIComponent(page.url)}` });
    expect(byUrl.contents[0]).toEqual({ ...byId.contents[0], uri: expect.stringMatching(/^archon:\/\/pages\?url=/) });
    await expect(mcp.readResource({ uri: `archon://sources/${uploadSourceId}/pages/${page.id}` })).rejects.toThrow(/is not in source/);
  });

  it('gets both prompts with their arguments filled in', async () => {
    const research = await mcp.getPrompt({ name: 'research_library', arguments: { library: 'frob' } });
    expect(JSON.stringify(research.messages)).toMatch(/rag_get_available_sources with query \\"frob\\"/);
    const plan = await mcp.getPrompt({ name: 'plan_feature_tasks', arguments: { feature: 'Search UI', project_id: projectId } });
    expect(JSON.stringify(plan.messages)).toContain(projectId);
  });

  it('rag_delete_source deletes with the admin key and records it in the audit log', async () => {
    const out = structured(await call('rag_delete_source', { source_id: uploadSourceId }));
    expect(out.deleted.id).toBe(uploadSourceId);
    await expect(trpc.knowledge.source.query({ id: uploadSourceId })).rejects.toThrow(/does not exist/);
    const audit = await trpc.users.audit.query({ action: 'source.deleted' });
    expect(audit.items[0]).toMatchObject({ target: uploadSourceId });
    expect(audit.items[0]!.actorKeyId).not.toBeNull();
  });

  it('has called every tool', () => {
    expect([...called].sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
  });
}

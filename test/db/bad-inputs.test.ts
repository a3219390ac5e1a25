import { getErrorShape, TRPCError } from '@trpc/server';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentVersions, jobs, projectDocuments, projects, runnerEvents, sources, taskEvents, tasks } from '../../db/schema';
import { appRouter } from '../../server/routers/_app';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime';

type BadCase = { input: unknown; field: string };
type ProcedureType = 'query' | 'mutation' | 'subscription';
type Seed = { project: string; document: string; task: string; source: string };

const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType; inputs: unknown[] } }>;
const NO_INPUT = [
  'system.health',
  'system.info',
  'knowledge.reembed',
  'knowledge.embeddingStatus',
  'knowledge.sourceTags',
  'auth.status',
  'auth.me',
  'users.list',
  'users.invitations.list',
  'settings.providers',
  'settings.effective',
];
const SQLISH = "1' OR '1'='1";
const DROP = "00000000-0000-0000-0000-000000000000'; DROP TABLE projects;--";
const long = (n: number) => 'x'.repeat(n);

const bad =
  (field: string, ...values: unknown[]) =>
  (base: object) =>
    values.map((value): BadCase => ({ input: { ...base, [field]: value }, field }));
const without = (base: Record<string, unknown>, field: string): BadCase => {
  const { [field]: _dropped, ...rest } = base;
  return { input: rest, field };
};
const notAnObject: BadCase[] = [
  { input: 'abc', field: '' },
  { input: 42, field: '' },
  { input: [], field: '' },
  { input: null, field: '' },
];
const badUuid = (field: string) => bad(field, 'not-a-uuid', '', '   ', SQLISH, DROP, 'a\0b', 123, true, {});
const badTitle = (field: string, max: number) => bad(field, '', '   ', 'a\nb', 'a\0b', long(max + 1), 7);
const badPage = bad('limit', 0, -1, 201, 1e12, 1.5, '10', Number.NaN, Infinity);
const badOffset = bad('offset', -1, 1_000_001, 2 ** 53, 0.5, '0');
const badQuery = bad('query', 'a\0b', long(201), 5);
const badVersionNumber = bad('versionNumber', 0, -1, 1.5, '1', null, 2 ** 40);
const badExpectedVersion = bad('expectedVersion', 0, -3, 1.5, '1');
const badSearchQuery = bad('query', '', '   ', '\n\t', long(2001), 'a\0b', 5, null, ['x'], { q: 'x' });
const badSearchFilters = (base: object): BadCase[] => [
  ...bad('sourceIds', 'src', [], [''], ['   '], ['a b'], [SQLISH], [long(201)], Array(101).fill('s'), [1], ['a\0b'])(base),
  ...bad(
    'tags',
    'x',
    [],
    [''],
    ['a\nb'],
    ['a\0b'],
    [long(65)],
    Array.from({ length: 51 }, (_, i) => `t${i}`),
  )(base),
  ...bad('knowledgeType', 'fiction', 'TECHNICAL', '', 1)(base),
];

function idOnly(id: string): BadCase[] {
  return [...notAnObject, { input: undefined, field: '' }, { input: {}, field: 'id' }, ...badUuid('id')({ id })];
}

function cases(s: Seed): Record<string, BadCase[]> {
  const project = { title: 'ok' };
  const doc = { projectId: s.project, title: 'ok' };
  const docUpdate = { id: s.document, content: 'ok' };
  const task = { projectId: s.project, title: 'ok' };
  const link = { projectId: s.project, sourceId: s.source };
  const field = { projectId: s.project, fieldName: 'features' };
  const docTarget = { documentId: s.document };
  const search = { query: 'frobnicator' };
  const badTarget = (base: object): BadCase[] => [
    { input: { ...base }, field: 'documentId' },
    { input: { ...base, projectId: s.project }, field: 'documentId' },
    { input: { ...base, fieldName: 'features' }, field: 'documentId' },
    { input: { ...base, documentId: s.document, projectId: s.project, fieldName: 'data' }, field: 'documentId' },
    { input: { ...base, projectId: s.project, fieldName: 'document' }, field: 'fieldName' },
    { input: { ...base, projectId: s.project, fieldName: 'FEATURES' }, field: 'fieldName' },
    ...badUuid('documentId')(base),
    ...badUuid('projectId')({ ...base, fieldName: 'data' }),
  ];
  return {
    'projects.list': [...notAnObject, ...badPage({}), ...badOffset({}), ...badQuery({})],
    'projects.summaries': [...notAnObject, ...badPage({}), ...badOffset({}), ...badQuery({})],
    'projects.summary': idOnly(s.project),
    'projects.byId': idOnly(s.project),
    'projects.create': [
      ...notAnObject,
      without(project, 'title'),
      ...badTitle('title', 200)(project),
      ...bad('title', null, ['x'])(project),
      ...bad('description', 'a\0b', long(50_001), 5)(project),
      ...bad('githubRepo', 'https://gitlab.com/o/r', 'not a repo', 'o/r; DROP TABLE projects', 'a\0/b', 7)(project),
      ...bad('pinned', 'yes', 1)(project),
      ...bad('features', 'x', {}, Array(1001).fill(1), ['a\0b'])(project),
      ...bad('data', 5, [{ note: 'a\0b' }], [{ 'k\0': 1 }])(project),
    ],
    'projects.update': [
      ...notAnObject,
      { input: { id: s.project }, field: '' },
      without({ id: s.project, title: 'x' }, 'id'),
      ...badUuid('id')({ title: 'x' }),
      ...badTitle('title', 200)({ id: s.project }),
      ...bad('description', 'a\0b', long(50_001))({ id: s.project }),
      ...bad('githubRepo', 'https://example.com/o/r', 3)({ id: s.project }),
      ...bad('pinned', 'true')({ id: s.project }),
      ...bad('features', 'x', Array(1001).fill(1), ['a\0'])({ id: s.project }),
      ...bad('data', null, [{ nested: ['a\0'] }])({ id: s.project }),
    ],
    'projects.delete': idOnly(s.project),
    'projects.features': idOnly(s.project),
    'projects.sources': idOnly(s.project),
    'projects.linkSource': [
      ...notAnObject,
      without(link, 'projectId'),
      without(link, 'sourceId'),
      ...badUuid('projectId')(link),
      ...bad('sourceId', '', '   ', long(201), 5, null, 'a\0b')(link),
      ...bad('linkType', 'other', 'TECHNICAL', '', 1)(link),
    ],
    'projects.unlinkSource': [
      ...notAnObject,
      without(link, 'sourceId'),
      ...badUuid('projectId')(link),
      ...bad('sourceId', '', long(201), 5, 'a\0b')(link),
    ],
    'documents.list': [
      ...notAnObject,
      { input: {}, field: 'projectId' },
      ...badUuid('projectId')({}),
      ...badPage({ projectId: s.project }),
      ...badOffset({ projectId: s.project }),
      ...badQuery({ projectId: s.project }),
      ...badTitle('documentType', 50)({ projectId: s.project }),
    ],
    'documents.byId': idOnly(s.document),
    'documents.create': [
      ...notAnObject,
      without(doc, 'projectId'),
      without(doc, 'title'),
      ...badUuid('projectId')(doc),
      ...badTitle('title', 300)(doc),
      ...bad('title', null)(doc),
      ...badTitle('documentType', 50)(doc),
      ...bad('content', 'a\0b', long(2_000_001), 5)(doc),
      ...bad(
        'tags',
        'a',
        [''],
        ['a\nb'],
        [5],
        Array.from({ length: 51 }, (_, i) => `t${i}`),
      )(doc),
      ...badTitle('status', 50)(doc),
      ...bad('author', '', 'a\0', long(101))(doc),
    ],
    'documents.update': [
      ...notAnObject,
      { input: { id: s.document }, field: '' },
      { input: { id: s.document, expectedVersion: 1, changeSummary: 'why' }, field: '' },
      without(docUpdate, 'id'),
      ...badUuid('id')(docUpdate),
      ...badExpectedVersion(docUpdate),
      ...badTitle('title', 300)(docUpdate),
      ...bad('content', 'a\0b', long(2_000_001), null)({ id: s.document }),
      ...bad('tags', [''], 'tag')(docUpdate),
      ...bad('changeSummary', 'a\0b', long(1001))(docUpdate),
      ...bad('status', '  ')(docUpdate),
    ],
    'documents.delete': idOnly(s.document),
    'versions.list': [...notAnObject, ...badTarget({}), ...badPage(docTarget), ...badOffset(docTarget)],
    'versions.get': [
      ...notAnObject,
      without({ ...docTarget, versionNumber: 1 }, 'versionNumber'),
      ...badTarget({ versionNumber: 1 }),
      ...badVersionNumber(docTarget),
      ...badVersionNumber(field),
    ],
    'versions.create': [...notAnObject, ...badTarget({}), ...bad('changeSummary', 'a\0b', long(1001))(field), ...badTitle('createdBy', 100)(field)],
    'versions.restore': [
      ...notAnObject,
      without({ ...field, versionNumber: 1 }, 'versionNumber'),
      ...badTarget({ versionNumber: 1 }),
      ...badVersionNumber(field),
      ...badVersionNumber(docTarget),
      ...badTitle('restoredBy', 100)({ ...docTarget, versionNumber: 1 }),
    ],
    'versions.field': [
      ...notAnObject,
      without(field, 'projectId'),
      without(field, 'fieldName'),
      ...badUuid('projectId')({ fieldName: 'data' }),
      ...bad('fieldName', 'document', 'FEATURES', '', 1)(field),
    ],
    'versions.saveField': [
      ...notAnObject,
      without({ ...field, content: [] }, 'content'),
      ...badUuid('projectId')({ fieldName: 'data', content: [] }),
      ...bad('fieldName', 'document', 'docs', null)({ ...field, content: [] }),
      ...bad('content', 'x', {}, null, Array(1001).fill(1), ['a\0b'], [{ 'k\0': 1 }])(field),
      ...bad('expectedVersion', -1, 1.5, '1', 2 ** 40)({ ...field, content: [] }),
      ...bad('changeSummary', 'a\0b', long(1001))({ ...field, content: [] }),
    ],
    'tasks.list': [
      ...notAnObject,
      ...badUuid('projectId')({}),
      ...bad('status', 'blocked', 'TODO', [], ['todo', 'nope'], Array(5).fill('todo'), 3)({}),
      ...badTitle('assignee', 100)({}),
      ...badQuery({}),
      ...bad('parentId', 'x', SQLISH, 5)({}),
      ...badTitle('feature', 100)({}),
      ...bad('includeArchived', 'yes', 1)({}),
      ...badPage({}),
      ...badOffset({}),
    ],
    'tasks.byId': idOnly(s.task),
    'tasks.board': [
      ...notAnObject,
      { input: {}, field: 'projectId' },
      ...badUuid('projectId')({}),
      ...bad('includeArchived', 'yes', 1, null)({ projectId: s.project }),
    ],
    'tasks.links': idOnly(s.task),
    'tasks.history': [
      ...notAnObject,
      { input: {}, field: 'id' },
      ...badUuid('id')({}),
      ...bad('limit', 0, -1, 201, 1.5, '10')({ id: s.task }),
      ...bad('before', 0, -1, 1.5, '1', 2 ** 53)({ id: s.task }),
    ],
    'tasks.counts': [...notAnObject, ...badUuid('projectId')({})],
    'tasks.create': [
      ...notAnObject,
      without(task, 'projectId'),
      without(task, 'title'),
      ...badUuid('projectId')(task),
      ...badUuid('parentId')(task),
      ...badTitle('title', 500)(task),
      ...bad('description', 'a\0b', long(100_001), 1)(task),
      ...bad('status', 'blocked', 'Todo', '', 0)(task),
      ...bad('priority', 'urgent', 'HIGH', 2)(task),
      ...badTitle('assignee', 100)(task),
      ...badTitle('feature', 100)(task),
      ...bad('sourceIds', 'src', [''], ['   '], [long(201)], Array(101).fill('s'), [1], ['a\0b'])(task),
      ...bad('codeExampleIds', 1, [0], [-1], [1.5], ['1'], [2 ** 53], Array(101).fill(1))(task),
    ],
    'tasks.update': [
      ...notAnObject,
      { input: { id: s.task }, field: '' },
      { input: { id: s.task, expectedVersion: 1 }, field: '' },
      without({ id: s.task, title: 'x' }, 'id'),
      ...badUuid('id')({ title: 'x' }),
      ...badExpectedVersion({ id: s.task, title: 'x' }),
      ...badTitle('title', 500)({ id: s.task }),
      ...bad('description', 'a\0b', long(100_001))({ id: s.task }),
      ...bad('status', 'blocked', null)({ id: s.task }),
      ...bad('priority', 'urgent')({ id: s.task }),
      ...badTitle('assignee', 100)({ id: s.task }),
      ...bad('feature', '', 'a\0')({ id: s.task }),
      ...bad('sourceIds', [''], ['a\0b'])({ id: s.task }),
      ...bad('codeExampleIds', [0], ['x'])({ id: s.task }),
    ],
    'tasks.move': [
      ...notAnObject,
      without({ id: s.task, status: 'doing' }, 'status'),
      without({ id: s.task, status: 'doing' }, 'id'),
      ...badUuid('id')({ status: 'doing' }),
      ...bad('status', 'blocked', 'DOING', '', null)({ id: s.task }),
      ...badUuid('afterId')({ id: s.task, status: 'doing' }),
      ...badUuid('beforeId')({ id: s.task, status: 'doing' }),
      ...badExpectedVersion({ id: s.task, status: 'doing' }),
    ],
    'tasks.edit': [
      ...notAnObject,
      without({ id: s.task, move: { status: 'doing' } }, 'id'),
      ...badUuid('id')({ move: { status: 'doing' } }),
      ...badExpectedVersion({ id: s.task, move: { status: 'doing' } }),
      ...bad('changes', 'x', 7, [])({ id: s.task }),
      { input: { id: s.task, changes: { title: '' } }, field: 'changes.title' },
      { input: { id: s.task, changes: { priority: 'urgent!' } }, field: 'changes.priority' },
      ...bad('move', 'doing', 7)({ id: s.task }),
      { input: { id: s.task, move: {} }, field: 'move.status' },
      { input: { id: s.task, move: { status: 'blocked' } }, field: 'move.status' },
      { input: { id: s.task, move: { status: 'doing', afterId: 'x' } }, field: 'move.afterId' },
    ],
    'tasks.archive': [...notAnObject, { input: {}, field: 'id' }, ...badUuid('id')({}), ...badTitle('archivedBy', 100)({ id: s.task })],
    'tasks.unarchive': idOnly(s.task),
    'tasks.delete': idOnly(s.task),
    'tasks.onChange': [
      ...notAnObject,
      { input: {}, field: 'projectId' },
      ...badUuid('projectId')({}),
      ...bad('lastEventId', 'abc', '-1', '1.5', ' 1', '1 OR 1=1', SQLISH, '1'.repeat(19), '', 5)({ projectId: s.project }),
    ],
    'knowledge.crawl': [
      ...notAnObject,
      { input: {}, field: 'url' },
      ...bad('url', '', 'not a url', 'ftp://example.com/', 'javascript:alert(1)', 'file:///etc/passwd', `https://x.test/${long(2050)}`, 5)({}),
      ...bad('maxDepth', 0, 101, 1.5, '2')({ url: 'https://example.com/' }),
      ...bad('maxPages', 0, 100_001)({ url: 'https://example.com/' }),
      ...bad('mode', 'everything', '')({ url: 'https://example.com/' }),
      ...bad('scope', 'planet')({ url: 'https://example.com/' }),
      ...bad('include', 'docs/**', [''], Array(51).fill('a'))({ url: 'https://example.com/' }),
      ...bad('concurrency', 0, 33)({ url: 'https://example.com/' }),
      ...bad('timeoutMs', 10, 10_000_000)({ url: 'https://example.com/' }),
      ...bad('knowledgeType', 'fiction')({ url: 'https://example.com/' }),
      ...bad('tags', 'x', ['a\0b'])({ url: 'https://example.com/' }),
      ...bad('refreshInterval', 'yearly', '')({ url: 'https://example.com/' }),
    ],
    'knowledge.source': [...notAnObject, { input: {}, field: 'id' }, ...bad('id', '', SQLISH, long(201), 7)({})],
    'auth.apiKeys.list': [...notAnObject.slice(0, 3), ...bad('allUsers', 'yes', 1)({})],
    'auth.apiKeys.create': [
      ...notAnObject,
      { input: {}, field: 'name' },
      ...badTitle('name', 100)({ scopes: ['read'] }),
      ...bad('scopes', [], ['root'], 'read', ['read', 'write', 'admin', 'read'], null)({ name: 'k' }),
      ...bad('expiresAt', 'tomorrow', 5, {})({ name: 'k', scopes: ['read'] }),
    ],
    'auth.apiKeys.revoke': idOnly(s.project),
    'users.invite': [
      ...notAnObject,
      { input: {}, field: 'email' },
      ...bad('email', '', 'x', 'a@', `${long(300)}@example.com`, 5, 'a@b.co\0')({ role: 'member' }),
      ...bad('role', 'owner', 'god', '')({ email: 'a@example.com' }),
    ],
    'users.setRole': [...notAnObject, ...badUuid('id')({ role: 'member' }), ...bad('role', 'owner', 'x')({ id: s.project })],
    'users.invitations.revoke': [...notAnObject, ...badUuid('id')({})],
    'users.setDisabled': [...notAnObject, ...badUuid('id')({ disabled: true }), ...bad('disabled', 'yes', 1, null)({ id: s.project })],
    'users.audit': [...notAnObject.slice(0, 3), ...badPage({}), ...badOffset({}), ...bad('action', 'nope', 5)({})],
    'settings.updateProviders': [
      ...notAnObject,
      ...bad(
        'embedding',
        'x',
        { baseUrl: 'ftp://x.example' },
        { baseUrl: 'https://user:pw@x.example' },
        { model: '' },
        { dimensions: 0 },
        { dimensions: 5000 },
        { dimensions: 1.5 },
        { other: 1 },
        { apiKey: 5 },
        { apiKey: 'a\0b' },
      )({}),
      ...bad('chat', { dimensions: 8 }, { model: long(201) }, { baseUrl: 'not a url' })({}),
      ...bad('other', {})({}),
    ],
    'settings.testProvider': [
      ...notAnObject,
      { input: {}, field: 'kind' },
      ...bad('kind', 'rerank', '', 5)({}),
      ...bad('baseUrl', 'ftp://x.example', 'https://user:pw@x.example', 'not a url', 5)({ kind: 'embedding' }),
      ...bad('model', '', 'a\nb', long(201))({ kind: 'chat' }),
      ...bad('dimensions', 0, 5000, 1.5, '8')({ kind: 'embedding' }),
      ...bad('dimensions', 8)({ kind: 'chat' }),
      ...bad('apiKey', '', 'a b', 5)({ kind: 'embedding' }),
      ...bad('other', 1)({ kind: 'embedding' }),
    ],
    'knowledge.upload': [
      ...notAnObject,
      { input: {}, field: 'files' },
      ...bad('files', [], 'x', [{}], [{ name: 'a.md' }], [{ contentBase64: 'YQ==' }], null)({}),
      // A bad file name fails only that file, in the job (test/db/uploads.test.ts), as over multipart.
      ...bad('files', [{ name: 'a.md', contentBase64: 'not base64!' }], [{ name: 'a.md', contentBase64: 5 }])({}),
      ...badTitle('title', 200)({ files: [{ name: 'a.md', contentBase64: 'YQ==' }] }),
      ...bad('knowledgeType', 'fiction')({ files: [{ name: 'a.md', contentBase64: 'YQ==' }] }),
      ...bad('tags', 'x', ['a\0b'])({ files: [{ name: 'a.md', contentBase64: 'YQ==' }] }),
      ...bad('sourceId', '', SQLISH, long(201))({ files: [{ name: 'a.md', contentBase64: 'YQ==' }] }),
    ],
    'knowledge.refresh': [...notAnObject, { input: {}, field: 'id' }, ...bad('id', '', SQLISH, long(201), 7)({})],
    'knowledge.deleteSource': [...notAnObject, { input: {}, field: 'id' }, ...bad('id', '', SQLISH, long(201), 7)({})],
    'knowledge.sources': [
      ...notAnObject.slice(0, 3),
      ...badPage({}),
      ...badOffset({}),
      ...badQuery({}),
      ...bad('knowledgeType', 'fiction', '')({}),
      ...bad('kind', 'file')({}),
      ...bad('tags', 'x', [], ['a\0b'], [''], Array(51).fill('t'))({}),
      ...bad('sort', 'size', '', 1)({}),
      ...bad('direction', 'up', 'ASC', 1)({}),
    ],
    'knowledge.sourceStatuses': [
      ...notAnObject,
      { input: {}, field: 'ids' },
      ...bad('ids', 'x', [], [''], [SQLISH], [long(201)], Array(201).fill('s'), [1])({}),
    ],
    'knowledge.listCodeExamples': [
      ...notAnObject,
      { input: {}, field: 'sourceId' },
      ...bad('sourceId', '', SQLISH, long(201), 7)({}),
      ...badPage({ sourceId: s.source }),
      ...badOffset({ sourceId: s.source }),
      ...badQuery({ sourceId: s.source }),
      ...bad('language', '', 'a\nb', long(41), 3)({ sourceId: s.source }),
    ],
    'knowledge.uploadFiles': [...notAnObject, { input: {}, field: 'jobId' }, ...badUuid('jobId')({})],
    'knowledge.updateSource': [
      ...notAnObject,
      { input: {}, field: 'id' },
      { input: { id: s.source }, field: '' },
      ...bad('id', '', SQLISH, long(201), 7)({ title: 'x' }),
      ...badTitle('title', 200)({ id: s.source }),
      ...bad('tags', 'x', ['a\0b'])({ id: s.source }),
      ...bad('knowledgeType', 'fiction')({ id: s.source }),
      ...bad('refreshInterval', 'yearly', '', 1)({ id: s.source }),
      ...bad('summary', 'a\0b', long(2001), 5)({ id: s.source }),
    ],
    'knowledge.listChunks': [
      ...notAnObject,
      { input: {}, field: 'sourceId' },
      { input: { sourceId: s.source, pageId: s.project }, field: 'sourceId' },
      ...bad('sourceId', '', SQLISH, long(201), 7)({}),
      ...badUuid('pageId')({}),
      ...badPage({ sourceId: s.source }),
      ...badOffset({ sourceId: s.source }),
    ],
    'knowledge.search': [
      ...notAnObject,
      { input: {}, field: 'query' },
      ...badSearchQuery({}),
      ...bad('mode', 'semantic', 'HYBRID', '', 1)(search),
      ...bad('limit', 0, 51, -1, 1.5, '5', Number.NaN, Infinity)(search),
      ...bad('returnMode', 'page', 'documents', '')(search),
      ...bad('expandContext', -1, 6, 1.5, '1', true)(search),
      ...bad(
        'fusion',
        'rrf',
        [],
        { k: 0 },
        { k: 1001 },
        { k: 1.5 },
        { k: '60' },
        { vectorWeight: -1 },
        { textWeight: 11 },
        { textWeight: Number.NaN },
      )(search),
      ...bad('rerank', 'yes', 1, null)(search),
      ...badSearchFilters(search),
    ],
    'knowledge.searchCode': [
      ...notAnObject,
      { input: {}, field: 'query' },
      ...badSearchQuery({}),
      ...bad('mode', 'semantic', '')(search),
      ...bad('limit', 0, 51, 2.5)(search),
      ...badTitle('language', 40)(search),
      ...bad('fusion', { k: 0 }, { vectorWeight: 10.5 })(search),
      ...badSearchFilters(search),
    ],
    'knowledge.listPages': [
      ...notAnObject,
      { input: {}, field: 'sourceId' },
      ...bad('sourceId', '', '   ', SQLISH, 'a b', long(201), 7, null, 'a\0b')({}),
      ...badPage({ sourceId: s.source }),
      ...badOffset({ sourceId: s.source }),
      ...badQuery({ sourceId: s.source }),
    ],
    'knowledge.readPage': [
      ...notAnObject,
      { input: {}, field: 'pageId' },
      { input: { pageId: s.project, url: 'https://example.com/' }, field: 'pageId' },
      { input: { offset: 0, maxChars: 1000 }, field: 'pageId' },
      ...badUuid('pageId')({}),
      ...bad('url', '', '   ', long(4097), 5, null, 'https://example.com/\0')({}),
      ...bad('sourceId', '', 5, 'has space')({ url: 'https://example.com/' }),
      { input: { pageId: s.project, sourceId: 'abcdef0123456789' }, field: 'sourceId' },
      ...bad('offset', -1, 1.5, '0', 100_000_001, Number.NaN)({ url: 'https://example.com/' }),
      ...bad('maxChars', 0, 99, 200_001, 1.5, '100')({ pageId: s.project }),
    ],
    'jobs.list': [
      ...notAnObject,
      ...badPage({}),
      ...badOffset({}),
      ...bad('status', 'done', ['running', 'nope'], [])({}),
      ...bad('kind', 'scrape')({}),
    ],
    'jobs.get': idOnly(s.project),
    'jobs.cancel': idOnly(s.project),
    'jobs.onProgress': [...notAnObject.slice(0, 3), ...badUuid('jobId')({}), ...bad('lastEventId', 'x', '-2', SQLISH)({})],
  };
}

function callPath(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const segments = path.split('.');
  const owner = segments.slice(0, -1).reduce((node: any, key) => node[key], caller);
  return Promise.resolve().then(() => owner[segments.at(-1)!](input));
}

function describeFailure(error: unknown, path: string, input: unknown, field: string): string | null {
  if (!(error instanceof TRPCError)) return `did not throw a TRPCError: ${String(error)}`;
  if (error.code !== 'BAD_REQUEST') return `code ${error.code}: ${error.message.slice(0, 160)}`;
  const type = procedures[path]?._def.type ?? 'unknown';
  const shape = getErrorShape({ config: appRouter._def._config, error, type, path, input, ctx: undefined });
  const keys = Object.keys(shape.data.fieldErrors ?? {});
  const named = shape.data.fieldErrors ? keys.some((k) => k === field || k.startsWith(`${field}.`)) : field !== '' && shape.message.includes(field);
  return named ? null : `BAD_REQUEST without naming '${field}': ${shape.message.slice(0, 160)} (fields: ${keys.join(', ')})`;
}

const show = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v)) ?? String(value);

let rt: TestRuntime;
let seed: Seed;
let countsBefore: Record<string, number>;
let rowsBefore: unknown[];

const tables = {
  projects,
  tasks,
  project_documents: projectDocuments,
  document_versions: documentVersions,
  task_events: taskEvents,
  sources,
  jobs,
  runnerEvents,
};

async function rowCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) {
    out[name] = (await rt.database.db.select({ n: count() }).from(table))[0]?.n ?? 0;
  }
  return out;
}

const seededRows = () =>
  Promise.all([
    rt.caller.projects.byId({ id: seed.project }),
    rt.caller.documents.byId({ id: seed.document }),
    rt.caller.tasks.byId({ id: seed.task }),
    rt.caller.projects.sources({ id: seed.project }),
  ]);

beforeAll(async () => {
  rt = await createTestRuntime();
  const project = await rt.caller.projects.create({ title: 'Seed', features: ['f'], data: ['d'] });
  await rt.caller.projects.update({ id: project.id, features: ['f', 'g'] });
  const document = await rt.caller.documents.create({ projectId: project.id, title: 'Seed doc', content: 'body' });
  await rt.caller.documents.update({ id: document.id, content: 'body 2' });
  const task = await rt.caller.tasks.create({ projectId: project.id, title: 'Seed task' });
  await rt.database.db.insert(sources).values({ id: 'seed-source', kind: 'upload', title: 'Seed source' });
  await rt.caller.projects.linkSource({ projectId: project.id, sourceId: 'seed-source' });
  seed = { project: project.id, document: document.id, task: task.id, source: 'seed-source' };
  countsBefore = await rowCounts();
  rowsBefore = await seededRows();
});
afterAll(async () => {
  await rt?.close();
});

describe('bad input', () => {
  const paths = Object.entries(procedures);

  it('has bad-input cases for every procedure that takes input', () => {
    const covered = Object.keys(cases({ project: '', document: '', task: '', source: '' }));
    const expected = paths.map(([path]) => path).filter((path) => !NO_INPUT.includes(path));
    expect(paths.map(([, p]) => p._def.type).every((t) => ['query', 'mutation', 'subscription'].includes(t))).toBe(true);
    expect([...covered].sort()).toEqual([...expected].sort());
    for (const path of NO_INPUT) expect(procedures[path]?._def.inputs).toEqual([]);
  });

  it.each(paths.filter(([path]) => !NO_INPUT.includes(path)).map(([path]) => path))(
    '%s rejects every bad input with BAD_REQUEST naming the field',
    async (path) => {
      const list = cases(seed)[path];
      expect(list?.length ?? 0).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const { input, field } of list ?? []) {
        const outcome = await callPath(rt.caller, path, input).then(
          () => 'accepted the input',
          (error: unknown) => describeFailure(error, path, input, field),
        );
        if (outcome) failures.push(`${show(input)} -> ${outcome}`);
      }
      expect(failures).toEqual([]);
    },
  );

  it('left every table and the seeded rows unchanged', async () => {
    expect(await rowCounts()).toEqual(countsBefore);
    expect(await seededRows()).toEqual(rowsBefore);
  });
});

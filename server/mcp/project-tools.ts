import { z } from 'zod';
import { int4Schema, tagsSchema, textSchema, titleSchema, uuidSchema } from '../schemas/common';
import { MAX_DOCUMENT_CHARS } from '../schemas/documents';
import { githubRepoSchema, updateProjectSchema } from '../schemas/projects';
import { MAX_PAGE_CHARS } from '../schemas/search';
import type { ProjectDocument } from '../services/projects/project-documents';
import type { Project } from '../services/projects/projects';
import { codePoints, sliceCodePoints } from './budget';
import { ToolInputError } from './errors';
import { clip, DESTROYS, defineTool, pageOf, pageParams, READ_ONLY, type ToolDef, toJson, WRITES } from './tool';

const iso = (d: Date | string | null) => (d === null ? null : typeof d === 'string' ? d : d.toISOString());
const need = <T>(value: T | undefined, field: string, action: string): T => {
  if (value === undefined) throw new ToolInputError(`${field}: is required to ${action}`);
  return value;
};

const projectItem = (p: Project) => ({
  id: p.id,
  title: p.title,
  description: clip(p.description, 1000),
  githubRepo: p.githubRepo,
  pinned: p.pinned,
  featuresCount: p.features.length,
  updatedAt: iso(p.updatedAt)!,
});
const projectFull = (p: Project) => toJson({ ...p });
const projectLine = (p: { id: string; title: string; githubRepo: string | null; pinned: boolean }) =>
  `- ${p.title} [project_id ${p.id}]${p.pinned ? ' (pinned)' : ''}${p.githubRepo ? ` ${p.githubRepo}` : ''}`;

const projectSchema = z.looseObject({ id: z.string(), title: z.string() });

const findProjects = defineTool({
  name: 'find_projects',
  access: 'read',
  description: 'List or search projects (pinned first), or get one in full with project_id.',
  input: z.strictObject({ project_id: uuidSchema.optional(), query: textSchema(200).trim().optional(), ...pageParams }),
  output: z.object({ project: projectSchema.optional(), projects: z.array(projectSchema).optional(), total: z.number().optional() }),
  aliases: { id: 'project_id', limit: 'per_page' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    if (args.project_id) {
      const project = projectFull(await backend.getProject(args.project_id));
      const features = project.features.length ? `\nFeatures: ${JSON.stringify(project.features)}` : '';
      return { data: { project }, text: `${projectLine(project)}\n${project.description}${features}` };
    }
    const page = await backend.listProjects({ query: args.query || undefined, ...pageOf(args) });
    const projects = page.items.map(projectItem);
    return {
      data: { projects, total: page.total },
      text: [`${projects.length} of ${page.total} project(s):`, ...projects.map(projectLine)].join('\n'),
    };
  },
});

const manageProject = defineTool({
  name: 'manage_project',
  access: 'write',
  description: 'Create, update or delete a project. delete removes its tasks and documents too.',
  input: z.strictObject({
    action: z.enum(['create', 'update', 'delete']),
    project_id: uuidSchema.optional(),
    title: titleSchema(200).optional(),
    description: textSchema(50_000).optional(),
    github_repo: githubRepoSchema.optional().describe('owner/repo or URL'),
    pinned: z.boolean().optional(),
    features: updateProjectSchema.shape.features,
  }),
  output: z.object({ project: projectSchema.optional(), deleted: z.string().optional(), message: z.string() }),
  aliases: { id: 'project_id', githubRepo: 'github_repo' },
  annotations: DESTROYS,
  run: async (args, { backend }) => {
    const fields = { title: args.title, description: args.description, githubRepo: args.github_repo, pinned: args.pinned, features: args.features };
    if (args.action === 'create') {
      const project = projectFull(await backend.createProject({ ...fields, title: need(args.title, 'title', 'create a project') }));
      return { data: { project, message: 'Project created' }, text: `Created project ${project.title} [project_id ${project.id}]` };
    }
    const id = need(args.project_id, 'project_id', `${args.action} a project`);
    if (args.action === 'update') {
      if (Object.values(fields).every((v) => v === undefined))
        throw new ToolInputError('nothing to update: give title, description, github_repo, pinned or features');
      const project = projectFull(await backend.updateProject({ id, ...fields }));
      return { data: { project, message: 'Project updated' }, text: `Updated project ${project.title} [project_id ${project.id}]` };
    }
    await backend.deleteProject(id);
    return { data: { deleted: id, message: 'Project deleted' }, text: `Deleted project ${id} with its tasks and documents.` };
  },
});

const projectFeatures = defineTool({
  name: 'get_project_features',
  access: 'read',
  description: "A project's features list.",
  input: z.strictObject({ project_id: uuidSchema }),
  output: z.object({ features: z.array(z.unknown()), count: z.number() }),
  aliases: { id: 'project_id' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const res = toJson(await backend.getProjectFeatures(args.project_id));
    return {
      data: res,
      text: `${res.count} feature(s):\n${res.features.map((f) => `- ${typeof f === 'string' ? f : JSON.stringify(f)}`).join('\n')}`,
    };
  },
});

const documentItem = (d: Omit<ProjectDocument, 'content'>) => ({
  id: d.id,
  projectId: d.projectId,
  title: d.title,
  documentType: d.documentType,
  status: d.status,
  tags: d.tags,
  author: d.author,
  version: d.version,
  chars: d.charCount,
  updatedAt: iso(d.updatedAt)!,
});
const documentSchema = z.looseObject({ id: z.string(), title: z.string(), version: z.number() });
const documentLine = (d: ReturnType<typeof documentItem>) =>
  `- ${d.title} [document_id ${d.id}] ${d.documentType}, ${d.status}, v${d.version}, ${d.chars} chars`;

/** A slice of long text, with a notice saying where to read on, as pages are read: in code points, as `chars` counts. */
function sliceText(text: string, offset: number) {
  const total = codePoints(text);
  const part = sliceCodePoints(text, offset, MAX_PAGE_CHARS);
  const end = Math.min(total, offset + codePoints(part));
  return {
    content: part,
    notice: end < total ? `This has ${total} characters; this is ${offset}–${end}. Read on with offset ${end}.` : null,
  };
}

const findDocuments = defineTool({
  name: 'find_documents',
  access: 'read',
  description: "List or search a project's documents, or read one (Markdown) with document_id.",
  input: z.strictObject({
    project_id: uuidSchema,
    document_id: uuidSchema.optional(),
    query: textSchema(200).trim().optional(),
    document_type: titleSchema(50).optional(),
    offset: z.number().int().min(0).default(0).describe('Where to read a long document from'),
    ...pageParams,
  }),
  output: z.object({ document: documentSchema.optional(), documents: z.array(documentSchema).optional(), total: z.number().optional() }),
  aliases: { id: 'document_id', limit: 'per_page' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    if (args.document_id) {
      const doc = await backend.getDocument(args.document_id);
      if (doc.projectId !== args.project_id) throw new ToolInputError(`document_id: document ${doc.id} belongs to another project`);
      const { content, notice } = sliceText(doc.content, args.offset);
      const document = { ...documentItem(doc), content, notice };
      return { data: { document }, text: `${documentLine(document)}\n\n${content}${notice ? `\n\n[${notice}]` : ''}` };
    }
    const page = await backend.listDocuments({
      projectId: args.project_id,
      query: args.query || undefined,
      documentType: args.document_type,
      ...pageOf(args),
    });
    const documents = page.items.map(documentItem);
    return {
      data: { documents, total: page.total },
      text: [`${documents.length} of ${page.total} document(s):`, ...documents.map(documentLine)].join('\n'),
    };
  },
});

const manageDocument = defineTool({
  name: 'manage_document',
  access: 'write',
  description: 'Create, update or delete a project document (Markdown). Every change is kept as a version.',
  input: z.strictObject({
    action: z.enum(['create', 'update', 'delete']),
    project_id: uuidSchema,
    document_id: uuidSchema.optional(),
    title: titleSchema(300).optional(),
    document_type: titleSchema(50).optional().describe('e.g. spec, design, note, prp'),
    content: textSchema(MAX_DOCUMENT_CHARS).optional(),
    tags: tagsSchema.optional(),
    status: titleSchema(50).optional(),
    author: titleSchema(100).optional(),
    change_summary: textSchema(1000).optional(),
    expected_version: int4Schema.optional().describe('Fail if the document changed since this version'),
  }),
  output: z.object({ document: documentSchema.optional(), deleted: z.string().optional(), message: z.string() }),
  aliases: { id: 'document_id', documentType: 'document_type', expectedVersion: 'expected_version', changeSummary: 'change_summary' },
  annotations: DESTROYS,
  run: async (args, { backend }) => {
    if (args.action === 'create') {
      const doc = await backend.createDocument({
        projectId: args.project_id,
        title: need(args.title, 'title', 'create a document'),
        documentType: args.document_type,
        content: args.content,
        tags: args.tags,
        status: args.status,
        author: args.author,
      });
      const document = documentItem(doc);
      return { data: { document, message: 'Document created' }, text: `Created ${documentLine(document).slice(2)}` };
    }
    const id = need(args.document_id, 'document_id', `${args.action} a document`);
    const current = await backend.getDocument(id);
    if (current.projectId !== args.project_id) throw new ToolInputError(`document_id: document ${id} belongs to another project`);
    if (args.action === 'update') {
      const doc = await backend.updateDocument({
        id,
        expectedVersion: args.expected_version,
        title: args.title,
        documentType: args.document_type,
        content: args.content,
        tags: args.tags,
        status: args.status,
        author: args.author,
        changeSummary: args.change_summary,
      });
      const document = documentItem(doc);
      return { data: { document, message: 'Document updated' }, text: `Updated ${documentLine(document).slice(2)}` };
    }
    await backend.deleteDocument(id);
    return { data: { deleted: id, message: 'Document deleted' }, text: `Deleted document ${id}.` };
  },
});

const versionSchema = z.looseObject({ versionNumber: z.number() });
const versionTarget = (args: { project_id: string; document_id?: string; field_name?: 'features' | 'data' }) => {
  // As versions.* refuse both: picking the document would read or restore what the caller may not have meant.
  if (args.document_id && args.field_name) throw new ToolInputError('document_id or field_name: give one, not both');
  if (args.document_id) return { documentId: args.document_id };
  if (args.field_name) return { projectId: args.project_id, fieldName: args.field_name };
  throw new ToolInputError('document_id or field_name: give a document_id, or field_name features or data');
};
const versionLine = (v: { versionNumber: number; changeType: string; changeSummary?: string | null; createdBy?: string | null; createdAt: string }) =>
  `- v${v.versionNumber} ${v.changeType} by ${v.createdBy ?? 'system'} at ${v.createdAt}${v.changeSummary ? `: ${v.changeSummary}` : ''}`;

const findVersions = defineTool({
  name: 'find_versions',
  access: 'read',
  description: "History of a document (document_id) or of a project's features or data (field_name); version_number gets one with its content.",
  input: z.strictObject({
    project_id: uuidSchema,
    field_name: z.enum(['features', 'data']).optional(),
    document_id: uuidSchema.optional(),
    version_number: int4Schema.optional(),
    offset: z.number().int().min(0).default(0).describe('Where to read a long document version from (its notice gives it)'),
    ...pageParams,
  }),
  output: z.object({ version: versionSchema.optional(), versions: z.array(versionSchema).optional(), total: z.number().optional() }),
  aliases: { documentId: 'document_id', fieldName: 'field_name', versionNumber: 'version_number', limit: 'per_page' },
  annotations: READ_ONLY,
  run: async (args, { backend }) => {
    const target = versionTarget(args);
    if (args.document_id) {
      const doc = await backend.getDocument(args.document_id);
      if (doc.projectId !== args.project_id) throw new ToolInputError(`document_id: document ${doc.id} belongs to another project`);
    }
    if (args.version_number !== undefined) {
      const v = toJson(await backend.getVersion({ ...target, versionNumber: args.version_number }));
      if (v.projectId !== args.project_id) throw new ToolInputError('document_id: the document belongs to another project');
      const content = typeof v.content === 'string' ? sliceText(v.content, args.offset) : { content: v.content, notice: null };
      const version = { ...v, ...content };
      const body = typeof version.content === 'string' ? version.content : JSON.stringify(version.content, null, 1);
      return { data: { version }, text: `${versionLine(version)}\n\n${body}${version.notice ? `\n\n[${version.notice}]` : ''}` };
    }
    const page = toJson(await backend.listVersions({ ...target, ...pageOf(args) }));
    return {
      data: { versions: page.items, total: page.total },
      text: [`${page.items.length} of ${page.total} version(s):`, ...page.items.map(versionLine)].join('\n'),
    };
  },
});

const manageVersion = defineTool({
  name: 'manage_version',
  access: 'write',
  description:
    "create snapshots a project's features or data now (documents are versioned on every change); restore brings back version_number, keeping the current content as a backup version.",
  input: z.strictObject({
    action: z.enum(['create', 'restore']),
    project_id: uuidSchema,
    field_name: z.enum(['features', 'data']).optional(),
    document_id: uuidSchema.optional(),
    version_number: int4Schema.optional(),
    change_summary: textSchema(1000).optional(),
    created_by: titleSchema(100).optional(),
  }),
  output: z.object({ version: versionSchema, message: z.string() }),
  aliases: { documentId: 'document_id', fieldName: 'field_name', versionNumber: 'version_number', restoredBy: 'created_by' },
  annotations: WRITES,
  run: async (args, { backend }) => {
    const target = versionTarget(args);
    if (args.document_id) {
      const doc = await backend.getDocument(args.document_id);
      if (doc.projectId !== args.project_id) throw new ToolInputError(`document_id: document ${doc.id} belongs to another project`);
    }
    if (args.action === 'create') {
      const version = toJson(await backend.createVersion({ ...target, changeSummary: args.change_summary, createdBy: args.created_by }));
      return { data: { version, message: 'Version created' }, text: `Created ${versionLine(version).slice(2)}` };
    }
    const versionNumber = need(args.version_number, 'version_number', 'restore');
    const restored = toJson(await backend.restoreVersion({ ...target, versionNumber, restoredBy: args.created_by }));
    return {
      data: { version: restored.version, message: `Restored version ${versionNumber}` },
      text: `Restored version ${versionNumber}; now ${versionLine(restored.version).slice(2)}`,
    };
  },
});

export const projectTools: ToolDef[] = [findProjects, manageProject, projectFeatures, findDocuments, manageDocument, findVersions, manageVersion];

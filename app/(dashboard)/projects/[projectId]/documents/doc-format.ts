/** Types Archon v1 suggested for project documents; any other word is fine too. */
export const DOCUMENT_TYPES = ['note', 'spec', 'design', 'prp', 'api', 'guide'] as const;

const TYPE_LABELS: Record<string, string> = { note: 'Note', spec: 'Spec', design: 'Design', prp: 'PRP', api: 'API', guide: 'Guide' };

/** "Spec" for spec, the word itself (capitalised) for a type of one's own. */
export const typeLabel = (type: string) => TYPE_LABELS[type] ?? type.charAt(0).toUpperCase() + type.slice(1);

export const documentHref = (projectId: string, documentId: string) => `/projects/${projectId}/documents/${documentId}`;

const integer = new Intl.NumberFormat('en');
export const formatCount = (n: number) => integer.format(n);

import type { Capability } from '../../../_lib/session';

/**
 * Key scopes are levels (write includes read, admin includes both), so the
 * dashboard offers one choice of access rather than three checkboxes, and
 * never more than the person's role allows.
 */
export type Access = Capability;

export const ACCESS: Record<Access, { label: string; description: string }> = {
  read: { label: 'Read', description: 'Search and read knowledge, projects and tasks.' },
  write: { label: 'Read and write', description: 'Also add sources, and create and work tasks and documents.' },
  admin: { label: 'Admin', description: 'Everything, including deleting sources, people and settings.' },
};

const ORDER: Access[] = ['read', 'write', 'admin'];

/** The access levels someone with these capabilities may give a key, weakest first. */
export const grantable = (can: (c: Capability) => boolean): Access[] => ORDER.filter((a) => can(a));

/** A key's level from its stored scopes. */
export const accessOf = (scopes: readonly string[]): Access => (scopes.includes('admin') ? 'admin' : scopes.includes('write') ? 'write' : 'read');

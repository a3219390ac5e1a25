import type { Role } from '../../../_lib/session';

export type InvitableRole = Exclude<Role, 'owner'>;
export const INVITABLE: InvitableRole[] = ['viewer', 'member', 'admin'];

export const ROLES: Record<Role, { label: string; article: 'a' | 'an'; description: string }> = {
  owner: { label: 'Owner', article: 'an', description: 'Everything; the role cannot change.' },
  admin: { label: 'Admin', article: 'an', description: 'Everything, including people, API keys of others and settings.' },
  member: { label: 'Member', article: 'a', description: 'Reads and writes knowledge, projects and tasks.' },
  viewer: { label: 'Viewer', article: 'a', description: 'Reads everything, changes nothing.' },
};

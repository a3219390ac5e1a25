import { BookOpen, Cable, FolderKanban, ListChecks, type LucideIcon, Search, Settings } from 'lucide-react';

export type NavItem = {
  href: string;
  label: string;
  icon: LucideIcon;
  /** The key after `g` that jumps here (`g k`). */
  key: string;
  group: 'workspace' | 'configure';
};

/** The sidebar, in order. A new section is one line here plus its folder under app/(dashboard). */
export const NAV: NavItem[] = [
  { href: '/knowledge', label: 'Knowledge', icon: BookOpen, key: 'k', group: 'workspace' },
  { href: '/search', label: 'Search', icon: Search, key: 's', group: 'workspace' },
  { href: '/projects', label: 'Projects', icon: FolderKanban, key: 'p', group: 'workspace' },
  { href: '/jobs', label: 'Jobs', icon: ListChecks, key: 'j', group: 'workspace' },
  { href: '/settings', label: 'Settings', icon: Settings, key: ',', group: 'configure' },
  // /mcp itself is the MCP server's endpoint (server/mcp/http.ts), so the page about it lives at /connect.
  { href: '/connect', label: 'MCP', icon: Cable, key: 'm', group: 'configure' },
];

/** Places reached from the user menu, with their `g` shortcuts too. */
export const ACCOUNT_LINKS = [
  { href: '/account', label: 'Account', key: 'a' },
  { href: '/account/api-keys', label: 'API keys', key: 'i' },
] as const;

export const isActive = (pathname: string, href: string) => pathname === href || pathname.startsWith(`${href}/`);

'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '../../_lib/cn';
import { Keys } from '../ui/kbd';
import { ConnectionIndicator } from './connection-indicator';
import { Logo } from './logo';
import { isActive, NAV, type NavItem } from './nav';
import { ThemeToggle } from './theme-toggle';
import { UserMenu } from './user-menu';

function NavLink({ item, active }: { item: NavItem; active: boolean }) {
  const Icon = item.icon;
  return (
    <li>
      <Link
        href={item.href}
        aria-current={active ? 'page' : undefined}
        className={cn(
          'focus-ring group flex h-8 items-center gap-2.5 rounded-md px-2 text-sm font-medium text-muted-foreground transition-colors',
          'hover:bg-sidebar-active hover:text-foreground',
          active && 'bg-sidebar-active text-foreground',
        )}
      >
        <Icon aria-hidden className={cn('size-4 shrink-0', active && 'text-accent-text')} />
        <span className="flex-1 truncate">{item.label}</span>
        <Keys
          keys={['G', item.key.toUpperCase()]}
          className="opacity-0 transition-opacity group-hover:opacity-100 group-focus-visible:opacity-100 [&_kbd]:h-4 [&_kbd]:min-w-4 [&_kbd]:text-[10px]"
        />
      </Link>
    </li>
  );
}

/** The sidebar's content: on wide screens in an <aside>, on narrow ones in a sheet (app-shell.tsx). */
export function SidebarContent({ testIds = true }: { testIds?: boolean }) {
  const pathname = usePathname();
  const group = (g: NavItem['group']) =>
    NAV.filter((n) => n.group === g).map((n) => <NavLink key={n.href} item={n} active={isActive(pathname, n.href)} />);
  return (
    <>
      <div className="flex h-13 shrink-0 items-center px-4">
        <Link href="/knowledge" className="focus-ring -mx-1 rounded-md px-1" aria-label="Archon, home">
          <Logo />
        </Link>
      </div>
      <nav aria-label="Main" className="flex-1 overflow-y-auto px-2.5 py-2">
        <ul className="grid gap-0.5">{group('workspace')}</ul>
        <h2 className="px-2 pb-1.5 pt-5 text-xs font-medium text-muted-foreground">Configure</h2>
        <ul className="grid gap-0.5">{group('configure')}</ul>
      </nav>
      <div className="grid shrink-0 gap-1.5 border-t border-border p-2.5">
        <div className="flex items-center justify-between pl-1">
          <ConnectionIndicator testId={testIds ? 'connection-indicator' : undefined} />
          <ThemeToggle />
        </div>
        <UserMenu />
      </div>
    </>
  );
}

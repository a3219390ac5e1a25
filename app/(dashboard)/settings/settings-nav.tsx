'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '../../_lib/cn';
import { useSession } from '../../_lib/session';

const SECTIONS = [
  { href: '/settings', label: 'General', admin: false },
  { href: '/settings/users', label: 'People', admin: true },
  { href: '/settings/audit', label: 'Audit log', admin: true },
] as const;

/** The settings sections as links styled like underline tabs; people and the audit log only for admins. */
export function SettingsNav() {
  const pathname = usePathname();
  const { can } = useSession();
  const sections = SECTIONS.filter((s) => !s.admin || can('admin'));
  if (sections.length < 2) return null;
  return (
    <nav aria-label="Settings sections" className="mb-6 border-b border-border">
      <ul className="-mb-px flex gap-5">
        {sections.map((s) => {
          const active = pathname === s.href;
          return (
            <li key={s.href}>
              <Link
                href={s.href}
                aria-current={active ? 'page' : undefined}
                className={cn(
                  'focus-ring inline-flex h-9 items-center border-b-2 border-transparent px-0.5 text-sm font-medium text-muted-foreground transition-colors hover:text-foreground',
                  active && 'border-accent text-foreground',
                )}
              >
                {s.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

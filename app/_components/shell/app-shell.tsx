'use client';

import { Menu } from 'lucide-react';
import { usePathname } from 'next/navigation';
import { type ReactNode, useEffect, useState } from 'react';
import { IconButton } from '../ui/icon-button';
import { Sheet, SheetContent, SheetTitle, SheetTrigger } from '../ui/sheet';
import { ConnectionIndicator } from './connection-indicator';
import { Logo } from './logo';
import { ShortcutsProvider } from './shortcuts';
import { SidebarContent } from './sidebar';

/**
 * The dashboard frame: a skip link, the sidebar (a sheet behind a menu button
 * below 768 px), and the main landmark every page renders into.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const [navOpen, setNavOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: following a link closes the sheet
  useEffect(() => setNavOpen(false), [pathname]);
  return (
    <ShortcutsProvider>
      <a
        href="#main"
        className="focus-ring sr-only z-50 rounded-md bg-surface px-3 py-2 text-sm font-medium shadow-md focus:not-sr-only focus:fixed focus:left-3 focus:top-3"
      >
        Skip to content
      </a>
      <div className="flex min-h-dvh bg-sidebar">
        <aside aria-label="Sidebar" className="sticky top-0 hidden h-dvh w-60 shrink-0 flex-col md:flex">
          <SidebarContent />
        </aside>
        <div className="flex min-w-0 flex-1 flex-col md:py-2 md:pr-2">
          <header className="sticky top-0 z-30 flex h-12 items-center gap-2 border-b border-border bg-background/85 px-2 backdrop-blur md:hidden">
            <Sheet open={navOpen} onOpenChange={setNavOpen}>
              <SheetTrigger asChild>
                <IconButton icon={Menu} label="Open navigation" tooltip={false} />
              </SheetTrigger>
              <SheetContent
                aria-describedby={undefined}
                // Focus starts on the current section rather than the first control.
                onOpenAutoFocus={(e) => {
                  const current = document.querySelector<HTMLElement>('[role=dialog] [aria-current=page]');
                  if (current) {
                    e.preventDefault();
                    current.focus();
                  }
                }}
              >
                <SheetTitle className="sr-only">Navigation</SheetTitle>
                <SidebarContent testIds={false} />
              </SheetContent>
            </Sheet>
            <Logo />
            <ConnectionIndicator compact className="ml-auto" />
          </header>
          {/* On wide screens the page sits on a raised panel beside the sidebar. */}
          <main id="main" tabIndex={-1} className="flex-1 bg-background outline-none md:rounded-xl md:border md:border-border md:shadow-xs">
            {children}
          </main>
        </div>
      </div>
    </ShortcutsProvider>
  );
}

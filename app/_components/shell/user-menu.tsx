'use client';

import { ChevronsUpDown, Keyboard, KeyRound, LogOut, Palette, UserRound } from 'lucide-react';
import Link from 'next/link';
import { signOut } from '../../_lib/auth';
import { toastError } from '../../_lib/errors';
import { useSession } from '../../_lib/session';
import { Avatar } from '../ui/avatar';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuShortcut,
  DropdownMenuSub,
  DropdownMenuSubContent,
  DropdownMenuSubTrigger,
  DropdownMenuTrigger,
} from '../ui/dropdown-menu';
import { useOpenShortcuts } from './shortcuts';
import { THEMES, useChosenTheme } from './theme-toggle';

const ROLE_LABEL = { owner: 'Owner', admin: 'Admin', member: 'Member', viewer: 'Viewer' } as const;

/** The signed-in person at the foot of the sidebar, and what they do with their account. */
export function UserMenu() {
  const user = useSession();
  const { theme, setTheme } = useChosenTheme();
  const openShortcuts = useOpenShortcuts();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        data-testid="user-menu"
        className="focus-ring flex w-full min-w-0 items-center gap-2.5 rounded-md px-2 py-1.5 text-left hover:bg-sidebar-active data-[state=open]:bg-sidebar-active"
      >
        <Avatar name={user.displayName} />
        <span className="grid min-w-0 flex-1 leading-tight">
          <span className="truncate text-sm font-medium" data-testid="user-name">
            {user.displayName}
          </span>
          {user.name && user.email && <span className="truncate text-xs text-muted-foreground">{user.email}</span>}
        </span>
        <ChevronsUpDown aria-hidden className="size-4 shrink-0 text-muted-foreground" />
        <span className="sr-only">, account menu</span>
      </DropdownMenuTrigger>
      <DropdownMenuContent side="top" align="start" className="w-(--radix-dropdown-menu-trigger-width) min-w-56">
        <DropdownMenuLabel className="grid gap-0.5 font-normal">
          <span className="truncate text-sm font-medium text-foreground">{user.displayName}</span>
          <span className="truncate">
            {user.email ?? 'API key'} · {ROLE_LABEL[user.role]}
          </span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/account">
            <UserRound aria-hidden /> Account
            <DropdownMenuShortcut>G A</DropdownMenuShortcut>
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <Link href="/account/api-keys">
            <KeyRound aria-hidden /> API keys
            <DropdownMenuShortcut>G I</DropdownMenuShortcut>
          </Link>
        </DropdownMenuItem>
        <DropdownMenuSub>
          <DropdownMenuSubTrigger>
            <Palette aria-hidden /> Theme
          </DropdownMenuSubTrigger>
          <DropdownMenuSubContent>
            <DropdownMenuRadioGroup value={theme} onValueChange={setTheme}>
              {THEMES.map(({ value, label, icon: Icon }) => (
                <DropdownMenuRadioItem key={value} value={value}>
                  <Icon aria-hidden /> {label}
                </DropdownMenuRadioItem>
              ))}
            </DropdownMenuRadioGroup>
          </DropdownMenuSubContent>
        </DropdownMenuSub>
        <DropdownMenuItem onSelect={openShortcuts}>
          <Keyboard aria-hidden /> Keyboard shortcuts
          <DropdownMenuShortcut>?</DropdownMenuShortcut>
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => signOut().catch((err) => toastError(err, 'Could not sign out'))}>
          <LogOut aria-hidden /> Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

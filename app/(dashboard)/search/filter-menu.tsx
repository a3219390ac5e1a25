'use client';

import { ChevronDown } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '../../_components/ui/button';
import {
  DropdownMenu,
  DropdownMenuCheckboxItem,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../_components/ui/dropdown-menu';
import { cn } from '../../_lib/cn';

export type FilterOption = { value: string; label: string; hint?: string };

/**
 * A toolbar filter that picks any number of values: the trigger says what is
 * chosen ("Sources: 2"), the menu stays open while ticking, and "Clear" empties it.
 */
export function FilterMenu({
  label,
  icon,
  options,
  selected,
  onChange,
  emptyText,
  testId,
}: {
  label: string;
  icon?: ReactNode;
  options: FilterOption[];
  selected: string[];
  onChange: (next: string[]) => void;
  emptyText: string;
  testId?: string;
}) {
  const chosen = new Set(selected);
  // A value in the URL that no longer exists (a deleted source) still shows, so it can be cleared.
  const all: FilterOption[] = [...options, ...selected.filter((v) => !options.some((o) => o.value === v)).map((v) => ({ value: v, label: v }))];
  const summary =
    selected.length === 0 ? null : selected.length === 1 ? (all.find((o) => o.value === selected[0])?.label ?? selected[0]) : `${selected.length}`;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button
          variant="secondary"
          size="sm"
          data-testid={testId}
          className={cn('max-w-64', selected.length > 0 && 'border-accent/50 bg-accent-subtle text-accent-text hover:bg-accent-subtle')}
        >
          {icon}
          <span className="truncate">
            {label}
            {summary && <span className="font-normal">: {summary}</span>}
          </span>
          <ChevronDown aria-hidden className="size-3.5 opacity-70" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="max-h-80 w-64 overflow-y-auto">
        <DropdownMenuLabel>{label}</DropdownMenuLabel>
        {all.length === 0 && <p className="px-2 py-1.5 text-sm text-muted-foreground">{emptyText}</p>}
        {all.map((o) => (
          <DropdownMenuCheckboxItem
            key={o.value}
            checked={chosen.has(o.value)}
            // Keep the menu open: people usually tick several.
            onSelect={(e) => e.preventDefault()}
            onCheckedChange={(on) => onChange(on ? [...selected, o.value] : selected.filter((v) => v !== o.value))}
          >
            <span className="min-w-0 flex-1 truncate">{o.label}</span>
            {o.hint && <span className="ml-2 text-xs tabular-nums text-muted-foreground">{o.hint}</span>}
          </DropdownMenuCheckboxItem>
        ))}
        {selected.length > 0 && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => onChange([])}>Clear {label.toLowerCase()}</DropdownMenuItem>
          </>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

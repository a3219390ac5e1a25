import { Bot, ChevronsUp, Circle, CircleCheck, CircleDashed, CircleDot, Equal, type LucideIcon, MoveDown, MoveUp, UserRound } from 'lucide-react';
import { Avatar } from '../../_components/ui/avatar';
import { cn } from '../../_lib/cn';
import type { RouterOutputs } from '../../_lib/trpc';

/** What the board, the table and the editor say about a task's status, priority and assignee, in one place. */

export type TaskStatus = 'todo' | 'doing' | 'review' | 'done';
export type TaskPriority = 'low' | 'medium' | 'high' | 'critical';
export const STATUSES: readonly TaskStatus[] = ['todo', 'doing', 'review', 'done'];
export const PRIORITIES: readonly TaskPriority[] = ['critical', 'high', 'medium', 'low'];

export const STATUS: Record<TaskStatus, { label: string; icon: LucideIcon; text: string; fill: string }> = {
  todo: { label: 'To do', icon: Circle, text: 'text-muted-foreground', fill: 'bg-muted-foreground/50' },
  doing: { label: 'Doing', icon: CircleDot, text: 'text-accent-text', fill: 'bg-accent' },
  review: { label: 'Review', icon: CircleDashed, text: 'text-warning-text', fill: 'bg-warning' },
  done: { label: 'Done', icon: CircleCheck, text: 'text-success-text', fill: 'bg-success' },
};

export const PRIORITY: Record<TaskPriority, { label: string; icon: LucideIcon; text: string; rank: number }> = {
  critical: { label: 'Critical', icon: ChevronsUp, text: 'text-destructive-text', rank: 0 },
  high: { label: 'High', icon: MoveUp, text: 'text-warning-text', rank: 1 },
  medium: { label: 'Medium', icon: Equal, text: 'text-muted-foreground', rank: 2 },
  low: { label: 'Low', icon: MoveDown, text: 'text-muted-foreground', rank: 3 },
};

/** Archon v1's assignees; anything else is free text (an agent's name). */
export const ASSIGNEE_PRESETS = ['User', 'Archon', 'Coding Agent'] as const;

export type BoardTask = RouterOutputs['tasks']['board']['tasks'][number];
export type FullTask = RouterOutputs['tasks']['byId'];

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The assignee's mark: a person for User, the Archon mark, a robot for Coding Agent, initials for anyone else. Decorative. */
export function AssigneeMark({ name, className }: { name: string; className?: string }) {
  const base = cn('grid size-5 shrink-0 place-items-center rounded-full', className);
  if (name === 'User')
    return (
      <span aria-hidden className={cn(base, 'bg-muted text-muted-foreground ring-1 ring-border')}>
        <UserRound className="size-3" />
      </span>
    );
  if (name === 'Coding Agent')
    return (
      <span aria-hidden className={cn(base, 'bg-accent-subtle text-accent-text')}>
        <Bot className="size-3" />
      </span>
    );
  if (name === 'Archon')
    return (
      <svg viewBox="0 0 32 32" aria-hidden className={cn('size-5 shrink-0', className)}>
        <rect width="32" height="32" rx="16" fill="var(--accent)" />
        <path d="M16 8.5 23.5 23h-3.6L16 15.3 12.1 23H8.5z" fill="var(--accent-foreground)" />
      </svg>
    );
  return <Avatar name={name} className={cn('size-5 text-[9px]', className)} />;
}

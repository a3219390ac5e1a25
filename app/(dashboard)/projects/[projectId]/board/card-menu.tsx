'use client';

import { Archive, MoreHorizontal, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../../_components/ui/button';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../../_components/ui/dropdown-menu';
import { useSession } from '../../../../_lib/session';
import { type BoardTask, STATUS, STATUSES } from '../../task-meta';
import { useTaskActions } from '../live-tasks';

/** The card's menu: open, move to another column (the way to move without dragging), archive or unarchive, delete. */
export function CardMenu({ task, onOpen, onDelete }: { task: BoardTask; onOpen: (id: string) => void; onDelete: (t: BoardTask) => void }) {
  // A board of hundreds of cards would mount hundreds of menus: until first used, the trigger is a plain button.
  const [open, setOpen] = useState<boolean | null>(null);
  const trigger = (
    <Button
      variant="ghost"
      size="icon-sm"
      aria-label={`Actions for “${task.title}”`}
      aria-haspopup="menu"
      aria-expanded={open === true}
      className="size-6 text-muted-foreground opacity-0 focus-visible:opacity-100 group-hover/card:opacity-100 data-[state=open]:opacity-100"
      data-testid="card-menu"
      onClick={open === null ? () => setOpen(true) : undefined}
    >
      <MoreHorizontal aria-hidden className="size-4" />
    </Button>
  );
  if (open === null) return trigger;
  return <CardMenuContent task={task} open={open} onOpenChange={setOpen} trigger={trigger} onOpen={onOpen} onDelete={onDelete} />;
}

function CardMenuContent({
  task,
  open,
  onOpenChange,
  trigger,
  onOpen,
  onDelete,
}: {
  task: BoardTask;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  trigger: React.ReactNode;
  onOpen: (id: string) => void;
  onDelete: (t: BoardTask) => void;
}) {
  const { move, archive, unarchive } = useTaskActions();
  const { displayName } = useSession();
  return (
    <DropdownMenu open={open} onOpenChange={onOpenChange}>
      <DropdownMenuTrigger asChild>{trigger}</DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-52">
        <DropdownMenuItem onSelect={() => onOpen(task.id)}>Open</DropdownMenuItem>
        {!task.archived && (
          <>
            <DropdownMenuSeparator />
            <DropdownMenuLabel>Move to</DropdownMenuLabel>
            {STATUSES.filter((s) => s !== task.status).map((s) => {
              const Icon = STATUS[s].icon;
              return (
                <DropdownMenuItem key={s} onSelect={() => void move(task, { status: s })} data-testid={`move-to-${s}`}>
                  <Icon className={STATUS[s].text} /> {STATUS[s].label}
                </DropdownMenuItem>
              );
            })}
          </>
        )}
        <DropdownMenuSeparator />
        {task.archived ? (
          <DropdownMenuItem onSelect={() => void unarchive(task)}>
            <Archive /> Unarchive
          </DropdownMenuItem>
        ) : (
          <DropdownMenuItem onSelect={() => void archive(task, displayName)}>
            <Archive /> Archive
          </DropdownMenuItem>
        )}
        <DropdownMenuItem variant="destructive" onSelect={() => onDelete(task)}>
          <Trash2 /> Delete…
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

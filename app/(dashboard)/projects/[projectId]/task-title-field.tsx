'use client';

import { useEffect, useRef, useState } from 'react';
import { PanelTitle } from '../../../_components/ui/panel';
import type { BoardTask } from '../task-meta';

export function TitleField({ task, canWrite, onSave }: { task: BoardTask; canWrite: boolean; onSave: (title: string) => void }) {
  const [text, setText] = useState(task.title);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => setText(task.title), [task.title]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the height follows the text
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [text]);
  if (!canWrite)
    return (
      <PanelTitle className="text-xl" data-testid="editor-title">
        {task.title}
      </PanelTitle>
    );
  const commit = () => {
    const t = text.replace(/\s+/g, ' ').trim();
    if (!t || t === task.title) return setText(task.title);
    onSave(t);
  };
  return (
    <div>
      <PanelTitle className="sr-only">{task.title}</PanelTitle>
      <textarea
        ref={ref}
        rows={1}
        value={text}
        aria-label="Title"
        maxLength={500}
        onChange={(e) => setText(e.target.value.replace(/\n/g, ' '))}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
            (e.target as HTMLTextAreaElement).blur();
          } else if (e.key === 'Escape' && text !== task.title) {
            e.stopPropagation();
            setText(task.title);
          }
        }}
        className="focus-ring -mx-1.5 w-[calc(100%+0.75rem)] resize-none overflow-hidden rounded-md bg-transparent px-1.5 py-0.5 text-xl font-semibold leading-7 tracking-tight hover:bg-muted/60 focus:bg-muted/60"
        data-testid="editor-title"
        data-keeps-escape={text !== task.title || undefined}
      />
    </div>
  );
}

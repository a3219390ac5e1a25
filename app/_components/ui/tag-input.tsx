'use client';

import { X } from 'lucide-react';
import { type ComponentProps, type KeyboardEvent, useId, useState } from 'react';
import { cn } from '../../_lib/cn';
import { useFieldControl } from './field';
import { controlClasses } from './input';

/**
 * A list of short labels typed one by one: Enter or a comma adds the text,
 * Backspace in an empty box removes the last, each chip has a remove button.
 * Text left in the box becomes a tag when the box loses focus, so nothing
 * typed is lost on submit. Inside a Field, the text box takes the label.
 *
 *   <Field label="Tags" hint="Press Enter after each tag"><TagInput value={tags} onChange={setTags} suggestions={known} /></Field>
 */
export function TagInput({
  value,
  onChange,
  suggestions = [],
  placeholder = 'Add a tag…',
  maxLength = 64,
  className,
  ...props
}: Omit<ComponentProps<'input'>, 'value' | 'onChange' | 'defaultValue'> & {
  value: string[];
  onChange: (next: string[]) => void;
  suggestions?: string[];
  maxLength?: number;
}) {
  const [text, setText] = useState('');
  const wired = useFieldControl(props);
  const listId = `tags${useId().replace(/:/g, '')}`;
  const add = (raw: string) => {
    const parts = raw
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (parts.length === 0) return;
    const next = [...value];
    for (const p of parts) if (!next.some((t) => t.toLowerCase() === p.toLowerCase())) next.push(p.slice(0, maxLength));
    onChange(next);
    setText('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      if (!text.trim()) return;
      e.preventDefault();
      add(text);
    } else if (e.key === 'Backspace' && text === '' && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  };
  const unused = suggestions.filter((s) => !value.includes(s));
  return (
    <div
      className={cn(
        controlClasses,
        'flex min-h-8 flex-wrap items-center gap-1 px-1.5 py-1 focus-within:border-ring focus-within:ring-3 focus-within:ring-ring/25',
        className,
      )}
    >
      {value.map((tag) => (
        <span key={tag} className="inline-flex h-6 items-center gap-0.5 rounded-md border border-border bg-muted pl-2 pr-0.5 text-xs font-medium">
          {tag}
          {!props.disabled && (
            <button
              type="button"
              aria-label={`Remove tag ${tag}`}
              className="focus-ring grid size-5 place-items-center rounded text-muted-foreground hover:bg-background hover:text-foreground"
              onClick={() => onChange(value.filter((t) => t !== tag))}
            >
              <X aria-hidden className="size-3" />
            </button>
          )}
        </span>
      ))}
      <input
        {...wired}
        value={text}
        maxLength={maxLength * 4}
        list={unused.length ? listId : undefined}
        placeholder={value.length ? '' : placeholder}
        onChange={(e) => {
          // A suggestion picked from the list arrives whole: take it at once.
          if (unused.includes(e.target.value)) add(e.target.value);
          else setText(e.target.value);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => add(text)}
        className="h-6 min-w-24 flex-1 bg-transparent px-1 text-sm outline-none placeholder:text-muted-foreground"
      />
      {unused.length > 0 && (
        <datalist id={listId}>
          {unused.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
    </div>
  );
}

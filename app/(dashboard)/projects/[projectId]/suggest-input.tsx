'use client';

import { useEffect, useState } from 'react';
import { Input } from '../../../_components/ui/input';

/** A free-text field with suggestions (a native datalist), saved on Enter or when it loses focus. */
export function SuggestInput({
  id,
  value,
  suggestions,
  onSave,
  placeholder,
  allowEmpty,
  testId,
  disabled,
  label,
  className,
}: {
  id: string;
  value: string;
  suggestions: string[];
  onSave: (v: string) => void;
  placeholder?: string;
  allowEmpty?: boolean;
  testId?: string;
  disabled?: boolean;
  /** The accessible name when no <label> points at the field (a table cell). */
  label?: string;
  className?: string;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const listId = `${id}-list`;
  const commit = () => {
    const next = text.trim();
    if (next === value || (!next && !allowEmpty)) return setText(value);
    onSave(next);
  };
  return (
    <>
      <Input
        id={id}
        list={listId}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          } else if (e.key === 'Escape' && text !== value) {
            e.stopPropagation();
            setText(value);
          }
        }}
        placeholder={placeholder}
        maxLength={100}
        autoComplete="off"
        data-testid={testId}
        disabled={disabled}
        aria-label={label}
        className={className}
      />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </>
  );
}

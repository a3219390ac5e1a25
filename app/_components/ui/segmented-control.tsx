'use client';

import { ToggleGroup as G } from 'radix-ui';
import { cn } from '../../_lib/cn';

export type Segment<T extends string> = { value: T; label: string; testId?: string };

/**
 * One choice out of a few, as a row of pressed-or-not buttons (Radix toggle
 * group: arrow keys move, Space picks). For view switches and quick filters
 * that change what is shown at once; a choice in a form is a Select.
 *
 *   <SegmentedControl label="Show results as" value={mode} onChange={setMode}
 *     options={[{ value: 'chunks', label: 'Sections' }, { value: 'pages', label: 'Pages' }]} />
 */
export function SegmentedControl<T extends string>({
  label,
  value,
  onChange,
  options,
  size = 'sm',
  className,
}: {
  /** Names the group for screen readers. */
  label: string;
  value: T;
  onChange: (value: T) => void;
  options: readonly Segment<T>[];
  size?: 'sm' | 'md';
  className?: string;
}) {
  return (
    <G.Root
      type="single"
      aria-label={label}
      value={value}
      // Pressing the chosen segment again would leave none chosen; a segmented control always has one.
      onValueChange={(next) => next && onChange(next as T)}
      className={cn('inline-flex shrink-0 gap-0.5 rounded-lg bg-muted p-0.5', className)}
    >
      {options.map((o) => (
        <G.Item
          key={o.value}
          value={o.value}
          data-testid={o.testId}
          className={cn(
            'focus-ring rounded-md px-2.5 text-sm font-medium whitespace-nowrap text-muted-foreground transition-colors hover:text-foreground',
            'data-[state=on]:bg-surface data-[state=on]:text-foreground data-[state=on]:shadow-sm',
            size === 'sm' ? 'h-6' : 'h-7',
          )}
        >
          {o.label}
        </G.Item>
      ))}
    </G.Root>
  );
}

import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';

/** A key: `<Kbd>G</Kbd>`. For a sequence, `<Keys keys={['G', 'K']} />`. */
export function Kbd({ className, ...props }: ComponentProps<'kbd'>) {
  return (
    <kbd
      className={cn(
        'inline-flex h-5 min-w-5 items-center justify-center rounded border border-border bg-muted px-1 font-sans text-[11px] font-medium text-muted-foreground',
        className,
      )}
      {...props}
    />
  );
}

export function Keys({ keys, className }: { keys: string[]; className?: string }) {
  return (
    <span className={cn('inline-flex items-center gap-1', className)}>
      {keys.map((k, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a key sequence can repeat a key
        <Kbd key={i}>{k}</Kbd>
      ))}
    </span>
  );
}

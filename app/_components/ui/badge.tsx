import { cva, type VariantProps } from 'class-variance-authority';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';

const badgeVariants = cva(
  'inline-flex h-5 shrink-0 items-center gap-1 whitespace-nowrap rounded-md border px-1.5 text-xs font-medium [&_svg]:size-3',
  {
    variants: {
      variant: {
        neutral: 'border-border bg-muted text-foreground',
        outline: 'border-border text-muted-foreground',
        accent: 'border-transparent bg-accent-subtle text-accent-text',
        success: 'border-transparent bg-success-subtle text-success-text',
        warning: 'border-transparent bg-warning-subtle text-warning-text',
        destructive: 'border-transparent bg-destructive-subtle text-destructive-text',
      },
    },
    defaultVariants: { variant: 'neutral' },
  },
);

const dotColour = {
  neutral: 'bg-muted-foreground',
  outline: 'bg-muted-foreground',
  accent: 'bg-accent',
  success: 'bg-success',
  warning: 'bg-warning',
  destructive: 'bg-destructive',
} as const;

/** Status and labels: `<Badge variant="success" dot>Completed</Badge>`, `<Badge variant="outline">docs</Badge>`. */
export function Badge({
  className,
  variant,
  dot = false,
  children,
  ...props
}: ComponentProps<'span'> & VariantProps<typeof badgeVariants> & { dot?: boolean }) {
  return (
    <span className={cn(badgeVariants({ variant }), className)} {...props}>
      {dot && <span aria-hidden className={cn('size-1.5 rounded-full', dotColour[variant ?? 'neutral'])} />}
      {children}
    </span>
  );
}

import { cva, type VariantProps } from 'class-variance-authority';
import { CircleAlert, CircleCheck, Info, TriangleAlert } from 'lucide-react';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '../../_lib/cn';

const alertVariants = cva('flex gap-2.5 rounded-lg border px-3 py-2.5 text-sm [&>svg]:mt-0.5 [&>svg]:size-4 [&>svg]:shrink-0', {
  variants: {
    variant: {
      info: 'border-border bg-muted/60 text-foreground [&>svg]:text-muted-foreground',
      success: 'border-success/30 bg-success-subtle text-foreground [&>svg]:text-success-text',
      warning: 'border-warning/40 bg-warning-subtle text-foreground [&>svg]:text-warning-text',
      destructive: 'border-destructive/30 bg-destructive-subtle text-foreground [&>svg]:text-destructive-text',
    },
  },
  defaultVariants: { variant: 'info' },
});

const icons = { info: Info, success: CircleCheck, warning: TriangleAlert, destructive: CircleAlert };

/**
 * An inline message in the flow of a page or form. A destructive alert is announced
 * (role="alert"); use it for a form's error, not for things that were already there on load.
 */
export function Alert({
  variant,
  title,
  children,
  className,
  ...props
}: Omit<ComponentProps<'div'>, 'title'> & VariantProps<typeof alertVariants> & { title?: ReactNode }) {
  const Icon = icons[variant ?? 'info'];
  return (
    <div role={variant === 'destructive' ? 'alert' : undefined} className={cn(alertVariants({ variant }), className)} {...props}>
      <Icon aria-hidden />
      <div className="grid gap-0.5">
        {title && <p className="font-medium">{title}</p>}
        {children && <div className={cn(title && 'text-muted-foreground')}>{children}</div>}
      </div>
    </div>
  );
}

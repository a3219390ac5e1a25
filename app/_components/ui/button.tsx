import { cva, type VariantProps } from 'class-variance-authority';
import { Slot } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../_lib/cn';
import { Spinner } from './spinner';

export const buttonVariants = cva(
  [
    'focus-ring inline-flex shrink-0 cursor-default select-none items-center justify-center gap-1.5 whitespace-nowrap rounded-md font-medium',
    'transition-[background-color,border-color,color,box-shadow] duration-100',
    'disabled:pointer-events-none disabled:opacity-50 aria-disabled:pointer-events-none aria-disabled:opacity-50',
    "[&_svg]:pointer-events-none [&_svg]:shrink-0 [&_svg:not([class*='size-'])]:size-4",
  ],
  {
    variants: {
      variant: {
        /** The one main action of a view. */
        primary: 'bg-accent text-accent-foreground shadow-xs hover:bg-accent/90',
        /** Everything else that is a button. */
        secondary: 'border border-input bg-surface text-foreground shadow-xs hover:bg-muted',
        /** Toolbars, table rows, menus' triggers: no chrome until hovered. */
        ghost: 'text-foreground hover:bg-muted',
        /** Deleting, revoking: say what is destroyed in the label. */
        destructive: 'bg-destructive text-destructive-foreground shadow-xs hover:bg-destructive/90',
        /** An action that reads as a link. */
        link: 'h-auto px-0 text-accent-text underline-offset-2 hover:underline',
      },
      size: {
        sm: 'h-7 px-2.5 text-sm',
        md: 'h-8 px-3 text-sm',
        lg: 'h-9 px-4 text-base',
        icon: 'size-8',
        'icon-sm': 'size-7',
      },
    },
    defaultVariants: { variant: 'secondary', size: 'md' },
  },
);

export type ButtonProps = ComponentProps<'button'> &
  VariantProps<typeof buttonVariants> & {
    /** Render the child (a Link, an anchor) with the button's look instead of a <button>. */
    asChild?: boolean;
    /** Shows a spinner and blocks clicks; the label stays, so the button keeps its width and its name. */
    loading?: boolean;
  };

/**
 * Buttons: `<Button variant="primary" onClick={…}>Add source</Button>`. The default
 * is `secondary`; use one `primary` per view. `type` defaults to "button", so a
 * button in a form submits only when it says `type="submit"`.
 */
export function Button({ className, variant, size, asChild = false, loading = false, disabled, children, type, ...props }: ButtonProps) {
  const classes = cn(buttonVariants({ variant, size }), className);
  if (asChild) {
    return (
      <Slot.Root className={classes} {...props}>
        {children}
      </Slot.Root>
    );
  }
  return (
    <button type={type ?? 'button'} className={classes} disabled={disabled || loading} aria-busy={loading || undefined} {...props}>
      {loading && <Spinner />}
      {children}
    </button>
  );
}

'use client';

import { cva, type VariantProps } from 'class-variance-authority';
import { Tabs as T } from 'radix-ui';
import { type ComponentProps, createContext, useContext } from 'react';
import { cn } from '../../_lib/cn';

type Variant = 'underline' | 'segmented';
const VariantContext = createContext<Variant>('underline');

/**
 * Tabs (Radix: arrow keys move between tabs). `underline` for a page's sections,
 * `segmented` for a small switch inside a card or toolbar.
 *
 *   <Tabs defaultValue="pages">
 *     <TabsList aria-label="Source sections"><TabsTrigger value="pages">Pages</TabsTrigger>…</TabsList>
 *     <TabsContent value="pages">…</TabsContent>
 *   </Tabs>
 */
export const Tabs = T.Root;

const listVariants = cva('inline-flex items-center', {
  variants: {
    variant: {
      underline: 'w-full gap-4 border-b border-border',
      segmented: 'gap-0.5 rounded-lg bg-muted p-0.5',
    },
  },
  defaultVariants: { variant: 'underline' },
});

const triggerVariants = cva(
  'focus-ring inline-flex cursor-default select-none items-center gap-1.5 whitespace-nowrap text-sm font-medium text-muted-foreground transition-colors hover:text-foreground disabled:pointer-events-none disabled:opacity-50 [&_svg]:size-4',
  {
    variants: {
      variant: {
        underline: '-mb-px h-9 border-b-2 border-transparent px-0.5 data-[state=active]:border-accent data-[state=active]:text-foreground',
        segmented: 'h-7 rounded-md px-2.5 data-[state=active]:bg-surface data-[state=active]:text-foreground data-[state=active]:shadow-sm',
      },
    },
    defaultVariants: { variant: 'underline' },
  },
);

export function TabsList({ className, variant = 'underline', ...props }: ComponentProps<typeof T.List> & VariantProps<typeof listVariants>) {
  const v = variant ?? 'underline';
  return (
    <VariantContext value={v}>
      <T.List className={cn(listVariants({ variant: v }), className)} {...props} />
    </VariantContext>
  );
}

export function TabsTrigger({ className, ...props }: ComponentProps<typeof T.Trigger>) {
  const variant = useContext(VariantContext);
  return <T.Trigger className={cn(triggerVariants({ variant }), className)} {...props} />;
}

export function TabsContent({ className, ...props }: ComponentProps<typeof T.Content>) {
  return <T.Content className={cn('focus-ring mt-4 rounded-md', className)} {...props} />;
}

'use client';

import { useTheme } from 'next-themes';
import type { CSSProperties } from 'react';
import { Toaster as Sonner } from 'sonner';

/**
 * Toasts, themed with the design tokens. Mounted once in the root providers;
 * anywhere else, `import { toast } from 'sonner'` and call `toast.success('Saved')`,
 * or `toastError(err, 'Could not save')` from app/_lib/errors.ts for failures.
 */
export function Toaster() {
  const { resolvedTheme } = useTheme();
  return (
    <Sonner
      theme={resolvedTheme === 'dark' ? 'dark' : 'light'}
      position="bottom-right"
      closeButton
      toastOptions={{
        classNames: {
          toast: 'font-sans !text-sm !shadow-lg',
          description: '!text-muted-foreground',
          error: '[&_[data-icon]]:text-destructive-text',
          success: '[&_[data-icon]]:text-success-text',
          warning: '[&_[data-icon]]:text-warning-text',
        },
      }}
      style={
        {
          '--normal-bg': 'var(--surface)',
          '--normal-text': 'var(--foreground)',
          '--normal-border': 'var(--border)',
          '--success-bg': 'var(--surface)',
          '--success-text': 'var(--success-text)',
          '--success-border': 'var(--border)',
          '--error-bg': 'var(--surface)',
          '--error-text': 'var(--destructive-text)',
          '--error-border': 'var(--border)',
          '--border-radius': '10px',
        } as CSSProperties
      }
    />
  );
}

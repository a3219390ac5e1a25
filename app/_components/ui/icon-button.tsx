'use client';

import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button, type ButtonProps } from './button';
import { Keys } from './kbd';
import { Tooltip } from './tooltip';

/**
 * A button that is only an icon. `label` is required: it is the accessible
 * name and the tooltip, so an icon never stands alone. `shortcut` adds keys to the tooltip.
 */
export function IconButton({
  icon: Icon,
  label,
  shortcut,
  tooltip = true,
  size = 'icon',
  variant = 'ghost',
  children,
  ...props
}: Omit<ButtonProps, 'size' | 'aria-label'> & {
  icon: LucideIcon;
  label: string;
  shortcut?: string[];
  tooltip?: boolean;
  size?: 'icon' | 'icon-sm';
  children?: ReactNode;
}) {
  const button = (
    <Button size={size} variant={variant} aria-label={label} {...props}>
      <Icon aria-hidden className={size === 'icon-sm' ? 'size-3.5' : 'size-4'} />
      {children}
    </Button>
  );
  if (!tooltip) return button;
  return (
    <Tooltip
      content={
        <>
          {label}
          {shortcut && <Keys keys={shortcut} className="[&_kbd]:border-transparent [&_kbd]:bg-background/20 [&_kbd]:text-background" />}
        </>
      }
    >
      {button}
    </Tooltip>
  );
}

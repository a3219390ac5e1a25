'use client';

import { Check, Copy } from 'lucide-react';
import { type ReactNode, useEffect, useState } from 'react';
import { toast } from 'sonner';
import { Button, type ButtonProps } from './button';
import { IconButton } from './icon-button';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // Plain http on a LAN address has no Clipboard API; the old way still works there.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('The browser refused to copy');
}

/**
 * Copies `value` and says so (the icon turns into a check, and a polite live
 * region announces it). Icon-only by default; pass children for a labelled button.
 *
 *   <CopyButton value={key} label="Copy API key" />
 *   <CopyButton value={snippet} label="Copy configuration">Copy</CopyButton>
 */
export function CopyButton({
  value,
  label = 'Copy',
  children,
  variant = 'ghost',
  size,
  className,
}: { value: string; label?: string; children?: ReactNode } & Pick<ButtonProps, 'variant' | 'className'> & {
    size?: 'sm' | 'md' | 'icon' | 'icon-sm';
  }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1_800);
    return () => clearTimeout(t);
  }, [copied]);
  const onClick = async () => {
    try {
      await copyText(value);
      setCopied(true);
    } catch {
      toast.error('Could not copy', { description: 'Select the text and copy it with the keyboard instead.' });
    }
  };
  const status = (
    <span role="status" className="sr-only">
      {copied ? 'Copied' : ''}
    </span>
  );
  if (children) {
    return (
      <Button variant={variant} size={size === 'sm' ? 'sm' : 'md'} className={className} onClick={() => void onClick()}>
        {copied ? <Check aria-hidden className="text-success-text" /> : <Copy aria-hidden />}
        {children}
        {status}
      </Button>
    );
  }
  return (
    <IconButton
      icon={copied ? Check : Copy}
      label={label}
      variant={variant}
      size={size === 'icon' ? 'icon' : 'icon-sm'}
      className={className}
      onClick={() => void onClick()}
    >
      {status}
    </IconButton>
  );
}

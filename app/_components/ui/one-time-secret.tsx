'use client';

import type { ReactNode } from 'react';
import { Alert } from './alert';
import { CopyButton } from './copy-button';
import { Field } from './field';
import { Input } from './input';

/**
 * A secret shown once (a new API key, an invitation link): the whole value in
 * a read-only field that selects itself on focus, a labelled copy button, and
 * the warning that it will not be shown again.
 *
 *   <OneTimeSecret label="API key" value={created.key} warning="Copy it now: only its prefix is shown again." />
 */
export function OneTimeSecret({ label, value, hint, warning }: { label: string; value: string; hint?: ReactNode; warning?: ReactNode }) {
  return (
    <div className="grid gap-3">
      <Field label={label} hint={hint}>
        <div className="flex items-center gap-2">
          <Input
            readOnly
            value={value}
            spellCheck={false}
            autoComplete="off"
            onFocus={(e) => e.currentTarget.select()}
            className="h-9 bg-muted/40 font-mono text-[13px]"
          />
          <CopyButton value={value} label={`Copy the ${label.toLowerCase()}`} variant="secondary" className="h-9">
            Copy
          </CopyButton>
        </div>
      </Field>
      {warning && <Alert variant="warning">{warning}</Alert>}
    </div>
  );
}

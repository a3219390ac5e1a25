'use client';

import { CircleAlert } from 'lucide-react';
import { type ComponentProps, createContext, type ReactNode, useContext, useId } from 'react';
import { cn } from '../../_lib/cn';
import { Label } from './label';

type FieldControl = { id: string; describedBy: string | undefined; invalid: boolean; required: boolean };

const FieldContext = createContext<FieldControl | null>(null);

/**
 * The props a control inside a Field takes from it (id, aria-describedby, aria-invalid, required),
 * with the control's own props winning. Input, Textarea, SelectTrigger, Checkbox and Switch call this;
 * a custom control can too.
 */
export function useFieldControl<
  P extends { id?: string; 'aria-describedby'?: string; 'aria-invalid'?: ComponentProps<'input'>['aria-invalid']; required?: boolean },
>(props: P): P {
  const field = useContext(FieldContext);
  if (!field) return props;
  const describedBy = [field.describedBy, props['aria-describedby']].filter(Boolean).join(' ') || undefined;
  return {
    ...props,
    id: props.id ?? field.id,
    'aria-describedby': describedBy,
    'aria-invalid': props['aria-invalid'] ?? (field.invalid || undefined),
    required: props.required ?? (field.required || undefined),
  };
}

/**
 * A labelled form control with an optional hint and error, wired for screen
 * readers (the label names the control; hint and error describe it):
 *
 *   <Field label="Email" hint="We never share it." error={errors.email}>
 *     <Input name="email" type="email" />
 *   </Field>
 *
 * `inline` puts a checkbox or switch before its label.
 */
export function Field({
  label,
  hint,
  error,
  required = false,
  inline = false,
  id,
  className,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | string[] | null;
  required?: boolean;
  inline?: boolean;
  id?: string;
  className?: string;
  children: ReactNode;
}) {
  const auto = useId();
  const controlId = id ?? `field${auto.replace(/:/g, '')}`;
  const errorText = Array.isArray(error) ? error.join(' ') : error || null;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = errorText ? `${controlId}-error` : undefined;
  const control: FieldControl = {
    id: controlId,
    describedBy: [errorId, hintId].filter(Boolean).join(' ') || undefined,
    invalid: Boolean(errorText),
    required,
  };
  const labelEl = (
    <Label htmlFor={controlId}>
      {label}
      {required && (
        <span aria-hidden className="ml-0.5 text-destructive-text">
          *
        </span>
      )}
    </Label>
  );
  const hintEl = hint && (
    <p id={hintId} className="text-xs text-muted-foreground">
      {hint}
    </p>
  );
  const errorEl = errorText && (
    <p id={errorId} className="flex items-start gap-1 text-xs font-medium text-destructive-text">
      <CircleAlert aria-hidden className="mt-px size-3.5 shrink-0" />
      {errorText}
    </p>
  );
  return (
    <FieldContext value={control}>
      {inline ? (
        <div className={cn('flex items-start gap-2.5', className)}>
          <div className="flex h-5 items-center">{children}</div>
          <div className="grid gap-0.5">
            {labelEl}
            {hintEl}
            {errorEl}
          </div>
        </div>
      ) : (
        <div className={cn('grid gap-1.5', className)}>
          {labelEl}
          {children}
          {hintEl}
          {errorEl}
        </div>
      )}
    </FieldContext>
  );
}

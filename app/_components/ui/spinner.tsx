import { cn } from '../../_lib/cn';

/**
 * A small spinning ring. Decorative by default (inside a busy button the button says what is happening);
 * give `label` when the spinner alone tells people something is loading.
 */
export function Spinner({ className, label }: { className?: string; label?: string }) {
  return (
    <span role={label ? 'status' : undefined} className="inline-flex">
      <svg viewBox="0 0 16 16" fill="none" aria-hidden className={cn('size-4 animate-spin', className)}>
        <circle cx="8" cy="8" r="6.5" stroke="currentColor" strokeOpacity="0.25" strokeWidth="2" />
        <path d="M14.5 8A6.5 6.5 0 0 0 8 1.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      </svg>
      {label && <span className="sr-only">{label}</span>}
    </span>
  );
}

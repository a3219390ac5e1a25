import { cn } from '../../_lib/cn';

/** The mark (app/icon.svg drawn inline, so it needs no request) and the name. */
export function Logo({ className }: { className?: string }) {
  return (
    <span className={cn('inline-flex items-center gap-2 font-semibold tracking-tight', className)}>
      <svg viewBox="0 0 32 32" aria-hidden className="size-6 shrink-0">
        <rect width="32" height="32" rx="8" fill="var(--accent)" />
        <path d="M16 7.5 24.5 24h-4.1L16 15.2 11.6 24H7.5z" fill="var(--accent-foreground)" />
        <path d="M12.9 20.4h6.2" stroke="var(--accent-foreground)" strokeWidth="2.2" strokeLinecap="round" />
      </svg>
      <span className="text-[15px]">Archon</span>
    </span>
  );
}

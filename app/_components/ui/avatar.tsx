import { cn } from '../../_lib/cn';

const initialsOf = (name: string) =>
  name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => [...p][0]!.toUpperCase())
    .join('') || '?';

/** Initials in a circle, tinted by the name so people are told apart at a glance. Decorative: the name is always next to it. */
export function Avatar({ name, className }: { name: string; className?: string }) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  const hue = hash % 360;
  return (
    <span
      aria-hidden
      className={cn('grid size-6 shrink-0 place-items-center rounded-full text-[10px] font-semibold text-white', className)}
      style={{ background: `oklch(0.5 0.13 ${hue})` }}
    >
      {initialsOf(name)}
    </span>
  );
}

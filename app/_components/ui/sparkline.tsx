import { cn } from '../../_lib/cn';

/**
 * A tiny line chart for a recent series (pages per second). Inline SVG, no
 * library, renders on the server too. `label` says what it shows and the
 * latest value, since the picture alone says nothing to a screen reader.
 */
export function Sparkline({
  values,
  label,
  width = 120,
  height = 28,
  className,
}: {
  values: readonly number[];
  label: string;
  width?: number;
  height?: number;
  className?: string;
}) {
  if (values.length < 2) {
    return <svg width={width} height={height} role="img" aria-label={label} className={cn('text-accent', className)} />;
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = width / (values.length - 1);
  const pts = values.map((v, i) => [i * step, height - 2 - ((v - min) / span) * (height - 4)] as const);
  const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
  const [lx, ly] = pts[pts.length - 1]!;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      className={cn('overflow-visible text-accent', className)}
    >
      <path d={`${d}L${width},${height}L0,${height}Z`} fill="currentColor" opacity={0.12} />
      <path d={d} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" />
      <circle cx={lx} cy={ly} r={2} fill="currentColor" />
    </svg>
  );
}

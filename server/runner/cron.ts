import { CronExpressionParser } from 'cron-parser';

/**
 * The latest time at or before `now` that a cron trigger fires. Inngest's cron
 * strings may start with `TZ=Area/City`; otherwise times are UTC, as on an
 * Inngest server.
 */
export function lastFireTime(expression: string, now: Date): Date {
  const tz = /^TZ=(\S+)\s+/.exec(expression)?.[1];
  const cron = expression.replace(/^TZ=\S+\s+/, '');
  const parsed = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1), tz: tz ?? 'UTC' });
  return parsed.prev().toDate();
}

/** Refuses a malformed cron expression when the functions are registered, not when it first fires. */
export function checkCron(expression: string): void {
  lastFireTime(expression, new Date());
}

export const REFRESH_INTERVALS = ['off', 'hourly', 'daily', 'weekly', 'monthly'] as const;
export type RefreshInterval = (typeof REFRESH_INTERVALS)[number];

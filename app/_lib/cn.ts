import { type ClassValue, clsx } from 'clsx';
import { twMerge } from 'tailwind-merge';

/** Joins class names and lets a later Tailwind class win over an earlier one (`cn('px-2', props.className)`). */
export const cn = (...inputs: ClassValue[]) => twMerge(clsx(inputs));

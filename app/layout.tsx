import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { Providers } from './_components/providers';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Archon', template: '%s · Archon' },
  description: 'Command center for AI coding assistants',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#fcfcfc' },
    { media: '(prefers-color-scheme: dark)', color: '#131316' },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // suppressHydrationWarning: next-themes sets the theme class on <html> before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-dvh">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}

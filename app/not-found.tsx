import Link from 'next/link';
import { Logo } from './_components/shell/logo';
import { Button } from './_components/ui/button';

export default function NotFound() {
  return (
    <main className="grid min-h-dvh place-items-center px-4">
      <div className="flex flex-col items-center text-center">
        <Logo className="mb-8" />
        <p className="font-mono text-sm text-muted-foreground">404</p>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">This page does not exist</h1>
        <p className="mt-2 text-base text-muted-foreground">Check the address, or start again from the dashboard.</p>
        <Button asChild variant="primary" className="mt-6">
          <Link href="/">Go to the dashboard</Link>
        </Button>
      </div>
    </main>
  );
}

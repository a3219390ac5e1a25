'use client';

import { Link2, Search } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Button } from '../../../_components/ui/button';
import { Input } from '../../../_components/ui/input';
import { Popover, PopoverContent, PopoverTrigger } from '../../../_components/ui/popover';
import { Spinner } from '../../../_components/ui/spinner';
import { describeError } from '../../../_lib/errors';

/** Search-as-you-type for something to link, in a popover: sources by title, code examples by search. */
export function LinkPicker<T extends { id: string | number }>({
  label,
  placeholder,
  useResults,
  render,
  onPick,
  linked,
  testId,
}: {
  label: string;
  placeholder: string;
  useResults: (query: string) => { data: T[] | undefined; isFetching: boolean; error: unknown };
  render: (item: T) => React.ReactNode;
  onPick: (item: T) => void;
  linked: (item: T) => boolean;
  testId: string;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(text.trim()), 200);
    return () => clearTimeout(t);
  }, [text]);
  const results = useResults(open ? query : '');
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button size="sm" variant="ghost" data-testid={testId}>
          <Link2 aria-hidden /> {label}
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-96 p-2">
        <div className="relative">
          <Search aria-hidden className="pointer-events-none absolute left-2.5 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
          <Input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={placeholder}
            aria-label={placeholder}
            className="pl-8"
            autoFocus
          />
        </div>
        <div className="mt-2 max-h-72 overflow-y-auto" aria-live="polite" data-testid={`${testId}-results`}>
          {results.error ? (
            <p className="px-2 py-1.5 text-sm text-destructive-text">{describeError(results.error).message}</p>
          ) : results.data === undefined ? (
            <p className="flex items-center gap-2 px-2 py-1.5 text-sm text-muted-foreground">
              {results.isFetching ? <Spinner /> : null} Type to search
            </p>
          ) : results.data.length === 0 ? (
            <p className="px-2 py-1.5 text-sm text-muted-foreground">Nothing found{query ? ` for “${query}”` : ''}.</p>
          ) : (
            <ul className="grid gap-0.5">
              {results.data.map((item) => (
                <li key={item.id}>
                  <button
                    type="button"
                    disabled={linked(item)}
                    onClick={() => {
                      onPick(item);
                      setOpen(false);
                      setText('');
                    }}
                    className="focus-ring w-full rounded-md px-2 py-1.5 text-left text-sm hover:bg-muted disabled:opacity-50"
                  >
                    {render(item)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      </PopoverContent>
    </Popover>
  );
}

'use client';

import { type InferDataFromTag, type QueryFilters, type QueryKey, type UseMutationOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { toastError } from './errors';

type Snapshot = [QueryKey, unknown][];

export type OptimisticOptions<TVariables, TData, TKey extends QueryKey> = {
  /**
   * The cached queries the change shows up in: `trpc.knowledge.sources.queryFilter()` (every input)
   * or `trpc.knowledge.source.queryFilter({ id })` (one). Typed by the filter, so `apply` sees the query's output type.
   */
  filter: QueryFilters<TKey> & { queryKey: TKey };
  /** The cache as it will be once the server agrees. Return it unchanged to leave an entry alone; never mutate it. */
  apply: (current: InferDataFromTag<unknown, TKey>, variables: TVariables) => InferDataFromTag<unknown, TKey>;
  /** Toasted on success; leave out for silent success (the change is already on screen). */
  success?: string | ((data: TData, variables: TVariables) => string);
  /** Toast title when the server refuses; the description is the friendly reason (errors.ts). */
  failure?: string | ((variables: TVariables) => string);
  /** Refetch the filtered queries once settled, so the cache ends as the server has it (default true). */
  refetch?: boolean;
};

/**
 * A mutation whose result is shown before the server answers, and taken back
 * with a toast if the server refuses (a conflict, a deleted row, a missing right):
 *
 *   const trpc = useTRPC();
 *   const rename = useOptimisticMutation(trpc.knowledge.updateSource.mutationOptions(), {
 *     filter: trpc.knowledge.sources.queryFilter(),
 *     apply: (page, input) => ({ ...page, items: page.items.map((s) => (s.id === input.id ? { ...s, ...input } : s)) }),
 *     failure: 'Could not rename the source',
 *   });
 *   rename.mutate({ id, title });
 *
 * Steps: cancel in-flight fetches of the filtered queries (so a late answer cannot
 * overwrite the optimistic state), snapshot them, apply, and on error put the
 * snapshot back; once settled, refetch to converge on the server's truth.
 */
export function useOptimisticMutation<TData, TError, TVariables, TKey extends QueryKey>(
  mutation: UseMutationOptions<TData, TError, TVariables>,
  opts: OptimisticOptions<TVariables, TData, TKey>,
) {
  const queryClient = useQueryClient();
  // The caller's own callbacks still run, after the optimistic bookkeeping; onMutate is this helper's.
  const { onMutate: _own, onError, onSuccess, onSettled, ...rest } = mutation;
  return useMutation<TData, TError, TVariables, { snapshot: Snapshot }>({
    ...rest,
    onMutate: async (variables) => {
      await queryClient.cancelQueries(opts.filter);
      const snapshot = queryClient.getQueriesData(opts.filter) as Snapshot;
      queryClient.setQueriesData(opts.filter, (current: unknown) =>
        current === undefined ? current : opts.apply(current as InferDataFromTag<unknown, TKey>, variables),
      );
      return { snapshot };
    },
    onError: async (err, variables, result, context) => {
      for (const [key, data] of result?.snapshot ?? []) queryClient.setQueryData(key, data);
      toastError(err, typeof opts.failure === 'function' ? opts.failure(variables) : opts.failure);
      await onError?.(err, variables, undefined, context);
    },
    onSuccess: async (data, variables, _result, context) => {
      if (opts.success) toast.success(typeof opts.success === 'function' ? opts.success(data, variables) : opts.success);
      await onSuccess?.(data, variables, undefined, context);
    },
    onSettled: async (data, error, variables, _result, context) => {
      if (opts.refetch !== false) await queryClient.invalidateQueries(opts.filter);
      await onSettled?.(data, error, variables, undefined, context);
    },
  });
}

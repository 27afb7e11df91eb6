/**
 * A console section's data: fetched when the section opens, fetched again on demand, with
 * its failure shown the same way in every section.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { errorText } from "../../api.js";

export interface SectionData<T> {
  data: T | null;
  error: string | null;
  reload: () => Promise<void>;
  /** Takes a fresher copy the caller already has (a PATCH's answer), without a call. */
  set: (value: T) => void;
}

export function useSectionData<T>(load: () => Promise<T>): SectionData<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The loader is fixed for the section's life; a new closure each render must not refetch.
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => void reload(), [reload]);
  return { data, error, reload, set: setData };
}

/** "Loading…" until the first answer, or the failure, announced. */
export function SectionState({ data, error }: Pick<SectionData<unknown>, "data" | "error">) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  return data === null ? <p class="muted">Loading…</p> : null;
}

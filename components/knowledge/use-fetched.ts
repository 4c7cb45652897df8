"use client";

import { useCallback, useEffect, useState } from "react";
import { fetchJson } from "./api";

/** GETs JSON from `url` (again whenever it changes; nothing while null). */
export function useFetched<T>(url: string | null): {
  data: T | null;
  error: string | null;
  reload: () => void;
} {
  const [result, setResult] = useState<{ url: string; data: T | null; error: string | null } | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!url) return;
    let current = true;
    fetchJson<T>(url).then(
      (data) => current && setResult({ url, data, error: null }),
      (error: Error) => current && setResult({ url, data: null, error: error.message }),
    );
    return () => {
      current = false;
    };
  }, [url, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  // A result for an earlier url is not shown as this one's.
  const fresh = result && result.url === url ? result : null;
  return { data: fresh?.data ?? null, error: fresh?.error ?? null, reload };
}

/** Exponential, with jitter so requests that failed together do not retry in lockstep. */
export function backoffMs(attempt: number, baseDelayMs: number): number {
  return baseDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
}

/** Waits, or stops waiting as soon as the signal aborts. */
export function sleep(
  ms: number,
  signal?: { aborted: boolean; addEventListener(type: 'abort', f: () => void): void },
): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

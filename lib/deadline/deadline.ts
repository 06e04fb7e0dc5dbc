/**
 * `work`'s outcome, or `onExpiry`'s once `ms` have passed: the value it returns, or the error it
 * throws. The one way the library bounds a wait by time (a health probe, a Kafka lag reading, an
 * ingest write, a publisher's preparation).
 *
 * JavaScript cannot cancel the work: it goes on, and a late failure of it is ignored (the race has
 * observed it, so it is never an unhandled rejection). A caller that must stop the work passes it
 * an AbortSignal or a socket timeout as well.
 */
export async function settleWithin<T>(work: Promise<T>, ms: number, onExpiry: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onExpiry());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }, Math.max(0, ms));
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

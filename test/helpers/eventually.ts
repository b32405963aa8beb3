/**
 * Retries an assertion until it passes or `timeoutMs` runs out, then throws its last failure.
 * For behaviour that happens asynchronously (events over pub/sub, timers); never for timings.
 */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

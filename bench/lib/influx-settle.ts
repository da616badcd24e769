// Memory figures of the influx benches (influx-memory, influx-transport): taken after full GCs.

/** Three full GCs with a pause after each (finalizers and freed ArrayBuffers settle); needs --expose-gc. */
export async function settle(pauseMs = 200): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

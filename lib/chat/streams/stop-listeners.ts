/** The stop-request listeners of one registry; a failing listener never keeps the others from their stop. */
export class StopListeners {
  private readonly listeners = new Set<(chatId: string, streamId: string) => void>();

  add(listener: (chatId: string, streamId: string) => void): () => void {
    // Wrapped: the same function may be added twice and removed once.
    const own = (chatId: string, streamId: string) => listener(chatId, streamId);
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  emit(chatId: string, streamId: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(chatId, streamId);
      } catch (error) {
        console.warn(`[parley] stop listener: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/**
 * Sentence-by-sentence synthesis: a few sentences are synthesized ahead
 * (TTS_CONCURRENCY) while earlier ones are sent, and they come out in order.
 * Each sentence is looked up in the cache first.
 */
import type { Trace } from "../telemetry/trace";
import { audioCache, cacheKey } from "./cache";
import type { SynthesizedAudio, Synthesizer } from "./types";

export interface Segment extends SynthesizedAudio {
  index: number;
  text: string;
  cached: boolean;
}

export async function* synthesizeSentences(
  engine: Synthesizer,
  sentences: string[],
  options: { userId: string; voice: string; speed: number; concurrency: number; signal?: AbortSignal; trace?: Trace },
): AsyncGenerator<Segment> {
  const cache = audioCache();
  const one = async (index: number): Promise<Segment> => {
    const text = sentences[index]!;
    const key = cacheKey({ userId: options.userId, provider: engine.provider, model: engine.model, voice: options.voice, speed: options.speed, text });
    const hit = await cache.get(key);
    if (hit) return { ...hit, index, text, cached: true };
    const end = options.trace?.start("synthesis");
    try {
      const made = await engine.synthesize(text, { voice: options.voice, speed: options.speed, signal: options.signal });
      await cache.set(key, made);
      return { ...made, index, text, cached: false };
    } finally {
      end?.();
    }
  };

  const tasks: Array<Promise<Segment>> = [];
  let launched = 0;
  try {
    for (let i = 0; i < sentences.length; i++) {
      while (launched < sentences.length && launched < i + options.concurrency) {
        const task = one(launched++);
        // Awaited in order below; until then a failure must not count as unhandled.
        task.catch(() => {});
        tasks.push(task);
      }
      options.signal?.throwIfAborted();
      yield await tasks[i]!;
    }
  } finally {
    launched = sentences.length; // stop launching if the consumer went away
  }
}

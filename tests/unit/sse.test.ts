import { afterEach, describe, expect, it, vi } from "vitest";
import { DeltaCoalescer, sseEvent } from "../../lib/http/sse";

afterEach(() => vi.useRealTimers());

describe("DeltaCoalescer", () => {
  it("sends the first delta at once and merges the following ones", () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const coalescer = new DeltaCoalescer((text) => sent.push(text), 20);
    coalescer.push("Hel");
    expect(sent).toEqual(["Hel"]);
    coalescer.push("lo");
    coalescer.push(" wor");
    coalescer.push("ld");
    expect(sent).toEqual(["Hel"]);
    vi.advanceTimersByTime(20);
    expect(sent).toEqual(["Hel", "lo world"]);
  });

  it("flush sends what is pending and loses nothing", () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const coalescer = new DeltaCoalescer((text) => sent.push(text), 1000);
    for (const piece of ["a", "b", "c", "d"]) coalescer.push(piece);
    coalescer.flush();
    expect(sent.join("")).toBe("abcd");
    vi.advanceTimersByTime(2000);
    expect(sent.join("")).toBe("abcd");
  });
});

describe("sseEvent", () => {
  it("numbers each event", () => {
    expect(new TextDecoder().decode(sseEvent(7, { a: 1 }))).toBe('id: 7\ndata: {"a":1}\n\n');
  });
});

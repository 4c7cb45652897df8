import { describe, expect, it } from "vitest";
import { HttpError } from "../../lib/http/errors";
import { checkText, fieldName, repairText, unsafeTextReason } from "../../lib/http/text-safety";

const LONE_HIGH = "\ud83d";
const LONE_LOW = "\ude00";

function refusal(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("text that cannot be stored", () => {
  it("finds NUL and lone surrogates, and lets real emoji and other scripts through", () => {
    expect(unsafeTextReason("a\u0000b")).toMatch(/NUL/);
    expect(unsafeTextReason(`broken ${LONE_HIGH} here`)).toMatch(/surrogate/);
    expect(unsafeTextReason(`${LONE_LOW}start`)).toMatch(/surrogate/);
    expect(unsafeTextReason("fine 😀 Ελληνικά 日本語 \t\n")).toBeNull();
  });

  it("repairs pasted text: NUL removed, lone surrogates replaced", () => {
    expect(repairText(`a\u0000b${LONE_HIGH}c 😀`)).toBe("ab\ufffdc 😀");
  });

  it("refuses with a 400 naming the field, deep inside arrays and objects", () => {
    const error = refusal(() => checkText({ messages: [{ content: "ok" }, { content: "x\u0000" }] }));
    expect(error.status).toBe(400);
    expect(error.message).toBe('The body field "messages[1].content" contains a NUL character (\\u0000).');
    expect(refusal(() => checkText({ ["na\u0000me"]: 1 })).message).toMatch(/field name/);
    expect(refusal(() => checkText("\u0000", [], "query")).message).toMatch(/^The query contains a NUL/);
  });

  it("repairs only the fields it is told to, with * for any key or index", () => {
    const body = { message: { parts: [{ text: `hi\u0000${LONE_HIGH}` }] }, id: "fine" };
    expect(checkText(body, ["message.parts.*.text"])).toEqual({ message: { parts: [{ text: "hi\ufffd" }] }, id: "fine" });
    expect(refusal(() => checkText({ id: "x\u0000", message: "ok" }, ["message"])).message).toMatch(/"id"/);
  });

  it("names fields the way a client writes them", () => {
    expect(fieldName(["messages", 0, "content", 2, "text"])).toBe("messages[0].content[2].text");
    expect(fieldName([])).toBe("(body)");
  });
});

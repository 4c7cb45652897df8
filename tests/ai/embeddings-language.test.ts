import { describe, expect, it } from "vitest";
import { detectLanguage, modelFor } from "../../lib/ai/embeddings/language";

describe("detectLanguage", () => {
  it("names the language of ordinary sentences", () => {
    expect(detectLanguage("Employees accrue vacation days monthly and may carry over up to five days.")).toBe("en");
    expect(detectLanguage("How do I reset my password?")).toBe("en");
    expect(detectLanguage("Wie viel Urlaub habe ich noch in diesem Jahr?")).toBe("de");
    expect(detectLanguage("Die Rechnung muss innerhalb von dreißig Tagen bezahlt werden.")).toBe("de");
    expect(detectLanguage("La facture doit être payée dans les trente jours.")).toBe("fr");
    expect(detectLanguage("Москва — столица России.")).toBe("ru");
  });

  it("is undefined for text too short to tell", () => {
    for (const text of ["", "ok", "Hello", "vacation", "12345 678", "  \n "]) expect(detectLanguage(text), text).toBeUndefined();
  });

  it("is not decided by one word tinyld ties to another language", () => {
    // Whole, tinyld calls these Czech: "jso" (from JSON) only occurs in its Czech profile.
    expect(detectLanguage("The server returns a JSON object with the results sorted by relevance score.")).toBe("en");
    expect(detectLanguage("Der Server liefert ein JSON-Objekt mit den nach Relevanz sortierten Ergebnissen.")).toBe("de");
  });

  it("reads long texts by sampling them", () => {
    const german = "Mitarbeiter erhalten monatlich Urlaubstage und können bis zu fünf Tage übertragen. ".repeat(400);
    const started = Date.now();
    expect(detectLanguage(german)).toBe("de");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("modelFor", () => {
  const both = { model: "BAAI/bge-large-en-v1.5", multilingualModel: "intfloat/multilingual-e5-large" };

  it("routes known non-English text to the multilingual model when one is set", () => {
    expect(modelFor("de", both)).toBe("intfloat/multilingual-e5-large");
    expect(modelFor(detectLanguage("Wo finde ich die Rechnung für den letzten Monat?"), both)).toBe(
      "intfloat/multilingual-e5-large",
    );
  });

  it("keeps English and unknown text on the default model", () => {
    expect(modelFor("en", both)).toBe("BAAI/bge-large-en-v1.5");
    expect(modelFor(undefined, both)).toBe("BAAI/bge-large-en-v1.5");
    expect(modelFor(detectLanguage("Where do I find last month's invoice?"), both)).toBe("BAAI/bge-large-en-v1.5");
  });

  it("uses the default model for everything without a multilingual one", () => {
    expect(modelFor("de", { model: "BAAI/bge-m3" })).toBe("BAAI/bge-m3");
  });

  it("reads the models from the settings by default", () => {
    const saved = { ...process.env };
    try {
      process.env.EMBEDDINGS_MODEL = "english-model";
      process.env.EMBEDDINGS_MULTILINGUAL_MODEL = "multi-model";
      expect(modelFor("de")).toBe("multi-model");
      expect(modelFor("en")).toBe("english-model");
      delete process.env.EMBEDDINGS_MULTILINGUAL_MODEL;
      expect(modelFor("de")).toBe("english-model");
    } finally {
      process.env = saved;
    }
  });
});

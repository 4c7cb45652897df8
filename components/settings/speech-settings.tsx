"use client";

import { useSyncExternalStore } from "react";
import { speechPlayer } from "@/components/speech/player";
import { saveSpeechPreferences, useAsrInfo, useSpeechPreferences, useTtsInfo } from "@/components/speech/preferences";
import { SettingsSection } from "./section";

const SAMPLE = "Hello! This is how Parley will read its answers to you.";

/** Voice, speed and "read answers aloud", kept in this browser (see components/speech/preferences.ts). */
export function SpeechSettings() {
  const tts = useTtsInfo();
  const asr = useAsrInfo();
  const preferences = useSpeechPreferences();
  const sampleState = useSyncExternalStore(
    (onChange) => speechPlayer().subscribe(onChange),
    () => (speechPlayer().owner === "settings-sample" ? speechPlayer().state : "idle"),
    () => "idle",
  );
  const options = { voice: preferences.voice || undefined, speed: preferences.speed, maxChars: tts?.maxChars ?? 10_000 };

  return (
    <SettingsSection id="speech" title="Speech" description="Kept in this browser: each device can have its own voice and speed.">
      {tts === null ? (
        <p className="text-sm text-zinc-500">Checking what this server can say…</p>
      ) : !tts.available ? (
        <p role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Reading answers aloud is not available: {tts.detail}
        </p>
      ) : (
        <div className="space-y-4">
          <label className="block text-sm">
            <span className="mb-1 block font-medium">Voice</span>
            {tts.voices ? (
              <select
                value={preferences.voice}
                onChange={(event) => saveSpeechPreferences({ voice: event.target.value })}
                className="w-full rounded-md border border-zinc-300 px-2 py-1.5"
              >
                <option value="">Server default ({tts.defaultVoice})</option>
                {tts.voices.map((voice) => (
                  <option key={voice} value={voice}>
                    {voice}
                  </option>
                ))}
              </select>
            ) : (
              <input
                value={preferences.voice}
                placeholder={`Server default (${tts.defaultVoice})`}
                onChange={(event) => saveSpeechPreferences({ voice: event.target.value.trim() })}
                className="w-full rounded-md border border-zinc-300 px-2 py-1.5"
              />
            )}
          </label>
          <label className="block text-sm">
            <span className="mb-1 block font-medium">Speed: {preferences.speed.toFixed(1)}×</span>
            <input
              type="range"
              min={0.5}
              max={2}
              step={0.1}
              value={preferences.speed}
              onChange={(event) => saveSpeechPreferences({ speed: Number(event.target.value) })}
              className="w-full"
            />
          </label>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={preferences.readAloud} onChange={(event) => saveSpeechPreferences({ readAloud: event.target.checked })} />
            <span>Read answers aloud as they arrive</span>
          </label>
          <div className="flex items-center gap-3">
            <button
              type="button"
              onClick={() => (sampleState === "idle" ? speechPlayer().speak("settings-sample", SAMPLE, options) : speechPlayer().stop())}
              className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm hover:bg-zinc-50"
            >
              {sampleState === "idle" ? "Try this voice" : sampleState === "loading" ? "Loading… (stop)" : "Stop"}
            </button>
            <span className="text-xs text-zinc-500">{tts.detail}</span>
          </div>
        </div>
      )}
      {asr && (
        <p className="text-sm text-zinc-600">
          Voice input:{" "}
          {asr.available ? (asr.lowAccuracy ? `available, low accuracy. ${asr.detail}` : `available. ${asr.detail}`) : `not available. ${asr.detail}`}
        </p>
      )}
    </SettingsSection>
  );
}

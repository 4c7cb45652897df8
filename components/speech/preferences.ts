"use client";

import { useEffect, useState, useSyncExternalStore } from "react";

/**
 * Speech preferences, kept in this browser's localStorage: a voice and a
 * speed suit a device (headphones on the laptop, loud on the phone) more
 * than an account, they need no round trip before the first word, and
 * nothing about them is private. Changes apply to open tabs at once.
 */
export interface SpeechPreferences {
  /** Empty: the server's default voice. */
  voice: string;
  speed: number;
  /** Speak each answer while it streams. */
  readAloud: boolean;
}

const KEY = "parley.speech";
const DEFAULTS: SpeechPreferences = { voice: "", speed: 1, readAloud: false };
const CHANGED = "parley:speech-preferences";

let cached: { raw: string | null; value: SpeechPreferences } | null = null;

function read(): SpeechPreferences {
  const raw = typeof localStorage === "undefined" ? null : localStorage.getItem(KEY);
  if (cached?.raw === raw) return cached.value;
  let value = DEFAULTS;
  try {
    const parsed = raw ? (JSON.parse(raw) as Partial<SpeechPreferences>) : {};
    value = {
      voice: typeof parsed.voice === "string" ? parsed.voice : "",
      speed: typeof parsed.speed === "number" && parsed.speed >= 0.5 && parsed.speed <= 2 ? parsed.speed : 1,
      readAloud: parsed.readAloud === true,
    };
  } catch {
    // a damaged entry: defaults
  }
  cached = { raw, value };
  return value;
}

export function saveSpeechPreferences(change: Partial<SpeechPreferences>) {
  localStorage.setItem(KEY, JSON.stringify({ ...read(), ...change }));
  window.dispatchEvent(new Event(CHANGED));
}

function subscribe(onChange: () => void) {
  window.addEventListener(CHANGED, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener("storage", onChange);
  };
}

export function useSpeechPreferences(): SpeechPreferences {
  return useSyncExternalStore(subscribe, read, () => DEFAULTS);
}

export interface TtsInfo {
  available: boolean;
  provider: string;
  detail: string;
  defaultVoice: string | null;
  voices: string[] | null;
  maxChars: number;
}

export interface AsrInfo {
  available: boolean;
  provider: string;
  lowAccuracy: boolean;
  detail: string;
  maxBytes: number;
  maxSeconds: number;
}

const infos = new Map<string, Promise<unknown>>();

/** GET /api/tts or /api/transcribe, once per page load (null while loading or when it fails). */
function useInfo<T>(path: string): T | null {
  const [info, setInfo] = useState<T | null>(null);
  useEffect(() => {
    let live = true;
    if (!infos.has(path)) {
      infos.set(
        path,
        fetch(path, { cache: "no-store" }).then((r) => (r.ok ? r.json() : null)).catch(() => null),
      );
    }
    void infos.get(path)!.then((value) => live && setInfo(value as T | null));
    return () => {
      live = false;
    };
  }, [path]);
  return info;
}

export const useTtsInfo = () => useInfo<TtsInfo>("/api/tts");
export const useAsrInfo = () => useInfo<AsrInfo>("/api/transcribe");

/**
 * Just enough RIFF/WAVE to check, convert and join PCM audio: the embedded
 * engines speak and hear WAV, and sentences synthesized one by one are joined
 * into one file for callers that want a single answer.
 */
export interface Pcm {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 1: integer PCM; 3: IEEE float. */
  format: 1 | 3;
  /** The data chunk's bytes (interleaved samples). */
  data: Uint8Array;
}

export class WavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WavError";
  }
}

const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WAVE";
}

/**
 * Reads a WAV file. Streamed WAVs (espeak-ng --stdout) carry 0xFFFFFFFF or 0
 * as sizes: the data then runs to the end of the file.
 */
export function parseWav(bytes: Uint8Array): Pcm {
  if (!isWav(bytes)) throw new WavError("not a RIFF/WAVE file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let fmt: Omit<Pcm, "data"> | undefined;
  while (at + 8 <= bytes.length) {
    const id = ascii(bytes, at, 4);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      if (size < 16) throw new WavError("the fmt chunk is too short");
      let format = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && size >= 40) format = view.getUint16(body + 24, true);
      if (format !== 1 && format !== 3) throw new WavError(`WAV format ${format} is not PCM`);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
      if (fmt.channels < 1 || fmt.sampleRate < 1) throw new WavError("the WAV header has no channels or no sample rate");
      if (![8, 16, 24, 32].includes(fmt.bitsPerSample) || (format === 3 && fmt.bitsPerSample !== 32)) {
        throw new WavError(`${fmt.bitsPerSample}-bit ${format === 3 ? "float" : "integer"} samples are not supported`);
      }
    } else if (id === "data") {
      if (!fmt) throw new WavError("the data chunk comes before the fmt chunk");
      const streamed = size === 0xffffffff || size === 0 || body + size > bytes.length;
      const end = streamed ? bytes.length : body + size;
      const frame = (fmt.bitsPerSample / 8) * fmt.channels;
      return { ...fmt, data: bytes.subarray(body, body + Math.floor((end - body) / frame) * frame) };
    }
    at = body + size + (size % 2);
  }
  throw new WavError(fmt ? "the WAV file has no data chunk" : "the WAV file has no fmt chunk");
}

export function durationSeconds(pcm: Pcm): number {
  return pcm.data.length / ((pcm.bitsPerSample / 8) * pcm.channels) / pcm.sampleRate;
}

/** A 44-byte-header WAV file around `pcm`'s data. */
export function encodeWav(pcm: Pcm): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(44 + pcm.data.length);
  const view = new DataView(out.buffer);
  const write = (at: number, text: string) => [...text].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  const blockAlign = (pcm.bitsPerSample / 8) * pcm.channels;
  write(0, "RIFF");
  view.setUint32(4, 36 + pcm.data.length, true);
  write(8, "WAVE");
  write(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, pcm.format, true);
  view.setUint16(22, pcm.channels, true);
  view.setUint32(24, pcm.sampleRate, true);
  view.setUint32(28, pcm.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, pcm.bitsPerSample, true);
  write(36, "data");
  view.setUint32(40, pcm.data.length, true);
  out.set(pcm.data, 44);
  return out;
}

/** Samples as floats in -1..1, channels mixed down to mono. */
export function toMonoFloat(pcm: Pcm): Float32Array {
  const view = new DataView(pcm.data.buffer, pcm.data.byteOffset, pcm.data.byteLength);
  const bytes = pcm.bitsPerSample / 8;
  const frames = pcm.data.length / (bytes * pcm.channels);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < pcm.channels; c++) {
      const at = (i * pcm.channels + c) * bytes;
      if (pcm.format === 3) sum += view.getFloat32(at, true);
      else if (bytes === 1) sum += (view.getUint8(at) - 128) / 128;
      else if (bytes === 2) sum += view.getInt16(at, true) / 32768;
      else if (bytes === 3) sum += ((view.getInt8(at + 2) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at)) / 8388608;
      else sum += view.getInt32(at, true) / 2147483648;
    }
    out[i] = sum / pcm.channels;
  }
  return out;
}

/** Linear-interpolation resampling (speech recognizers want 16 kHz; speech has little above 8 kHz anyway). */
export function resample(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples;
  const length = Math.max(1, Math.round((samples.length * to) / from));
  const out = new Float32Array(length);
  const step = from / to;
  for (let i = 0; i < length; i++) {
    const x = i * step;
    const left = Math.floor(x);
    const right = Math.min(left + 1, samples.length - 1);
    const t = x - left;
    out[i] = (samples[Math.min(left, samples.length - 1)] ?? 0) * (1 - t) + (samples[right] ?? 0) * t;
  }
  return out;
}

/** 16-bit mono PCM at `sampleRate` from float samples. */
export function pcm16(samples: Float32Array, sampleRate: number): Pcm {
  const data = new Uint8Array(samples.length * 2);
  const view = new DataView(data.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    view.setInt16(i * 2, s < 0 ? s * 32768 : s * 32767, true);
  }
  return { sampleRate, channels: 1, bitsPerSample: 16, format: 1, data };
}

/** Joins WAV files of one format into one (sentences of one voice). */
export function concatWav(files: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const parts = files.map(parseWav);
  const first = parts[0];
  if (!first) throw new WavError("nothing to join");
  for (const part of parts) {
    if (part.sampleRate !== first.sampleRate || part.channels !== first.channels || part.bitsPerSample !== first.bitsPerSample || part.format !== first.format) {
      throw new WavError("the sentences came back in different audio formats");
    }
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const part of parts) {
    data.set(part.data, at);
    at += part.data.length;
  }
  return encodeWav({ ...first, data });
}

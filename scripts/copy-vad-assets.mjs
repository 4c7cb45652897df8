// Copies what the browser's Silero voice activity detector loads at run time
// (model weights, AudioWorklet, onnxruntime-web's WASM) from node_modules into
// public/vad/, so Parley serves them itself: no CDN, works offline.
// Runs from `postinstall` and `build`; the copies are git-ignored.
import fs from "node:fs";
import path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const target = path.join(root, "public", "vad");
const files = {
  "node_modules/@ricky0123/vad-web/dist": ["silero_vad_v5.onnx", "vad.worklet.bundle.min.js"],
  "node_modules/onnxruntime-web/dist": ["ort-wasm-simd-threaded.wasm", "ort-wasm-simd-threaded.mjs"],
};

fs.mkdirSync(target, { recursive: true });
for (const [folder, names] of Object.entries(files)) {
  for (const name of names) fs.copyFileSync(path.join(root, folder, name), path.join(target, name));
}
console.log(`voice activity detector assets copied to ${path.relative(root, target)}/`);

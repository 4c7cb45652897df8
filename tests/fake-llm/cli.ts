import { startFakeLlm } from "./server";

// `npm run fake-llm -- --port 4010 --tps 50 --ttft 100`: the fake model server on its own.
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const fake = await startFakeLlm({
  port: flag("port") ?? 4010,
  defaults: { tokensPerSec: flag("tps") ?? 0, ttftMs: flag("ttft") ?? 0 },
});
console.log(`fake model server on ${fake.url}`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

import fs from "node:fs";
import path from "node:path";

export class DatabaseInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database in ${dir} is in use by process ${pid} (is Parley running?). ` +
        "PGlite allows one process per data folder: stop that process first, or use PostgreSQL (DATABASE_URL).",
    );
    this.name = "DatabaseInUseError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims the embedded database folder for this process. A second process
 * opening the same folder would silently work on a diverging copy, so it is
 * refused with a clear error. Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, "pglite.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      const release = () => {
        try {
          if (fs.readFileSync(file, "utf8") === String(process.pid)) fs.unlinkSync(file);
        } catch {
          // Already gone.
        }
      };
      process.once("exit", release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(file, "utf8"));
      if (owner === process.pid) return () => {};
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) throw new DatabaseInUseError(dataDir, owner);
      fs.unlinkSync(file); // Left behind by a process that died.
    }
  }
  throw new Error(`Could not lock ${dataDir}`);
}

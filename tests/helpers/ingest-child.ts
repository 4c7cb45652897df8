/**
 * A Parley process for the restart test: uploads a long PDF, starts the
 * ingestion worker, prints each status the document reaches, and runs until
 * it is killed (kill -9, mid-ingestion). Takes DATABASE_URL or DATA_DIR from
 * the environment.
 */
import { createUser } from "../../lib/auth/users";
import { uploadDocuments } from "../../lib/rag/documents";
import { documentEvents } from "../../lib/rag/events";
import { startIngestWorker } from "../../lib/rag/ingest/queue";
import { makeLongPdf } from "./documents";

documentEvents().subscribe((event) => {
  if (event.type === "document") console.log(`STATUS ${event.document.status}`);
});
const user = await createUser({ email: `restart-${Date.now()}@example.com`, password: "correct horse battery" });
const { accepted } = await uploadDocuments(user, [{ name: "long.pdf", bytes: makeLongPdf(Number(process.env.PAGES ?? 300)) }]);
console.log(`UPLOADED ${user.id} ${accepted[0]!.id}`);
await startIngestWorker();
setInterval(() => {}, 1_000);

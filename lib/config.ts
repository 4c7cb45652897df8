import path from "node:path";

/**
 * Every setting Parley reads from the environment, in one place. Values are read
 * on each call (cheap) so tests and the CLI can set the environment late.
 */
function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  }
  return Math.floor(value);
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

function str(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === "" ? undefined : raw.trim();
}

export const DEFAULT_MODEL_URL =
  "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf";

export const DEFAULT_EMBEDDING_MODEL_URL =
  "https://huggingface.co/CompendiumLabs/bge-small-en-v1.5-gguf/resolve/main/bge-small-en-v1.5-q8_0.gguf";

export const config = {
  get dataDir() {
    // Read at run time from the environment: not a build input.
    return path.resolve(/*turbopackIgnore: true*/ str("DATA_DIR") ?? ".data");
  },
  get databaseUrl() {
    return str("DATABASE_URL");
  },
  /**
   * The embedded database's buffer cache (PostgreSQL's shared_buffers), held in
   * memory from start. 256MB keeps a 100k-chunk knowledge base's search pages
   * cached (bench:retrieval); "128MB" (PostgreSQL's default) saves ~150 MB.
   */
  get embeddedSharedBuffers() {
    const value = str("EMBEDDED_DB_SHARED_BUFFERS") ?? "256MB";
    if (!/^[1-9]\d*(kB|MB|GB)$/.test(value)) {
      throw new Error(`EMBEDDED_DB_SHARED_BUFFERS must be a size such as 128MB or 1GB, not "${value}".`);
    }
    return value;
  },
  llm: {
    get baseUrl() {
      return str("LLM_BASE_URL");
    },
    get model() {
      return str("LLM_MODEL") ?? "default";
    },
    get apiKey() {
      return str("LLM_API_KEY");
    },
    get modelPath() {
      return str("LLM_MODEL_PATH");
    },
    get modelUrl() {
      return str("LLM_MODEL_URL") ?? DEFAULT_MODEL_URL;
    },
    /** Set to "0" to never download a model (air-gapped installs). */
    get downloadEnabled() {
      return str("LLM_DOWNLOAD") !== "0";
    },
    get firstTokenTimeoutMs() {
      return int("LLM_FIRST_TOKEN_TIMEOUT_MS", 60_000);
    },
    get idleTimeoutMs() {
      return int("LLM_IDLE_TIMEOUT_MS", 30_000);
    },
  },
  chat: {
    get systemPrompt() {
      return (
        str("SYSTEM_PROMPT") ??
        "You are Parley, a helpful assistant. Answer clearly and concisely, using Markdown where it helps."
      );
    },
    /** Tokens of conversation history (system prompt and summary included) sent to the model. */
    get contextTokens() {
      return int("CONTEXT_TOKEN_BUDGET", 6_000);
    },
    get maxMessageChars() {
      return int("MAX_MESSAGE_CHARS", 32_000);
    },
    get historyPageSize() {
      return int("HISTORY_PAGE_SIZE", 50);
    },
    /** How long a finished answer's event stream stays replayable (a reload, a late tab) before it is forgotten. */
    get streamRetentionMs() {
      return int("STREAM_RETENTION_SECONDS", 600) * 1000;
    },
    /** How often a streaming answer's text so far is written to the database: what a crash can lose at most. */
    get checkpointMs() {
      return Math.max(100, int("ANSWER_CHECKPOINT_MS", 1_000));
    },
    /**
     * How long a generating process's hold on its answer lasts without renewal
     * (renewed at every checkpoint). After a crash, its answers are marked
     * interrupted once this has passed.
     */
    get leaseMs() {
      return Math.max(1_000, int("ANSWER_LEASE_MS", 10_000));
    },
    /**
     * On SIGTERM/SIGINT, how long running answers may go on before they are
     * stored as interrupted and the process exits (lib/shutdown.ts).
     */
    get drainTimeoutMs() {
      return int("SHUTDOWN_DRAIN_SECONDS", 20) * 1000;
    },
    /** An SSE comment this often on every open answer stream, so proxies keep idle ones open. */
    get heartbeatMs() {
      return Math.max(1_000, int("STREAM_HEARTBEAT_MS", 15_000));
    },
    /**
     * Hosts whose images answers show inline (also the CSP's img-src). An image
     * from anywhere else is fetched only when the user clicks it, so an answer
     * steered by an injected document cannot leak chat text in an image URL.
     * Entries: `host` (any port) or `host:port`, lowercased.
     */
    get markdownImageHosts(): string[] {
      const entries = (str("MARKDOWN_IMAGE_HOSTS") ?? "").split(",").map((entry) => entry.trim().toLowerCase());
      return entries.filter(Boolean).map((entry) => {
        if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/.test(entry)) {
          throw new Error(
            `MARKDOWN_IMAGE_HOSTS lists host names such as images.example.com or cdn.example.org:8443 (no scheme, path or wildcard), not "${entry}".`,
          );
        }
        return entry;
      });
    },
  },
  auth: {
    get secret() {
      return str("AUTH_SECRET");
    },
    /** "0" closes sign-up to the public once an admin exists (operators create users with the CLI). */
    get openSignUp() {
      return str("OPEN_SIGNUP") !== "0";
    },
    /**
     * Parley's public address (https://chat.example.com) when a proxy in front
     * of it rewrites Host: state-changing requests from pages at this origin
     * pass the cross-site request check as well as those from Host itself.
     */
    get url() {
      return str("AUTH_URL");
    },
  },
  get redisUrl() {
    return str("REDIS_URL");
  },
  embeddings: {
    /** OpenAI-compatible server with /embeddings (e.g. vLLM or TEI on the GPU node). */
    get baseUrl() {
      return str("EMBEDDINGS_BASE_URL");
    },
    get apiKey() {
      return str("EMBEDDINGS_API_KEY");
    },
    get model() {
      return str("EMBEDDINGS_MODEL") ?? "BAAI/bge-large-en-v1.5";
    },
    /** Used for text detected as not English; unset embeds everything with `model`. */
    get multilingualModel() {
      return str("EMBEDDINGS_MULTILINGUAL_MODEL");
    },
    /** A local GGUF embedding model for the embedded provider. */
    get modelPath() {
      return str("EMBEDDINGS_MODEL_PATH");
    },
    get modelUrl() {
      return str("EMBEDDINGS_MODEL_URL") ?? DEFAULT_EMBEDDING_MODEL_URL;
    },
    /** "0": never download an embedding model; retrieval is then lexical only. */
    get downloadEnabled() {
      return str("EMBEDDINGS_DOWNLOAD") !== "0";
    },
    get batchSize() {
      return Math.max(1, int("EMBEDDINGS_BATCH_SIZE", 32));
    },
  },
  rerank: {
    /** Cohere/Jina-style /rerank endpoint (vLLM or TEI serving bge-reranker-large). */
    get baseUrl() {
      return str("RERANK_BASE_URL");
    },
    get apiKey() {
      return str("RERANK_API_KEY");
    },
    get model() {
      return str("RERANK_MODEL") ?? "BAAI/bge-reranker-large";
    },
    /** A local GGUF ranking model (node-llama-cpp), used when no endpoint is set. */
    get modelPath() {
      return str("RERANK_MODEL_PATH");
    },
  },
  speech: {
    /** OpenAI-compatible /v1/audio/speech server (Kokoro, MeloTTS); unset: espeak-ng on this machine. */
    get ttsBaseUrl() {
      return str("TTS_BASE_URL");
    },
    get ttsApiKey() {
      return str("TTS_API_KEY");
    },
    get ttsModel() {
      return str("TTS_MODEL") ?? "kokoro";
    },
    /** Default voice: the server's voice name, or an espeak-ng language code. */
    get ttsVoice() {
      return str("TTS_VOICE");
    },
    /** Comma-separated voices offered in settings for a remote server (it cannot list them). */
    get ttsVoices() {
      return str("TTS_VOICES")?.split(",").map((v) => v.trim()).filter(Boolean);
    },
    /** Audio format asked of the remote server: wav (exact sentence joins), mp3, opus or flac. */
    get ttsFormat() {
      return str("TTS_FORMAT") ?? "wav";
    },
    /** "0": no embedded Festival/espeak-ng fallback (speaker buttons hidden without TTS_BASE_URL). */
    get ttsEmbedded() {
      return str("TTS_EMBEDDED") !== "0";
    },
    get espeakPath() {
      return str("ESPEAK_PATH") ?? "espeak-ng";
    },
    /** Festival's text2wave (the natural embedded English voice). */
    get festivalPath() {
      return str("FESTIVAL_PATH") ?? "text2wave";
    },
    get ttsMaxChars() {
      return Math.max(1, int("TTS_MAX_CHARS", 10_000));
    },
    /** Sentences synthesized at once ahead of playback. */
    get ttsConcurrency() {
      return Math.max(1, int("TTS_CONCURRENCY", 2));
    },
    get cacheBytes() {
      return int("TTS_CACHE_MB", 64) * 1024 * 1024;
    },
    /** OpenAI-compatible /v1/audio/transcriptions server (Whisper under vLLM); unset: pocketsphinx. */
    get asrBaseUrl() {
      return str("ASR_BASE_URL");
    },
    get asrApiKey() {
      return str("ASR_API_KEY");
    },
    get asrModel() {
      return str("ASR_MODEL") ?? "whisper-1";
    },
    /** "0": no embedded pocketsphinx fallback (microphone hidden without ASR_BASE_URL). */
    get asrEmbedded() {
      return str("ASR_EMBEDDED") !== "0";
    },
    get pocketsphinxPath() {
      return str("POCKETSPHINX_PATH") ?? "pocketsphinx_continuous";
    },
    get asrMaxBytes() {
      return int("ASR_MAX_BYTES", 25 * 1024 * 1024);
    },
    get asrMaxSeconds() {
      return Math.max(1, int("ASR_MAX_SECONDS", 120));
    },
  },
  vectors: {
    get qdrantUrl() {
      return str("QDRANT_URL");
    },
    get qdrantApiKey() {
      return str("QDRANT_API_KEY");
    },
  },
  retrieval: {
    /** "always": search before every turn; "tool": the model calls search_knowledge_base when it wants. */
    get mode(): "always" | "tool" {
      return str("RAG_MODE") === "tool" ? "tool" : "always";
    },
    get topK() {
      return Math.max(1, int("RAG_TOP_K", 5));
    },
    /** Candidates taken from each of dense and lexical search before fusion and rerank. */
    get candidates() {
      return Math.max(1, int("RAG_CANDIDATES", 20));
    },
    /** Relevance floor for reranker scores (0..1). */
    get minRerankScore() {
      return num("RAG_MIN_RERANK_SCORE", 0.1);
    },
    /** Relevance floor for cosine similarity when no reranker is configured. */
    get minSimilarity() {
      return num("RAG_MIN_SIMILARITY", 0.6);
    },
    /** Relevance floor for lexical matches: share of the question's terms a passage must contain. */
    get minTermCoverage() {
      return num("RAG_MIN_TERM_COVERAGE", 0.5);
    },
  },
  knowledge: {
    get maxFileBytes() {
      return int("KB_MAX_FILE_BYTES", 50 * 1024 * 1024);
    },
    get maxUserBytes() {
      return int("KB_MAX_USER_BYTES", 1024 * 1024 * 1024);
    },
    get maxFilesPerUpload() {
      return Math.max(1, int("KB_MAX_FILES_PER_UPLOAD", 20));
    },
    /** Limits checked on a DOCX (a zip) before anything is decompressed. */
    get docxMaxUncompressedBytes() {
      return int("KB_DOCX_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024);
    },
    get docxMaxEntries() {
      return int("KB_DOCX_MAX_ENTRIES", 5_000);
    },
    /**
     * Documents are read in a worker thread; one that takes longer or needs
     * more heap than this is stopped, fails with the reason, and the thread is replaced.
     */
    get extractTimeoutMs() {
      return Math.max(1, int("KB_EXTRACT_TIMEOUT_SECONDS", 120)) * 1000;
    },
    get extractMaxMemoryMb() {
      return Math.max(64, int("KB_EXTRACT_MAX_MEMORY_MB", 512));
    },
    /** PDF limits, checked before pdfjs reads a page: page count, and bytes streams expand to (per page, per document). */
    get pdfMaxPages() {
      return Math.max(1, int("KB_PDF_MAX_PAGES", 2_000));
    },
    get pdfMaxPageBytes() {
      return Math.max(1, int("KB_PDF_MAX_PAGE_MB", 32)) * 1024 * 1024;
    },
    get pdfMaxTotalBytes() {
      return Math.max(1, int("KB_PDF_MAX_TOTAL_MB", 256)) * 1024 * 1024;
    },
    /** A job whose worker sent no heartbeat for this long is retried (a crashed or restarted process). */
    get jobHeartbeatSeconds() {
      return Math.max(10, int("KB_JOB_HEARTBEAT_SECONDS", 30));
    },
    get ingestConcurrency() {
      return Math.max(1, int("KB_INGEST_CONCURRENCY", 2));
    },
    get chunkTokens() {
      return Math.max(32, int("CHUNK_TOKENS", 300));
    },
    get chunkOverlapTokens() {
      return int("CHUNK_OVERLAP_TOKENS", 50);
    },
  },
  telemetry: {
    /** Request traces, browser timings and rollups older than this are deleted; 0 keeps them forever. */
    get traceRetentionDays() {
      return int("TRACE_RETENTION_DAYS", 30);
    },
    /**
     * OTLP/HTTP trace export is on when either endpoint is set; the exporter itself
     * reads the rest of the standard OTEL_EXPORTER_OTLP_* variables (headers, timeout, compression).
     */
    get otlpEnabled() {
      return (
        str("OTEL_SDK_DISABLED")?.toLowerCase() !== "true" &&
        (str("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? str("OTEL_EXPORTER_OTLP_ENDPOINT")) !== undefined
      );
    },
    get serviceName() {
      return str("OTEL_SERVICE_NAME") ?? "parley";
    },
  },
};

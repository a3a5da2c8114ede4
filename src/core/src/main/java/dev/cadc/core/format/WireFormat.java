package dev.cadc.core.format;

/**
 * The names of the wire contract: topics, Kafka header names and values, Arrow schema metadata keys
 * and the schema version. {@code schemas/README.md} documents each; the Kafka code uses these
 * constants rather than literals so the two cannot drift.
 */
public final class WireFormat {

    /**
     * The schema version of sketch batches, run-start and checkpoint-complete records, curricula and
     * capabilities: unchanged since version 1.
     */
    public static final int SCHEMA_VERSION = 1;
    /** {@link #SCHEMA_VERSION} as it appears in headers and metadata. */
    public static final String SCHEMA_VERSION_TEXT = Integer.toString(SCHEMA_VERSION);
    /**
     * Version 2 added the run-end control record (and the spread rule); run-end records carry it, so
     * that version-1 readers reject them rather than misread them.
     */
    public static final int RUN_END_SCHEMA_VERSION = 2;
    /** {@link #RUN_END_SCHEMA_VERSION} as it appears in headers. */
    public static final String RUN_END_SCHEMA_VERSION_TEXT = Integer.toString(RUN_END_SCHEMA_VERSION);
    /** The newest version this build reads; it reads every version from 1 to this one. */
    public static final int NEWEST_READABLE_VERSION = RUN_END_SCHEMA_VERSION;

    // ---- topics ----
    /** Sketch batches and the control records of every run; key = run id. */
    public static final String TOPIC_SKETCHES = "cadc.sketches";
    /** The latest curriculum of each run (compacted); key = run id. */
    public static final String TOPIC_CURRICULUM = "cadc.curriculum";
    /** The latest capability summaries of each run (compacted); key = run id. */
    public static final String TOPIC_CAPABILITIES = "cadc.capabilities";
    /** Rejected records with their reason; key and value as received. */
    public static final String TOPIC_DEAD_LETTER = "cadc.dead-letter";

    // ---- headers ----
    /** Header on every record of every topic: the schema version, decimal UTF-8. */
    public static final String HEADER_SCHEMA_VERSION = "cadc-schema-version";
    /** Header naming the value's encoding: {@link #CONTENT_TYPE_ARROW} or {@link #CONTENT_TYPE_JSON}. */
    public static final String HEADER_CONTENT_TYPE = "content-type";
    /** Header of control records: {@link #RECORD_TYPE_RUN_START}, {@link #RECORD_TYPE_CHECKPOINT_COMPLETE} or {@link #RECORD_TYPE_RUN_END}. */
    public static final String HEADER_RECORD_TYPE = "cadc-record-type";

    /** Content type of Arrow IPC stream values (sketches, curricula, capabilities). */
    public static final String CONTENT_TYPE_ARROW = "application/vnd.apache.arrow.stream";
    /** Content type of control records. */
    public static final String CONTENT_TYPE_JSON = "application/json";

    /** Record type of the control record that opens a run. */
    public static final String RECORD_TYPE_RUN_START = "run-start";
    /** Record type of the control record that closes a checkpoint. */
    public static final String RECORD_TYPE_CHECKPOINT_COMPLETE = "checkpoint-complete";
    /** Record type of the control record that ends a run (schema version 2). */
    public static final String RECORD_TYPE_RUN_END = "run-end";

    // ---- Arrow schema metadata keys ----
    /** Schema version, in every Arrow value. */
    public static final String META_SCHEMA_VERSION = "cadc.schema.version";
    /** Sketch dimension k, decimal; equals the {@code sketch} fixed-size-list width. */
    public static final String META_SKETCH_DIM = "cadc.sketch.dim";
    /** Projection seed, signed 64-bit decimal. */
    public static final String META_PROJECTION_SEED = "cadc.projection.seed";
    /** Projection kind wire name ({@code dense} or {@code kronecker}). */
    public static final String META_PROJECTION_KIND = "cadc.projection.kind";
    /** Curriculum version j: reflects exactly checkpoints 0..j. */
    public static final String META_CURRICULUM_VERSION = "cadc.curriculum.version";
    /** Capability-set version. */
    public static final String META_CAPABILITIES_VERSION = "cadc.capabilities.version";
    /** The newest checkpoint the value reflects. */
    public static final String META_CHECKPOINT = "cadc.checkpoint";
    /** The resolved budget B, a sample count. */
    public static final String META_BUDGET = "cadc.budget";
    /** |D|: distinct sample ids of the run's influence source. */
    public static final String META_POOL_SIZE = "cadc.pool.size";
    /** Samples found harmful (net negative strongest interactions), never selected. */
    public static final String META_HARMFUL_COUNT = "cadc.harmful.count";
    /** Budget slots left unfilled for lack of positive candidates. */
    public static final String META_SHORTFALL = "cadc.shortfall";
    /**
     * The curation parameters that produced a curriculum version: a JSON object of parameter name to
     * value text ({@code dev.cadc.core.curriculum.CurationParameters}). Added without a version bump
     * (a new metadata key); readers do not require it ({@code {}} or absent: unknown).
     */
    public static final String META_CURATION_PARAMETERS = "cadc.curation.parameters";

    private WireFormat() {}
}

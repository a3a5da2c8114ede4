package dev.cadc.core.format;

/**
 * Why a record was rejected. The name is the wire value of the dead-letter header
 * {@code cadc-dlq-reason}, and the label of the per-reason dead-letter metric.
 */
public enum ReasonCode {
    /** The bytes are not a complete Arrow IPC stream (cut short, or not Arrow at all). */
    MALFORMED_IPC,
    /** The record is larger than the configured maximum. */
    OVERSIZED,
    /** The schema lacks a required column or metadata key. */
    MISSING_COLUMN,
    /** A column has another Arrow type than the schema file defines. */
    WRONG_TYPE,
    /** The sketch width differs from {@code cadc.sketch.dim}, or from the run's dimension. */
    WRONG_DIMENSION,
    /** A sketch, learning rate or loss holds NaN or an infinity. */
    NON_FINITE,
    /** A role outside 0..2. */
    UNKNOWN_ROLE,
    /** A schema version this build does not read. */
    UNSUPPORTED_VERSION,
    /** A required value is null (or, for a run id inside a value, empty). */
    NULL_VALUE,
    /** Rows of one record name different runs, or a run other than the record key. */
    RUN_MISMATCH,
    /** The record carries another projection seed or kind than its run's run-start record. */
    PROJECTION_MISMATCH,
    /** A sketch of a run whose run-start record was never seen. */
    NO_RUN_START,
    /** A control record whose JSON is malformed or lacks a field. */
    BAD_CONTROL_RECORD,
    /** A record with an unknown {@code cadc-record-type} or {@code content-type} header. */
    UNKNOWN_RECORD_TYPE,
    /**
     * A value that is present and of the right type but outside its valid range or unreadable: a
     * negative step, a POOL or PROBE row before checkpoint 0, a metadata number that does not parse,
     * an unknown projection kind in metadata, curriculum rows out of order or repeating a sample.
     */
    INVALID_VALUE,
    /** A record of a run the job has released: after its run-end record, or after it was idle longer than the run TTL. */
    RUN_ENDED,
    /**
     * A run-start of a run already started whose {@code layers} list differs (names or shapes, in order)
     * from the one an earlier run-start of the run gave: two producers of one run sketch different
     * models. A run-start without {@code layers} never mismatches.
     */
    LAYER_MISMATCH,
    /**
     * The record key, which is the run id, is absent, empty, longer than {@link RunIds#MAX_BYTES} bytes
     * or holds a character outside {@link RunIds#ALLOWED}.
     */
    INVALID_RUN_ID
}

package dev.cadc.flink.records;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.sketch.ProjectionSpec;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.run.RunGate;

/**
 * A record of {@code cadc.sketches} after the parallel {@code RecordDecoder}: what it is, whose it
 * is, and, for a sketch batch, its decoded columns or why it could not be decoded. The run's
 * validator judges it against the run's state; the checks the record can fail alone are made here,
 * on every subtask, and their outcome travels with it so the validator applies them in its usual
 * order (headers, then the run's release, then waiting for the run-start, then the body).
 */
public class DecodedRecord implements RunGate.GateRecord {
    /**
     * The record as read, value included: a dead letter carries the original bytes, and control
     * records (small) are decoded by the validator. For a sketch batch this doubles the bytes that
     * cross the shuffle to the validator; copying them is cheap next to decoding them there.
     */
    public KafkaRecord source;
    /** Null when the headers or the key failed ({@link #headerError}). */
    public RecordKind kind;
    /** The run id of the record's key, or null when the key failed ({@link #headerError}). */
    public String runId;
    /** The record's headers or key fail the wire contract; decided before anything about the run. */
    public ReasonCode headerError;
    /** The sketch batch's value does not decode, or names another run than its key. */
    public ReasonCode bodyError;
    /** The message of {@link #headerError} or {@link #bodyError}. */
    public String errorMessage;
    /** SKETCH_BATCH, decoded. */
    public SketchColumns batch;

    public DecodedRecord() {}

    /** Throws the header error, if any. */
    public void requireValidHeaders() {
        if (headerError != null) {
            throw new InvalidRecordException(headerError, errorMessage);
        }
    }

    /** Throws the body error, if any. */
    public void requireValidBody() {
        if (bodyError != null) {
            throw new InvalidRecordException(bodyError, errorMessage);
        }
    }

    @Override
    public RecordKind kind() {
        return kind;
    }

    @Override
    public String runId() {
        return runId;
    }

    /** The record's Kafka timestamp (the job's event time). */
    @Override
    public long eventTime() {
        return source.timestamp;
    }

    @Override
    public byte[] controlValue() {
        return source.value;
    }

    @Override
    public ProjectionSpec projection() {
        return batch.projection();
    }

    @Override
    public byte[] roles() {
        return batch.roles;
    }

    @Override
    public int[] checkpoints() {
        return batch.checkpoints;
    }
}

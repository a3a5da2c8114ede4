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
     * The record as read, value included: a dead letter carries the original bytes, and control records
     * (small) are decoded by the validator. For a sketch batch the bytes cross to the validator
     * uninterpreted (a copy of one array); its decoded rows do not, except the PROBE rows.
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
    /**
     * SKETCH_BATCH, decoded: after {@code RecordDecoder.split}, only its PROBE rows (for the run's
     * clusterer); its POOL and TRAIN rows went to their buckets, and rows of no checkpoint (they never
     * count) nowhere.
     */
    public SketchColumns batch;
    /** SKETCH_BATCH: every row's role code and checkpoint, parcelled rows included (the gate counts them all). */
    public byte[] rowRoles;
    public int[] rowCheckpoints;
    /** SKETCH_BATCH: the buckets that got a parcel of the record's rows, ascending; empty when none did. */
    public int[] parcelBuckets;
    /**
     * SKETCH_BATCH with parcels: the decoder's event-time watermark when it sent them. Its later
     * watermarks follow the parcels on every channel, so an operator whose watermark is past this stamp
     * has them.
     */
    public long parcelStamp;

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
        return rowRoles;
    }

    @Override
    public int[] checkpoints() {
        return rowCheckpoints;
    }

    /** Whether rows of this record went straight to their buckets (so its verdict must follow them there). */
    public boolean hasParcels() {
        return parcelBuckets != null && parcelBuckets.length > 0;
    }
}

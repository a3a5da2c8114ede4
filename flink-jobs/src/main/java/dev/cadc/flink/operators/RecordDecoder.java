package dev.cadc.flink.operators;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.SketchColumns;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Decodes every record on the subtask that read it (chained to the source, so at the source's
 * parallelism, before the shuffle by run): classifies it by its headers, checks its key against the
 * run-id rule, and decodes and checks a sketch batch's Arrow value (every value finite, every row
 * well formed, the batch's run id equal to the key). Nothing here needs the run's state, so nothing
 * is decided here: the outcome travels with the record to the run's {@link SketchValidator}, which
 * dead-letters it in its usual order. The validator then does no Arrow decoding and no per-value
 * checks; it counts rows and forwards them.
 */
public final class RecordDecoder implements MapFunction<KafkaRecord, DecodedRecord> {

    @Override
    public DecodedRecord map(KafkaRecord record) {
        return decode(record);
    }

    /** The decoded form of {@code record}; never throws on bad input. */
    public static DecodedRecord decode(KafkaRecord record) {
        DecodedRecord decoded = new DecodedRecord();
        decoded.source = record;
        try {
            decoded.kind = RecordKind.classify(record.header(WireFormat.HEADER_SCHEMA_VERSION),
                    record.header(WireFormat.HEADER_CONTENT_TYPE), record.header(WireFormat.HEADER_RECORD_TYPE));
            decoded.runId = RunIds.fromKey(record.key);
            if (record.value == null) {
                throw new InvalidRecordException(ReasonCode.NULL_VALUE, "record has no value");
            }
        } catch (InvalidRecordException e) {
            decoded.kind = null;
            decoded.runId = null;
            decoded.headerError = e.reason();
            decoded.errorMessage = e.getMessage();
            return decoded;
        }
        if (decoded.kind != RecordKind.SKETCH_BATCH) {
            return decoded;
        }
        try {
            SketchBatch batch = SketchCodec.decode(record.value);
            if (!batch.runId().equals(decoded.runId)) {
                throw new InvalidRecordException(ReasonCode.RUN_MISMATCH, "record names run " + batch.runId()
                        + " but its key is " + decoded.runId);
            }
            decoded.batch = SketchColumns.of(batch);
        } catch (InvalidRecordException e) {
            decoded.bodyError = e.reason();
            decoded.errorMessage = e.getMessage();
        }
        return decoded;
    }
}

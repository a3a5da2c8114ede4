package dev.cadc.flink.operators;

import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.RunIds;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchCodec;
import dev.cadc.core.format.WireFormat;
import dev.cadc.flink.records.BucketInput;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.RowParcel;
import dev.cadc.flink.records.SampleBuckets;
import dev.cadc.flink.records.SketchColumns;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes every record on the subtask that read it (chained to the source, so at the source's
 * parallelism, before any shuffle): classifies it by its headers, checks its key against the run-id
 * rule, and decodes and checks a sketch batch's Arrow value (every value finite, every row well formed,
 * the batch's run id equal to the key). Nothing here needs the run's state, so nothing is decided here.
 *
 * <p>A well-formed sketch batch is split: the rows that may be influence-source rows (POOL or TRAIN,
 * checkpoint >= 0) go straight to their sample buckets as one {@link RowParcel} per bucket
 * ({@link #PARCELS}); the run's {@link SketchValidator} gets its PROBE rows (for the clusterer),
 * a summary of every row (role, checkpoint), which is all its gate needs to judge and count the record,
 * and the record's bytes uninterpreted (for its dead letter, should it be refused). So no decoded row
 * and no per-row work funnels through the run's one validator subtask; the validator's verdict follows
 * the parcels to their buckets. Anything else (control records, records that failed here) goes to the
 * validator whole, with the outcome, which it dead-letters in its usual order.
 */
public final class RecordDecoder extends ProcessFunction<KafkaRecord, DecodedRecord> {

    /** Rows of a sketch batch, one parcel per bucket, for the sample buckets. */
    public static final OutputTag<BucketInput> PARCELS = new OutputTag<>("row-parcels", Types.POJO(BucketInput.class));

    /** A record as it leaves the decoder: what the validator gets, and the parcels for the buckets. */
    public record Split(DecodedRecord summary, List<RowParcel> parcels) {}

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<DecodedRecord> out) {
        Split split = split(record, ctx.timerService().currentWatermark());
        for (RowParcel parcel : split.parcels()) {
            ctx.output(PARCELS, BucketInput.of(parcel));
        }
        out.collect(split.summary());
    }

    /**
     * {@code record} decoded and split: its POOL and TRAIN rows of a checkpoint in parcels by bucket;
     * for the validator its PROBE rows and the summary (every row's role and checkpoint, the record's
     * bytes). {@code watermark} is this decoder's event-time watermark now (stamped on the summary).
     */
    public static Split split(KafkaRecord record, long watermark) {
        DecodedRecord decoded = decode(record);
        SketchColumns batch = decoded.batch;
        if (batch == null) {
            return new Split(decoded, List.of());
        }
        TreeMap<Integer, List<Integer>> byBucket = new TreeMap<>();
        List<Integer> probes = new ArrayList<>();
        for (int row = 0; row < batch.rowCount(); row++) {
            if (batch.roles[row] == Role.PROBE.code()) {
                probes.add(row);
            } else if (batch.checkpoints[row] >= 0) {
                byBucket.computeIfAbsent(SampleBuckets.bucketOf(batch.sampleIds[row]), b -> new ArrayList<>()).add(row);
            }
        }
        String recordKey = RowParcel.keyOf(record);
        List<RowParcel> parcels = new ArrayList<>(byBucket.size());
        byBucket.forEach((bucket, rows) -> parcels.add(RowParcel.of(batch, ints(rows), bucket, recordKey)));
        decoded.batch = batch.select(ints(probes));
        decoded.parcelBuckets = ints(byBucket.keySet());
        decoded.parcelStamp = watermark;
        return new Split(decoded, parcels);
    }

    private static int[] ints(java.util.Collection<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The decoded form of {@code record}, whole (nothing split off); never throws on bad input. */
    public static DecodedRecord decode(KafkaRecord record) {
        DecodedRecord decoded = new DecodedRecord();
        decoded.source = record;
        decoded.parcelBuckets = new int[0];
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
            decoded.rowRoles = decoded.batch.roles;
            decoded.rowCheckpoints = decoded.batch.checkpoints;
        } catch (InvalidRecordException e) {
            decoded.bodyError = e.reason();
            decoded.errorMessage = e.getMessage();
        }
        return decoded;
    }
}

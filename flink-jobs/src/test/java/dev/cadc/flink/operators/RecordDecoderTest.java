package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.batch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
import dev.cadc.flink.records.RowParcel;
import dev.cadc.core.format.Role;
import java.util.Arrays;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** What the parallel decoder finds out about a record on its own, and what it leaves to the validator. */
class RecordDecoderTest {

    private final OperatorTestData.Records records = OperatorTestData.records(InfluenceSource.POOL);

    @Test
    void aSketchBatchArrivesDecodedWithItsOriginalBytes() throws Exception {
        SketchBatch batch = batch(2, 3, 4, 1);
        KafkaRecord record = records.sketches(batch);
        DecodedRecord decoded = roundTrip(RecordDecoder.decode(record));

        assertThat(decoded.kind).isEqualTo(RecordKind.SKETCH_BATCH);
        assertThat(decoded.runId).isEqualTo(OperatorTestData.RUN);
        assertThat(decoded.headerError).isNull();
        assertThat(decoded.bodyError).isNull();
        assertThat(decoded.source.value).as("dead letters carry the original bytes").isEqualTo(record.value);
        assertThat(decoded.batch.rowCount()).isEqualTo(batch.rowCount());
        assertThat(decoded.batch.projection()).isEqualTo(batch.projection());
        for (int row = 0; row < batch.rowCount(); row++) {
            assertThat(decoded.batch.role(row)).isEqualTo(batch.role(row));
            assertThat(decoded.batch.checkpoints[row]).isEqualTo(batch.checkpoint(row));
            assertThat(decoded.batch.sampleIds[row]).isEqualTo(batch.sampleId(row));
            assertThat(decoded.batch.steps[row]).isEqualTo(batch.step(row));
            assertThat(decoded.batch.learningRates[row]).isEqualTo(batch.learningRate(row));
            assertThat(decoded.batch.losses[row]).isEqualTo(batch.loss(row));
            assertThat(Arrays.equals(decoded.batch.sketch(row), batch.sketch(row))).isTrue();
        }
    }

    /**
     * A batch's POOL and TRAIN rows leave for their buckets in one parcel per bucket; the validator gets
     * the PROBE rows, every row's role and checkpoint, the buckets, the decoder's watermark and the
     * record's bytes (for a dead letter).
     */
    @Test
    void aSketchBatchIsSplitIntoParcelsByBucketAndASummaryForTheValidator() throws Exception {
        SketchBatch batch = batch(2, 3, 4, 1);
        KafkaRecord record = records.sketches(batch);
        RecordDecoder.Split split = RecordDecoder.split(record, 1234L);

        // Pool samples 0..3 are in buckets 0..3; TRAIN sample 0 shares bucket 0 with pool sample 0.
        assertThat(split.parcels()).extracting(parcel -> parcel.bucket).containsExactly(0, 1, 2, 3);
        assertThat(split.parcels()).extracting(parcel -> parcel.recordKey).containsOnly(RowParcel.keyOf(record));
        RowParcel home = split.parcels().get(0);
        assertThat(home.rows(null)).extracting(row -> row.recordKey).containsOnly(RowParcel.keyOf(record));
        assertThat(home.rows.roles).containsExactly(Role.POOL.code(), Role.TRAIN.code());
        assertThat(home.rows(Role.POOL)).singleElement().satisfies(row -> {
            assertThat(row.sampleId).isZero();
            assertThat(row.checkpoint).isEqualTo(2);
            assertThat(row.sketch).containsExactly(batch.sketch(3));
        });
        assertThat(home.rows(Role.TRAIN)).extracting(row -> row.step).containsExactly(batch.step(7));

        DecodedRecord summary = roundTrip(split.summary());
        assertThat(summary.parcelBuckets).containsExactly(0, 1, 2, 3);
        assertThat(summary.parcelStamp).isEqualTo(1234L);
        assertThat(summary.source.value).as("the bytes, for a dead letter").isEqualTo(record.value);
        assertThat(summary.source.offset).isEqualTo(record.offset);
        assertThat(summary.batch.rowCount()).as("only the PROBE rows").isEqualTo(3);
        assertThat(summary.batch.sampleIds).containsExactly(OperatorTestData.probeId(0), OperatorTestData.probeId(1),
                OperatorTestData.probeId(2));
        assertThat(summary.roles()).hasSize(batch.rowCount());
        assertThat(summary.checkpoints()).containsOnly(2);

        RecordDecoder.Split control = RecordDecoder.split(records.runStart(), 1234L);
        assertThat(control.parcels()).isEmpty();
        assertThat(control.summary().source.value).isNotEmpty();
    }

    @Test
    void headerFaultsAreDecidedBeforeTheBody() {
        DecodedRecord noVersion = RecordDecoder.decode(records.raw(new byte[] {1, 2, 3}));
        assertThat(noVersion.headerError).isEqualTo(ReasonCode.UNSUPPORTED_VERSION);
        assertThat(noVersion.kind).isNull();
        assertThat(noVersion.errorMessage).isNotBlank();

        DecodedRecord noValue = RecordDecoder.decode(records.sketchValue(null));
        assertThat(noValue.headerError).isEqualTo(ReasonCode.NULL_VALUE);
    }

    @Test
    void bodyFaultsTravelWithTheRecordUndecided() {
        DecodedRecord garbage = RecordDecoder.decode(records.sketchValue(new byte[] {9, 9, 9, 9}));
        assertThat(garbage.headerError).isNull();
        assertThat(garbage.kind).isEqualTo(RecordKind.SKETCH_BATCH);
        assertThat(garbage.bodyError).isNotNull();
        assertThat(garbage.batch).isNull();

        SketchBatch other = batch("another-run", OperatorTestData.PROJECTION, 0, 1, 1, 0);
        DecodedRecord mismatch = RecordDecoder.decode(records.sketches(other));
        assertThat(mismatch.bodyError).isEqualTo(ReasonCode.RUN_MISMATCH);
        assertThat(mismatch.errorMessage).contains("another-run");
    }

    @Test
    void controlRecordsPassUndecodedToTheValidator() {
        DecodedRecord start = RecordDecoder.decode(records.runStart());
        assertThat(start.kind).isEqualTo(RecordKind.RUN_START);
        assertThat(start.batch).isNull();
        assertThat(start.bodyError).isNull();
        assertThat(start.source.value).isNotEmpty();
    }

    /** Through Flink's POJO serializer with Kryo disallowed, as between the decoder and the validator. */
    private static DecodedRecord roundTrip(DecodedRecord record) throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeInformation<DecodedRecord> type = Types.POJO(DecodedRecord.class);
        TypeSerializer<DecodedRecord> serializer = type.createSerializer(config);
        DataOutputSerializer out = new DataOutputSerializer(1024);
        serializer.serialize(record, out);
        return serializer.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    }
}

package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.batch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RecordKind;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.flink.records.DecodedRecord;
import dev.cadc.flink.records.KafkaRecord;
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

package dev.cadc.flink.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.SplittableRandom;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class BulkArraysTest {

    @Test
    void floatsRoundTripBitForBitIncludingNaNPayloadsAndSignedZeros() throws IOException {
        float[] values = new float[3 * BulkArrays.SCRATCH_BYTES / Float.BYTES + 3];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        values[0] = -0.0f;
        values[1] = Float.intBitsToFloat(0x7fc01234);
        values[2] = Float.NEGATIVE_INFINITY;
        values[3] = Float.MIN_VALUE;
        values[values.length - 1] = Float.intBitsToFloat(0xff800001);
        float[] back = roundTrip(BulkArrays.FloatsSerializer.INSTANCE, values);
        assertThat(back).hasSize(values.length);
        for (int i = 0; i < values.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).as("element %d", i).isEqualTo(Float.floatToRawIntBits(values[i]));
        }
        assertThat(roundTrip(BulkArrays.FloatsSerializer.INSTANCE, new float[0])).isEmpty();
    }

    @Test
    void doublesRoundTripBitForBit() throws IOException {
        double[] values = new SplittableRandom(8).doubles(2 * BulkArrays.SCRATCH_BYTES / Double.BYTES + 5).toArray();
        values[0] = -0.0;
        values[1] = Double.longBitsToDouble(0x7ff8000000abcdefL);
        double[] back = roundTrip(BulkArrays.DoublesSerializer.INSTANCE, values);
        for (int i = 0; i < values.length; i++) {
            assertThat(Double.doubleToRawLongBits(back[i])).as("element %d", i).isEqualTo(Double.doubleToRawLongBits(values[i]));
        }
    }

    /** Stream-to-stream copy (Flink's network and state migration path) keeps the record and what follows it. */
    @Test
    void copyBetweenViewsKeepsTheRecordAndWhatFollows() throws IOException {
        float[] values = {1f, -2.5f, 3.25f};
        DataOutputSerializer out = new DataOutputSerializer(64);
        BulkArrays.FloatsSerializer.INSTANCE.serialize(values, out);
        out.writeInt(42);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        BulkArrays.FloatsSerializer.INSTANCE.copy(in, copied);
        assertThat(in.readInt()).isEqualTo(42);
        assertThat(BulkArrays.FloatsSerializer.INSTANCE.deserialize(new DataInputDeserializer(copied.getCopyOfBuffer()))).containsExactly(values);
    }

    @Test
    void aCorruptLengthIsAnErrorNotAHugeAllocation() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {(byte) 0x80, 0, 0, 0});
        assertThatThrownBy(() -> BulkArrays.FloatsSerializer.INSTANCE.deserialize(in)).isInstanceOf(IOException.class)
                .hasMessageContaining("corrupt array length");
    }

    /** The annotated fields of the job's large records get the bulk serializers, nested ones too. */
    @Test
    void annotatedPojoFieldsUseTheBulkTypes() {
        assertField(SampleState.class, "influence", BulkArrays.DOUBLES);
        assertField(SampleState.class, "parts", BulkArrays.FLOATS);
        assertField(Contribution.class, "sketch", BulkArrays.FLOATS);
        assertField(SketchColumns.class, "sketches", BulkArrays.FLOATS);
        assertField(CandidateBatch.class, "trajectories", BulkArrays.FLOATS);
        PojoTypeInfo<BucketInput> input = (PojoTypeInfo<BucketInput>) TypeInformation.of(BucketInput.class);
        PojoTypeInfo<?> parcel = (PojoTypeInfo<?>) input.getTypeAt(input.getFieldIndex("parcel"));
        PojoTypeInfo<?> rows = (PojoTypeInfo<?>) parcel.getTypeAt(parcel.getFieldIndex("rows"));
        assertThat(rows.getTypeAt(rows.getFieldIndex("sketches"))).isEqualTo(BulkArrays.FLOATS);
    }

    private static void assertField(Class<?> type, String field, TypeInformation<?> expected) {
        PojoTypeInfo<?> info = (PojoTypeInfo<?>) TypeInformation.of(type);
        assertThat(info.getTypeAt(info.getFieldIndex(field))).as(type.getSimpleName() + "." + field).isEqualTo(expected);
        assertThat(info.createSerializer(new SerializerConfigImpl())).isNotNull();
    }

    private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(16);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}

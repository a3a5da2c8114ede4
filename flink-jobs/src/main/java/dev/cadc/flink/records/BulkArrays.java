package dev.cadc.flink.records;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Types for the job's large {@code float[]} and {@code double[]} fields (sketches, trajectories,
 * influence rows) that Flink writes in one block: its own array serializers write element by element
 * through {@code DataOutputView.writeFloat}, which was a quarter of the job's CPU (heap snapshots of
 * the buckets' state, network copies of rows). Put on a POJO field with
 * {@code @TypeInfo(BulkArrays.Floats.class)} or {@code @TypeInfo(BulkArrays.Doubles.class)}, or use
 * {@link #FLOATS} / {@link #DOUBLES} in a state descriptor.
 *
 * <p>Format: the length (int), then the elements' raw IEEE 754 bits, little-endian (raw: a NaN keeps its
 * payload; fixed order: a checkpoint reads the same on any machine). Not null-safe: a POJO serializer
 * marks null fields itself. State written by Flink's own array serializers does not restore into these.
 */
public final class BulkArrays {

    private BulkArrays() {}

    public static final TypeInformation<float[]> FLOATS = new ArrayInfo<>(float[].class, FloatsSerializer.INSTANCE);
    public static final TypeInformation<double[]> DOUBLES = new ArrayInfo<>(double[].class, DoublesSerializer.INSTANCE);

    /** For {@code @TypeInfo} on a {@code float[]} field. */
    public static final class Floats extends TypeInfoFactory<float[]> {
        @Override
        public TypeInformation<float[]> createTypeInfo(Type type, Map<String, TypeInformation<?>> genericParameters) {
            return FLOATS;
        }
    }

    /** For {@code @TypeInfo} on a {@code double[]} field. */
    public static final class Doubles extends TypeInfoFactory<double[]> {
        @Override
        public TypeInformation<double[]> createTypeInfo(Type type, Map<String, TypeInformation<?>> genericParameters) {
            return DOUBLES;
        }
    }

    /**
     * Writes and reads one kind of primitive array as one block: the length, then the elements' bytes,
     * converted {@link #SCRATCH_BYTES} at a time through a per-thread buffer.
     */
    abstract static class BlockSerializer<T> extends TypeSerializerSingleton<T> {
        private final int elementBytes;

        BlockSerializer(int elementBytes) {
            this.elementBytes = elementBytes;
        }

        abstract int length(T record);

        abstract T allocate(int length);

        /** Puts elements {@code from..from+count-1} of {@code record} at the start of {@code scratch}. */
        abstract void put(ByteBuffer scratch, T record, int from, int count);

        /** Gets elements {@code from..from+count-1} of {@code record} from the start of {@code scratch}. */
        abstract void get(ByteBuffer scratch, T record, int from, int count);

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public T createInstance() {
            return allocate(0);
        }

        @Override
        public T copy(T from) {
            T copy = allocate(length(from));
            System.arraycopy(from, 0, copy, 0, length(from));
            return copy;
        }

        @Override
        public T copy(T from, T reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(T record, DataOutputView target) throws IOException {
            int length = length(record);
            target.writeInt(length);
            ByteBuffer scratch = SCRATCH.get();
            int chunk = SCRATCH_BYTES / elementBytes;
            for (int from = 0; from < length; from += chunk) {
                int count = Math.min(chunk, length - from);
                scratch.clear();
                put(scratch, record, from, count);
                target.write(scratch.array(), 0, count * elementBytes);
            }
        }

        @Override
        public T deserialize(DataInputView source) throws IOException {
            T record = allocate(checkedLength(source.readInt()));
            int length = length(record);
            ByteBuffer scratch = SCRATCH.get();
            int chunk = SCRATCH_BYTES / elementBytes;
            for (int from = 0; from < length; from += chunk) {
                int count = Math.min(chunk, length - from);
                scratch.clear();
                source.readFully(scratch.array(), 0, count * elementBytes);
                get(scratch, record, from, count);
            }
            return record;
        }

        @Override
        public T deserialize(T reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            int length = checkedLength(source.readInt());
            target.writeInt(length);
            target.write(source, length * elementBytes);
        }
    }

    /** Writes and reads {@code float[]} as one block. */
    public static final class FloatsSerializer extends BlockSerializer<float[]> {
        static final FloatsSerializer INSTANCE = new FloatsSerializer();

        FloatsSerializer() {
            super(Float.BYTES);
        }

        @Override
        int length(float[] record) {
            return record.length;
        }

        @Override
        float[] allocate(int length) {
            return new float[length];
        }

        @Override
        void put(ByteBuffer scratch, float[] record, int from, int count) {
            scratch.asFloatBuffer().put(record, from, count);
        }

        @Override
        void get(ByteBuffer scratch, float[] record, int from, int count) {
            scratch.asFloatBuffer().get(record, from, count);
        }

        @Override
        public TypeSerializerSnapshot<float[]> snapshotConfiguration() {
            return new FloatsSnapshot();
        }
    }

    /** Writes and reads {@code double[]} as one block. */
    public static final class DoublesSerializer extends BlockSerializer<double[]> {
        static final DoublesSerializer INSTANCE = new DoublesSerializer();

        DoublesSerializer() {
            super(Double.BYTES);
        }

        @Override
        int length(double[] record) {
            return record.length;
        }

        @Override
        double[] allocate(int length) {
            return new double[length];
        }

        @Override
        void put(ByteBuffer scratch, double[] record, int from, int count) {
            scratch.asDoubleBuffer().put(record, from, count);
        }

        @Override
        void get(ByteBuffer scratch, double[] record, int from, int count) {
            scratch.asDoubleBuffer().get(record, from, count);
        }

        @Override
        public TypeSerializerSnapshot<double[]> snapshotConfiguration() {
            return new DoublesSnapshot();
        }
    }

    /** Restores {@link FloatsSerializer} from a checkpoint. */
    public static final class FloatsSnapshot extends SimpleTypeSerializerSnapshot<float[]> {
        public FloatsSnapshot() {
            super(() -> FloatsSerializer.INSTANCE);
        }
    }

    /** Restores {@link DoublesSerializer} from a checkpoint. */
    public static final class DoublesSnapshot extends SimpleTypeSerializerSnapshot<double[]> {
        public DoublesSnapshot() {
            super(() -> DoublesSerializer.INSTANCE);
        }
    }

    /** Bytes converted at a time: arrays go through a small per-thread buffer, not a copy of their own. */
    static final int SCRATCH_BYTES = 64 * 1024;

    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(SCRATCH_BYTES).order(ByteOrder.LITTLE_ENDIAN));

    private static int checkedLength(int length) throws IOException {
        if (length < 0 || length > Integer.MAX_VALUE / Double.BYTES) {
            throw new IOException("corrupt array length " + length);
        }
        return length;
    }

    /** The type information of one bulk array type. */
    private static final class ArrayInfo<T> extends TypeInformation<T> {
        private final Class<T> arrayClass;
        private final TypeSerializer<T> serializer;

        ArrayInfo(Class<T> arrayClass, TypeSerializer<T> serializer) {
            this.arrayClass = arrayClass;
            this.serializer = serializer;
        }

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<T> getTypeClass() {
            return arrayClass;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<T> createSerializer(SerializerConfig config) {
            return serializer;
        }

        @Override
        public String toString() {
            return "BulkArrays<" + arrayClass.getSimpleName() + ">";
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ArrayInfo<?> info && info.arrayClass == arrayClass;
        }

        @Override
        public int hashCode() {
            return arrayClass.hashCode();
        }

        @Override
        public boolean canEqual(Object other) {
            return other instanceof ArrayInfo<?>;
        }
    }
}

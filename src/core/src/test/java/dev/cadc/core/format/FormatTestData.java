package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Named fixtures of the format tests, and a builder of raw (possibly invalid) sketch IPC values
 * ({@link RawSketch} is public: the job's bad-input corpus is generated with it).
 */
public final class FormatTestData {

    static final String RUN_ID = "run-2025-demo";
    static final int SKETCH_DIM = 8;
    static final long SEED = -7046029254386353131L;
    static final ProjectionSpec PROJECTION = new ProjectionSpec(SKETCH_DIM, SEED, ProjectionKind.KRONECKER);

    private FormatTestData() {}

    /** A deterministic sketch value of row {@code row}, entry {@code i}. */
    static float sketchValue(int row, int i) {
        return (float) Math.sin(1.0 + row * SKETCH_DIM + i) / 3f;
    }

    static float[] sketch(int row, int width) {
        float[] sketch = new float[width];
        for (int i = 0; i < width; i++) {
            sketch[i] = sketchValue(row, i);
        }
        return sketch;
    }

    /** Six rows of one run: two TRAIN (one before the first checkpoint), two POOL, two PROBE. */
    static SketchBatch sketchBatch() {
        return sketchBatch(RUN_ID, 0);
    }

    static SketchBatch sketchBatch(String runId, int firstRow) {
        SketchBatch.Builder builder = SketchBatch.builder(runId, PROJECTION);
        Role[] roles = {Role.TRAIN, Role.TRAIN, Role.POOL, Role.POOL, Role.PROBE, Role.PROBE};
        for (int i = 0; i < roles.length; i++) {
            int row = firstRow + i;
            int checkpoint = i == 0 ? -1 : 0;
            builder.add(10L * row, checkpoint, roles[i], 1_000_000_007L * row - 3, 0.01f / (1 + i),
                    2.5f - 0.25f * i, sketch(row, SKETCH_DIM));
        }
        return builder.build();
    }

    static RunStart runStart() {
        return new RunStart(RUN_ID, SKETCH_DIM, SEED, ProjectionKind.KRONECKER, InfluenceSource.POOL);
    }

    /** {@link #runStart()} naming its layers, as the Python client's fixture {@code python-run-start.json} does. */
    static RunStart runStartWithLayers() {
        return runStart().withLayers(List.of(new RunStart.Layer("encoder.fc", 4, 6), new RunStart.Layer("head", 2, 4)));
    }

    static CheckpointComplete checkpointComplete() {
        return new CheckpointComplete(RUN_ID, 3, 1_234L);
    }

    static Curriculum curriculum() {
        return new Curriculum(RUN_ID, 3, 3, 5, 100, 7, 0, List.of(
                new CurriculumEntry(42, 0, 0, 1, 0.75),
                new CurriculumEntry(7, 0, 1, 1, 0.5),
                new CurriculumEntry(-9, 1, 0, 0, 1e-12),
                new CurriculumEntry(100_000_000_000L, 1, 1, 2, 3.25),
                new CurriculumEntry(13, 2, 0, 2, 0.0)),
                // Fixed parameters (the defaults with equal stage shares, as the committed examples and the
                // Python fixtures were written), so the wire fixtures do not follow a change of default.
                dev.cadc.core.curriculum.CurationParameters.of(dev.cadc.core.curriculum.CuratorConfig.defaults()
                        .withStages(dev.cadc.core.curriculum.StagePlan.equalShares(dev.cadc.core.curriculum.StagePlan.DEFAULT_STAGES))));
    }

    static CapabilitySet capabilitySet() {
        return new CapabilitySet(RUN_ID, 3, 3, List.of(
                new CapabilitySummary(0, new long[] {11, 12, 13}, 0.25, 40),
                new CapabilitySummary(1, new long[] {}, 1.5, 0),
                new CapabilitySummary(4, new long[] {-1, Long.MAX_VALUE}, 2.75, 60)));
    }

    /** Loads a classpath resource (the schemas/ directory is at {@code cadc/schemas/}). */
    static byte[] resource(String path) {
        try (InputStream in = FormatTestData.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + path + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A sketch IPC value built column by column, so a test can break one thing: drop or retype a
     * column, change a metadata value, put a NaN or a null in a cell. Defaults give a valid value.
     */
    public static final class RawSketch {
        private final List<Field> fields = new ArrayList<>(ArrowSchemas.sketchFields(SKETCH_DIM));
        private final Map<String, String> metadata =
                new LinkedHashMap<>(ArrowSchemas.sketchSchema(PROJECTION).getCustomMetadata());
        private final Map<String, IntFunction<Object>> values = new HashMap<>();
        private int rows = 3;
        private int batches = 1;

        public RawSketch() {
            values.put(ArrowSchemas.RUN_ID, row -> RUN_ID);
            values.put(ArrowSchemas.STEP, row -> (long) row);
            values.put(ArrowSchemas.CHECKPOINT, row -> 0);
            values.put(ArrowSchemas.ROLE, row -> Role.POOL.code());
            values.put(ArrowSchemas.SAMPLE_ID, row -> 100L + row);
            values.put(ArrowSchemas.LEARNING_RATE, row -> 0.01f);
            values.put(ArrowSchemas.LOSS, row -> 1.5f);
            values.put(ArrowSchemas.SKETCH, row -> null);
        }

        public RawSketch rows(int count) {
            rows = count;
            return this;
        }

        /** Writes the batch this many times into the stream. */
        public RawSketch batches(int count) {
            batches = count;
            return this;
        }

        public RawSketch without(String column) {
            fields.removeIf(field -> field.getName().equals(column));
            return this;
        }

        public RawSketch retype(String column, ArrowType type) {
            return replace(column, new Field(column, FieldType.notNullable(type), null));
        }

        public RawSketch replace(String column, Field field) {
            fields.replaceAll(existing -> existing.getName().equals(column) ? field : existing);
            return this;
        }

        public RawSketch nullable(String column) {
            fields.replaceAll(existing -> existing.getName().equals(column)
                    ? new Field(column, FieldType.nullable(existing.getType()), existing.getChildren())
                    : existing);
            return this;
        }

        /** Sets (or with {@code null}, removes) a metadata key. */
        public RawSketch metadata(String key, String value) {
            if (value == null) {
                metadata.remove(key);
            } else {
                metadata.put(key, value);
            }
            return this;
        }

        /** The value of {@code column} at each row; {@code null} writes a null, sketch cells take float[]. */
        public RawSketch value(String column, IntFunction<Object> valueAtRow) {
            values.put(column, valueAtRow);
            return this;
        }

        public byte[] encode() {
            Schema schema = new Schema(fields, metadata);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (RootAllocator allocator = new RootAllocator();
                    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
                    ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
                root.allocateNew();
                for (FieldVector vector : root.getFieldVectors()) {
                    IntFunction<Object> valueAtRow = values.getOrDefault(vector.getName(), row -> 0);
                    for (int row = 0; row < rows; row++) {
                        set(vector, row, valueAtRow.apply(row));
                    }
                    vector.setValueCount(rows);
                }
                root.setRowCount(rows);
                writer.start();
                for (int i = 0; i < batches; i++) {
                    writer.writeBatch();
                }
                writer.end();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }

        private static void set(FieldVector vector, int row, Object value) {
            if (vector instanceof FixedSizeListVector list) {
                int width = ((ArrowType.FixedSizeList) list.getField().getType()).getListSize();
                float[] sketch = value == null ? sketch(row, width) : (float[]) value;
                Float4Vector items = (Float4Vector) list.getDataVector();
                list.setNotNull(row);
                for (int i = 0; i < width; i++) {
                    items.setSafe(row * width + i, sketch[i]);
                }
                items.setValueCount((row + 1) * width);
                return;
            }
            if (value == null) {
                vector.setNull(row);
            } else if (vector instanceof VarCharVector text) {
                text.setSafe(row, value.toString().getBytes(StandardCharsets.UTF_8));
            } else if (vector instanceof BigIntVector longs) {
                longs.setSafe(row, ((Number) value).longValue());
            } else if (vector instanceof IntVector ints) {
                ints.setSafe(row, ((Number) value).intValue());
            } else if (vector instanceof TinyIntVector bytes) {
                bytes.setSafe(row, ((Number) value).byteValue());
            } else if (vector instanceof Float4Vector floats) {
                floats.setSafe(row, ((Number) value).floatValue());
            } else if (vector instanceof Float8Vector doubles) {
                doubles.setSafe(row, ((Number) value).doubleValue());
            } else {
                throw new IllegalArgumentException("RawSketch cannot fill a " + vector.getClass().getSimpleName());
            }
        }
    }
}

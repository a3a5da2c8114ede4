package dev.cadc.core.format;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Encodes a {@link Curriculum} as the value of a {@code cadc.curriculum} record (one Arrow IPC stream,
 * one record batch, header values in the schema metadata) and decodes such values defensively, with
 * the same reasons as {@link SketchCodec}. The run id is not in the value: it is the record key.
 */
public final class CurriculumCodec {

    private CurriculumCodec() {}

    /** The IPC stream value of {@code curriculum}. */
    public static byte[] encode(Curriculum curriculum) {
        List<CurriculumEntry> entries = curriculum.entries();
        int rows = entries.size();
        try (BufferAllocator allocator = ArrowIo.encoderAllocator("encode-curriculum");
                VectorSchemaRoot root = VectorSchemaRoot.create(ArrowSchemas.curriculumSchema(curriculum),
                        allocator)) {
            root.allocateNew();
            BigIntVector sampleIds = (BigIntVector) root.getVector(ArrowSchemas.SAMPLE_ID);
            IntVector stages = (IntVector) root.getVector(ArrowSchemas.STAGE);
            IntVector positions = (IntVector) root.getVector(ArrowSchemas.POSITION);
            IntVector capabilities = (IntVector) root.getVector(ArrowSchemas.CAPABILITY);
            Float8Vector influences = (Float8Vector) root.getVector(ArrowSchemas.INFLUENCE);
            for (int row = 0; row < rows; row++) {
                CurriculumEntry entry = entries.get(row);
                sampleIds.setSafe(row, entry.sampleId());
                stages.setSafe(row, entry.stage());
                positions.setSafe(row, entry.position());
                capabilities.setSafe(row, entry.capability());
                influences.setSafe(row, entry.influence());
            }
            root.setRowCount(rows);
            return ArrowIo.writeSingleBatch(root);
        }
    }

    /** Decodes a value of at most {@link SketchCodec#DEFAULT_MAX_BYTES}; {@code runIdFromKey} is the record key. */
    public static Curriculum decode(byte[] value, String runIdFromKey) {
        return decode(value, runIdFromKey, SketchCodec.DEFAULT_MAX_BYTES);
    }

    /**
     * Decodes a value of at most {@code maxBytes}.
     *
     * @throws InvalidRecordException with the reason
     */
    public static Curriculum decode(byte[] value, String runIdFromKey, int maxBytes) {
        return ArrowIo.decodeSingleBatch(value, maxBytes, "curriculum", CurriculumCodec::checkSchema,
                (schema, root) -> read(schema, root, runIdFromKey));
    }

    private static void checkSchema(Schema schema) {
        ArrowIo.requireSchemaVersion(schema);
        for (String key : ArrowSchemas.CURRICULUM_REQUIRED_METADATA_KEYS) {
            ArrowIo.requireMetadata(schema, key);
        }
        ArrowIo.requireField(schema, ArrowSchemas.SAMPLE_ID, ArrowSchemas.INT64);
        ArrowIo.requireField(schema, ArrowSchemas.STAGE, ArrowSchemas.INT32);
        ArrowIo.requireField(schema, ArrowSchemas.POSITION, ArrowSchemas.INT32);
        ArrowIo.requireField(schema, ArrowSchemas.CAPABILITY, ArrowSchemas.INT32);
        ArrowIo.requireField(schema, ArrowSchemas.INFLUENCE, ArrowSchemas.FLOAT64);
    }

    private static Curriculum read(Schema schema, VectorSchemaRoot root, String runId) {
        BigIntVector sampleIds = (BigIntVector) root.getVector(ArrowSchemas.SAMPLE_ID);
        IntVector stages = (IntVector) root.getVector(ArrowSchemas.STAGE);
        IntVector positions = (IntVector) root.getVector(ArrowSchemas.POSITION);
        IntVector capabilities = (IntVector) root.getVector(ArrowSchemas.CAPABILITY);
        Float8Vector influences = (Float8Vector) root.getVector(ArrowSchemas.INFLUENCE);
        for (FieldVector vector : List.<FieldVector>of(sampleIds, stages, positions, capabilities, influences)) {
            ArrowIo.requireNoNulls(vector);
        }
        int rows = root.getRowCount();
        List<CurriculumEntry> entries = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            entries.add(new CurriculumEntry(sampleIds.get(row), stages.get(row), positions.get(row),
                    capabilities.get(row), influences.get(row)));
        }
        return new Curriculum(
                runId,
                ArrowIo.requireLongMetadata(schema, WireFormat.META_CURRICULUM_VERSION, 0, Long.MAX_VALUE),
                (int) ArrowIo.requireLongMetadata(schema, WireFormat.META_CHECKPOINT, 0, Integer.MAX_VALUE),
                ArrowIo.requireLongMetadata(schema, WireFormat.META_BUDGET, 0, Long.MAX_VALUE),
                ArrowIo.requireLongMetadata(schema, WireFormat.META_POOL_SIZE, 0, Long.MAX_VALUE),
                ArrowIo.requireLongMetadata(schema, WireFormat.META_HARMFUL_COUNT, 0, Long.MAX_VALUE),
                ArrowIo.requireLongMetadata(schema, WireFormat.META_SHORTFALL, 0, Long.MAX_VALUE),
                entries,
                CurationParametersJson.read(schema.getCustomMetadata().get(WireFormat.META_CURATION_PARAMETERS)));
    }
}

package dev.cadc.core.format;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Encodes a {@link CapabilitySet} as the value of a {@code cadc.capabilities} record (one Arrow IPC
 * stream, one row per capability) and decodes such values defensively, with the same reasons as
 * {@link SketchCodec}. The run id is not in the value: it is the record key.
 */
public final class CapabilitiesCodec {

    private CapabilitiesCodec() {}

    /** The IPC stream value of {@code capabilities}. */
    public static byte[] encode(CapabilitySet capabilities) {
        List<CapabilitySummary> summaries = capabilities.capabilities();
        int rows = summaries.size();
        try (BufferAllocator allocator = ArrowIo.encoderAllocator("encode-capabilities");
                VectorSchemaRoot root = VectorSchemaRoot.create(ArrowSchemas.capabilitiesSchema(capabilities),
                        allocator)) {
            root.allocateNew();
            IntVector ids = (IntVector) root.getVector(ArrowSchemas.CAPABILITY);
            ListVector probes = (ListVector) root.getVector(ArrowSchemas.PROBES);
            BigIntVector probeIds = (BigIntVector) probes.getDataVector();
            Float8Vector difficulties = (Float8Vector) root.getVector(ArrowSchemas.DIFFICULTY);
            BigIntVector attributed = (BigIntVector) root.getVector(ArrowSchemas.ATTRIBUTED);
            for (int row = 0; row < rows; row++) {
                CapabilitySummary summary = summaries.get(row);
                ids.setSafe(row, summary.id());
                long[] probeList = summary.probes();
                int offset = probes.startNewValue(row);
                for (int i = 0; i < probeList.length; i++) {
                    probeIds.setSafe(offset + i, probeList[i]);
                }
                probes.endValue(row, probeList.length);
                difficulties.setSafe(row, summary.difficulty());
                attributed.setSafe(row, summary.attributed());
            }
            root.setRowCount(rows);
            return ArrowIo.writeSingleBatch(root);
        }
    }

    /** Decodes a value of at most {@link SketchCodec#DEFAULT_MAX_BYTES}; {@code runIdFromKey} is the record key. */
    public static CapabilitySet decode(byte[] value, String runIdFromKey) {
        return decode(value, runIdFromKey, SketchCodec.DEFAULT_MAX_BYTES);
    }

    /**
     * Decodes a value of at most {@code maxBytes}.
     *
     * @throws InvalidRecordException with the reason
     */
    public static CapabilitySet decode(byte[] value, String runIdFromKey, int maxBytes) {
        return ArrowIo.decodeSingleBatch(value, maxBytes, "capabilities", CapabilitiesCodec::checkSchema,
                (schema, root) -> read(schema, root, runIdFromKey));
    }

    private static void checkSchema(Schema schema) {
        ArrowIo.requireSchemaVersion(schema);
        for (String key : ArrowSchemas.CAPABILITIES_METADATA_KEYS) {
            ArrowIo.requireMetadata(schema, key);
        }
        ArrowIo.requireField(schema, ArrowSchemas.CAPABILITY, ArrowSchemas.INT32);
        Field probes = ArrowIo.requireField(schema, ArrowSchemas.PROBES, ArrowType.List.INSTANCE);
        ArrowIo.requireChild(probes, ArrowSchemas.INT64);
        ArrowIo.requireField(schema, ArrowSchemas.DIFFICULTY, ArrowSchemas.FLOAT64);
        ArrowIo.requireField(schema, ArrowSchemas.ATTRIBUTED, ArrowSchemas.INT64);
    }

    private static CapabilitySet read(Schema schema, VectorSchemaRoot root, String runId) {
        IntVector ids = (IntVector) root.getVector(ArrowSchemas.CAPABILITY);
        ListVector probes = (ListVector) root.getVector(ArrowSchemas.PROBES);
        Float8Vector difficulties = (Float8Vector) root.getVector(ArrowSchemas.DIFFICULTY);
        BigIntVector attributed = (BigIntVector) root.getVector(ArrowSchemas.ATTRIBUTED);
        for (FieldVector vector : List.<FieldVector>of(ids, probes, difficulties, attributed)) {
            ArrowIo.requireNoNulls(vector);
        }
        BigIntVector probeIds = (BigIntVector) probes.getDataVector();
        int rows = root.getRowCount();
        List<CapabilitySummary> summaries = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            int from = probes.getElementStartIndex(row);
            long[] probeList = new long[probes.getElementEndIndex(row) - from];
            for (int i = 0; i < probeList.length; i++) {
                probeList[i] = probeIds.get(from + i);
            }
            summaries.add(new CapabilitySummary(ids.get(row), probeList, difficulties.get(row), attributed.get(row)));
        }
        return new CapabilitySet(
                runId,
                ArrowIo.requireLongMetadata(schema, WireFormat.META_CAPABILITIES_VERSION, 0, Long.MAX_VALUE),
                (int) ArrowIo.requireLongMetadata(schema, WireFormat.META_CHECKPOINT, 0, Integer.MAX_VALUE),
                summaries);
    }
}

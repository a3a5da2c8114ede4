package dev.cadc.core.format;

import dev.cadc.core.sketch.ProjectionSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The Java definition of the three Arrow schemas of the wire format. The files
 * {@code schemas/*.arrow.json} define the same schemas for other languages; a test asserts the two
 * agree, so neither side can change alone.
 *
 * <p>All fields are non-nullable. List items are named {@code item}, as pyarrow and Arrow C++ name them.
 */
public final class ArrowSchemas {

    // ---- column names ----
    public static final String RUN_ID = "run_id";
    public static final String STEP = "step";
    public static final String CHECKPOINT = "checkpoint";
    public static final String ROLE = "role";
    public static final String SAMPLE_ID = "sample_id";
    public static final String LEARNING_RATE = "learning_rate";
    public static final String LOSS = "loss";
    public static final String SKETCH = "sketch";
    public static final String STAGE = "stage";
    public static final String POSITION = "position";
    public static final String CAPABILITY = "capability";
    public static final String INFLUENCE = "influence";
    public static final String PROBES = "probes";
    public static final String DIFFICULTY = "difficulty";
    public static final String ATTRIBUTED = "attributed";

    /** The name of list items. */
    public static final String ITEM = "item";

    // ---- Arrow types ----
    static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;
    static final ArrowType INT8 = new ArrowType.Int(8, true);
    static final ArrowType INT32 = new ArrowType.Int(32, true);
    static final ArrowType INT64 = new ArrowType.Int(64, true);
    static final ArrowType FLOAT32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

    /** Metadata keys of a sketch batch, in the order they are written. */
    public static final List<String> SKETCH_METADATA_KEYS = List.of(
            WireFormat.META_SCHEMA_VERSION,
            WireFormat.META_SKETCH_DIM,
            WireFormat.META_PROJECTION_SEED,
            WireFormat.META_PROJECTION_KIND);

    /** Metadata keys of a curriculum, in the order they are written. */
    public static final List<String> CURRICULUM_METADATA_KEYS = List.of(
            WireFormat.META_SCHEMA_VERSION,
            WireFormat.META_CURRICULUM_VERSION,
            WireFormat.META_CHECKPOINT,
            WireFormat.META_BUDGET,
            WireFormat.META_POOL_SIZE,
            WireFormat.META_HARMFUL_COUNT,
            WireFormat.META_SHORTFALL,
            WireFormat.META_CURATION_PARAMETERS);

    /** The curriculum metadata keys a reader requires (curricula written before the parameters lack them). */
    public static final List<String> CURRICULUM_REQUIRED_METADATA_KEYS =
            CURRICULUM_METADATA_KEYS.subList(0, CURRICULUM_METADATA_KEYS.size() - 1);

    /** Metadata keys of a capability set, in the order they are written. */
    public static final List<String> CAPABILITIES_METADATA_KEYS = List.of(
            WireFormat.META_SCHEMA_VERSION,
            WireFormat.META_CAPABILITIES_VERSION,
            WireFormat.META_CHECKPOINT);

    private ArrowSchemas() {}

    /** The sketch schema of a run projected with {@code projection}: the list width is its k. */
    public static Schema sketchSchema(ProjectionSpec projection) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(WireFormat.META_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT);
        metadata.put(WireFormat.META_SKETCH_DIM, Integer.toString(projection.sketchDim()));
        metadata.put(WireFormat.META_PROJECTION_SEED, Long.toString(projection.seed()));
        metadata.put(WireFormat.META_PROJECTION_KIND, projection.kind().wireName());
        return new Schema(sketchFields(projection.sketchDim()), metadata);
    }

    /** The sketch columns with a list width of {@code sketchDim}. */
    static List<Field> sketchFields(int sketchDim) {
        return List.of(
                column(RUN_ID, UTF8),
                column(STEP, INT64),
                column(CHECKPOINT, INT32),
                column(ROLE, INT8),
                column(SAMPLE_ID, INT64),
                column(LEARNING_RATE, FLOAT32),
                column(LOSS, FLOAT32),
                new Field(SKETCH, FieldType.notNullable(new ArrowType.FixedSizeList(sketchDim)),
                        List.of(column(ITEM, FLOAT32))));
    }

    /** The schema of {@code curriculum}, its header values in the metadata. */
    public static Schema curriculumSchema(Curriculum curriculum) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(WireFormat.META_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT);
        metadata.put(WireFormat.META_CURRICULUM_VERSION, Long.toString(curriculum.version()));
        metadata.put(WireFormat.META_CHECKPOINT, Integer.toString(curriculum.checkpoint()));
        metadata.put(WireFormat.META_BUDGET, Long.toString(curriculum.budget()));
        metadata.put(WireFormat.META_POOL_SIZE, Long.toString(curriculum.poolSize()));
        metadata.put(WireFormat.META_HARMFUL_COUNT, Long.toString(curriculum.harmfulCount()));
        metadata.put(WireFormat.META_SHORTFALL, Long.toString(curriculum.shortfall()));
        metadata.put(WireFormat.META_CURATION_PARAMETERS, CurationParametersJson.write(curriculum.parameters()));
        return new Schema(curriculumFields(), metadata);
    }

    static List<Field> curriculumFields() {
        return List.of(
                column(SAMPLE_ID, INT64),
                column(STAGE, INT32),
                column(POSITION, INT32),
                column(CAPABILITY, INT32),
                column(INFLUENCE, FLOAT64));
    }

    /** The schema of {@code capabilities}, its header values in the metadata. */
    public static Schema capabilitiesSchema(CapabilitySet capabilities) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(WireFormat.META_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT);
        metadata.put(WireFormat.META_CAPABILITIES_VERSION, Long.toString(capabilities.version()));
        metadata.put(WireFormat.META_CHECKPOINT, Integer.toString(capabilities.checkpoint()));
        return new Schema(capabilitiesFields(), metadata);
    }

    static List<Field> capabilitiesFields() {
        return List.of(
                column(CAPABILITY, INT32),
                new Field(PROBES, FieldType.notNullable(ArrowType.List.INSTANCE), List.of(column(ITEM, INT64))),
                column(DIFFICULTY, FLOAT64),
                column(ATTRIBUTED, INT64));
    }

    private static Field column(String name, ArrowType type) {
        return new Field(name, FieldType.notNullable(type), null);
    }
}

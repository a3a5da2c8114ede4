package dev.cadc.core.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * schemas/ is the single source of truth: each file must define exactly what the code writes, so
 * editing either side alone fails the build.
 */
class SchemaFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** In sketches.arrow.json the list width is this placeholder: it stands for cadc.sketch.dim. */
    private static final int LIST_SIZE_PLACEHOLDER = 0;

    @Test
    void sketchSchemaFileMatchesTheCode() throws IOException {
        Schema file = arrowSchemaFile("sketches.arrow.json");
        Schema code = ArrowSchemas.sketchSchema(FormatTestData.PROJECTION);

        assertThat(withListSize(file.getFields(), FormatTestData.SKETCH_DIM)).isEqualTo(code.getFields());
        assertThat(((ArrowType.FixedSizeList) file.findField(ArrowSchemas.SKETCH).getType()).getListSize())
                .isEqualTo(LIST_SIZE_PLACEHOLDER);
        assertMetadataMatches(file, code, ArrowSchemas.SKETCH_METADATA_KEYS);
    }

    @Test
    void curriculumSchemaFileMatchesTheCode() throws IOException {
        Schema file = arrowSchemaFile("curriculum.arrow.json");
        Schema code = ArrowSchemas.curriculumSchema(FormatTestData.curriculum());

        assertThat(file.getFields()).isEqualTo(code.getFields());
        assertMetadataMatches(file, code, ArrowSchemas.CURRICULUM_METADATA_KEYS);
    }

    @Test
    void capabilitiesSchemaFileMatchesTheCode() throws IOException {
        Schema file = arrowSchemaFile("capabilities.arrow.json");
        Schema code = ArrowSchemas.capabilitiesSchema(FormatTestData.capabilitySet());

        assertThat(file.getFields()).isEqualTo(code.getFields());
        assertMetadataMatches(file, code, ArrowSchemas.CAPABILITIES_METADATA_KEYS);
    }

    @Test
    void runStartJsonSchemaMatchesTheCodec() throws IOException {
        assertJsonSchemaMatches("run-start.schema.json", ControlRecordCodec.RUN_START_FIELDS,
                ControlRecordCodec.RUN_START_OPTIONAL_FIELDS, ControlRecordCodec.encode(FormatTestData.runStart()));
        List<String> withLayers = new ArrayList<>();
        JSON.readTree(ControlRecordCodec.encode(FormatTestData.runStartWithLayers())).fieldNames().forEachRemaining(withLayers::add);
        List<String> all = new ArrayList<>(ControlRecordCodec.RUN_START_FIELDS);
        all.addAll(ControlRecordCodec.RUN_START_OPTIONAL_FIELDS);
        assertThat(withLayers).as("optional fields follow the required ones").containsExactlyElementsOf(all);
    }

    @Test
    void runStartLayersSchemaDescribesWhatTheCodecWrites() throws IOException {
        JsonNode layers = JSON.readTree(FormatTestData.resource("cadc/schemas/run-start.schema.json"))
                .get("properties").get("layers");
        JsonNode item = layers.get("items");
        JsonNode written = JSON.readTree(ControlRecordCodec.encode(FormatTestData.runStartWithLayers())).get("layers").get(0);

        assertThat(layers.get("type").asText()).isEqualTo("array");
        assertThat(texts(item.get("required"))).containsExactly("name", "shape");
        List<String> itemFields = new ArrayList<>();
        written.fieldNames().forEachRemaining(itemFields::add);
        assertThat(itemFields).containsExactly("name", "shape");
        assertThat(item.get("properties").get("shape").get("minItems").asInt()).isEqualTo(2);
        assertThat(item.get("properties").get("shape").get("maxItems").asInt()).isEqualTo(2);
    }

    @Test
    void checkpointCompleteJsonSchemaMatchesTheCodec() throws IOException {
        assertJsonSchemaMatches("checkpoint-complete.schema.json", ControlRecordCodec.CHECKPOINT_COMPLETE_FIELDS,
                ControlRecordCodec.encode(FormatTestData.checkpointComplete()));
    }

    @Test
    void runEndJsonSchemaMatchesTheCodec() throws IOException {
        assertJsonSchemaMatches("run-end.schema.json", ControlRecordCodec.RUN_END_FIELDS,
                ControlRecordCodec.encode(new dev.cadc.core.format.RunEnd("run-7", 3)));
    }

    @Test
    void enumsOfTheJsonSchemaAreTheWireNames() throws IOException {
        JsonNode properties = JSON.readTree(FormatTestData.resource("cadc/schemas/run-start.schema.json"))
                .get("properties");

        assertThat(texts(properties.get("projection_kind").get("enum"))).containsExactly(
                java.util.Arrays.stream(dev.cadc.core.sketch.ProjectionKind.values())
                        .map(dev.cadc.core.sketch.ProjectionKind::wireName).toArray(String[]::new));
        assertThat(texts(properties.get("influence_source").get("enum"))).containsExactly(
                java.util.Arrays.stream(InfluenceSource.values()).map(InfluenceSource::wireName).toArray(String[]::new));
    }

    private static void assertJsonSchemaMatches(String file, List<String> fields, byte[] encoded) throws IOException {
        assertJsonSchemaMatches(file, fields, List.of(), encoded);
    }

    /** {@code encoded} is a record without its optional fields. */
    private static void assertJsonSchemaMatches(String file, List<String> fields, List<String> optional, byte[] encoded)
            throws IOException {
        JsonNode schema = JSON.readTree(FormatTestData.resource("cadc/schemas/" + file));
        List<String> properties = new ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);
        List<String> all = new ArrayList<>(fields);
        all.addAll(optional);

        assertThat(schema.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(texts(schema.get("required"))).containsExactlyInAnyOrderElementsOf(fields);
        assertThat(properties).containsExactlyInAnyOrderElementsOf(all);
        List<String> written = new ArrayList<>();
        JSON.readTree(encoded).fieldNames().forEachRemaining(written::add);
        assertThat(written).containsExactlyElementsOf(fields);
    }

    /** Key sets equal; the version is literal; other values are {@code <placeholders>} in the file. */
    private static void assertMetadataMatches(Schema file, Schema code, List<String> keys) {
        Map<String, String> fileMetadata = file.getCustomMetadata();
        assertThat(fileMetadata.keySet()).containsExactlyInAnyOrderElementsOf(code.getCustomMetadata().keySet());
        assertThat(code.getCustomMetadata().keySet()).containsExactlyInAnyOrderElementsOf(keys);
        assertThat(fileMetadata).containsEntry(WireFormat.META_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT);
        fileMetadata.forEach((key, value) -> {
            if (!key.equals(WireFormat.META_SCHEMA_VERSION)) {
                assertThat(value).as("placeholder of %s", key).matches("<[a-z_]+>");
            }
        });
    }

    private static Schema arrowSchemaFile(String name) throws IOException {
        return Schema.fromJSON(new String(FormatTestData.resource("cadc/schemas/" + name), StandardCharsets.UTF_8));
    }

    private static List<Field> withListSize(List<Field> fields, int listSize) {
        return fields.stream()
                .map(field -> field.getType() instanceof ArrowType.FixedSizeList
                        ? new Field(field.getName(), new FieldType(field.isNullable(),
                                new ArrowType.FixedSizeList(listSize), null, field.getMetadata()), field.getChildren())
                        : field)
                .toList();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}

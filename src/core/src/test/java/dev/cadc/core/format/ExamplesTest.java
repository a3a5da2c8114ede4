package dev.cadc.core.format;

import static dev.cadc.core.format.SketchCodecTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The committed examples in {@code schemas/examples/} equal what {@link FormatExamples} generates, and
 * decode. To regenerate after a deliberate format change:
 * {@code mvn -pl src/core test -Dtest=ExamplesTest -Dcadc.regenerateExamples=true}, then rerun.
 */
class ExamplesTest {

    private static final String REGENERATE_PROPERTY = "cadc.regenerateExamples";

    @BeforeAll
    static void regenerateWhenAsked() throws IOException {
        if (!Boolean.getBoolean(REGENERATE_PROPERTY)) {
            return;
        }
        Path dir = Path.of(System.getProperty("basedir", "."), "..", "..", "schemas", "examples").normalize();
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> file : FormatExamples.generate().entrySet()) {
            Files.write(dir.resolve(file.getKey()), file.getValue());
        }
    }

    /** While regenerating, the classpath still holds the old copies until the next build. */
    @BeforeEach
    void skipWhileRegenerating() {
        assumeFalse(Boolean.getBoolean(REGENERATE_PROPERTY), "examples regenerated; rerun without -D" + REGENERATE_PROPERTY);
    }

    @Test
    void committedExamplesEqualTheGeneratorOutput() {
        FormatExamples.generate().forEach((name, bytes) ->
                assertThat(example(name)).as("schemas/examples/%s (regenerate with -D%s=true)", name,
                        REGENERATE_PROPERTY).isEqualTo(bytes));
    }

    @Test
    void examplesDecode() {
        assertThat(SketchCodec.decode(example(FormatExamples.SKETCHES))).isEqualTo(FormatTestData.sketchBatch());
        assertThat(ControlRecordCodec.decode(WireFormat.RECORD_TYPE_RUN_START, example(FormatExamples.RUN_START)))
                .isEqualTo(FormatTestData.runStart());
        assertThat(ControlRecordCodec.decode(WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE,
                example(FormatExamples.CHECKPOINT_COMPLETE))).isEqualTo(FormatTestData.checkpointComplete());
        assertThat(CurriculumCodec.decode(example(FormatExamples.CURRICULUM), FormatTestData.RUN_ID))
                .isEqualTo(FormatTestData.curriculum());
        assertThat(CapabilitiesCodec.decode(example(FormatExamples.CAPABILITIES), FormatTestData.RUN_ID))
                .isEqualTo(FormatTestData.capabilitySet());
    }

    @Test
    void deadLetterExampleCarriesTheReasonItsValueIsRejectedFor() throws IOException {
        JsonNode letter = new ObjectMapper().readTree(example(FormatExamples.DEAD_LETTER));
        Map<String, byte[]> headers = new LinkedHashMap<>();
        letter.get("headers").forEach(header ->
                headers.put(header.get("key").asText(), header.get("value").asText().getBytes(StandardCharsets.UTF_8)));
        byte[] value = Base64.getDecoder().decode(letter.get("value_base64").asText());

        DeadLetter parsed = DeadLetter.fromHeaders(headers);

        assertThat(letter.get("topic").asText()).isEqualTo(WireFormat.TOPIC_DEAD_LETTER);
        assertThat(parsed.sourceTopic()).isEqualTo(WireFormat.TOPIC_SKETCHES);
        assertThat(parsed.sourceOffset()).isEqualTo(FormatExamples.DEAD_LETTER_OFFSET);
        assertThat(headers).containsKeys(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE);
        assertReason(() -> SketchCodec.decode(value), parsed.reason());
    }

    private static byte[] example(String name) {
        return FormatTestData.resource("cadc/schemas/examples/" + name);
    }
}

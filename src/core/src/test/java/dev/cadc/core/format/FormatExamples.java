package dev.cadc.core.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Generates the files of {@code schemas/examples/} from the test fixtures: one wire value of each
 * kind. {@link ExamplesTest} asserts the committed files equal this output and decode.
 */
final class FormatExamples {

    static final String SKETCHES = "sketches.arrows";
    static final String RUN_START = "run-start.json";
    static final String CHECKPOINT_COMPLETE = "checkpoint-complete.json";
    static final String CURRICULUM = "curriculum.arrows";
    static final String CAPABILITIES = "capabilities.arrows";
    static final String DEAD_LETTER = "dead-letter.json";

    /** The dead-letter example holds a sketch record whose loss is NaN in row 1. */
    static final ReasonCode DEAD_LETTER_REASON = ReasonCode.NON_FINITE;
    static final long DEAD_LETTER_OFFSET = 4242L;

    private FormatExamples() {}

    /** File name to content, in a stable order. */
    static Map<String, byte[]> generate() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(SKETCHES, SketchCodec.encode(FormatTestData.sketchBatch()));
        files.put(RUN_START, ControlRecordCodec.encode(FormatTestData.runStart()));
        files.put(CHECKPOINT_COMPLETE, ControlRecordCodec.encode(FormatTestData.checkpointComplete()));
        files.put(CURRICULUM, CurriculumCodec.encode(FormatTestData.curriculum()));
        files.put(CAPABILITIES, CapabilitiesCodec.encode(FormatTestData.capabilitySet()));
        files.put(DEAD_LETTER, deadLetter());
        return files;
    }

    /**
     * A dead-lettered sketch record as JSON: topic, key, headers in order (dead-letter headers, then
     * the original ones) and the original value in base64.
     */
    private static byte[] deadLetter() {
        byte[] value = new FormatTestData.RawSketch()
                .value(ArrowSchemas.LOSS, row -> row == 1 ? Float.NaN : 1.5f)
                .encode();
        String detail;
        try {
            SketchCodec.decode(value);
            throw new IllegalStateException("the dead-letter example value must be rejected");
        } catch (InvalidRecordException e) {
            detail = e.getMessage();
        }
        DeadLetter letter = new DeadLetter(DEAD_LETTER_REASON, detail, WireFormat.TOPIC_SKETCHES, 0, DEAD_LETTER_OFFSET);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("topic", WireFormat.TOPIC_DEAD_LETTER);
        root.put("key", FormatTestData.RUN_ID);
        ArrayNode headers = root.putArray("headers");
        letter.toHeaders().forEach((name, bytes) ->
                headers.addObject().put("key", name).put("value", new String(bytes, StandardCharsets.UTF_8)));
        headers.addObject().put("key", WireFormat.HEADER_SCHEMA_VERSION).put("value", WireFormat.SCHEMA_VERSION_TEXT);
        headers.addObject().put("key", WireFormat.HEADER_CONTENT_TYPE).put("value", WireFormat.CONTENT_TYPE_ARROW);
        root.put("value_base64", Base64.getEncoder().encodeToString(value));
        try {
            return (json.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

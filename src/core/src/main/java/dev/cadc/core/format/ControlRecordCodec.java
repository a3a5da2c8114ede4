package dev.cadc.core.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cadc.core.sketch.ProjectionKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes the JSON control records ({@link RunStart}, {@link CheckpointComplete},
 * {@link RunEnd}) as {@code schemas/run-start.schema.json}, {@code schemas/checkpoint-complete.schema.json}
 * and {@code schemas/run-end.schema.json} define them.
 *
 * <p>Decoding rejects with BAD_CONTROL_RECORD: malformed JSON, a value that is not one object,
 * duplicate keys, trailing content, a missing field, a field of the wrong JSON type (numbers must be
 * integer literals that fit the field), negative checkpoint or rows, an unknown influence source or
 * projection kind, a malformed {@code layers} list (when present). Fields it does not know are ignored,
 * so a later version may add fields.
 *
 * <p>The run-start's {@code layers} is optional: absent (or {@code null}) decodes to a run-start
 * without layers ({@link RunStart#hasLayers()} false); present, it must be an array of objects
 * {@code {"name": string, "shape": [out, in]}} with integer {@code out, in >= 1} (other keys of a layer
 * object are ignored, like unknown fields).
 */
public final class ControlRecordCodec {

    /** Control records are a few hundred bytes; anything beyond this limit is OVERSIZED. */
    public static final int MAX_BYTES = 64 * 1024;

    /** The fields of a run-start record, all required. */
    public static final List<String> RUN_START_FIELDS =
            List.of("run_id", "sketch_dim", "projection_seed", "projection_kind", "influence_source");
    /** The optional fields of a run-start record, written after the required ones when given. */
    public static final List<String> RUN_START_OPTIONAL_FIELDS = List.of("layers");
    /** The fields of a checkpoint-complete record, all required. */
    public static final List<String> CHECKPOINT_COMPLETE_FIELDS = List.of("run_id", "checkpoint", "rows");
    /** The fields of a run-end record, all required. */
    public static final List<String> RUN_END_FIELDS = List.of("run_id", "last_checkpoint");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ControlRecordCodec() {}

    /** The JSON value of {@code record} (UTF-8, compact, fields in schema order). */
    public static byte[] encode(ControlRecord record) {
        ObjectNode json = MAPPER.createObjectNode();
        json.put("run_id", record.runId());
        if (record instanceof RunStart runStart) {
            json.put("sketch_dim", runStart.sketchDim());
            json.put("projection_seed", runStart.projectionSeed());
            json.put("projection_kind", runStart.projectionKind().wireName());
            json.put("influence_source", runStart.influenceSource().wireName());
            if (runStart.hasLayers()) {
                ArrayNode layers = json.putArray("layers");
                for (RunStart.Layer layer : runStart.layers()) {
                    ObjectNode item = layers.addObject();
                    item.put("name", layer.name());
                    item.putArray("shape").add(layer.outDim()).add(layer.inDim());
                }
            }
        } else if (record instanceof CheckpointComplete complete) {
            json.put("checkpoint", complete.checkpoint());
            json.put("rows", complete.rows());
        } else if (record instanceof RunEnd end) {
            json.put("last_checkpoint", end.lastCheckpoint());
        }
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serialising a JSON tree cannot fail", e);
        }
    }

    /**
     * Decodes a control record given its {@code cadc-record-type} header.
     *
     * @throws InvalidRecordException UNKNOWN_RECORD_TYPE for another record type, else as the class says
     */
    public static ControlRecord decode(String recordType, byte[] value) {
        if (WireFormat.RECORD_TYPE_RUN_START.equals(recordType)) {
            return decodeRunStart(value);
        }
        if (WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE.equals(recordType)) {
            return decodeCheckpointComplete(value);
        }
        if (WireFormat.RECORD_TYPE_RUN_END.equals(recordType)) {
            return decodeRunEnd(value);
        }
        throw new InvalidRecordException(ReasonCode.UNKNOWN_RECORD_TYPE,
                "control record type '" + recordType + "' is not " + WireFormat.RECORD_TYPE_RUN_START + ", "
                        + WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE + " or " + WireFormat.RECORD_TYPE_RUN_END);
    }

    /** Decodes a run-start record. */
    public static RunStart decodeRunStart(byte[] value) {
        JsonNode json = parse(value, WireFormat.RECORD_TYPE_RUN_START);
        String kindName = text(json, "projection_kind");
        String sourceName = text(json, "influence_source");
        ProjectionKind kind;
        InfluenceSource source;
        try {
            kind = ProjectionKind.fromWireName(kindName);
            source = InfluenceSource.fromWireName(sourceName);
        } catch (IllegalArgumentException e) {
            throw bad("run-start: " + e.getMessage());
        }
        return new RunStart(
                text(json, "run_id"),
                (int) integer(json, "sketch_dim", 1, Integer.MAX_VALUE),
                integer(json, "projection_seed", Long.MIN_VALUE, Long.MAX_VALUE),
                kind,
                source,
                layers(json));
    }

    /** The optional {@code layers} of a run-start: null when absent or null. */
    private static List<RunStart.Layer> layers(JsonNode json) {
        JsonNode node = json.get("layers");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw bad("run-start: field 'layers' must be an array of {\"name\", \"shape\": [out, in]}, got "
                    + node.getNodeType() + " " + node);
        }
        List<RunStart.Layer> layers = new ArrayList<>();
        for (JsonNode item : node) {
            String where = "run-start: layers[" + layers.size() + "]";
            if (!item.isObject()) {
                throw bad(where + " must be an object {\"name\", \"shape\": [out, in]}, got " + item);
            }
            JsonNode name = item.get("name");
            if (name == null || !name.isTextual()) {
                throw bad(where + ": 'name' must be a string, got " + name);
            }
            JsonNode shape = item.get("shape");
            if (shape == null || !shape.isArray() || shape.size() != 2) {
                throw bad(where + " ('" + name.textValue() + "'): 'shape' must be [out, in], got " + shape);
            }
            int[] dims = new int[2];
            for (int i = 0; i < 2; i++) {
                JsonNode dim = shape.get(i);
                if (!dim.isIntegralNumber() || !dim.canConvertToInt() || dim.intValue() < 1) {
                    throw bad(where + " ('" + name.textValue() + "'): 'shape' must hold two integers >= 1, got " + shape);
                }
                dims[i] = dim.intValue();
            }
            layers.add(new RunStart.Layer(name.textValue(), dims[0], dims[1]));
        }
        return layers;
    }

    /** Decodes a checkpoint-complete record. */
    public static CheckpointComplete decodeCheckpointComplete(byte[] value) {
        JsonNode json = parse(value, WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE);
        return new CheckpointComplete(
                text(json, "run_id"),
                (int) integer(json, "checkpoint", 0, Integer.MAX_VALUE),
                integer(json, "rows", 0, Long.MAX_VALUE));
    }

    /** Decodes a run-end record. */
    public static RunEnd decodeRunEnd(byte[] value) {
        JsonNode json = parse(value, WireFormat.RECORD_TYPE_RUN_END);
        return new RunEnd(text(json, "run_id"), (int) integer(json, "last_checkpoint", -1, Integer.MAX_VALUE));
    }

    private static JsonNode parse(byte[] value, String recordType) {
        if (value == null) {
            throw bad(recordType + " record has a null value");
        }
        if (value.length > MAX_BYTES) {
            throw new InvalidRecordException(ReasonCode.OVERSIZED,
                    recordType + " record of " + value.length + " bytes exceeds the limit of " + MAX_BYTES);
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(value);
        } catch (IOException e) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD,
                    recordType + " record is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw bad(recordType + " record must be one JSON object, got "
                    + (json == null ? "nothing" : json.getNodeType()));
        }
        return json;
    }

    private static JsonNode field(JsonNode json, String name) {
        JsonNode node = json.get(name);
        if (node == null || node.isNull()) {
            throw bad("required field '" + name + "' is missing or null");
        }
        return node;
    }

    private static String text(JsonNode json, String name) {
        JsonNode node = field(json, name);
        if (!node.isTextual()) {
            throw bad("field '" + name + "' must be a string, got " + node.getNodeType() + " " + node);
        }
        return node.textValue();
    }

    private static long integer(JsonNode json, String name, long min, long max) {
        JsonNode node = field(json, name);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw bad("field '" + name + "' must be an integer literal within signed 64 bits, got " + node);
        }
        long value = node.longValue();
        if (value < min || value > max) {
            throw bad("field '" + name + "' must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    private static InvalidRecordException bad(String message) {
        return new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD, message);
    }
}

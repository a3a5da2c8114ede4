package dev.cadc.core.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code cadc.curation.parameters} metadata value: a flat JSON object of parameter name to value
 * text, in the parameters' declaration order.
 */
final class CurationParametersJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CurationParametersJson() {}

    static String write(Map<String, String> parameters) {
        ObjectNode json = MAPPER.createObjectNode();
        parameters.forEach(json::put);
        try {
            return MAPPER.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serialising a JSON tree cannot fail", e);
        }
    }

    /**
     * @throws InvalidRecordException INVALID_VALUE when present but not a flat object of strings
     */
    static Map<String, String> read(String text) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return parameters;
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                    WireFormat.META_CURATION_PARAMETERS + " is not JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE, WireFormat.META_CURATION_PARAMETERS + " must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = json.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isTextual()) {
                throw new InvalidRecordException(ReasonCode.INVALID_VALUE, WireFormat.META_CURATION_PARAMETERS
                        + ": parameter '" + field.getKey() + "' must be a string");
            }
            parameters.put(field.getKey(), field.getValue().textValue());
        }
        return parameters;
    }
}

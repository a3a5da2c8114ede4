package dev.cadc.core.format;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Why and from where a record went to {@code cadc.dead-letter}, and its headers. The dead letter's key
 * and value are the original record's, byte for byte; its headers are the ones {@link #toHeaders()}
 * builds followed by the original record's headers (the Kafka code appends those, leaving out any
 * {@code cadc-dlq-*} header of the original so a re-dead-lettered record carries one reason).
 *
 * @param reason why the record was rejected
 * @param detail a human message: what was expected, what came (cut to {@link #MAX_DETAIL_CHARS})
 * @param sourceTopic the topic the record was read from
 * @param sourcePartition its partition
 * @param sourceOffset its offset
 */
public record DeadLetter(
        ReasonCode reason, String detail, String sourceTopic, int sourcePartition, long sourceOffset) {

    public static final String HEADER_REASON = "cadc-dlq-reason";
    public static final String HEADER_DETAIL = "cadc-dlq-detail";
    public static final String HEADER_SOURCE_TOPIC = "cadc-dlq-source-topic";
    public static final String HEADER_SOURCE_PARTITION = "cadc-dlq-source-partition";
    public static final String HEADER_SOURCE_OFFSET = "cadc-dlq-source-offset";
    /** The prefix shared by the headers above. */
    public static final String HEADER_PREFIX = "cadc-dlq-";

    /** Details are cut to this many characters so one bad record cannot make a huge header. */
    public static final int MAX_DETAIL_CHARS = 1000;

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(sourceTopic, "sourceTopic");
        detail = detail == null ? "" : detail;
        if (detail.length() > MAX_DETAIL_CHARS) {
            detail = detail.substring(0, MAX_DETAIL_CHARS - 3) + "...";
        }
    }

    /** The dead letter of a record rejected with {@code error}. */
    public static DeadLetter of(InvalidRecordException error, String sourceTopic, int sourcePartition,
            long sourceOffset) {
        return new DeadLetter(error.reason(), error.getMessage(), sourceTopic, sourcePartition, sourceOffset);
    }

    /** The {@code cadc-dlq-*} headers, UTF-8, in the order listed above. */
    public Map<String, byte[]> toHeaders() {
        Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put(HEADER_REASON, utf8(reason.name()));
        headers.put(HEADER_DETAIL, utf8(detail));
        headers.put(HEADER_SOURCE_TOPIC, utf8(sourceTopic));
        headers.put(HEADER_SOURCE_PARTITION, utf8(Integer.toString(sourcePartition)));
        headers.put(HEADER_SOURCE_OFFSET, utf8(Long.toString(sourceOffset)));
        return headers;
    }

    /**
     * Reads the {@code cadc-dlq-*} headers back (other headers are ignored).
     *
     * @throws IllegalArgumentException when one is missing or unreadable
     */
    public static DeadLetter fromHeaders(Map<String, byte[]> headers) {
        String reasonName = required(headers, HEADER_REASON);
        ReasonCode reason;
        try {
            reason = ReasonCode.valueOf(reasonName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("header " + HEADER_REASON + " '" + reasonName + "' is no ReasonCode", e);
        }
        try {
            return new DeadLetter(
                    reason,
                    required(headers, HEADER_DETAIL),
                    required(headers, HEADER_SOURCE_TOPIC),
                    Integer.parseInt(required(headers, HEADER_SOURCE_PARTITION)),
                    Long.parseLong(required(headers, HEADER_SOURCE_OFFSET)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("dead-letter partition or offset header is not a decimal number", e);
        }
    }

    private static String required(Map<String, byte[]> headers, String name) {
        byte[] value = headers.get(name);
        if (value == null) {
            throw new IllegalArgumentException("dead-letter header " + name + " is missing");
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.cadc.flink.records;

import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.DeadLetter;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.topic.CadcTopics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A record for one of CADC's output topics (curriculum, capabilities, dead letters). */
public class OutputRecord {
    public String topic;
    public byte[] key;
    public byte[] value;
    public String[] headerNames;
    public byte[][] headerValues;

    public OutputRecord() {}

    public OutputRecord(String topic, byte[] key, byte[] value, String[] headerNames, byte[][] headerValues) {
        this.topic = topic;
        this.key = key;
        this.value = value;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
    }

    /**
     * The dead letter of {@code record}: its key and original bytes, the reason and source offset as
     * {@code cadc.dead-letter.*} headers, then the record's own headers (any of its own
     * {@code cadc.dead-letter.*} headers dropped, so a dead letter replayed is judged afresh).
     */
    public static OutputRecord deadLetter(KafkaRecord record, InvalidRecordException reason) {
        Map<String, byte[]> headers = DeadLetter.of(reason, record.topic, record.partition, record.offset).toHeaders();
        List<String> names = new ArrayList<>(headers.keySet());
        List<byte[]> values = new ArrayList<>(headers.values());
        if (record.headerNames != null) {
            for (int i = 0; i < record.headerNames.length; i++) {
                if (!record.headerNames[i].startsWith(DeadLetter.HEADER_PREFIX)) {
                    names.add(record.headerNames[i]);
                    values.add(record.headerValues[i]);
                }
            }
        }
        return new OutputRecord(CadcTopics.DEAD_LETTER, record.key, record.value, names.toArray(String[]::new),
                values.toArray(byte[][]::new));
    }

    /** A curriculum version as its two records: the capabilities version, then the curriculum version (key: run id). */
    public static List<OutputRecord> version(CurationResult result) {
        byte[] key = result.runId().getBytes(StandardCharsets.UTF_8);
        String[] names = {WireFormat.HEADER_SCHEMA_VERSION, WireFormat.HEADER_CONTENT_TYPE};
        byte[][] values = {WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8),
            WireFormat.CONTENT_TYPE_ARROW.getBytes(StandardCharsets.UTF_8)};
        return List.of(
                new OutputRecord(CadcTopics.CAPABILITIES, key, CapabilitiesCodec.encode(CurriculumJson.toCapabilities(result)), names, values),
                new OutputRecord(CadcTopics.CURRICULUM, key, CurriculumCodec.encode(CurriculumJson.toCurriculum(result)), names, values));
    }
}

package dev.cadc.flink.records;

/**
 * A record of {@code cadc.sketches} as it came off Kafka: undecoded bytes plus where it came from, so
 * that a record that fails validation can go to the dead-letter topic unchanged, with its source
 * offset. A Flink POJO (public fields, no-arg constructor): serialized without Kryo.
 */
public class KafkaRecord {
    public String topic;
    public int partition;
    public long offset;
    /** The record's Kafka timestamp (producer create time), ms; its event time in the job. */
    public long timestamp;
    public byte[] key;
    public byte[] value;
    public String[] headerNames;
    public byte[][] headerValues;

    public KafkaRecord() {}

    public KafkaRecord(String topic, int partition, long offset, byte[] key, byte[] value,
            String[] headerNames, byte[][] headerValues) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.key = key;
        this.value = value;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
    }

    /** The last value of header {@code name} as UTF-8 text, or null. */
    public String header(String name) {
        if (headerNames == null) {
            return null;
        }
        for (int i = headerNames.length - 1; i >= 0; i--) {
            if (name.equals(headerNames[i])) {
                return headerValues[i] == null ? null : new String(headerValues[i], java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The key as a run id ("" when absent). */
    public String runId() {
        return key == null ? "" : new String(key, java.nio.charset.StandardCharsets.UTF_8);
    }
}

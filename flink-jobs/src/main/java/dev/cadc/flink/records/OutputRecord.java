package dev.cadc.flink.records;

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
}

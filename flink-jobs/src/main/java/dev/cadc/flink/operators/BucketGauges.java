package dev.cadc.flink.operators;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.MetricGroup;

/**
 * A {@link SampleInfluence} subtask's gauges: {@code bufferedSketches}, the rows waiting for their
 * version's fold, and {@code influenceStateSamples}, the samples its buckets hold. Counted since the
 * subtask started (not state: not restored with it).
 */
final class BucketGauges {

    private final Map<String, Integer> samplesByBucket = new ConcurrentHashMap<>();
    private volatile long buffered;

    BucketGauges(MetricGroup metrics) {
        metrics.gauge("bufferedSketches", () -> Math.max(0, buffered));
        metrics.gauge("influenceStateSamples", () -> samplesByBucket.values().stream().mapToLong(Integer::longValue).sum());
    }

    /** {@code rows} more rows wait (fewer when negative: folded or dropped). */
    void buffered(int rows) {
        buffered += rows;
    }

    /** Bucket {@code key} holds {@code samples} samples now. */
    void samples(String key, int samples) {
        if (samples == 0) {
            samplesByBucket.remove(key);
        } else {
            samplesByBucket.put(key, samples);
        }
    }
}

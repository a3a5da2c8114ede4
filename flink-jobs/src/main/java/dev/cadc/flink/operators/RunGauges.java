package dev.cadc.flink.operators;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The assembler's metrics: the counter {@code curriculumVersionsSent}, and per-run gauges under
 * {@code run.<id>}: the newest curriculum version, the run's pool
 * size, and the version's freshness (the wall-clock time when it was sent minus the event time at
 * which its checkpoint closed, so in a live run how long after the trainer's checkpoint the version
 * went to the sink, which commits it at the next Flink checkpoint; -1 when unknown). Not state: a
 * restarted subtask shows a run from its next version.
 */
final class RunGauges {

    private final MetricGroup group;
    private final Map<String, long[]> byRun = new ConcurrentHashMap<>();
    private final Counter versionsSent;

    RunGauges(MetricGroup group) {
        this.group = group;
        this.versionsSent = group.counter("curriculumVersionsSent");
    }

    void versionSent(String runId, long version, long samples, long closedAtWatermark) {
        versionsSent.inc();
        long[] values = byRun.computeIfAbsent(runId, id -> {
            long[] fresh = new long[3];
            MetricGroup run = group.addGroup("run", id);
            run.gauge("curriculumVersion", () -> fresh[0]);
            run.gauge("poolSamples", () -> fresh[1]);
            run.gauge("freshnessMs", () -> fresh[2]);
            return fresh;
        });
        values[0] = version;
        values[1] = samples;
        values[2] = closedAtWatermark == Long.MIN_VALUE ? -1 : Math.max(0, System.currentTimeMillis() - closedAtWatermark);
    }

    void released(String runId) {
        byRun.remove(runId);
    }
}

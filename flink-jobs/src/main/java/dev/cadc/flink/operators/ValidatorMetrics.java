package dev.cadc.flink.operators;

import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.Role;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * The validator's metrics, per subtask (docs/job.md lists them): dead letters per reason, rows per
 * role with their rate, checkpoints closed short, runs started, ended, expired, and held.
 */
final class ValidatorMetrics {

    final Counter shortCheckpoints;
    final Counter runsStarted;
    final Counter runsEnded;
    final Counter runsExpired;
    private final Map<ReasonCode, Counter> deadLettersByReason = new EnumMap<>(ReasonCode.class);
    private final Map<Role, Counter> rowsByRole = new EnumMap<>(Role.class);

    ValidatorMetrics(MetricGroup group) {
        for (ReasonCode reason : ReasonCode.values()) {
            deadLettersByReason.put(reason, group.addGroup("deadLetters").counter(reason.name()));
        }
        for (Role role : Role.values()) {
            Counter counter = group.counter("sketches" + role.name());
            group.meter("sketchesPerSecond" + role.name(), new MeterView(counter));
            rowsByRole.put(role, counter);
        }
        shortCheckpoints = group.counter("checkpointsClosedShort");
        runsStarted = group.counter("runsStarted");
        runsEnded = group.counter("runsEnded");
        runsExpired = group.counter("runsExpired");
        // Runs this subtask holds state for: started and not yet released, counted since it (re)started.
        group.gauge("runsHeld", () -> Math.max(0, runsStarted.getCount() - runsEnded.getCount() - runsExpired.getCount()));
    }

    Counter deadLetters(ReasonCode reason) {
        return deadLettersByReason.get(reason);
    }

    Counter rows(Role role) {
        return rowsByRole.get(role);
    }
}

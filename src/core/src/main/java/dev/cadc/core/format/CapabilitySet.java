package dev.cadc.core.format;

import java.util.List;
import java.util.Objects;

/**
 * One version of a run's capabilities, the value of a {@code cadc.capabilities} record: the clustering
 * of probes after checkpoint {@code checkpoint}, one summary per capability in ascending id order.
 *
 * @throws InvalidRecordException NULL_VALUE for an empty run id, INVALID_VALUE for a negative version or
 *     checkpoint, or ids not strictly ascending
 */
public record CapabilitySet(String runId, long version, int checkpoint, List<CapabilitySummary> capabilities) {

    public CapabilitySet {
        SketchBatch.requireRunId(runId);
        if (version < 0 || checkpoint < 0) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                    "capabilities of run " + runId + ": version " + version + " and checkpoint " + checkpoint
                            + " must be >= 0");
        }
        capabilities = List.copyOf(Objects.requireNonNull(capabilities, "capabilities"));
        for (int i = 1; i < capabilities.size(); i++) {
            if (capabilities.get(i).id() <= capabilities.get(i - 1).id()) {
                throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                        "capability ids must be strictly ascending; " + capabilities.get(i).id() + " follows "
                                + capabilities.get(i - 1).id());
            }
        }
    }
}

package dev.cadc.core.format;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One version of a run's curriculum, the value of a {@code cadc.curriculum} record.
 *
 * <p>{@code version} j reflects exactly checkpoints 0..j; {@code checkpoint} is the newest checkpoint it
 * reflects; {@code budget} is the resolved sample count B; {@code poolSize} is |D|; {@code harmfulCount}
 * counts samples never selected because their strongest interactions are net negative;
 * {@code shortfall} counts budget slots left unfilled for lack of positive candidates;
 * {@code parameters} are the curation parameters that produced it (name to value text; empty when
 * unknown, as in curricula written before they were recorded). {@code entries}
 * are in curriculum order (stage, then position, strictly increasing) and name each sample once.
 *
 * @throws InvalidRecordException NULL_VALUE for an empty run id, INVALID_VALUE for negative counts,
 *     entries out of order or a repeated sample
 */
public record Curriculum(
        String runId,
        long version,
        int checkpoint,
        long budget,
        long poolSize,
        long harmfulCount,
        long shortfall,
        List<CurriculumEntry> entries,
        Map<String, String> parameters) {

    /** A curriculum whose parameters are not recorded. */
    public Curriculum(String runId, long version, int checkpoint, long budget, long poolSize, long harmfulCount,
            long shortfall, List<CurriculumEntry> entries) {
        this(runId, version, checkpoint, budget, poolSize, harmfulCount, shortfall, entries, Map.of());
    }

    public Curriculum {
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(Objects.requireNonNull(parameters, "parameters")));
        SketchBatch.requireRunId(runId);
        if (version < 0 || checkpoint < 0 || budget < 0 || poolSize < 0 || harmfulCount < 0 || shortfall < 0) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                    "curriculum of run " + runId + ": version " + version + ", checkpoint " + checkpoint
                            + ", budget " + budget + ", pool size " + poolSize + ", harmful count "
                            + harmfulCount + ", shortfall " + shortfall + " must all be >= 0");
        }
        entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
        Set<Long> seen = new HashSet<>();
        CurriculumEntry previous = null;
        for (CurriculumEntry entry : entries) {
            if (previous != null && (entry.stage() < previous.stage()
                    || (entry.stage() == previous.stage() && entry.position() <= previous.position()))) {
                throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                        "curriculum entries must be in (stage, position) order without repeats; (" + entry.stage()
                                + ", " + entry.position() + ") follows (" + previous.stage() + ", "
                                + previous.position() + ")");
            }
            if (!seen.add(entry.sampleId())) {
                throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                        "sample " + entry.sampleId() + " appears twice; each sample appears once, in the stage"
                                + " that introduces it");
            }
            previous = entry;
        }
    }
}

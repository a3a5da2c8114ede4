package dev.cadc.core.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * One capability as {@code cadc.capabilities} reports it: its id (stable across versions), the probe
 * sample ids whose trajectories form it, its difficulty (higher = harder, used to order stages) and
 * the number of pool samples attributed to it.
 *
 * <p>{@code probes} is copied in and out, so the record is immutable; equality compares its contents.
 *
 * @throws InvalidRecordException INVALID_VALUE for a negative id or attributed count, NON_FINITE for a
 *     NaN or infinite difficulty
 */
public record CapabilitySummary(int id, long[] probes, double difficulty, long attributed) {

    public CapabilitySummary {
        Objects.requireNonNull(probes, "probes");
        if (id < 0 || attributed < 0) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                    "capability " + id + ": id and attributed count (" + attributed + ") must be >= 0");
        }
        if (!Double.isFinite(difficulty)) {
            throw new InvalidRecordException(ReasonCode.NON_FINITE,
                    "capability " + id + ": difficulty is " + difficulty);
        }
        probes = probes.clone();
    }

    /** A copy of the probe sample ids. */
    @Override
    public long[] probes() {
        return probes.clone();
    }

    /** The number of probes, without copying them. */
    public int probeCount() {
        return probes.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CapabilitySummary that
                && id == that.id
                && Arrays.equals(probes, that.probes)
                && Double.compare(difficulty, that.difficulty) == 0
                && attributed == that.attributed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(probes), difficulty, attributed);
    }

    @Override
    public String toString() {
        return "CapabilitySummary[id=" + id + ", probes=" + Arrays.toString(probes) + ", difficulty="
                + difficulty + ", attributed=" + attributed + "]";
    }
}

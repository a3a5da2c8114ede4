package dev.cadc.core.capability;

import java.util.Arrays;
import java.util.Objects;

/**
 * A partition of a run's probes into capabilities: for each probe (ascending sample id) the id of its
 * capability. Capability ids are small non-negative integers that stay with "the same" cluster across
 * updates (see {@link CapabilityClusterer}); they need not be contiguous.
 */
public final class Clustering {

    private final long[] probeIds;
    private final int[] capabilityOfProbe;
    private final int[] capabilityIds;

    /**
     * @param probeIds ascending probe sample ids
     * @param capabilityOfProbe the capability id of each probe, aligned with {@code probeIds}
     */
    public Clustering(long[] probeIds, int[] capabilityOfProbe) {
        if (probeIds.length != capabilityOfProbe.length) {
            throw new IllegalArgumentException(probeIds.length + " probe ids but " + capabilityOfProbe.length + " assignments");
        }
        for (int p = 1; p < probeIds.length; p++) {
            if (probeIds[p - 1] >= probeIds[p]) {
                throw new IllegalArgumentException("probe ids must be strictly ascending");
            }
        }
        this.probeIds = probeIds.clone();
        this.capabilityOfProbe = capabilityOfProbe.clone();
        this.capabilityIds = Arrays.stream(capabilityOfProbe).distinct().sorted().toArray();
    }

    /** No probes, no capabilities. */
    public static Clustering empty() {
        return new Clustering(new long[0], new int[0]);
    }

    public long[] probeIds() {
        return probeIds.clone();
    }

    public int probeCount() {
        return probeIds.length;
    }

    /** The capability of the probe at {@code probeIndex} (an index into {@link #probeIds()}). */
    public int capabilityOf(int probeIndex) {
        return capabilityOfProbe[probeIndex];
    }

    /** The capability of each probe, aligned with {@link #probeIds()}. */
    public int[] assignment() {
        return capabilityOfProbe.clone();
    }

    /** The capability ids in ascending order. */
    public int[] capabilityIds() {
        return capabilityIds.clone();
    }

    public int capabilityCount() {
        return capabilityIds.length;
    }

    /** The probe indices of {@code capabilityId}, ascending. */
    public int[] probeIndicesOf(int capabilityId) {
        return java.util.stream.IntStream.range(0, capabilityOfProbe.length)
                .filter(p -> capabilityOfProbe[p] == capabilityId)
                .toArray();
    }

    /** The probe sample ids of {@code capabilityId}, ascending. */
    public long[] probeIdsOf(int capabilityId) {
        return Arrays.stream(probeIndicesOf(capabilityId)).mapToLong(p -> probeIds[p]).toArray();
    }

    /** The position of {@code capabilityId} in {@link #capabilityIds()}, or -1. */
    public int indexOfCapability(int capabilityId) {
        int index = Arrays.binarySearch(capabilityIds, capabilityId);
        return index >= 0 ? index : -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Clustering other
                && Arrays.equals(probeIds, other.probeIds)
                && Arrays.equals(capabilityOfProbe, other.capabilityOfProbe);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(probeIds), Arrays.hashCode(capabilityOfProbe));
    }

    @Override
    public String toString() {
        return "Clustering{" + capabilityIds.length + " capabilities over " + probeIds.length + " probes}";
    }
}

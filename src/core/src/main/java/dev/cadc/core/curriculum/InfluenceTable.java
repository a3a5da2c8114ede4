package dev.cadc.core.curriculum;

import java.util.Arrays;

/**
 * The batch curator's {@code A(i, p)}: one double row per sample (ascending sample id), one column per
 * probe. Memory: {@code 8 * P} bytes per sample (4 KiB at 512 probes; 200,000 samples take 800 MiB).
 */
public final class InfluenceTable implements InfluenceView {

    private final long[] sampleIds;
    private final double[][] rows;

    /** @param sampleIds ascending, distinct */
    public InfluenceTable(long[] sampleIds, int probeCount) {
        this.sampleIds = sampleIds.clone();
        this.rows = new double[sampleIds.length][probeCount];
    }

    private InfluenceTable(long[] sampleIds, double[][] rows) {
        this.sampleIds = sampleIds;
        this.rows = rows;
    }

    /**
     * A table over rows that already exist (the job's per-sample state), without copying them.
     *
     * @param sampleIds ascending, distinct; {@code rows[i]} is the row of {@code sampleIds[i]}
     */
    public static InfluenceTable wrapping(long[] sampleIds, double[][] rows) {
        if (sampleIds.length != rows.length) {
            throw new IllegalArgumentException(sampleIds.length + " sample ids but " + rows.length + " rows");
        }
        return new InfluenceTable(sampleIds, rows);
    }

    /** The index of {@code sampleId}, or a negative number when it is not in the table. */
    public int indexOf(long sampleId) {
        return Arrays.binarySearch(sampleIds, sampleId);
    }

    /** The mutable row of sample index {@code sample}. */
    public double[] row(int sample) {
        return rows[sample];
    }

    @Override
    public int sampleCount() {
        return sampleIds.length;
    }

    @Override
    public long sampleId(int sample) {
        return sampleIds[sample];
    }

    @Override
    public double influence(int sample, int probe) {
        return rows[sample][probe];
    }
}

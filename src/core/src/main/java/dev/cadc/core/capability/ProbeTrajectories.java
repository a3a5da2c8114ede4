package dev.cadc.core.capability;

import dev.cadc.core.math.DotKernels;
import dev.cadc.core.math.RowBlock;
import dev.cadc.core.math.Vectors;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The learning trajectories of a run's probes: per checkpoint, each probe's unit-normalised sketch and
 * its loss. Probes are indexed by ascending sample id, so every array here is in that order and the
 * result of any computation is independent of the order in which rows were added.
 *
 * <p>Memory: {@code 4 * k} bytes per probe and checkpoint (512 probes x 4 checkpoints x k = 1024 is 8 MiB).
 */
public final class ProbeTrajectories {

    private final int sketchDim;
    private final TreeMap<Integer, Map<Long, float[]>> unitSketches = new TreeMap<>();
    private final TreeMap<Integer, Map<Long, Float>> losses = new TreeMap<>();
    private long[] probeIds = new long[0];
    private boolean probeIdsStale;

    public ProbeTrajectories(int sketchDim) {
        if (sketchDim < 1) {
            throw new IllegalArgumentException("sketch dimension must be >= 1, got " + sketchDim);
        }
        this.sketchDim = sketchDim;
    }

    /** One PROBE row: a probe's sketch and loss at a checkpoint. */
    public record Row(int checkpoint, long probeId, float[] sketch, float loss) {}

    /**
     * The order probe rows are added in, by both the batch curator and the job: checkpoint, probe id,
     * then sketch and loss, so that of re-sent rows of one probe and checkpoint the same one (the last
     * in this order) counts whatever order they arrived in.
     */
    public static final java.util.Comparator<Row> ORDER = java.util.Comparator.comparingInt(Row::checkpoint)
            .thenComparingLong(Row::probeId)
            .thenComparing(Row::sketch, java.util.Arrays::compare)
            .thenComparingDouble(Row::loss);

    /** Adds {@code rows} in {@link #ORDER}. */
    public void addAll(java.util.List<Row> rows) {
        rows.stream().sorted(ORDER).forEach(row -> add(row.checkpoint(), row.probeId(), row.sketch(), row.loss()));
    }

    /**
     * Records probe {@code probeId}'s sketch at {@code checkpoint}. A second sketch of the same probe
     * and checkpoint replaces the first (a re-sent row).
     */
    public void add(int checkpoint, long probeId, float[] sketch, float loss) {
        if (checkpoint < 0) {
            throw new IllegalArgumentException("probe checkpoints start at 0, got " + checkpoint);
        }
        if (sketch.length != sketchDim) {
            throw new IllegalArgumentException("probe " + probeId + " sketch has " + sketch.length
                    + " floats, the run's sketch dimension is " + sketchDim);
        }
        Map<Long, float[]> atCheckpoint = unitSketches.computeIfAbsent(checkpoint, c -> new HashMap<>());
        if (atCheckpoint.put(probeId, Vectors.normalized(sketch)) == null) {
            probeIdsStale = true;
        }
        losses.computeIfAbsent(checkpoint, c -> new HashMap<>()).put(probeId, loss);
    }

    public int sketchDim() {
        return sketchDim;
    }

    /** Every probe seen at any checkpoint, ascending. */
    public long[] probeIds() {
        if (probeIdsStale) {
            probeIds = unitSketches.values().stream()
                    .flatMap(m -> m.keySet().stream())
                    .mapToLong(Long::longValue)
                    .distinct()
                    .sorted()
                    .toArray();
            probeIdsStale = false;
        }
        return probeIds.clone();
    }

    public int probeCount() {
        return probeIds().length;
    }

    /** The checkpoints with at least one probe sketch, ascending. */
    public int[] checkpoints() {
        return unitSketches.keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    public boolean hasCheckpoint(int checkpoint) {
        return unitSketches.containsKey(checkpoint);
    }

    /**
     * The unit sketches at {@code checkpoint} as a row-major {@code probeCount x k} matrix in
     * {@link #probeIds()} order; a probe without a sketch there has a zero row.
     */
    public float[] unitSketchMatrix(int checkpoint) {
        long[] ids = probeIds();
        float[] matrix = new float[ids.length * sketchDim];
        Map<Long, float[]> atCheckpoint = unitSketches.getOrDefault(checkpoint, Map.of());
        for (int p = 0; p < ids.length; p++) {
            float[] unit = atCheckpoint.get(ids[p]);
            if (unit != null) {
                System.arraycopy(unit, 0, matrix, p * sketchDim, sketchDim);
            }
        }
        return matrix;
    }

    /**
     * Trajectory similarity, {@code S[p][q] = mean over checkpoints of <u_p,j, u_q,j>} (the mean cosine
     * of the raw sketches), as a row-major {@code probeCount x probeCount} matrix. A probe missing at a
     * checkpoint contributes 0 there.
     */
    public double[] meanCosineMatrix() {
        int probes = probeCount();
        double[] similarity = new double[probes * probes];
        int[] checkpoints = checkpoints();
        // With the Vector API, every pair through the vectorised kernel (2.3-3x faster at 512 probes, though
        // it computes both halves): its dots are Vectors.dot's doubles bit for bit, and Vectors.dot is
        // symmetric (the same products, summed in the same order). Without it, the scalar loop over half.
        boolean vectorized = DotKernels.active().vectorized();
        double[] cosines = vectorized ? new double[probes * probes] : null;
        for (int checkpoint : checkpoints) {
            float[] matrix = unitSketchMatrix(checkpoint);
            if (vectorized) {
                RowBlock.of(matrix, probes, sketchDim).dots(matrix, 0, probes, cosines, 0);
            }
            for (int p = 0; p < probes; p++) {
                for (int q = p; q < probes; q++) {
                    similarity[p * probes + q] += vectorized ? cosines[p * probes + q]
                            : Vectors.dot(matrix, p * sketchDim, matrix, q * sketchDim, sketchDim);
                }
            }
        }
        double scale = checkpoints.length == 0 ? 0 : 1.0 / checkpoints.length;
        for (int p = 0; p < probes; p++) {
            for (int q = p; q < probes; q++) {
                double mean = similarity[p * probes + q] * scale;
                similarity[p * probes + q] = mean;
                similarity[q * probes + p] = mean;
            }
        }
        return similarity;
    }

    /** Probe losses at {@code checkpoint} in {@link #probeIds()} order; NaN where a probe has none. */
    public double[] losses(int checkpoint) {
        long[] ids = probeIds();
        double[] values = new double[ids.length];
        Arrays.fill(values, Double.NaN);
        Map<Long, Float> atCheckpoint = losses.getOrDefault(checkpoint, Map.of());
        for (int p = 0; p < ids.length; p++) {
            Float loss = atCheckpoint.get(ids[p]);
            if (loss != null) {
                values[p] = loss;
            }
        }
        return values;
    }
}

package dev.cadc.core.influence;

import dev.cadc.core.math.RowBlock;
import dev.cadc.core.math.Vectors;

/**
 * The probes' unit-normalised sketches at one checkpoint, against which sample sketches are scored:
 * the TracIn term of sample {@code i} at checkpoint {@code j} for probe {@code p} is
 * {@code eta_j * <phi_j(x_i) / |phi_j(x_i)|, phi_j(v_p) / |phi_j(v_p)|>}.
 *
 * <p>The one place this product is computed: the batch curator and the Flink influence operator both
 * call {@link #addTerms}, so their sums agree bit for bit. The probes are held in a {@link RowBlock}, so
 * one sample against all probes is one vectorised pass whose every dot equals {@link Vectors#dot} bit
 * for bit (curricula computed with the scalar loop stay the same).
 */
public final class ProbeCheckpoint {

    private final int checkpoint;
    private final int sketchDim;
    private final int probeCount;
    private final RowBlock probes;

    /**
     * @param unitSketches row-major {@code probeCount x sketchDim}, each row unit-normalised (or zero for
     *     a probe without a sketch at this checkpoint), in the probe order the caller indexes by
     */
    public ProbeCheckpoint(int checkpoint, int sketchDim, float[] unitSketches) {
        if (unitSketches.length % sketchDim != 0) {
            throw new IllegalArgumentException("probe matrix of " + unitSketches.length
                    + " floats is not a whole number of rows of " + sketchDim);
        }
        this.checkpoint = checkpoint;
        this.sketchDim = sketchDim;
        this.probeCount = unitSketches.length / sketchDim;
        this.probes = RowBlock.of(unitSketches, probeCount, sketchDim);
    }

    public int checkpoint() {
        return checkpoint;
    }

    public int probeCount() {
        return probeCount;
    }

    /**
     * Adds {@code eta * <unit(sampleSketch), u_p>} to {@code target[p]} for every probe {@code p}.
     * {@code scratch} (length k) receives the unit-normalised sample sketch.
     */
    public void addTerms(float[] sampleSketch, double eta, float[] scratch, double[] target) {
        if (sampleSketch.length != sketchDim) {
            throw new IllegalArgumentException("sample sketch has " + sampleSketch.length
                    + " floats, probes have " + sketchDim);
        }
        Vectors.copyNormalized(sampleSketch, 0, sketchDim, scratch, 0);
        double[] dots = probes.dots(scratch, 0);
        for (int p = 0; p < probeCount; p++) {
            target[p] += eta * dots[p];
        }
    }

    /**
     * Samples per block in {@link #addTermsBlock}. The vector kernel holds a tile of probes (one vector's
     * lanes of them, {@code 4 x k x lanes} bytes) in cache while it runs through every sample of the
     * block, four at a time, so a larger block reads the probe matrix (2 MB at P = 512, k = 1,024) fewer
     * times: with blocks of four it was read once per four samples, from beyond the core's L2.
     */
    public static final int BLOCK = 32;

    /**
     * {@link #addTerms} for up to {@link #BLOCK} samples at once, with the same result for each as one
     * call per sample (every dot is {@code Vectors.dot}'s, bit for bit), but one pass over the probes.
     *
     * @param sketches the samples' raw sketches; {@code etas[s]} and {@code targets[s]} are sample s's
     */
    public void addTermsBlock(float[][] sketches, double[] etas, double[][] targets) {
        addTermsBlock(sketches, etas, targets, null);
    }

    /**
     * {@link #addTermsBlock(float[][], double[], double[][])}, copying sample s's unit sketch into
     * {@code units[s]} (length k) where {@code units} and {@code units[s]} are not null.
     */
    public void addTermsBlock(float[][] sketches, double[] etas, double[][] targets, float[][] unitsOut) {
        int count = sketches.length;
        if (count == 0) {
            return;
        }
        if (count > BLOCK) {
            throw new IllegalArgumentException("at most " + BLOCK + " samples per block, got " + count);
        }
        float[] units = new float[count * sketchDim];
        for (int s = 0; s < count; s++) {
            if (sketches[s].length != sketchDim) {
                throw new IllegalArgumentException("sample sketch has " + sketches[s].length + " floats, probes have " + sketchDim);
            }
        }
        Vectors.copyNormalized(sketches, count, sketchDim, units);
        if (unitsOut != null) {
            for (int s = 0; s < count; s++) {
                if (unitsOut[s] != null) {
                    System.arraycopy(units, s * sketchDim, unitsOut[s], 0, sketchDim);
                }
            }
        }
        double[] dots = new double[count * probeCount];
        probes.dots(units, 0, count, dots, 0);
        for (int s = 0; s < count; s++) {
            double[] target = targets[s];
            for (int p = 0; p < probeCount; p++) {
                target[p] += etas[s] * dots[s * probeCount + p];
            }
        }
    }

    /** The terms of one sample sketch as a fresh vector. */
    public double[] terms(float[] sampleSketch, double eta) {
        double[] terms = new double[probeCount];
        addTerms(sampleSketch, eta, new float[sketchDim], terms);
        return terms;
    }
}

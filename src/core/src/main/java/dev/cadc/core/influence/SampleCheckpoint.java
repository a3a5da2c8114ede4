package dev.cadc.core.influence;

import dev.cadc.core.math.Vectors;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What one sample contributes at one checkpoint, computed the same way by the batch curator and the
 * streaming job: its influence term (the sum over its rows of {@code eta <u(x), u(v_p)>}) and its
 * trajectory part (the unit sketch, or for several TRAIN steps the normalised sum of their unit
 * sketches). Rows are combined in (step, learning rate, sketch) order, so the floating-point result
 * does not depend on the order in which they arrived or on which thread computed them.
 */
public final class SampleCheckpoint {

    /** One row of the sample at the checkpoint (a POOL row or one TRAIN step) and its terms. */
    public record RowContribution(long step, float learningRate, float[] sketch, double[] terms) {}

    /**
     * The order rows of one sample and checkpoint are combined in, and which of repeated POOL rows
     * counts: by step, then learning rate, then sketch (lexicographic). Never arrival order, which
     * differs between runs of the job once a run is spread over partitions.
     */
    public static final Comparator<RowContribution> ROW_ORDER = Comparator.comparingLong(RowContribution::step)
            .thenComparingDouble(RowContribution::learningRate)
            .thenComparing(RowContribution::sketch, Arrays::compare);

    private SampleCheckpoint() {}

    /**
     * The rows of one sample at one checkpoint that count: with TRAIN as the influence source every
     * step of the window; with POOL one row per sample and checkpoint, so of repeated POOL rows only
     * the first in {@link #ROW_ORDER} (a re-sent row is ignored whatever order the copies came in).
     */
    public static List<RowContribution> counted(List<RowContribution> rows, boolean trainSource) {
        if (trainSource || rows.size() <= 1) {
            return rows;
        }
        return List.of(rows.stream().min(ROW_ORDER).orElseThrow());
    }

    /** The terms of one row against the probes of its checkpoint. */
    public static RowContribution contribution(ProbeCheckpoint probes, long step, float learningRate, float[] sketch) {
        return new RowContribution(step, learningRate, sketch, probes.terms(sketch, learningRate));
    }

    /** The checkpoint's influence term: the rows' terms summed in row order. */
    public static double[] terms(List<RowContribution> rows) {
        RowContribution[] ordered = rows.stream().sorted(ROW_ORDER).toArray(RowContribution[]::new);
        if (ordered.length == 1) {
            return ordered[0].terms();
        }
        double[] sum = new double[ordered[0].terms().length];
        for (RowContribution row : ordered) {
            for (int p = 0; p < sum.length; p++) {
                sum[p] += row.terms()[p];
            }
        }
        return sum;
    }

    /** The checkpoint's part of the sample's trajectory (length k), unit norm or zero. */
    public static float[] trajectoryPart(List<RowContribution> rows, int sketchDim) {
        RowContribution[] ordered = rows.stream().sorted(ROW_ORDER).toArray(RowContribution[]::new);
        float[] part = new float[sketchDim];
        if (ordered.length == 1) {
            Vectors.copyNormalized(ordered[0].sketch(), 0, sketchDim, part, 0);
            return part;
        }
        float[] unit = new float[sketchDim];
        for (RowContribution row : ordered) {
            Vectors.copyNormalized(row.sketch(), 0, sketchDim, unit, 0);
            for (int d = 0; d < sketchDim; d++) {
                part[d] += unit[d];
            }
        }
        Vectors.copyNormalized(part, 0, sketchDim, part, 0);
        return part;
    }
}

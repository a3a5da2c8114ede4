package dev.cadc.core.influence;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Adds one checkpoint's terms to samples' influence rows {@code A(i, .)}, the one way both drivers do
 * it (the batch {@code Curator} per Arrow batch, the Flink job per sample bucket): a sample with a
 * single POOL row at the checkpoint gets {@code eta <u(x), u(v_p)>} added for every probe, four
 * samples per pass over the probes ({@link ProbeCheckpoint#addTermsBlock}); a sample with several rows
 * (TRAIN steps, or re-sent POOL rows) gets the sum of its counted rows' terms in row order
 * ({@link SampleCheckpoint#counted}, {@link SampleCheckpoint#terms}). Either way each sample gets one
 * term per checkpoint, so neither the order of samples nor the blocking changes a bit.
 */
public final class CheckpointFold {

    private CheckpointFold() {}

    /**
     * One sample's rows at the checkpoint and the row {@code A(i, .)} they add to; when {@code part} is
     * given (length k), it receives the sample's trajectory part at the checkpoint
     * ({@link SampleCheckpoint#trajectoryPart} of its counted rows), from the unit sketch the fold
     * computes anyway for a single row.
     */
    public record SampleRows(double[] influence, List<SampleCheckpoint.RowContribution> rows, float[] part) {
        public SampleRows(double[] influence, List<SampleCheckpoint.RowContribution> rows) {
            this(influence, rows, null);
        }
    }

    /**
     * @param parallel whether blocks may run on the common fork-join pool (the batch curator); a Flink
     *     operator folds on its own thread
     */
    public static void fold(ProbeCheckpoint probes, boolean trainSource, List<SampleRows> samples, boolean parallel) {
        List<SampleRows> single = new ArrayList<>();
        List<SampleRows> several = new ArrayList<>();
        for (SampleRows sample : samples) {
            (!trainSource && sample.rows().size() == 1 ? single : several).add(sample);
        }
        int blocks = (single.size() + ProbeCheckpoint.BLOCK - 1) / ProbeCheckpoint.BLOCK;
        IntStream range = IntStream.range(0, blocks);
        (parallel ? range.parallel() : range).forEach(b -> {
            int from = b * ProbeCheckpoint.BLOCK;
            int count = Math.min(ProbeCheckpoint.BLOCK, single.size() - from);
            float[][] sketches = new float[count][];
            double[] etas = new double[count];
            double[][] targets = new double[count][];
            float[][] parts = new float[count][];
            for (int i = 0; i < count; i++) {
                SampleCheckpoint.RowContribution row = single.get(from + i).rows().get(0);
                sketches[i] = row.sketch();
                etas[i] = row.learningRate();
                targets[i] = single.get(from + i).influence();
                parts[i] = single.get(from + i).part();
            }
            probes.addTermsBlock(sketches, etas, targets, parts);
        });
        IntStream rest = IntStream.range(0, several.size());
        (parallel ? rest.parallel() : rest).forEach(s -> {
            SampleRows sample = several.get(s);
            List<SampleCheckpoint.RowContribution> counted = new ArrayList<>();
            for (SampleCheckpoint.RowContribution row : SampleCheckpoint.counted(sample.rows(), trainSource)) {
                counted.add(SampleCheckpoint.contribution(probes, row.step(), row.learningRate(), row.sketch()));
            }
            if (sample.part() != null) {
                System.arraycopy(SampleCheckpoint.trajectoryPart(counted, sample.part().length), 0, sample.part(), 0, sample.part().length);
            }
            double[] terms = SampleCheckpoint.terms(counted);
            double[] target = sample.influence();
            for (int p = 0; p < terms.length; p++) {
                target[p] += terms[p];
            }
        });
    }
}

package dev.cadc.core.curriculum;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.Role;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Planted sets, curation shortcuts and row shuffling shared by the curation tests. */
public abstract class CurationTestBase {

    protected static final String RUN = "planted";

    protected static PlantedSketches.PlantedSet planted(int capabilities, int sketchDim, long seed) {
        return PlantedSketches.generate(PlantedConfig.of(RUN, seed, capabilities, sketchDim));
    }

    protected static CurationResult curate(PlantedSketches.PlantedSet set, CuratorConfig config) {
        return curate(set.batches(), set.config().sketchDim(), config, InfluenceSource.POOL);
    }

    protected static CurationResult curate(List<SketchBatch> batches, int sketchDim, CuratorConfig config, InfluenceSource source) {
        return new Curator(config).curate(SketchSource.of(batches), RUN, sketchDim, source);
    }

    protected static Curator.Analysis analyse(PlantedSketches.PlantedSet set, CuratorConfig config, InfluenceSource source) {
        return new Curator(config).analyse(SketchSource.of(set.batches()), RUN, set.config().sketchDim(), source);
    }

    /** The same rows in another order, regrouped into batches of another size. */
    public static List<SketchBatch> shuffledRows(List<SketchBatch> batches, long seed, int rowsPerBatch) {
        List<SketchBatch> single = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            for (int r = 0; r < batches.get(b).rowCount(); r++) {
                rows.add(new int[] {b, r});
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = rows.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int[] swap = rows.get(i);
            rows.set(i, rows.get(j));
            rows.set(j, swap);
        }
        SketchBatch first = batches.get(0);
        SketchBatch.Builder builder = SketchBatch.builder(first.runId(), first.projection());
        for (int[] row : rows) {
            SketchBatch batch = batches.get(row[0]);
            int r = row[1];
            builder.add(batch.step(r), batch.checkpoint(r), batch.role(r), batch.sampleId(r), batch.learningRate(r),
                    batch.loss(r), batch.sketch(r));
            if (builder.rowCount() == rowsPerBatch) {
                single.add(builder.build());
                builder = SketchBatch.builder(first.runId(), first.projection());
            }
        }
        if (builder.rowCount() > 0) {
            single.add(builder.build());
        }
        return single;
    }

    /** Every row of {@code role}, as (checkpoint, sample id, learning rate, sketch). */
    protected record Row(int checkpoint, long sampleId, long step, float learningRate, float[] sketch) {}

    protected static List<Row> rows(List<SketchBatch> batches, Role role) {
        List<Row> rows = new ArrayList<>();
        for (SketchBatch batch : batches) {
            for (int r = 0; r < batch.rowCount(); r++) {
                if (batch.role(r) == role) {
                    rows.add(new Row(batch.checkpoint(r), batch.sampleId(r), batch.step(r), batch.learningRate(r), batch.sketch(r)));
                }
            }
        }
        return rows;
    }

    protected static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}

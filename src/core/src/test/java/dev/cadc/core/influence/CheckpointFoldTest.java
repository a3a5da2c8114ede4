package dev.cadc.core.influence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CheckpointFoldTest {

    /**
     * The trajectory part the fold hands back (for one row: the unit sketch it computes for the dots;
     * for several: the counted rows' normalised sum) is {@link SampleCheckpoint#trajectoryPart} bit for
     * bit, and asking for it changes no term.
     */
    @Test
    void partsHandedBackEqualTrajectoryPartAndChangeNoTerm() {
        int dim = 67;
        int probes = 9;
        SplittableRandom random = new SplittableRandom(3);
        float[] unitProbes = new float[probes * dim];
        for (int i = 0; i < unitProbes.length; i++) {
            unitProbes[i] = (float) random.nextGaussian() / (float) Math.sqrt(dim);
        }
        ProbeCheckpoint checkpoint = new ProbeCheckpoint(0, dim, unitProbes);
        for (boolean trainSource : new boolean[] {false, true}) {
            List<CheckpointFold.SampleRows> withParts = new ArrayList<>();
            List<CheckpointFold.SampleRows> without = new ArrayList<>();
            List<List<SampleCheckpoint.RowContribution>> rowsOf = new ArrayList<>();
            for (int s = 0; s < 11; s++) {
                List<SampleCheckpoint.RowContribution> rows = new ArrayList<>();
                for (int r = 0; r < 1 + s % 3; r++) {
                    float[] sketch = new float[dim];
                    for (int d = 0; d < dim; d++) {
                        sketch[d] = (float) (random.nextGaussian() * 5);
                    }
                    rows.add(new SampleCheckpoint.RowContribution(random.nextInt(100), (float) random.nextDouble(), sketch, null));
                }
                rowsOf.add(rows);
                withParts.add(new CheckpointFold.SampleRows(new double[probes], rows, new float[dim]));
                without.add(new CheckpointFold.SampleRows(new double[probes], rows));
            }

            CheckpointFold.fold(checkpoint, trainSource, withParts, false);
            CheckpointFold.fold(checkpoint, trainSource, without, false);

            for (int s = 0; s < rowsOf.size(); s++) {
                float[] expected = SampleCheckpoint.trajectoryPart(SampleCheckpoint.counted(rowsOf.get(s), trainSource), dim);
                assertThat(withParts.get(s).part()).as("sample %d, train %s", s, trainSource).isEqualTo(expected);
                assertThat(withParts.get(s).influence()).isEqualTo(without.get(s).influence());
            }
        }
    }
}

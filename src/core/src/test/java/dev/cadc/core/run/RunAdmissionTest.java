package dev.cadc.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.InvalidRecordException;
import dev.cadc.core.format.ReasonCode;
import dev.cadc.core.format.RunStart;
import dev.cadc.core.sketch.ProjectionKind;
import dev.cadc.core.sketch.ProjectionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunAdmissionTest {

    private static final List<RunStart.Layer> MLP = List.of(new RunStart.Layer("0", 32, 64), new RunStart.Layer("2", 10, 32));
    private static final RunStart RUN = new RunStart("r1", 64, 7L, ProjectionKind.KRONECKER, InfluenceSource.POOL, null);

    @Test
    void aRepeatedRunStartMustNameTheSameProjectionAndSource() {
        assertThat(RunAdmission.admitRepeatedStart(RUN, RUN)).isNull();
        for (RunStart other : List.of(
                new RunStart("r1", 32, 7L, ProjectionKind.KRONECKER, InfluenceSource.POOL, null),
                new RunStart("r1", 64, 8L, ProjectionKind.KRONECKER, InfluenceSource.POOL, null),
                new RunStart("r1", 64, 7L, ProjectionKind.DENSE, InfluenceSource.POOL, null),
                new RunStart("r1", 64, 7L, ProjectionKind.KRONECKER, InfluenceSource.TRAIN, null))) {
            assertThatThrownBy(() -> RunAdmission.admitRepeatedStart(RUN, other))
                    .isInstanceOfSatisfying(InvalidRecordException.class,
                            e -> assertThat(e.reason()).isEqualTo(ReasonCode.PROJECTION_MISMATCH));
        }
    }

    @Test
    void theFirstLayerListGivenIsTheRunsAndALaterOneMustEqualIt() {
        RunStart withLayers = new RunStart("r1", 64, 7L, ProjectionKind.KRONECKER, InfluenceSource.POOL, MLP);
        assertThat(RunAdmission.admitRepeatedStart(RUN, withLayers)).isEqualTo(MLP);
        assertThat(RunAdmission.admitRepeatedStart(withLayers, RUN)).as("no list matches any").isEqualTo(MLP);
        assertThat(RunAdmission.admitRepeatedStart(withLayers, withLayers)).isEqualTo(MLP);
        RunStart otherLayers = new RunStart("r1", 64, 7L, ProjectionKind.KRONECKER, InfluenceSource.POOL, MLP.subList(0, 1));
        assertThatThrownBy(() -> RunAdmission.admitRepeatedStart(withLayers, otherLayers))
                .isInstanceOfSatisfying(InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(ReasonCode.LAYER_MISMATCH));
    }

    @Test
    void batchesRunEndsAndRunIds() {
        RunAdmission.admitBatch(RUN, new ProjectionSpec(64, 7L, ProjectionKind.KRONECKER));
        assertThatThrownBy(() -> RunAdmission.admitBatch(RUN, new ProjectionSpec(32, 7L, ProjectionKind.KRONECKER)))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(ReasonCode.WRONG_DIMENSION));
        assertThatThrownBy(() -> RunAdmission.admitBatch(RUN, new ProjectionSpec(64, 9L, ProjectionKind.KRONECKER)))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(ReasonCode.PROJECTION_MISMATCH));

        RunAdmission.admitRunEnd(null, 3, 2);
        RunAdmission.admitRunEnd(3, 3, 4);
        assertThatThrownBy(() -> RunAdmission.admitRunEnd(3, 4, 0)).hasMessageContaining("an earlier run-end named 3");
        assertThatThrownBy(() -> RunAdmission.admitRunEnd(null, 1, 3)).hasMessageContaining("checkpoint 2 was already closed");

        RunAdmission.admitRunId("r1", "r1");
        assertThatThrownBy(() -> RunAdmission.admitRunId("r2", "r1"))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(ReasonCode.RUN_MISMATCH));
    }
}

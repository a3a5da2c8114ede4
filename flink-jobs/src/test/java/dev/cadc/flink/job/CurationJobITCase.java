package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a real broker and a real MiniCluster: its final curriculum equals the batch
 * {@code cadc curate} on the same sketches, exactly (same ids, same order, same influence bits),
 * with each run spread over the topic's 4 partitions (the publisher's default) and with each run in
 * one partition.
 */
class CurationJobITCase extends CurationJobTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = miniCluster();

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 4})
    void finalCurriculumEqualsTheBatchReference(int parallelism) throws Exception {
        String topic = "sketches-equal-p" + parallelism;
        PlantedSketches.PlantedSet set = planted("equal-p" + parallelism, 21);
        publish(topic, set, set.batches(), checkpoints(set));
        JobConfig config = jobConfig(topic, parallelism);

        runBounded(config);

        CurationResult expected = batchCurate(config, set);
        List<Curriculum> committed = committedCurricula(set.config().runId());
        assertThat(versions(committed)).as("one version per checkpoint").containsExactly(0L, 1L, 2L, 3L);
        Curriculum newest = committed.get(committed.size() - 1);
        assertThat(newest).isEqualTo(CurriculumJson.toCurriculum(expected));
        assertThat(committedCapabilities(set.config().runId()).get(committed.size() - 1))
                .isEqualTo(CurriculumJson.toCapabilities(expected));
    }
}

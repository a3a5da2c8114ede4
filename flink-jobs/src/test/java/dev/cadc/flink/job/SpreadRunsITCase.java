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
 * Interleaved runs on a multi-partition topic, each spread over the partitions or in one partition, and a
 * spread run with a 1 ms grace: the job's final curricula equal the batch reference. (A class of its own,
 * so that its broker serves fewer jobs: see the note in {@link CurationJobTestBase}.)
 */
class SpreadRunsITCase extends CurationJobTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = miniCluster();

    @ParameterizedTest(name = "spread over partitions: {0}")
    @ValueSource(booleans = {true, false})
    void shuffledInterleavedRunsOnAMultiPartitionTopicEachEqualTheirBatchReference(boolean spread) throws Exception {
        String topic = "sketches-shuffled-" + (spread ? "spread" : "keyed");
        PlantedSketches.PlantedSet first = planted("shuffled-a-" + spread, 31);
        PlantedSketches.PlantedSet second = planted("shuffled-b-" + spread, 32);
        List<Integer> reversed = new ArrayList<>(checkpoints(first));
        Collections.shuffle(reversed, new Random(5));
        publish(topic, first, shuffledRows(first.batches(), 7, 97), reversed, spread);
        publish(topic, second, shuffledRows(second.batches(), 8, 61), checkpoints(second), spread);
        JobConfig config = jobConfig(topic, 4);

        runBounded(config);

        for (PlantedSketches.PlantedSet set : List.of(first, second)) {
            List<Curriculum> committed = committedCurricula(set.config().runId());
            Curriculum newest = committed.get(committed.size() - 1);
            assertThat(newest).isEqualTo(CurriculumJson.toCurriculum(batchCurate(config, set)));
            assertThat(newest.entries()).allSatisfy(entry -> assertThat(set.pool()).containsKey(entry.sampleId()));
            assertThat(versions(committed)).containsExactly(0L, 1L, 2L, 3L);
        }
    }

    /**
     * The defect of the first build: a run spread over partitions, its checkpoint-complete records read
     * before rows still waiting in other partitions. With a grace period of 1 ms of wall-clock time
     * every checkpoint closed short and the late rows became dead letters; in event time the lagging
     * partitions hold the watermark back, so nothing closes short and nothing is lost.
     */
    @Test
    void aSpreadRunWithAGraceOfOneMillisecondLosesNoRow() throws Exception {
        String topic = "sketches-spread-grace";
        PlantedSketches.PlantedSet set = planted("spread-grace", 33);
        publish(topic, set, shuffledRows(set.batches(), 9, 53), checkpoints(set), true);
        java.util.Map<String, String> values = new java.util.HashMap<>();
        values.put("grace-ms", "1");
        JobConfig config = jobConfig(topic, 2, values);

        runBounded(config);

        List<Curriculum> committed = committedCurricula(set.config().runId());
        assertThat(versions(committed)).containsExactly(0L, 1L, 2L, 3L);
        assertThat(committed.get(committed.size() - 1)).isEqualTo(CurriculumJson.toCurriculum(batchCurate(config, set)));
        assertThat(deadLetterCount(set.config().runId())).as("dead letters of a valid run").isZero();
    }
}

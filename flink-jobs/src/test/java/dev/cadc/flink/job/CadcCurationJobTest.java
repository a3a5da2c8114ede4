package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.flink.config.JobConfig;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The job graph's contract with savepoints: every operator keeps its uid (a savepoint maps state to
 * operators by uid; a renamed uid silently drops that state) and the key-group count is pinned.
 */
class CadcCurationJobTest {

    @Test
    void operatorUidsAndMaxParallelismAreStable() {
        JobConfig config = JobConfig.of(Map.of("parallelism", "2"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(CadcCurationJob.configuration(config));
        CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(config), config);
        StreamGraph graph = env.getStreamGraph();

        Map<String, String> uids = new TreeMap<>();
        for (StreamNode node : graph.getStreamNodes()) {
            if (node.getTransformationUID() != null) {
                uids.put(node.getTransformationUID(), node.getOperatorName());
            }
        }
        assertThat(uids.keySet()).as("changing a uid breaks restoring savepoints: add a migration, then update this list")
                .containsExactly("Sink Committer: cadc-kafka-sink", "cadc-kafka-sink", "capability-clusterer", "capability-selector", "choices-to-assembler", "plans-to-buckets", "record-decoder", "sample-influence",
                        "sketch-source", "sketch-validator", "summaries-to-assembler", "version-assembler");
        assertThat(env.getConfig().getMaxParallelism()).isEqualTo(CadcCurationJob.MAX_PARALLELISM);
    }
}

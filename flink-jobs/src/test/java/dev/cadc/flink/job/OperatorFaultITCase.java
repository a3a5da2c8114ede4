package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.OutputRecord;
import dev.cadc.testing.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A failure in each operator in turn: once version 1 is committed, the next record that leaves the
 * chosen operator (for the sink: the next record it writes) throws. The job restarts from its last
 * checkpoint and goes on; the final curriculum equals the batch reference, and every version 0..3 is
 * on {@code cadc.curriculum} exactly once, in order.
 *
 * <p>The operators are not touched: the test builds the job with a {@link CadcCurationJob.StageTap}
 * that puts a step after every operator which throws when its operator is the armed one, and gives
 * the sink a serializer that does the same. Each case gets a broker of its own: many exactly-once jobs
 * in a row on one broker have stalled a later publisher (see {@link CurationJobTestBase}).
 */
class OperatorFaultITCase extends FaultTestBase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = CurationJobTestBase.miniCluster();

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(60);

    private EmbeddedKafkaBroker broker;

    @AfterEach
    void stopBroker() {
        InjectedFault.disarm();
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sketch-source", "record-decoder", "sketch-validator", "capability-clusterer", "plans-to-buckets",
        "sample-influence", "capability-selector", "choices-to-assembler", "summaries-to-assembler", "version-assembler",
        "cadc-kafka-sink"})
    void aFailureInAnOperatorChangesNothing(String operatorUid, @InjectMiniCluster MiniCluster miniCluster) throws Exception {
        long started = System.nanoTime();
        broker = EmbeddedKafkaBroker.start();
        Map<String, Object> client = broker.clientConfig();
        String topic = "sketches-fault-" + operatorUid;
        PlantedSketches.PlantedSet set = CurationJobTestBase.planted("fault-in-" + operatorUid, 83);
        String run = set.config().runId();
        JobConfig config = jobConfig(broker.bootstrapServers(), topic, Map.of());
        StreamExecutionEnvironment env = environment(config, 3, Duration.ofMillis(500));
        KafkaConnectors.createTopics(config);
        CadcCurationJob.build(env, KafkaConnectors.source(config),
                KafkaConnectors.sink(config, new FailingSerializer(new KafkaConnectors.OutputRecordSerializer(config.topics.prefix()))), config,
                new FailingTap());

        try (SketchPublisher publisher = publisher(client, topic); CurriculumClient curricula = new CurriculumClient(client)) {
            JobClient job = env.executeAsync("cadc-fault-in-" + operatorUid);
            try {
                startRun(publisher, set);
                publishCheckpoints(publisher, set, 0, 1);
                assertThat(curricula.awaitNewerThan(run, 0, VERSION_TIMEOUT).version()).isEqualTo(1);

                InjectedFault.arm(operatorUid);
                publishCheckpoints(publisher, set, 2, 3);
                Curriculum finalVersion = curricula.awaitNewerThan(run, 2, VERSION_TIMEOUT);

                assertThat(InjectedFault.fired()).as("the fault in %s was injected", operatorUid).isTrue();
                assertThat(miniCluster.getExecutionGraph(job.getJobID()).get().getStatusTimestamp(JobStatus.RESTARTING))
                        .as("the job restarted after the fault").isPositive();
                assertThat(finalVersion).isEqualTo(CurriculumJson.toCurriculum(CurationJobTestBase.batchCurate(config, set)));
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
        List<Curriculum> committed = committedCurricula(client, run);
        assertThat(committed).as("every version committed once, in order")
                .extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
        report("fault in %s: job restarted, final curriculum equal, versions %s; %.1f s", operatorUid,
                committed.stream().map(Curriculum::version).toList(), (System.nanoTime() - started) / 1e9);
    }

    /**
     * The one fault of a test: armed with an operator's uid, the first record past that operator
     * throws, once. Static because the job's functions are serialised copies in the MiniCluster's
     * threads of this JVM.
     */
    static final class InjectedFault {
        private static volatile String armed;
        private static final AtomicBoolean FIRED = new AtomicBoolean();

        static void arm(String operatorUid) {
            FIRED.set(false);
            armed = operatorUid;
        }

        static void disarm() {
            armed = null;
        }

        static boolean fired() {
            return FIRED.get();
        }

        static void maybeThrow(String operatorUid) {
            if (operatorUid.equals(armed) && FIRED.compareAndSet(false, true)) {
                throw new IllegalStateException("fault injected after operator " + operatorUid + " (OperatorFaultITCase)");
            }
        }
    }

    /** After every operator: a step that throws when that operator is the armed one. */
    private static final class FailingTap implements CadcCurationJob.StageTap {
        @Override
        public <T> DataStream<T> after(String uid, DataStream<T> output) {
            return output.map(new FailOnce<T>(uid), output.getType()).uid("fault-after-" + uid).name("fault after " + uid);
        }
    }

    private static final class FailOnce<T> implements MapFunction<T, T> {
        private static final long serialVersionUID = 1L;
        private final String operatorUid;

        FailOnce(String operatorUid) {
            this.operatorUid = operatorUid;
        }

        @Override
        public T map(T value) {
            InjectedFault.maybeThrow(operatorUid);
            return value;
        }
    }

    /** The job's serializer, throwing once in the sink's writer when the sink is armed. */
    private static final class FailingSerializer implements KafkaRecordSerializationSchema<OutputRecord> {
        private static final long serialVersionUID = 1L;
        private final KafkaRecordSerializationSchema<OutputRecord> delegate;

        FailingSerializer(KafkaRecordSerializationSchema<OutputRecord> delegate) {
            this.delegate = delegate;
        }

        @Override
        public void open(org.apache.flink.api.common.serialization.SerializationSchema.InitializationContext context,
                KafkaSinkContext sinkContext) throws Exception {
            delegate.open(context, sinkContext);
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(OutputRecord element, KafkaSinkContext context, Long timestamp) {
            InjectedFault.maybeThrow("cadc-kafka-sink");
            return delegate.serialize(element, context, timestamp);
        }
    }
}

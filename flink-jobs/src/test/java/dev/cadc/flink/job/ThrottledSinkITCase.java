package dev.cadc.flink.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.client.CurriculumClient;
import dev.cadc.client.SketchPublisher;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.testing.KafkaBrokerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A slow broker: every producer is held to {@value #PRODUCER_BYTES_PER_SECOND} bytes/s by a broker
 * quota ({@code producer_byte_rate} on the default client id, set with the Admin API once the input is
 * published), and the run comes with {@value #JUNK_RECORDS} records of {@value #JUNK_BYTES} random
 * bytes, each of which the job must write back as a dead letter: 1 MiB, eight seconds of writes at the
 * quota (more, as the broker's throttling overshoots). Less is not enough: Flink updates the
 * back-pressure metric ({@code backPressuredTimeMsPerSecond}) every 5 s, and a shorter stall can fall
 * between two updates. The sink cannot keep up, so the operators before
 * it are back-pressured, as the Flink REST API (the web UI's source) reports while the job runs; and
 * nothing is dropped: every junk record is a committed dead letter, and the final curriculum equals the
 * batch reference.
 *
 * <p>The sink's producer gets a small {@code buffer.memory} (256 KiB instead of 32 MiB): with the
 * default it would absorb this test's whole output and only block at the checkpoint's flush, which
 * back-pressures too but later and for a shorter time than a test can observe reliably.
 */
class ThrottledSinkITCase extends FaultTestBase {

    private static final int JUNK_RECORDS = 128;
    private static final int JUNK_BYTES = 16 * 1024;
    private static final long PRODUCER_BYTES_PER_SECOND = 128 * 1024;
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(CurationJobTestBase.SLOTS)
            .setConfiguration(fastMetrics())
            .build());

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void aThrottledSinkBackPressuresTheJobAndDropsNothing(@InjectMiniCluster MiniCluster miniCluster) throws Exception {
        String topic = "sketches-throttled";
        PlantedSketches.PlantedSet set = CurationJobTestBase.planted("throttled", 97);
        String run = set.config().runId();
        Map<String, Object> client = KAFKA.clientConfig();
        try (SketchPublisher publisher = publisher(client, topic);
                KafkaProducer<byte[], byte[]> junk = new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
            startRun(publisher, set);
            publishCheckpoints(publisher, set, 0, set.config().checkpoints() - 1);
            Random random = new Random(97);
            for (int i = 0; i < JUNK_RECORDS; i++) {
                byte[] value = new byte[JUNK_BYTES];
                random.nextBytes(value);
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, run.getBytes(StandardCharsets.UTF_8), value);
                record.headers().add(WireFormat.HEADER_SCHEMA_VERSION, WireFormat.SCHEMA_VERSION_TEXT.getBytes(StandardCharsets.UTF_8));
                record.headers().add(WireFormat.HEADER_CONTENT_TYPE, WireFormat.CONTENT_TYPE_ARROW.getBytes(StandardCharsets.UTF_8));
                junk.send(record);
            }
            junk.flush();
        }

        JobConfig config = jobConfig(KAFKA.bootstrapServers(), topic, Map.of("bounded", "true"));
        JobConfig sinkConfig = jobConfig(KAFKA.bootstrapServers(), topic, Map.of("bounded", "true"));
        sinkConfig.kafkaProperties.put("buffer.memory", Integer.toString(256 * 1024));
        StreamExecutionEnvironment env = environment(config, 0, Duration.ofSeconds(1));
        KafkaConnectors.createTopics(config);
        CadcCurationJob.build(env, KafkaConnectors.source(config), KafkaConnectors.sink(sinkConfig), config);

        throttleProducers(client, PRODUCER_BYTES_PER_SECOND);
        double highestBackPressure;
        Duration took;
        try {
            Instant start = Instant.now();
            JobClient job = env.executeAsync("cadc-throttled-sink");
            try {
                highestBackPressure = watchBackPressure(miniCluster, job);
            } finally {
                if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.FINISHED);
            took = Duration.between(start, Instant.now());
        } finally {
            throttleProducers(client, null);
        }

        report("throttled sink: %d junk records of %d bytes at %d bytes/s; job took %.1f s; highest back-pressure ratio %.2f",
                JUNK_RECORDS, JUNK_BYTES, PRODUCER_BYTES_PER_SECOND, took.toMillis() / 1000.0, highestBackPressure);
        assertThat(highestBackPressure).as("the highest back-pressure ratio the REST API reported for any operator before the sink")
                .isGreaterThan(0.1);
        assertThat(took).as("the job waited for the throttled writes")
                .isGreaterThan(Duration.ofSeconds((long) JUNK_RECORDS * JUNK_BYTES / PRODUCER_BYTES_PER_SECOND / 2));
        assertThat(deadLetters(client, run)).as("every junk record is a dead letter").isEqualTo(JUNK_RECORDS);
        try (CurriculumClient curricula = new CurriculumClient(client)) {
            Curriculum newest = curricula.latest(run, READ_TIMEOUT).orElseThrow();
            assertThat(newest).isEqualTo(CurriculumJson.toCurriculum(CurationJobTestBase.batchCurate(config, set)));
        }
        assertThat(committedCurricula(client, run)).extracting(Curriculum::version).containsExactly(0L, 1L, 2L, 3L);
    }

    /** Sets (or with {@code null} removes) the broker quota {@code producer_byte_rate} of the default client id. */
    private static void throttleProducers(Map<String, Object> client, Long bytesPerSecond) throws Exception {
        ClientQuotaEntity everyClient = new ClientQuotaEntity(Collections.singletonMap(ClientQuotaEntity.CLIENT_ID, null));
        try (Admin admin = Admin.create(client)) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(everyClient, List.of(new ClientQuotaAlteration.Op(
                    "producer_byte_rate", bytesPerSecond == null ? null : bytesPerSecond.doubleValue()))))).all().get();
        }
    }

    /**
     * Polls {@code /jobs/ID/vertices/VID/backpressure} (what the web UI's BackPressure tab shows) for
     * every operator but the sink until the job ends; returns the highest ratio any subtask reported.
     */
    private static double watchBackPressure(MiniCluster miniCluster, JobClient job) throws Exception {
        URI rest = miniCluster.getRestAddress().get();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String jobPath = "/jobs/" + job.getJobID();
        Instant deadline = Instant.now().plus(JOB_TIMEOUT);
        double highest = 0;
        while (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the throttled job did not finish within " + JOB_TIMEOUT);
            }
            Map<String, String> vertices = new HashMap<>();
            get(http, rest, jobPath).path("vertices").forEach(vertex -> vertices.put(vertex.get("id").asText(), vertex.get("name").asText()));
            for (Map.Entry<String, String> vertex : vertices.entrySet()) {
                if (vertex.getValue().contains("cadc.curriculum")) {
                    continue; // the sink: it is busy, not back-pressured
                }
                for (JsonNode subtask : get(http, rest, jobPath + "/vertices/" + vertex.getKey() + "/backpressure").path("subtasks")) {
                    highest = Math.max(highest, subtask.path("ratio").asDouble(0));
                }
            }
            Thread.sleep(250); // poll interval of the deadline loop
        }
        return highest;
    }

    private static JsonNode get(HttpClient http, URI rest, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** The REST API's metrics refresh every 500 ms instead of 10 s, so a test sees back-pressure as it happens. */
    private static Configuration fastMetrics() {
        Configuration configuration = new Configuration();
        configuration.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return configuration;
    }
}

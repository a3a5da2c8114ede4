package dev.cadc.flink.operators;

import static dev.cadc.flink.operators.OperatorTestData.RUN;
import static dev.cadc.flink.operators.OperatorTestData.batchesOfCheckpointZero;
import static dev.cadc.flink.operators.OperatorTestData.plantedCheckpointZero;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.SketchSource;
import dev.cadc.core.format.CapabilitiesCodec;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InfluenceSource;
import dev.cadc.core.format.WireFormat;
import dev.cadc.core.synth.PlantedConfig;
import dev.cadc.core.synth.PlantedSketches;
import dev.cadc.flink.config.JobConfig;
import dev.cadc.flink.records.Contribution;
import dev.cadc.flink.records.VersionPlan;
import dev.cadc.flink.records.OutputRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CurriculumBuilderTest {

    private static final int K = 16;
    private static final JobConfig CONFIG = JobConfig.of(Map.of("budget", "0.2", "k-min", "2", "k-max", "6", "stages", "2"));
    private static final PlantedSketches.PlantedSet PLANTED = PlantedSketches.generate(
            PlantedConfig.of(RUN, 21, 3, K).withPool(12, 4).withCheckpoints(1));
    private static final OperatorTestData.PlantedCheckpoint CHECKPOINT_ZERO =
            plantedCheckpointZero(PLANTED, CONFIG.curatorConfig().clustering());

    private KeyedTwoInputStreamOperatorTestHarness<String, VersionPlan, Contribution, OutputRecord> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = OperatorTestData.builderHarness(new CurriculumBuilder(CONFIG), null);
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    @Test
    void buildsVersionZeroOnlyAfterTheLastContributionWhateverTheOrder() throws Exception {
        List<Contribution> contributions = new ArrayList<>(CHECKPOINT_ZERO.contributions());
        assertThat(contributions).hasSize((int) CHECKPOINT_ZERO.clustering().sourceRows).hasSizeGreaterThan(10);
        Collections.shuffle(contributions, new Random(5));
        List<Object> events = new ArrayList<>(contributions);
        // The clustering overtakes some contributions; the last event is a contribution.
        events.add(events.size() / 3, CHECKPOINT_ZERO.clustering());

        for (int i = 0; i < events.size() - 1; i++) {
            process(harness, events.get(i));
            assertThat(harness.extractOutputValues()).as("output after %d of %d events", i + 1, events.size()).isEmpty();
        }
        process(harness, events.get(events.size() - 1));

        List<OutputRecord> records = harness.extractOutputValues();
        assertThat(records).extracting(r -> r.topic)
                .containsExactlyInAnyOrder(WireFormat.TOPIC_CURRICULUM, WireFormat.TOPIC_CAPABILITIES);
        for (OutputRecord record : records) {
            assertThat(new String(record.key, StandardCharsets.UTF_8)).isEqualTo(RUN);
            assertThat(OperatorTestData.header(record, WireFormat.HEADER_SCHEMA_VERSION)).isEqualTo(WireFormat.SCHEMA_VERSION_TEXT);
            assertThat(OperatorTestData.header(record, WireFormat.HEADER_CONTENT_TYPE)).isEqualTo(WireFormat.CONTENT_TYPE_ARROW);
        }
        Curriculum curriculum = CurriculumCodec.decode(valueOf(records, WireFormat.TOPIC_CURRICULUM), RUN);
        CapabilitySet capabilities = CapabilitiesCodec.decode(valueOf(records, WireFormat.TOPIC_CAPABILITIES), RUN);

        long poolSize = PLANTED.pool().size();
        assertThat(curriculum.version()).isZero();
        assertThat(curriculum.checkpoint()).isZero();
        assertThat(curriculum.poolSize()).isEqualTo(poolSize);
        assertThat(curriculum.budget()).isEqualTo(Math.round(0.2 * poolSize));
        assertThat(curriculum.entries()).isNotEmpty();
        assertThat(curriculum.entries().size() + curriculum.shortfall()).isEqualTo(curriculum.budget());
        assertThat(capabilities.version()).isZero();
        assertThat(capabilities.capabilities()).extracting(c -> c.id())
                .containsExactlyElementsOf(distinctSorted(CHECKPOINT_ZERO.clustering().assignment));

        // The streaming builder and the batch curator share one implementation: same sketches, same answer.
        CurationResult batch = new Curator(CONFIG.curatorConfig())
                .curate(SketchSource.of(batchesOfCheckpointZero(PLANTED)), RUN, K, InfluenceSource.POOL);
        assertThat(curriculum).isEqualTo(CurriculumJson.toCurriculum(batch));
        assertThat(capabilities).isEqualTo(CurriculumJson.toCapabilities(batch));

        // Version 0 is built once: state of the checkpoint is gone, a repeated clustering waits for version 1.
        harness.processElement1(CHECKPOINT_ZERO.clustering(), 0L);
        assertThat(harness.extractOutputValues()).hasSize(2);
    }

    @Test
    void emitsNothingWhileAContributionIsMissing() throws Exception {
        List<Contribution> contributions = CHECKPOINT_ZERO.contributions();
        harness.processElement1(CHECKPOINT_ZERO.clustering(), 0L);
        for (Contribution contribution : contributions.subList(1, contributions.size())) {
            harness.processElement2(contribution, 0L);
        }
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processElement2(contributions.get(0), 0L);
        assertThat(harness.extractOutputValues()).hasSize(2);
    }

    @Test
    void aRunEndReleaseWaitsForTheLastVersionThenNothingIsKept() throws Exception {
        List<Contribution> contributions = CHECKPOINT_ZERO.contributions();
        harness.processElement1(CHECKPOINT_ZERO.clustering(), 0L);
        harness.processElement1(release(0, false), 0L);
        for (Contribution contribution : contributions.subList(0, contributions.size() - 1)) {
            harness.processElement2(contribution, 0L);
        }
        assertThat(harness.numKeyedStateEntries()).as("held until version 0 is built").isPositive();
        harness.processElement2(contributions.get(contributions.size() - 1), 0L);

        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aTtlReleaseDropsTheRunAndTheContributionsStillInFlight() throws Exception {
        List<Contribution> contributions = CHECKPOINT_ZERO.contributions();
        harness.processElement1(CHECKPOINT_ZERO.clustering(), 0L);
        harness.processElement2(contributions.get(0), 0L);
        harness.processElement1(release(-1, true), 0L);
        harness.processElement2(contributions.get(1), 0L);
        assertThat(harness.numKeyedStateEntries()).as("only the tombstone").isEqualTo(1);

        harness.processBothWatermarks(new org.apache.flink.streaming.api.watermark.Watermark(501L));
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.extractOutputValues()).isEmpty();
    }

    private static VersionPlan release(int lastCheckpoint, boolean expired) {
        VersionPlan release = new VersionPlan();
        release.runId = RUN;
        release.kind = VersionPlan.Kind.RELEASE;
        release.checkpoint = lastCheckpoint;
        release.expired = expired;
        release.watermark = 500L;
        return release;
    }

    private static void process(KeyedTwoInputStreamOperatorTestHarness<String, VersionPlan, Contribution, OutputRecord> harness,
            Object event) throws Exception {
        if (event instanceof VersionPlan plan) {
            harness.processElement1(plan, 0L);
        } else {
            harness.processElement2((Contribution) event, 0L);
        }
    }

    @Test
    void aRestoredBuilderPublishesTheSameVersionAsOneThatNeverFailed() throws Exception {
        List<Contribution> contributions = CHECKPOINT_ZERO.contributions();
        int half = contributions.size() / 2;
        harness.processElement1(CHECKPOINT_ZERO.clustering(), 0L);
        for (Contribution contribution : contributions) {
            harness.processElement2(contribution, 0L);
        }
        List<OutputRecord> uninterrupted = harness.extractOutputValues();

        OperatorSubtaskState snapshot;
        try (KeyedTwoInputStreamOperatorTestHarness<String, VersionPlan, Contribution, OutputRecord> before =
                OperatorTestData.builderHarness(new CurriculumBuilder(CONFIG), null)) {
            for (Contribution contribution : contributions.subList(0, half)) {
                before.processElement2(contribution, 0L);
            }
            before.processElement1(CHECKPOINT_ZERO.clustering(), 0L);
            snapshot = before.snapshot(1L, 0L);
        }
        try (KeyedTwoInputStreamOperatorTestHarness<String, VersionPlan, Contribution, OutputRecord> after =
                OperatorTestData.builderHarness(new CurriculumBuilder(CONFIG), snapshot)) {
            for (Contribution contribution : contributions.subList(half, contributions.size())) {
                after.processElement2(contribution, 0L);
            }
            List<OutputRecord> restored = after.extractOutputValues();
            assertThat(restored).hasSize(2);
            for (int i = 0; i < restored.size(); i++) {
                assertThat(restored.get(i).topic).isEqualTo(uninterrupted.get(i).topic);
                assertThat(restored.get(i).value).as(restored.get(i).topic).isEqualTo(uninterrupted.get(i).value);
            }
        }
    }

    private static byte[] valueOf(List<OutputRecord> records, String topic) {
        return records.stream().filter(r -> r.topic.equals(topic)).findFirst().orElseThrow().value;
    }

    private static List<Integer> distinctSorted(int[] values) {
        return java.util.Arrays.stream(values).distinct().sorted().boxed().toList();
    }
}

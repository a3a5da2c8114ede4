package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cadc bench pipeline} on a tiny set: every stage runs and reports (the figures themselves are for
 * people, not asserted), NumPy's influence matrix agrees with Java's, or the command fails; the live freshness
 * phase reports a figure per version; --state-backend rocksdb with --skip runs the job alone.
 */
class BenchCommandITCase {

    @Test
    void everyStageRunsAndReportsItsFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        StringWriter out = new StringWriter();

        int exit = run(out, null, "bench", "pipeline", "--pool", "300", "--probes", "32", "--dim", "16",
                "--checkpoints", "2", "--parallelism", "1,2", "--json", json.toString());

        assertThat(exit).as(out.toString()).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("stages")).extracting(stage -> stage.get("stage").asText()).anySatisfy(name ->
                assertThat(name).startsWith("Kafka consumer")).anySatisfy(name ->
                assertThat(name).isEqualTo("job --bounded, parallelism 2")).anySatisfy(name ->
                assertThat(name).startsWith("cadc curate")).anySatisfy(name ->
                assertThat(name).startsWith("NumPy"));
        for (JsonNode stage : figures.get("stages")) {
            assertThat(stage.get("rows_per_s").asDouble()).as(stage.get("stage").asText()).isPositive();
            // Linux's JVM reports its CPU time; every stage keeps at least some of it busy.
            assertThat(stage.get("process_cpu_s").asDouble()).as(stage.get("stage").asText() + " CPU").isPositive();
            if (stage.get("stage").asText().startsWith("job")) {
                assertThat(stage.get("equals_curate").asBoolean()).as(stage.get("stage").asText() + " equals cadc curate").isTrue();
            }
            if (stage.get("stage").asText().startsWith("cadc curate")) {
                // Its stages, each timed, within the whole curation.
                double stages = 0;
                for (String part : List.of("influence_stage_s", "clustering_s", "scoring_s", "selection_s")) {
                    assertThat(stage.get(part).asDouble()).as(part).isPositive();
                    stages += stage.get(part).asDouble();
                }
                assertThat(stages).isLessThanOrEqualTo(stage.get("wall_s").asDouble());
            }
        }
        assertThat(out.toString()).contains("speed-up", "curate / NumPy", "curate: influence stage",
                "the influence matrix alone, curate's influence stage / NumPy's load + compute");

        // The live phase: one freshness figure per checkpoint's version, and the target it was held to.
        JsonNode freshness = figures.get("freshness");
        assertThat(freshness).as("the freshness figure").isNotNull();
        assertThat(freshness.get("stage").asText()).isEqualTo("freshness (live job, parallelism 2)");
        assertThat(freshness.get("versions_expected").asInt()).isEqualTo(2);
        assertThat(freshness.get("versions_seen").asInt()).isEqualTo(2);
        assertThat(freshness.get("versions")).hasSize(2).allSatisfy(version -> {
            assertThat(version.get("freshness_ms").asLong()).isNotNegative();
            assertThat(version.get("seen_ms").asLong()).isGreaterThanOrEqualTo(version.get("complete_sent_ms").asLong());
            // Split at the moment the job's sink wrote the version (its record's timestamp): built, then committed.
            assertThat(version.get("written_ms").asLong()).isBetween(version.get("complete_sent_ms").asLong(), version.get("seen_ms").asLong());
            assertThat(version.get("built_ms").asLong() + version.get("commit_wait_ms").asLong()).isEqualTo(version.get("freshness_ms").asLong());
        });
        assertThat(out.toString()).contains("where each version's time went");
        assertThat(freshness.get("freshness_p50_ms").asLong()).isNotNegative()
                .isLessThanOrEqualTo(freshness.get("freshness_p99_ms").asLong());
        assertThat(freshness.get("target_p99_ms").asLong()).isEqualTo(3000);
        assertThat(freshness.has("target_met")).isTrue();
        // The live job's whole state after the last version, before the run-end: at least every pool sample's
        // influence row and trajectory (8 P + 4 J k bytes each; fixed costs such as the savepoint's metadata weigh
        // on 300 samples, so the bound itself is for the default size, not asserted here).
        assertThat(freshness.get("state_bound_bytes_per_pool_sample").asLong()).isEqualTo(8 * 32 + 4 * 2 * 16 + 256);
        assertThat(freshness.get("canonical_savepoint_bytes").asLong()).isGreaterThanOrEqualTo(300L * (8 * 32 + 4 * 2 * 16));
        assertThat(out.toString()).contains("whole state after the last version (a canonical savepoint, hashmap backend)");
        assertThat(figures.get("checkpoint_interval_ms").asLong()).isEqualTo(2000);
        assertThat(figures.get("state_backend").asText()).isEqualTo("hashmap");
        assertThat(out.toString()).contains("freshness (checkpoint-complete sent -> version visible read_committed), 2 of 2 versions");
    }

    @Test
    void theJobAloneOnRocksDbReportsItsStatePerPoolSample(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        StringWriter out = new StringWriter();

        int exit = run(out, null, "bench", "pipeline", "--pool", "300", "--probes", "32", "--dim", "16",
                "--checkpoints", "2", "--parallelism", "1", "--state-backend", "rocksdb", "--checkpoint-interval-ms", "500",
                "--skip", "consumer,curate,numpy", "--no-freshness", "--json", json.toString());

        assertThat(exit).as(out.toString()).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("state_backend").asText()).isEqualTo("rocksdb");
        assertThat(figures.get("checkpoint_interval_ms").asLong()).isEqualTo(500);
        assertThat(figures.get("skipped")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("consumer", "curate", "numpy", "freshness");
        assertThat(figures.has("freshness")).isFalse();
        assertThat(figures.get("stages")).extracting(stage -> stage.get("stage").asText())
                .containsExactly("publish (SketchPublisher, 4 partitions)", "job --bounded, parallelism 1, rocksdb");
        JsonNode job = figures.get("stages").get(1);
        assertThat(job.get("state_backend").asText()).isEqualTo("rocksdb");
        assertThat(job.get("rows_per_s").asDouble()).isPositive();
        // Present for RocksDB as for the heap backend (-1 only when no checkpoint completed while it ran).
        assertThat(job.has("state_bytes_per_pool_sample")).isTrue();
        assertThat(job.has("equals_curate")).as("curate skipped: nothing to compare").isFalse();
        assertThat(out.toString()).doesNotContain("NumPy", "cadc curate", "Kafka consumer");
    }

    @Test
    void badStageNamesAndBackendsAreRejected() {
        StringWriter err = new StringWriter();

        assertThat(run(new StringWriter(), err, "bench", "pipeline", "--quick", "--skip", "kafka")).isNotZero();
        assertThat(err.toString()).contains("--skip takes consumer, job, freshness, curate, numpy");
        assertThat(run(new StringWriter(), err, "bench", "pipeline", "--quick", "--state-backend", "memory")).isNotZero();
        assertThat(err.toString()).contains("--state-backend must be hashmap or rocksdb");
    }

    @Test
    void helpNamesTheNewOptions() {
        StringWriter out = new StringWriter();

        assertThat(run(out, null, "bench", "pipeline", "--help")).isZero();
        assertThat(out.toString()).contains("--state-backend", "--skip", "--no-freshness", "--freshness-timeout",
                "--checkpoint-interval-ms", "freshness");
    }

    /** Runs {@code cadc} with {@code args}, its output into {@code out} and its errors into {@code err} (null: stderr); the exit code. */
    private static int run(StringWriter out, StringWriter err, String... args) {
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        if (err != null) {
            commandLine.setErr(new PrintWriter(err));
        }
        return commandLine.execute(args);
    }
}

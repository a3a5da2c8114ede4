package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.trainer.vqa.DatasetDescriptor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cadc bench trainer --quick} against the local broker it starts: the three modes run and report
 * their step times, overheads and the target's verdict, on the console and in the JSON (the figures
 * themselves are for people, not asserted).
 */
class BenchTrainerCommandITCase {

    private static final List<String> MODES = List.of("train", "train+sketch", "train+sketch+publish");

    @Test
    void everyModeRunsAndReportsItsStepTimes(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("trainer.json");
        StringWriter out = benchTrainer("--quick", "--json", json.toString());

        assertThat(out.toString()).contains("(a) train step only", "(b) + TRAIN sketches", "(c) + sketches published to Kafka",
                "publishing to a local broker at 127.0.0.1:", "CPU time of the whole process per step",
                "target: trainer overhead (c over a) under 5% of the step time: ");
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("steps").asInt()).isEqualTo(30);
        assertThat(figures.get("warmup_steps").asInt()).isEqualTo(10);
        assertThat(figures.get("modes").size()).isEqualTo(MODES.size());
        for (String mode : MODES) {
            JsonNode figure = figures.get("modes").get(mode);
            assertThat(figure).as(mode).isNotNull();
            double mean = figure.get("mean_ms").asDouble();
            assertThat(mean).as(mode + " mean").isPositive();
            assertThat(figure.get("p50_ms").asDouble()).as(mode + " p50").isPositive()
                    .isLessThanOrEqualTo(figure.get("p99_ms").asDouble());
            assertThat(figure.has("overhead_percent")).as(mode + " overhead").isTrue();
            assertThat(figure.get("process_cpu_mean_ms").asDouble()).as(mode + " CPU time").isPositive();
        }
        assertThat(figures.get("modes").get("train").get("overhead_percent").asDouble()).isZero();
        assertThat(figures.get("modes").get("train+sketch").get("sketch_mean_ms").asDouble()).isPositive();
        assertThat(figures.get("modes").get("train+sketch+publish").get("publish_mean_ms").asDouble()).isPositive();
        assertThat(figures.get("overhead_percent").asDouble())
                .isEqualTo(figures.get("modes").get("train+sketch+publish").get("overhead_percent").asDouble());
        assertThat(figures.get("target_met").asBoolean()).isEqualTo(figures.get("overhead_percent").asDouble() < 5);
        assertThat(figures.get("same_losses_in_every_mode").isBoolean()).isTrue();
        // One checkpoint's scan: every pool item (2,000 with --quick) and every probe, sketched and published.
        JsonNode scan = figures.get("checkpoint_scan");
        assertThat(scan.get("rows").asLong()).isGreaterThan(2_000L);
        assertThat(scan.get("wall_s").asDouble()).isPositive();
        assertThat(scan.get("in_mean_steps_of_a").asDouble()).isPositive();
        assertThat(out.toString()).contains("a checkpoint's scan (what cadc train publishes at each checkpoint");
        // As cadc train does: the sketches are made and published on the background pipeline, drained at each block's end.
        assertThat(figures.get("sketch_pipeline").asText()).isEqualTo("background");
        assertThat(out.toString()).contains("in the background: sketch ");
        for (String mode : MODES.subList(1, MODES.size())) {
            assertThat(figures.get("modes").get(mode).get("drain_mean_ms").asDouble()).as(mode + " drains").isNotNegative();
        }
    }

    @Test
    void sketchingOneStepInNTakesTheSameStepsAndSaysSo(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("trainer.json");
        StringWriter out = benchTrainer("--quick", "--sketch-every", "3", "--json", json.toString());

        assertThat(out.toString()).contains("sketches of one step in 3 (--sketch-every)");
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("sketch_every").asInt()).isEqualTo(3);
        // Plain steps and handed-over steps are the same optimiser steps.
        assertThat(figures.get("same_losses_in_every_mode").asBoolean()).isTrue();
        assertThat(figures.get("modes").get("train+sketch+publish").get("publish_mean_ms").asDouble()).isPositive();

        StringWriter err = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setErr(new PrintWriter(err));
        assertThat(commandLine.execute("bench", "trainer", "--quick", "--sketch-every", "0")).isNotZero();
        assertThat(err.toString()).contains("--sketch-every must be >= 1");
    }

    /** Runs {@code cadc bench trainer} with {@code args} (the dataset is installed by .ci/run); its output, once it exited 0. */
    private static StringWriter benchTrainer(String... args) {
        Assumptions.assumeTrue(Files.exists(DatasetDescriptor.FASHION_MNIST.trainImages()),
                "dataset-fashion-mnist is installed by .ci/run");
        StringWriter out = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        String[] command = new String[args.length + 2];
        command[0] = "bench";
        command[1] = "trainer";
        System.arraycopy(args, 0, command, 2, args.length);
        int exit = commandLine.execute(command);
        assertThat(exit).as(out.toString()).isZero();
        return out;
    }
}

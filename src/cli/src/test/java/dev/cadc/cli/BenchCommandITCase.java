package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cadc bench pipeline} on a tiny set: every stage runs and reports (the figures themselves are for
 * people, not asserted), and NumPy's influence matrix agrees with Java's, or the command fails.
 */
class BenchCommandITCase {

    @Test
    void everyStageRunsAndReportsItsFigures(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        StringWriter out = new StringWriter();
        picocli.CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));

        int exit = commandLine.execute("bench", "pipeline", "--pool", "300", "--probes", "32", "--dim", "16",
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
            if (stage.get("stage").asText().startsWith("job")) {
                assertThat(stage.get("equals_curate").asBoolean()).as(stage.get("stage").asText() + " equals cadc curate").isTrue();
            }
        }
        assertThat(out.toString()).contains("speed-up", "curate / NumPy");
    }
}

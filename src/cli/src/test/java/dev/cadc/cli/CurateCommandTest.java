package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.SketchBatch;
import dev.cadc.core.format.SketchStreamReader;
import dev.cadc.core.format.SketchStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cadc sketches synth} and {@code cadc curate} end to end on files. */
class CurateCommandTest {

    @TempDir
    Path dir;

    @Test
    void sameInputSameOutputByteForByteAndBatchOrderDoesNotMatter() throws Exception {
        Path sketches = synth("run-a", 1);
        Path first = dir.resolve("first.json");
        Path second = dir.resolve("second.json");
        Path arrow = dir.resolve("first.arrow");
        assertThat(run("curate", "--sketches", sketches.toString(), "--out", first.toString(), "--out-arrow", arrow.toString())).isZero();
        assertThat(run("curate", "--sketches", sketches.toString(), "--out", second.toString())).isZero();
        assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));

        Path reversed = dir.resolve("reversed.arrows");
        List<SketchBatch> batches = read(sketches);
        Collections.shuffle(batches, new Random(3));
        write(reversed, batches);
        Path third = dir.resolve("third.json");
        assertThat(run("curate", "--sketches", reversed.toString(), "--out", third.toString())).isZero();
        assertThat(Files.readAllBytes(third)).isEqualTo(Files.readAllBytes(first));

        JsonNode json = new ObjectMapper().readTree(first.toFile());
        assertThat(json.get("budget").asLong()).isEqualTo(Math.round(0.05 * json.get("pool_size").asLong()));
        long selected = 0;
        for (JsonNode stage : json.get("stages")) {
            selected += stage.get("samples").size();
        }
        assertThat(selected).isEqualTo(json.get("budget").asLong());
        Curriculum curriculum = CurriculumCodec.decode(Files.readAllBytes(arrow), "run-a");
        assertThat(curriculum.entries()).hasSize((int) selected);
        assertThat(curriculum.entries().get(0).sampleId()).isEqualTo(json.get("stages").get(0).get("samples").get(0).get("id").asLong());
    }

    @Test
    void aFileWithSeveralRunsNeedsRun() throws Exception {
        List<SketchBatch> batches = new ArrayList<>(read(synth("run-a", 1)));
        batches.addAll(read(synth("run-b", 2)));
        Path both = dir.resolve("both.arrows");
        write(both, batches);
        Path out = dir.resolve("out.json");

        StringWriter errors = new StringWriter();
        assertThat(run(errors, "curate", "--sketches", both.toString(), "--out", out.toString())).isEqualTo(1);
        assertThat(errors.toString()).contains("2 runs").contains("--run");
        assertThat(out).doesNotExist();

        assertThat(run("curate", "--sketches", both.toString(), "--out", out.toString(), "--run", "run-b")).isZero();
        assertThat(new ObjectMapper().readTree(out.toFile()).get("run_id").asText()).isEqualTo("run-b");
    }

    @Test
    void aMissingOrForeignFileIsAClearError() throws Exception {
        StringWriter errors = new StringWriter();
        assertThat(run(errors, "curate", "--sketches", dir.resolve("nope.arrows").toString(), "--out", dir.resolve("o.json").toString())).isEqualTo(1);
        assertThat(errors.toString()).contains("does not exist");

        Path text = dir.resolve("text.arrows");
        Files.writeString(text, "not arrow at all");
        errors = new StringWriter();
        assertThat(run(errors, "curate", "--sketches", text.toString(), "--out", dir.resolve("o.json").toString())).isEqualTo(1);
        assertThat(errors.toString()).contains("not an Arrow IPC stream");
    }

    private Path synth(String runId, long seed) {
        Path file = dir.resolve(runId + ".arrows");
        assertThat(run("sketches", "synth", "--out", file.toString(), "--run", runId, "--seed", Long.toString(seed),
                "--capabilities", "3", "--dim", "64", "--helpful-per-capability", "60", "--probes-per-capability", "12")).isZero();
        return file;
    }

    private static List<SketchBatch> read(Path file) throws Exception {
        List<SketchBatch> batches = new ArrayList<>();
        try (SketchStreamReader reader = SketchStreamReader.open(file)) {
            reader.forEachRemaining(batches::add);
        }
        return batches;
    }

    private static void write(Path file, List<SketchBatch> batches) throws Exception {
        try (SketchStreamWriter writer = SketchStreamWriter.create(file, batches.get(0).projection())) {
            batches.forEach(writer::write);
        }
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter errors, String... args) {
        CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(new StringWriter()));
        commandLine.setErr(new PrintWriter(errors, true));
        return commandLine.execute(args);
    }
}

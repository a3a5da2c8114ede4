package dev.cadc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.trainer.experiment.Experiment;
import dev.cadc.trainer.experiment.ExperimentReport;
import dev.cadc.trainer.train.Evaluation;
import dev.cadc.trainer.vqa.QuestionFamily;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cadc experiment --merge}: runs made apart become one report; a merge takes no run flags. */
class ExperimentCommandTest {

    @TempDir
    Path dir;

    @Test
    void mergeWritesOneReportFromRunsMadeApart() throws Exception {
        Path first = written("seeds-1", 1, 0.70);
        Path second = written("seeds-2", 2, 0.80);
        Path merged = dir.resolve("merged");
        StringWriter out = new StringWriter();

        assertThat(run(out, new StringWriter(), "experiment", "--merge", first + "," + second, "--out", merged.toString())).isZero();

        assertThat(Files.readAllLines(merged.resolve(ExperimentReport.RESULTS_CSV))).hasSize(1 + 2)
                .anySatisfy(line -> assertThat(line).startsWith("cadc,0.05,1,equal-steps,0.7000"))
                .anySatisfy(line -> assertThat(line).startsWith("cadc,0.05,2,equal-steps,0.8000"));
        assertThat(merged.resolve("table.txt")).content().containsPattern("equal-steps +0.05 +cadc +2 +0.7500");
        assertThat(out.toString()).contains("merged 2 rows and 0 capability records from 2 runs");
    }

    @Test
    void mergeRefusesRunFlagsWithAUsageError() throws Exception {
        Path first = written("seeds-1", 1, 0.70);
        StringWriter errors = new StringWriter();

        int exit = run(new StringWriter(), errors, "experiment", "--merge", first.toString(), "--seeds", "3", "--out",
                dir.resolve("merged").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(errors.toString()).contains("--merge re-reads finished runs and takes only --out").contains("--seeds");
    }

    private Path written(String name, long seed, double accuracy) throws Exception {
        Map<QuestionFamily, Double> perFamily = new EnumMap<>(QuestionFamily.class);
        for (QuestionFamily family : QuestionFamily.values()) {
            perFamily.put(family, accuracy);
        }
        Path target = dir.resolve(name);
        ExperimentReport.write(target, new Experiment.Results(
                List.of(new Experiment.Row("cadc", 0.05, seed, "equal-steps", new Evaluation(perFamily), 1875, 2000, 0.03)),
                List.of()));
        return target;
    }

    private static int run(StringWriter out, StringWriter errors, String... args) {
        CommandLine commandLine = CadcCommand.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(errors));
        return commandLine.execute(args);
    }
}

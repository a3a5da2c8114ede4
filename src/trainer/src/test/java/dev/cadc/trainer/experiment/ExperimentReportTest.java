package dev.cadc.trainer.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cadc.trainer.train.Evaluation;
import dev.cadc.trainer.vqa.QuestionFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reports written apart read back as written and merge into one; disagreeing runs are refused. */
class ExperimentReportTest {

    @Test
    void aWrittenReportReadsBackRowForRow(@TempDir Path dir) throws Exception {
        Experiment.Results results = results(1, 0.7);
        ExperimentReport.write(dir, results);

        Experiment.Results read = ExperimentReport.read(dir);

        assertThat(read.rows()).extracting(ExperimentReport::csvRow)
                .containsExactlyElementsOf(results.rows().stream().map(ExperimentReport::csvRow).toList());
        assertThat(read.capabilities()).extracting(ExperimentReport::capabilityCsvRow)
                .containsExactlyElementsOf(results.capabilities().stream().map(ExperimentReport::capabilityCsvRow).toList());
    }

    @Test
    void seedsRunApartMergeIntoOneTableAndARowMeasuredTwiceIsKeptOnce(@TempDir Path dir) throws Exception {
        Experiment.Results seedOne = results(1, 0.7);
        Experiment.Results seedTwo = results(2, 0.8);

        Experiment.Results merged = ExperimentReport.merge(List.of(seedOne, seedTwo, seedOne));

        assertThat(merged.rows()).hasSize(seedOne.rows().size() + seedTwo.rows().size());
        assertThat(merged.capabilities()).hasSize(seedOne.capabilities().size() + seedTwo.capabilities().size());
        assertThat(ExperimentReport.table(merged.rows())).containsPattern("equal-steps +0.05 +cadc +2 +0.7500");
        ExperimentReport.write(dir, merged);
        assertThat(Files.readAllLines(dir.resolve(ExperimentReport.RESULTS_CSV))).hasSize(merged.rows().size() + 1);
        assertThat(dir.resolve("capability-sizes.png")).isNotEmptyFile();
    }

    @Test
    void aCapabilitiesCsvFromBeforeTheAriColumnReadsBackWithoutIt(@TempDir Path dir) throws Exception {
        ExperimentReport.write(dir, results(1, 0.7));
        Path file = dir.resolve(ExperimentReport.CAPABILITIES_CSV);
        List<String> lines = Files.readAllLines(file).stream().map(line -> line.substring(0, line.lastIndexOf(','))).toList();
        Files.write(file, lines);

        Experiment.Results read = ExperimentReport.read(dir);

        assertThat(read.capabilities()).hasSize(2).allSatisfy(c -> assertThat(c.familyAri()).isNaN());
        assertThat(read.capabilities().get(1).selectedMislabelled()).isEqualTo(30);
        assertThat(ExperimentReport.capabilitySummary(read.capabilities())).contains("NaN");
    }

    @Test
    void theSummaryGivesKAndTheAriPerSeedAndBudget() {
        assertThat(ExperimentReport.capabilitySummary(results(3, 0.7).capabilities()))
                .containsPattern("3 +0.05 +2 +0.420");
    }

    @Test
    void twoDifferentResultsForTheSameSeedAreRefusedNotAveraged() {
        assertThatThrownBy(() -> ExperimentReport.merge(List.of(results(1, 0.7), results(1, 0.6))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two different results for cadc at budget 0.05, seed 1, equal-steps")
                .hasMessageContaining("different flags");
    }

    @Test
    void aDirectoryWithoutResultsSaysWhatItExpected(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ExperimentReport.read(dir)).hasMessageContaining("results.csv does not exist");
        Files.writeString(dir.resolve(ExperimentReport.RESULTS_CSV), "method,score\n");
        assertThatThrownBy(() -> ExperimentReport.read(dir)).hasMessageContaining("does not start with the header");
    }

    /** Two rows (cadc and full) and two capabilities of one seed, every accuracy {@code accuracy}. */
    private static Experiment.Results results(long seed, double accuracy) {
        Map<QuestionFamily, Double> perFamily = new EnumMap<>(QuestionFamily.class);
        for (QuestionFamily family : QuestionFamily.values()) {
            perFamily.put(family, accuracy);
        }
        Evaluation evaluation = new Evaluation(perFamily);
        List<Experiment.Row> rows = List.of(
                new Experiment.Row("cadc", 0.05, seed, "equal-steps", evaluation, 1875, 2000, 0.035),
                new Experiment.Row("full", 1.0, seed, "equal-steps", evaluation, 1875, 40000, 0.2));
        List<Experiment.CapabilityRow> capabilities = List.of(
                new Experiment.CapabilityRow(seed, 0.05, 0, 1, 0.25, new int[] {60, 0, 0, 0, 0}, new int[] {900, 0, 0, 0, 0}, 12, 0.42),
                new Experiment.CapabilityRow(seed, 0.05, 1, 2, 1.5, new int[] {0, 0, 0, 0, 100}, new int[] {0, 0, 0, 0, 1100}, 30, 0.42));
        return new Experiment.Results(rows, capabilities);
    }
}

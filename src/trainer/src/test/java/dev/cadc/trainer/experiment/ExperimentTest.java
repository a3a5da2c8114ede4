package dev.cadc.trainer.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.VqaBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny experiment (one seed, a small pool) runs every method under both protocols. */
class ExperimentTest {

    @Test
    void aTinyExperimentRunsEveryMethodAndWritesAWellFormedResultsCsv(@TempDir Path out) throws Exception {
        DatasetDescriptor fashion = DatasetDescriptor.FASHION_MNIST;
        Assumptions.assumeTrue(Files.exists(fashion.trainImages()), "dataset-fashion-mnist is installed by .ci/run");
        LabelledImages train = LabelledImages.readIdx(fashion.trainImages(), fashion.trainLabels());
        LabelledImages test = LabelledImages.readIdx(fashion.testImages(), fashion.testLabels());
        VqaBenchmark.Config benchmark = VqaBenchmark.Config.defaults(1).withSizes(3_000, 20, 100);
        Experiment.Settings settings = new Experiment.Settings(fashion, train, test, benchmark, List.of(1L), List.of("0.05"),
                Experiment.METHODS, 128, 2, 200, 4, 1e-3f, 1);
        List<Experiment.Row> heard = new ArrayList<>();
        Experiment.Results results = new Experiment(settings).run(heard::add);
        List<Experiment.Row> rows = results.rows();
        assertThat(heard).isEqualTo(rows);

        // full once (equal steps), every other method under both protocols.
        assertThat(rows).hasSize(1 + 2 * (Experiment.METHODS.size() - 1));
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.evaluation().macro()).isBetween(0.0, 1.0);
            assertThat(row.selected()).isPositive();
        });
        assertThat(rows.stream().filter(r -> r.method().equals("cadc")).findFirst().orElseThrow().selected()).isEqualTo(150);

        // Every selected item and every probe belongs to exactly one capability.
        assertThat(results.capabilities()).isNotEmpty().allSatisfy(c -> assertThat(c.budget()).isEqualTo(0.05));
        assertThat(results.capabilities().stream().mapToInt(Experiment.CapabilityRow::selected).sum()).isEqualTo(150);
        assertThat(results.capabilities().stream().mapToInt(Experiment.CapabilityRow::probes).sum()).isEqualTo(5 * 20);

        ExperimentReport.write(out, results);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).isEqualTo("method,budget,seed,protocol,macro_accuracy,acc_recognition,acc_verification,"
                + "acc_grouping,acc_structure,acc_symbolic,steps,selected,mislabelled_share");
        assertThat(csv).hasSize(rows.size() + 1);
        assertThat(csv.subList(1, csv.size())).allSatisfy(line -> {
            String[] fields = line.split(",");
            assertThat(fields).hasSize(13);
            assertThat(fields[3]).isIn("equal-steps", "equal-epochs");
            assertThat(Double.parseDouble(fields[4])).isBetween(0.0, 1.0);
        });
        assertThat(csv).anySatisfy(line -> assertThat(line).startsWith("full,1,1,equal-steps,"));
        assertThat(out.resolve("accuracy-vs-budget.png")).isNotEmptyFile();
        assertThat(out.resolve("capability-sizes.png")).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve("capabilities.csv"))).hasSize(results.capabilities().size() + 1);
        assertThat(out.resolve("index.html")).content().contains("accuracy-per-family.png");
    }
}

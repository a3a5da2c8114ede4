package dev.cadc.trainer.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.Questions;
import dev.cadc.trainer.vqa.VqaBenchmark;
import dev.cadc.trainer.vqa.VqaItem;
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
    void theStratifiedBaselineTakesEqualSharesPerFamilyFromTheTemplatesAndFillsFromOthersWhenOneRunsOut() {
        QuestionFamily[] families = QuestionFamily.values();
        // 300 items of each family but symbolic, which has 7; questions by template, as the benchmark makes them.
        int[] templates = {Questions.RECOGNITION, Questions.FIRST_VERIFICATION + 3, Questions.FIRST_GROUPING, Questions.WIDER,
            Questions.LETTERS};
        List<VqaItem> items = new ArrayList<>();
        for (QuestionFamily family : families) {
            int count = family == QuestionFamily.SYMBOLIC ? 7 : 300;
            for (int i = 0; i < count; i++) {
                items.add(new VqaItem(items.size(), items.size(), i % 10, templates[family.ordinal()], 0, 0, -1));
            }
        }

        List<VqaItem> even = Experiment.stratified(items, 33, 1, null);
        assertThat(even).hasSize(33).doesNotHaveDuplicates();
        assertThat(counts(even)).containsExactly(7, 7, 7, 6, 6);

        List<VqaItem> filled = Experiment.stratified(items, 207, 1, null);
        assertThat(counts(filled)).containsExactly(50, 50, 50, 50, 7);
        assertThat(items).containsAll(filled);
        assertThat(Experiment.stratified(items, 207, 1, null)).isEqualTo(filled);
        assertThat(Experiment.stratified(items, 207, 2, null)).isNotEqualTo(filled);
        assertThat(Experiment.stratified(items, 5_000, 1, null)).hasSize(items.size());
    }

    private static int[] counts(List<VqaItem> items) {
        int[] counts = new int[QuestionFamily.values().length];
        items.forEach(item -> counts[Questions.family(item.question()).ordinal()]++);
        return counts;
    }

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
        assertThat(rows).filteredOn(r -> !r.method().equals("full")).allSatisfy(r -> assertThat(r.selected()).isBetween(140, 150));

        // Equal steps: every method takes as many optimiser steps as full data, and every run of every
        // method starts from the same initial model (parameters and optimiser state).
        int fullSteps = rows.stream().filter(r -> r.method().equals("full")).findFirst().orElseThrow().steps();
        assertThat(results.runs()).hasSameSizeAs(rows);
        assertThat(results.runs()).filteredOn(run -> run.protocol().equals("equal-steps"))
                .hasSize(Experiment.METHODS.size())
                .allSatisfy(run -> assertThat(run.optimizerSteps()).isEqualTo(fullSteps));
        assertThat(results.runs()).extracting(Experiment.RunTrace::initialModel).containsOnly(results.runs().get(0).initialModel());
        assertThat(results.runs()).filteredOn(run -> run.protocol().equals("equal-epochs"))
                .allSatisfy(run -> assertThat(run.optimizerSteps()).isLessThan(fullSteps));

        // Every selected item and every probe belongs to exactly one capability.
        assertThat(results.capabilities()).isNotEmpty().allSatisfy(c -> assertThat(c.budget()).isEqualTo(0.05));
        assertThat(results.capabilities().stream().mapToInt(Experiment.CapabilityRow::selected).sum()).isEqualTo(150);
        assertThat(results.capabilities().stream().mapToInt(Experiment.CapabilityRow::probes).sum()).isEqualTo(5 * 20);
        assertThat(results.capabilities()).extracting(Experiment.CapabilityRow::familyAri).containsOnly(
                results.capabilities().get(0).familyAri());
        assertThat(results.capabilities().get(0).familyAri()).isBetween(-1.0, 1.0);

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
        assertThat(Files.readAllLines(out.resolve("capabilities.csv")).get(0)).endsWith(",selected_mislabelled,ari_families");
        assertThat(ExperimentReport.read(out).capabilities()).isNotEmpty();
        assertThat(out.resolve("index.html")).content().contains("accuracy-per-family.png");
    }
}

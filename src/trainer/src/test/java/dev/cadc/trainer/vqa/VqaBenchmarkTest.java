package dev.cadc.trainer.vqa;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The generator gives the exact mixture, duplicate and noise rates, clean probes and test items. */
class VqaBenchmarkTest {

    /** Synthetic 8x8 images with uniform classes: enough to check every count without the dataset package. */
    private static LabelledImages images(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] pixels = new float[count][64];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 10;
            for (int p = 0; p < 64; p++) {
                pixels[i][p] = (float) random.nextDouble();
            }
        }
        return new LabelledImages(pixels, labels, 8, 8);
    }

    private static VqaBenchmark build(VqaBenchmark.Noise noise) {
        VqaBenchmark.Config config = VqaBenchmark.Config.defaults(3).withSizes(10_000, 20, 50).withNoise(noise);
        return VqaBenchmark.build(DatasetDescriptor.FASHION_MNIST, images(20_000, 1), images(1_000, 2), config);
    }

    @Test
    void poolHasTheExactMixtureAndDuplicateRate() {
        VqaBenchmark benchmark = build(VqaBenchmark.Noise.SYSTEMATIC);
        List<VqaItem> pool = benchmark.pool().items();
        assertThat(pool).hasSize(10_000);
        List<VqaItem> unique = pool.stream().filter(item -> item.duplicateOf() < 0).toList();
        assertThat(unique).hasSize(8_000);
        Map<QuestionFamily, Long> families = new HashMap<>();
        unique.forEach(item -> families.merge(item.family(), 1L, Long::sum));
        assertThat(families).containsEntry(QuestionFamily.RECOGNITION, 3_600L).containsEntry(QuestionFamily.VERIFICATION, 2_000L)
                .containsEntry(QuestionFamily.GROUPING, 1_200L).containsEntry(QuestionFamily.STRUCTURE, 800L)
                .containsEntry(QuestionFamily.SYMBOLIC, 400L);
        Map<Long, VqaItem> byId = new HashMap<>();
        unique.forEach(item -> byId.put(item.id(), item));
        pool.stream().filter(item -> item.duplicateOf() >= 0).forEach(copy -> {
            VqaItem original = byId.get((long) copy.duplicateOf());
            assertThat(copy.image()).isEqualTo(original.image());
            assertThat(copy.question()).isEqualTo(original.question());
            assertThat(copy.answer()).isEqualTo(original.answer());
        });
    }

    @Test
    void systematicNoiseHitsFortyPercentOfHalfTheClassesOfEachFamilyTheSameWay() {
        VqaBenchmark benchmark = build(VqaBenchmark.Noise.SYSTEMATIC);
        List<VqaItem> unique = benchmark.pool().items().stream().filter(item -> item.duplicateOf() < 0).toList();
        for (QuestionFamily family : QuestionFamily.values()) {
            int faultyClasses = 0;
            for (int c = 0; c < 10; c++) {
                int label = c;
                List<VqaItem> members = unique.stream().filter(i -> i.family() == family && i.label() == label).toList();
                long wrong = members.stream().filter(VqaItem::mislabelled).count();
                if (wrong > 0) {
                    faultyClasses++;
                    assertThat(wrong).isEqualTo(Math.round(members.size() * 0.4));
                    if (family == QuestionFamily.RECOGNITION) {
                        assertThat(members.stream().filter(VqaItem::mislabelled).map(VqaItem::answer).distinct().count())
                                .as("one fixed wrong class").isEqualTo(1);
                    }
                }
            }
            assertThat(faultyClasses).as(family + " faulty classes").isEqualTo(5);
        }
        double rate = unique.stream().filter(VqaItem::mislabelled).count() / (double) unique.size();
        assertThat(rate).isBetween(0.19, 0.21);
    }

    @Test
    void uniformNoiseMislabelsExactlyTheRate() {
        VqaBenchmark benchmark = build(VqaBenchmark.Noise.UNIFORM);
        List<VqaItem> unique = benchmark.pool().items().stream().filter(item -> item.duplicateOf() < 0).toList();
        assertThat(unique.stream().filter(VqaItem::mislabelled).count()).isEqualTo(1_600);
        assertThat(unique.stream().filter(VqaItem::mislabelled)).allSatisfy(item ->
                assertThat(Questions.family(item.question())).isEqualTo(item.family()));
    }

    @Test
    void probesAndTestItemsAreCleanAndPerFamily() {
        VqaBenchmark benchmark = build(VqaBenchmark.Noise.SYSTEMATIC);
        assertThat(benchmark.probes().items()).hasSize(100).noneMatch(VqaItem::mislabelled);
        assertThat(benchmark.test().items()).hasSize(250).noneMatch(VqaItem::mislabelled);
        for (QuestionFamily family : QuestionFamily.values()) {
            assertThat(benchmark.probes().items().stream().filter(i -> i.family() == family)).hasSize(20);
        }
        long[] probeIds = benchmark.probes().items().stream().mapToLong(VqaItem::id).toArray();
        assertThat(Arrays.stream(probeIds).min().orElseThrow()).isGreaterThanOrEqualTo(VqaBenchmark.PROBE_ID_BASE);
    }

    @Test
    void poolProbeEncoderAndTestImagesAreDisjoint() {
        // Test images from their own file, and split from the training images (one file given).
        for (VqaBenchmark benchmark : List.of(build(VqaBenchmark.Noise.SYSTEMATIC), VqaBenchmark.build(DatasetDescriptor.FASHION_MNIST,
                images(20_000, 1), null, VqaBenchmark.Config.defaults(4).withSizes(10_000, 20, 50)))) {
            VqaBenchmark.ImageSources sources = benchmark.imageSources();
            java.util.Set<Integer> pool = set(sources.pool());
            java.util.Set<Integer> probes = set(sources.probes());
            java.util.Set<Integer> encoder = set(sources.encoder());
            assertThat(pool).hasSize(8_000).doesNotContainAnyElementsOf(probes).doesNotContainAnyElementsOf(encoder);
            assertThat(probes).hasSize(100).doesNotContainAnyElementsOf(encoder);
            assertThat(encoder).isNotEmpty();
            if (sources.testFromTrainImages()) {
                assertThat(set(sources.test())).isNotEmpty().doesNotContainAnyElementsOf(pool).doesNotContainAnyElementsOf(probes)
                        .doesNotContainAnyElementsOf(encoder);
            } else {
                assertThat(sources.test()).hasSize(1_000);
            }
            // Every item's image is one of its split's images.
            assertThat(benchmark.pool().items()).allSatisfy(item -> assertThat(item.image()).isLessThan(8_000));
            assertThat(benchmark.probes().items()).allSatisfy(item -> assertThat(item.image()).isLessThan(100));
            benchmark.requireDisjointImages();
        }
    }

    private static java.util.Set<Integer> set(int[] values) {
        java.util.Set<Integer> set = new java.util.HashSet<>();
        Arrays.stream(values).forEach(set::add);
        assertThat(set).as("no index twice").hasSize(values.length);
        return set;
    }

    @Test
    void noNoiseGivesACleanPoolAndOtherwiseTheSameBenchmark() {
        VqaBenchmark clean = build(VqaBenchmark.Noise.NONE);
        VqaBenchmark noisy = build(VqaBenchmark.Noise.SYSTEMATIC);
        assertThat(clean.pool().items()).noneMatch(VqaItem::mislabelled);
        assertThat(clean.pool().items()).extracting(VqaItem::question).containsExactlyElementsOf(
                noisy.pool().items().stream().map(VqaItem::question).toList());
        assertThat(clean.pool().items()).extracting(VqaItem::duplicateOf).containsExactlyElementsOf(
                noisy.pool().items().stream().map(VqaItem::duplicateOf).toList());
        assertThat(clean.probes().items()).isEqualTo(noisy.probes().items());
    }

    @Test
    void noisyProbesAreMislabelledTheWayThePoolIsAndNothingElseChanges() {
        VqaBenchmark.Config config = VqaBenchmark.Config.defaults(3).withSizes(10_000, 100, 50);
        VqaBenchmark clean = VqaBenchmark.build(DatasetDescriptor.FASHION_MNIST, images(20_000, 1), images(1_000, 2), config);
        VqaBenchmark noisy = VqaBenchmark.build(DatasetDescriptor.FASHION_MNIST, images(20_000, 1), images(1_000, 2),
                config.withProbeNoise(0.2));

        assertThat(noisy.pool().items()).isEqualTo(clean.pool().items());
        assertThat(noisy.test().items()).isEqualTo(clean.test().items());
        List<VqaItem> wrong = noisy.probes().items().stream().filter(VqaItem::mislabelled).toList();
        assertThat(wrong.size() / 500.0).isBetween(0.17, 0.23);
        // The pool's annotator: a recognition item of a class is always given the same wrong class.
        Map<Integer, Integer> poolWrongClass = new HashMap<>();
        clean.pool().items().stream().filter(i -> i.mislabelled() && i.family() == QuestionFamily.RECOGNITION)
                .forEach(i -> poolWrongClass.put(i.label(), i.answer()));
        assertThat(wrong).filteredOn(i -> i.family() == QuestionFamily.RECOGNITION).isNotEmpty()
                .allSatisfy(i -> assertThat(i.answer()).isEqualTo(poolWrongClass.get(i.label())));
        assertThat(noisy.probes().items()).extracting(VqaItem::question)
                .containsExactlyElementsOf(clean.probes().items().stream().map(VqaItem::question).toList());
    }

    @Test
    void answersComeFromTheLabelAndThePixels() {
        Questions questions = new Questions(DatasetDescriptor.FASHION_MNIST);
        float[] topHeavy = new float[64];
        for (int p = 0; p < 32; p++) {
            topHeavy[p] = 1f;
        }
        assertThat(questions.answer(Questions.TOP_BRIGHTER, 0, topHeavy, 8, 8)).isEqualTo(questions.yes());
        float[] wide = new float[64];
        for (int col = 0; col < 8; col++) {
            wide[3 * 8 + col] = 1f;
        }
        assertThat(questions.answer(Questions.WIDER, 0, wide, 8, 8)).isEqualTo(questions.yes());
        assertThat(questions.answer(Questions.LETTERS, 9, wide, 8, 8)).isEqualTo(questions.number(9));
        assertThat(questions.answer(Questions.FIRST_GROUPING, 7, wide, 8, 8)).isEqualTo(questions.yes());
        assertThat(questions.answer(Questions.FIRST_VERIFICATION + 3, 3, wide, 8, 8)).isEqualTo(questions.yes());
        assertThat(questions.answer(Questions.RECOGNITION, 4, wide, 8, 8)).isEqualTo(4);
    }
}

package dev.cadc.cli;

import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.VqaBenchmark;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The VQA-Fashion flags shared by {@code cadc train} and {@code cadc experiment} (a picocli mixin):
 * the images, and every number of the benchmark with the default.
 */
final class BenchmarkOptions {

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or digits (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--images", paramLabel = "FILE", description = "An IDX image file (raw or gzipped) instead of the dataset's.")
    Path images;

    @Option(names = "--labels", paramLabel = "FILE", description = "The IDX label file that goes with --images.")
    Path labels;

    @Option(names = "--noise", defaultValue = "systematic",
            description = "systematic, uniform or none (a clean pool) (default ${DEFAULT-VALUE}).")
    String noise;

    @Option(names = "--pool", defaultValue = "40000", description = "Pool items (default ${DEFAULT-VALUE}).")
    int pool;

    @Option(names = "--mixture", defaultValue = "0.45,0.25,0.15,0.10,0.05", split = ",",
            description = "Family shares: recognition, verification, grouping, structure, symbolic (default ${DEFAULT-VALUE}).")
    double[] mixture;

    @Option(names = "--duplicates", defaultValue = "0.2", description = "Share of exact duplicates in the pool (default ${DEFAULT-VALUE}).")
    double duplicates;

    @Option(names = "--noise-rate", defaultValue = "0.2", description = "Share of wrong answers (default ${DEFAULT-VALUE}).")
    double noiseRate;

    @Option(names = "--probe-noise-rate", defaultValue = "0",
            description = "Share of probes the pool's annotator mislabels, the same way as the pool (default ${DEFAULT-VALUE}: clean probes).")
    double probeNoiseRate;

    @Option(names = "--probes-per-family", defaultValue = "100", description = "Probes per question family (default ${DEFAULT-VALUE}).")
    int probesPerFamily;

    @Option(names = "--test-per-family", defaultValue = "1000", description = "Clean test items per family (default ${DEFAULT-VALUE}).")
    int testPerFamily;

    DatasetDescriptor descriptor() {
        return DatasetDescriptor.named(dataset);
    }

    /** Training and test images of the chosen dataset, or of --images / --labels. */
    LabelledImages[] load() throws IOException {
        return Datasets.load(descriptor(), images, labels);
    }

    /** The benchmark's configuration for {@code seed}. */
    VqaBenchmark.Config config(long seed) {
        if (mixture.length != QuestionFamily.values().length) {
            throw new IllegalArgumentException("--mixture needs " + QuestionFamily.values().length + " shares, got " + mixture.length);
        }
        return new VqaBenchmark.Config(pool, mixture, duplicates, noiseRate,
                noiseKind(), probesPerFamily, testPerFamily, probeNoiseRate, seed);
    }

    private VqaBenchmark.Noise noiseKind() {
        try {
            return VqaBenchmark.Noise.valueOf(noise.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--noise must be systematic, uniform or none, got '" + noise + "'", e);
        }
    }
}

package dev.cadc.cli;

import dev.cadc.trainer.experiment.Experiment;
import dev.cadc.trainer.experiment.ExperimentReport;
import dev.cadc.trainer.vqa.DatasetDescriptor;
import dev.cadc.trainer.vqa.LabelledImages;
import dev.cadc.trainer.vqa.VqaBenchmark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cadc experiment}: CADC against full data and the usual heuristics on VQA-Fashion, offline. */
@Command(
        name = "experiment",
        mixinStandardHelpOptions = true,
        header = "Compare CADC with full data and heuristics on VQA-Fashion.",
        description = {
            "Offline (no Kafka): for each seed builds the benchmark, pretrains and freezes the image tower, trains a",
            "warm-up model on a random 5%% with sketches at its checkpoints, curates with the core Curator, and trains",
            "every method's subset from one initial model per seed under two protocols (equal steps as full data;",
            "equal epochs). Every subset method skips near-duplicates; its -no-dedup twin does not (--methods).",
            "The curation parameters (--k-rule, --harm-rule, --duplicate-threshold, ...; not --budget) shape every cadc method.",
            "Writes DIR/results.csv, DIR/capabilities.csv, DIR/table.txt, plots and DIR/index.html; prints the table.",
            "With --merge, runs nothing: puts together the results of runs made apart (e.g. seeds split across",
            "machines with --first-seed) into one report in --out."
        },
        sortOptions = false)
final class ExperimentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the results go.")
    Path out;

    @Option(names = "--seeds", defaultValue = "5", description = "Number of seeds, 1..N (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--first-seed", defaultValue = "1", description = "The first seed; seeds run from it, --seeds of them (default ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(names = "--budgets", defaultValue = "0.01,0.05,0.1,0.2", split = ",", description = "Budgets (default ${DEFAULT-VALUE}).")
    List<String> budgets;

    @Option(names = "--methods", split = ",", description = "Methods to run (default: all of " + Experiment.METHOD_NAMES + ").")
    List<String> methods;

    @Mixin
    BenchmarkOptions benchmarkOptions;

    @Mixin
    WarmupOptions warmupOptions;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs of full-data training; equal-steps uses its step count (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--merge", split = ",", paramLabel = "DIR",
            description = "Merge the results.csv (and capabilities.csv) of these earlier --out directories into --out instead "
                    + "of running; a row measured twice must agree. Takes no other option than --out.")
    List<Path> merge;

    @Override
    public Integer call() throws IOException {
        if (merge != null) {
            return merge();
        }
        DatasetDescriptor descriptor = benchmarkOptions.descriptor();
        LabelledImages[] sets = benchmarkOptions.load();
        // The seed here is a placeholder: the experiment builds the benchmark once per seed of its own.
        VqaBenchmark.Config benchmark = benchmarkOptions.config(1);
        List<Long> seedList = LongStream.range(firstSeed, firstSeed + seeds).boxed().toList();
        List<String> chosen = methods == null ? Experiment.METHODS : methods;
        for (String method : chosen) {
            if (!Experiment.METHODS.contains(method)) {
                throw new IllegalArgumentException("unknown method '" + method + "'; known: " + Experiment.METHODS);
            }
        }
        Experiment experiment = new Experiment(new Experiment.Settings(descriptor, sets[0], sets[1], benchmark, seedList, budgets,
                chosen, warmupOptions.sketchDim, epochs, warmupOptions.warmupSteps, warmupOptions.checkpoints,
                warmupOptions.learningRate, warmupOptions.encoderEpochs, CurationOptions.config(spec)));
        Files.createDirectories(out);
        PrintWriter stdout = spec.commandLine().getOut();
        long started = System.nanoTime();
        // Each row is on disk as soon as it is measured: an interrupted run keeps what it measured, and
        // --merge can use its results.csv.
        Path partial = out.resolve(ExperimentReport.RESULTS_CSV);
        Files.writeString(partial, ExperimentReport.csvHeader() + System.lineSeparator());
        Experiment.Results results = experiment.run(row -> {
            stdout.printf(Locale.ROOT, "seed %d  %-" + ExperimentReport.METHOD_COLUMN + "s budget %-5s %-12s macro %.3f%n",
                    row.seed(), row.method(), row.budget(), row.protocol(), row.evaluation().macro());
            stdout.flush();
            try {
                Files.writeString(partial, ExperimentReport.csvRow(row) + System.lineSeparator(), StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("could not append to " + partial, e);
            }
        });
        ExperimentReport.write(out, results);
        stdout.println();
        stdout.print(ExperimentReport.table(results.rows()));
        stdout.println();
        stdout.print(ExperimentReport.capabilitySummary(results.capabilities()));
        stdout.printf(Locale.ROOT, "%nwrote %s (results.csv, capabilities.csv, table.txt, plots, index.html) in %.1f min%n", out,
                (System.nanoTime() - started) / 6e10);
        stdout.flush();
        return 0;
    }

    private int merge() throws IOException {
        List<String> others = spec.commandLine().getParseResult().matchedOptions().stream()
                .map(option -> option.longestName())
                .filter(name -> !name.equals("--merge") && !name.equals("--out"))
                .toList();
        if (!others.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--merge re-reads finished runs and takes only --out; drop " + others);
        }
        List<Experiment.Results> parts = new ArrayList<>();
        for (Path dir : merge) {
            parts.add(ExperimentReport.read(dir));
        }
        Experiment.Results merged = ExperimentReport.merge(parts);
        ExperimentReport.write(out, merged);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(ExperimentReport.table(merged.rows()));
        stdout.println();
        stdout.print(ExperimentReport.capabilitySummary(merged.capabilities()));
        stdout.printf(Locale.ROOT, "%nmerged %d rows and %d capability records from %d runs into %s%n", merged.rows().size(),
                merged.capabilities().size(), merge.size(), out);
        stdout.flush();
        return 0;
    }
}

package dev.cadc.cli;

import dev.cadc.core.curriculum.CurationResult;
import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.curriculum.CuratorConfig;
import dev.cadc.core.curriculum.CurriculumJson;
import dev.cadc.core.curriculum.SketchFile;
import dev.cadc.core.format.CurriculumCodec;
import dev.cadc.core.format.InfluenceSource;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cadc curate}: the batch reference curation of a sketch file. */
@Command(
        name = "curate",
        mixinStandardHelpOptions = true,
        header = "Curate a sketch file in batch (the reference curation).",
        description = {
            "Reads an Arrow IPC stream file in the cadc.sketches schema (any number of record batches, no control",
            "records; the projection comes from the schema metadata), discovers capabilities from the PROBE rows,",
            "scores every pool sample by influence and writes the curriculum as JSON (and optionally as a",
            "cadc.curriculum Arrow record). Same input, same output, byte for byte. The file is read several times",
            "instead of held in memory."
        },
        sortOptions = false)
final class CurateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--sketches", required = true, paramLabel = "FILE", description = "Arrow IPC stream file of sketches.")
    Path sketches;

    @Option(names = "--out", required = true, paramLabel = "OUT.json", description = "Where to write the curriculum JSON.")
    Path out;

    @Option(names = "--out-arrow", paramLabel = "FILE", description = "Also write the curriculum as one cadc.curriculum Arrow IPC value.")
    Path outArrow;

    @Option(names = "--run", paramLabel = "ID", description = "The run to curate; needed only when the file holds several.")
    String runId;

    @Option(names = "--influence-source", defaultValue = "pool", paramLabel = "pool|train",
            description = "Which rows feed influence: POOL rows at checkpoints (TracInCP) or TRAIN rows per step (default ${DEFAULT-VALUE}).")
    String influenceSource;

    // The curation parameters (--budget, --k-min, ... --stage-shares) come from CurationOptions.mixin().

    @Override
    public Integer call() throws Exception {
        CuratorConfig config = config();
        SketchFile file = SketchFile.open(sketches);
        String run = chooseRun(file);
        long started = System.nanoTime();
        CurationResult result = new Curator(config).curate(file, run, file.projection().sketchDim(),
                InfluenceSource.fromWireName(influenceSource.toLowerCase(java.util.Locale.ROOT)));
        double seconds = (System.nanoTime() - started) / 1e9;

        writeAtomically(out, CurriculumJson.write(CurriculumJson.of(result)).getBytes(StandardCharsets.UTF_8));
        if (outArrow != null) {
            writeAtomically(outArrow, CurriculumCodec.encode(CurriculumJson.toCurriculum(result)));
        }
        printSummary(result, seconds, spec.commandLine().getOut());
        return 0;
    }

    private CuratorConfig config() {
        if (!"pool".equalsIgnoreCase(influenceSource) && !"train".equalsIgnoreCase(influenceSource)) {
            throw new IllegalArgumentException("--influence-source must be pool or train, got " + influenceSource);
        }
        return CurationOptions.config(spec);
    }

    private String chooseRun(SketchFile file) throws java.io.IOException {
        Set<String> runs = file.runIds();
        if (runs.isEmpty()) {
            throw new IllegalArgumentException(sketches + " holds no sketch rows");
        }
        if (runId != null) {
            if (!runs.contains(runId)) {
                throw new IllegalArgumentException("run " + runId + " is not in " + sketches + "; it holds " + runs);
            }
            return runId;
        }
        if (runs.size() > 1) {
            throw new IllegalArgumentException(sketches + " holds " + runs.size() + " runs " + runs + "; choose one with --run");
        }
        return runs.iterator().next();
    }

    private static void writeAtomically(Path path, byte[] bytes) throws java.io.IOException {
        Path absolute = path.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path temporary = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
        Files.write(temporary, bytes);
        Files.move(temporary, absolute, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void printSummary(CurationResult result, double seconds, PrintWriter out) {
        out.printf("run %s: %d of budget %d selected from a pool of %d (shortfall %d) in %.1f s%n",
                result.runId(), result.selected().size(), result.budget(), result.poolSize(), result.shortfall(), seconds);
        out.printf("  %d capabilities over checkpoints 0..%d; %d harmful samples excluded; %d near-duplicates skipped%n",
                result.capabilities().size(), result.checkpoint(), result.harmful().length, result.duplicatesSkipped());
        for (CurationResult.CapabilityOutcome capability : result.capabilities()) {
            long selected = result.selected().stream().filter(s -> s.capability() == capability.id()).count();
            out.printf("  capability %d: %d probes, difficulty %.4f, stage %d, %d attributed, %d selected%n",
                    capability.id(), capability.probes().length, capability.difficulty(), capability.stage(),
                    capability.attributed(), selected);
        }
        for (CurationResult.StageOutcome stage : result.stages()) {
            out.printf("  stage %d: %d new samples (cumulative), %.0f%% of steps, capabilities %s%n", stage.stage(),
                    stage.samples().size(), 100 * stage.stepShare(),
                    Arrays.toString(stage.samples().stream().mapToInt(CurationResult.SelectedSample::capability).distinct().toArray()));
        }
        out.println("  wrote " + this.out + (outArrow == null ? "" : " and " + outArrow));
        out.flush();
    }
}

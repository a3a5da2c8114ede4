package dev.cadc.cli;

import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.influence.CapabilityScorer;
import dev.cadc.trainer.experiment.Charts;
import dev.cadc.trainer.experiment.ExperimentReport;
import dev.cadc.trainer.train.Evaluation;
import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.VqaItem;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's HTML report: capabilities discovered per curriculum version, the curriculum's composition
 * per stage (by the hidden question families), accuracy per family for each run, and the distribution
 * of capability influence with the harmful tail, drawn with JFreeChart ({@link Charts}). A script on the
 * page records, as attributes of the body and not as text, whether every plot loaded and whether
 * anything overflows sideways, for the headless-browser test.
 */
final class DemoReport {

    private DemoReport() {}

    static void write(Path dir, String table, Map<String, Evaluation> results, Curriculum curriculum,
            List<CapabilitySet> capabilityVersions, Map<Long, VqaItem> byId, Curator.Analysis analysis) throws IOException {
        Files.createDirectories(dir);
        capabilities(capabilityVersions, dir.resolve("capabilities.png"));
        composition(curriculum, byId, dir.resolve("curriculum.png"));
        accuracy(results, dir.resolve("accuracy.png"));
        influence(analysis, dir.resolve("influence.png"));
        Files.writeString(dir.resolve("index.html"), """
                <!doctype html><html><head><meta charset="utf-8"><title>CADC demo report</title>
                <style>body{font-family:sans-serif;margin:2em;max-width:1000px} pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:11px}
                img{display:block;margin:1em 0;max-width:100%%;height:auto}</style>
                </head><body>
                <h1>CADC demo: live curation on VQA-Fashion</h1>
                <pre>%s</pre>
                <h2>Capabilities discovered, per curriculum version</h2><img src="capabilities.png" alt="capabilities per version">
                <h2>Curriculum composition per stage (question families, hidden from the curator)</h2><img src="curriculum.png" alt="curriculum composition">
                <h2>Accuracy per family</h2><img src="accuracy.png" alt="accuracy per family">
                <h2>Capability influence of every pool sample, with the harmful tail</h2><img src="influence.png" alt="influence distribution">
                <script>
                window.addEventListener('load', function () {
                  var images = Array.prototype.slice.call(document.images);
                  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
                  var page = document.documentElement;
                  document.body.setAttribute('data-images-loaded', loaded + '/' + images.length);
                  document.body.setAttribute('data-overflow', page.scrollWidth > page.clientWidth ? 'sideways' : 'none');
                });
                </script>
                </body></html>
                """.formatted(table.replace("&", "&amp;").replace("<", "&lt;")));
    }

    private static void capabilities(List<CapabilitySet> versions, Path file) throws IOException {
        Charts.counts(file, 900, 420, "Capabilities per curriculum version (from cadc.capabilities)", "curriculum version",
                "capabilities", versions.stream().map(v -> "v" + v.version()).toList(), "capabilities",
                versions.stream().mapToDouble(v -> v.capabilities().size()).toArray());
    }

    private static void composition(Curriculum curriculum, Map<Long, VqaItem> byId, Path file) throws IOException {
        TreeMap<Integer, long[]> counts = new TreeMap<>();
        for (CurriculumEntry entry : curriculum.entries()) {
            long[] perFamily = counts.computeIfAbsent(entry.stage(), s -> new long[QuestionFamily.values().length]);
            perFamily[byId.get(entry.sampleId()).family().ordinal()]++;
        }
        QuestionFamily[] families = QuestionFamily.values();
        List<Integer> stages = new ArrayList<>(counts.keySet());
        double[][] values = new double[families.length][stages.size()];
        for (int s = 0; s < stages.size(); s++) {
            for (QuestionFamily family : families) {
                values[family.ordinal()][s] = counts.get(stages.get(s))[family.ordinal()];
            }
        }
        Charts.stacked(file, 900, 420, "Items introduced per stage, by question family", "curriculum stage", "items introduced",
                stages.stream().map(s -> "stage " + s).toList(), Arrays.stream(families).map(QuestionFamily::label).toList(),
                Arrays.copyOf(ExperimentReport.PALETTE, families.length), values, true);
    }

    private static void accuracy(Map<String, Evaluation> results, Path file) throws IOException {
        QuestionFamily[] families = QuestionFamily.values();
        List<Charts.Series> series = new ArrayList<>();
        int r = 0;
        for (Map.Entry<String, Evaluation> run : results.entrySet()) {
            double[] values = Arrays.stream(families).mapToDouble(f -> run.getValue().accuracy().get(f)).toArray();
            double[] none = new double[families.length];
            Arrays.fill(none, Double.NaN);
            series.add(new Charts.Series(run.getKey(), ExperimentReport.PALETTE[r++ % ExperimentReport.PALETTE.length], false, values,
                    none));
        }
        Charts.bars(file, 900, 420, "Accuracy per family on the clean test set", "question family", "accuracy",
                Arrays.stream(families).map(QuestionFamily::label).toList(), series, 0, 1);
    }

    /** A histogram of each sample's summed capability influence; harmful samples (net negative) in red. */
    private static void influence(Curator.Analysis analysis, Path file) throws IOException {
        CapabilityScorer.Score[] scores = analysis.scores();
        double[] net = Arrays.stream(scores).mapToDouble(s -> Arrays.stream(s.capabilityInfluence()).sum()).toArray();
        double[] kept = java.util.stream.IntStream.range(0, net.length).filter(i -> !scores[i].harmful()).mapToDouble(i -> net[i])
                .toArray();
        double[] harmful = java.util.stream.IntStream.range(0, net.length).filter(i -> scores[i].harmful()).mapToDouble(i -> net[i])
                .toArray();
        Map<String, double[]> sets = new java.util.LinkedHashMap<>();
        sets.put("candidates", kept);
        sets.put("harmful (excluded)", harmful);
        Charts.histogram(file, 900, 420, String.format(java.util.Locale.ROOT,
                "Summed capability influence per pool sample: %d harmful of %d", harmful.length, net.length),
                "summed capability influence", sets, new Color[] {ExperimentReport.PALETTE[0], new Color(0xd62728)}, 40);
    }
}

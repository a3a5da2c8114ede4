package dev.cadc.cli;

import dev.cadc.core.curriculum.Curator;
import dev.cadc.core.format.CapabilitySet;
import dev.cadc.core.format.Curriculum;
import dev.cadc.core.format.CurriculumEntry;
import dev.cadc.core.influence.CapabilityScorer;
import dev.cadc.trainer.experiment.Chart;
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
 * of capability influence with the harmful tail. A script on the page reports whether every plot
 * loaded, for the headless-browser test.
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
                <style>body{font-family:sans-serif;margin:2em;max-width:1000px} pre{background:#f6f6f6;padding:1em} img{display:block;margin:1em 0}</style>
                </head><body>
                <h1>CADC demo: live curation on VQA-Fashion</h1>
                <pre>%s</pre>
                <h2>Capabilities discovered, per curriculum version</h2><img src="capabilities.png" alt="capabilities per version">
                <h2>Curriculum composition per stage (question families, hidden from the curator)</h2><img src="curriculum.png" alt="curriculum composition">
                <h2>Accuracy per family</h2><img src="accuracy.png" alt="accuracy per family">
                <h2>Capability influence of every pool sample, with the harmful tail</h2><img src="influence.png" alt="influence distribution">
                <p id="status">loading</p>
                <script>
                window.addEventListener('load', function () {
                  var images = Array.prototype.slice.call(document.images);
                  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
                  document.getElementById('status').textContent = 'images loaded: ' + loaded + '/' + images.length;
                });
                </script>
                </body></html>
                """.formatted(table.replace("&", "&amp;").replace("<", "&lt;")));
    }

    private static void capabilities(List<CapabilitySet> versions, Path file) throws IOException {
        int max = versions.stream().mapToInt(v -> v.capabilities().size()).max().orElse(1);
        Chart chart = new Chart(900, 420, "capabilities per curriculum version (from cadc.capabilities)", Math.max(4, max + 1));
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            points.add(new double[] {i, versions.get(i).capabilities().size()});
        }
        chart.line(points, Math.max(1, versions.size()), ExperimentReport.PALETTE[0], "capabilities");
        chart.categoryLabels(versions.stream().map(v -> "v" + v.version()).toArray(String[]::new));
        chart.save(file);
    }

    private static void composition(Curriculum curriculum, Map<Long, VqaItem> byId, Path file) throws IOException {
        TreeMap<Integer, long[]> counts = new TreeMap<>();
        for (CurriculumEntry entry : curriculum.entries()) {
            long[] perFamily = counts.computeIfAbsent(entry.stage(), s -> new long[QuestionFamily.values().length]);
            perFamily[byId.get(entry.sampleId()).family().ordinal()]++;
        }
        long max = counts.values().stream().flatMapToLong(Arrays::stream).max().orElse(1);
        Chart chart = new Chart(900, 420, "items introduced per stage, by question family", max * 1.1);
        int stages = counts.size();
        int stageIndex = 0;
        for (long[] perFamily : counts.values()) {
            for (QuestionFamily family : QuestionFamily.values()) {
                chart.bar(stageIndex, stages, family.ordinal(), perFamily.length, perFamily[family.ordinal()],
                        ExperimentReport.PALETTE[family.ordinal()], stageIndex == 0 ? family.label() : null);
            }
            stageIndex++;
        }
        chart.categoryLabels(counts.keySet().stream().map(s -> "stage " + s).toArray(String[]::new));
        chart.save(file);
    }

    private static void accuracy(Map<String, Evaluation> results, Path file) throws IOException {
        Chart chart = new Chart(900, 420, "accuracy per family on the clean test set");
        QuestionFamily[] families = QuestionFamily.values();
        List<String> runs = new ArrayList<>(results.keySet());
        for (int f = 0; f < families.length; f++) {
            for (int r = 0; r < runs.size(); r++) {
                chart.bar(f, families.length, r, runs.size(), results.get(runs.get(r)).accuracy().get(families[f]),
                        ExperimentReport.PALETTE[r], f == 0 ? runs.get(r) : null);
            }
        }
        chart.categoryLabels(Arrays.stream(families).map(QuestionFamily::label).toArray(String[]::new));
        chart.save(file);
    }

    /** A histogram of each sample's summed capability influence; harmful samples (net negative) in red. */
    private static void influence(Curator.Analysis analysis, Path file) throws IOException {
        CapabilityScorer.Score[] scores = analysis.scores();
        double[] net = Arrays.stream(scores).mapToDouble(s -> Arrays.stream(s.capabilityInfluence()).sum()).toArray();
        double low = Arrays.stream(net).min().orElse(-1);
        double high = Arrays.stream(net).max().orElse(1);
        int bins = 40;
        double width = (high - low) / bins == 0 ? 1 : (high - low) / bins;
        long[] harmful = new long[bins];
        long[] kept = new long[bins];
        for (int i = 0; i < net.length; i++) {
            int bin = Math.min(bins - 1, (int) ((net[i] - low) / width));
            if (scores[i].harmful()) {
                harmful[bin]++;
            } else {
                kept[bin]++;
            }
        }
        long max = 1;
        for (int b = 0; b < bins; b++) {
            max = Math.max(max, Math.max(harmful[b], kept[b]));
        }
        long harmfulTotal = Arrays.stream(harmful).sum();
        Chart chart = new Chart(900, 420, String.format(java.util.Locale.ROOT,
                "summed capability influence per pool sample: %d harmful of %d", harmfulTotal, net.length), max * 1.1);
        for (int b = 0; b < bins; b++) {
            chart.bar(b, bins, 0, 2, kept[b], ExperimentReport.PALETTE[0], b == 0 ? "candidates" : null);
            chart.bar(b, bins, 1, 2, harmful[b], new Color(0xd62728), b == 0 ? "harmful (excluded)" : null);
        }
        chart.xTitle(String.format(java.util.Locale.ROOT, "influence from %.4f (left) to %.4f (right)", low, high));
        chart.save(file);
    }
}

package dev.cadc.trainer.experiment;

import dev.cadc.trainer.train.Evaluation;
import dev.cadc.trainer.vqa.QuestionFamily;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The experiment's outputs: {@code results.csv}, {@code capabilities.csv}, a table of mean macro
 * accuracy with a 95% interval per method, budget and protocol, PNG plots (accuracy vs budget,
 * per-family bars, capability sizes) and an HTML page. {@link #read} and {@link #merge} put together
 * runs made apart (seeds split across machines or processes) into one report.
 */
public final class ExperimentReport {

    public static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x17becf)};

    /** The headline budget: the per-family bars and capability sizes show the budget nearest to it. */
    public static final double HEADLINE_BUDGET = 0.05;

    public static final String RESULTS_CSV = "results.csv";
    public static final String CAPABILITIES_CSV = "capabilities.csv";

    /** Wide enough for the longest method name. */
    public static final int METHOD_COLUMN = Experiment.METHODS.stream().mapToInt(String::length).max().orElse(8);

    private ExperimentReport() {}

    /** The CSV header: method, budget, seed, protocol, macro accuracy, per-family accuracy, steps, selected. */
    public static String csvHeader() {
        StringBuilder header = new StringBuilder("method,budget,seed,protocol,macro_accuracy");
        for (QuestionFamily family : QuestionFamily.values()) {
            header.append(",acc_").append(family.label());
        }
        return header.append(",steps,selected,mislabelled_share").toString();
    }

    public static String csvRow(Experiment.Row row) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s,%s,%d,%s,%.4f", row.method(), trim(row.budget()),
                row.seed(), row.protocol(), row.evaluation().macro()));
        for (QuestionFamily family : QuestionFamily.values()) {
            line.append(String.format(Locale.ROOT, ",%.4f", row.evaluation().accuracy().get(family)));
        }
        return line.append(String.format(Locale.ROOT, ",%d,%d,%.4f", row.steps(), row.selected(), row.mislabelledShare())).toString();
    }

    /** The header of capabilities.csv: a capability of a seed, its stage and difficulty, its probes and selections by family. */
    public static String capabilitiesCsvHeader() {
        StringBuilder header = new StringBuilder("seed,budget,capability,stage,difficulty,probes");
        for (QuestionFamily family : QuestionFamily.values()) {
            header.append(",probes_").append(family.label());
        }
        header.append(",selected");
        for (QuestionFamily family : QuestionFamily.values()) {
            header.append(",selected_").append(family.label());
        }
        return header.append(",selected_mislabelled").toString();
    }

    public static String capabilityCsvRow(Experiment.CapabilityRow row) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%d,%s,%d,%d,%.6f,%d", row.seed(), trim(row.budget()),
                row.capability(), row.stage(), row.difficulty(), row.probes()));
        for (int count : row.probesByFamily()) {
            line.append(',').append(count);
        }
        line.append(',').append(row.selected());
        for (int count : row.selectedByFamily()) {
            line.append(',').append(count);
        }
        return line.append(',').append(row.selectedMislabelled()).toString();
    }

    /** Mean and 95% interval (Student t) of the macro accuracy per (protocol, budget, method). */
    public static String table(List<Experiment.Row> rows) {
        StringBuilder table = new StringBuilder();
        Map<String, List<Experiment.Row>> groups = rows.stream().collect(Collectors.groupingBy(
                row -> row.protocol() + "|" + trim(row.budget()) + "|" + row.method(), TreeMap::new, Collectors.toList()));
        String methodColumn = "%-" + METHOD_COLUMN + "s";
        table.append(String.format(Locale.ROOT, "%-13s %-7s " + methodColumn + " %6s %8s %9s %s%n", "protocol", "budget", "method", "seeds",
                "macro", "+-95%", "mislabelled"));
        List<String> keys = new ArrayList<>(groups.keySet());
        keys.sort(Comparator.comparing((String key) -> key.split("\\|")[0])
                .thenComparing(key -> Double.parseDouble(key.split("\\|")[1]))
                .thenComparing(key -> Experiment.METHODS.indexOf(key.split("\\|")[2])));
        for (String key : keys) {
            List<Experiment.Row> group = groups.get(key);
            double[] values = group.stream().mapToDouble(row -> row.evaluation().macro()).toArray();
            double mean = mean(values);
            double halfWidth = halfWidth(values);
            double mislabelled = group.stream().mapToDouble(Experiment.Row::mislabelledShare).average().orElse(0);
            String[] parts = key.split("\\|");
            table.append(String.format(Locale.ROOT, "%-13s %-7s " + methodColumn + " %6d %8.4f %9.4f %10.1f%%%n", parts[0], parts[1], parts[2],
                    values.length, mean, halfWidth, 100 * mislabelled));
        }
        return table.toString();
    }

    /** Writes results.csv, capabilities.csv, table.txt, the plots and index.html into {@code dir}. */
    public static void write(Path dir, Experiment.Results results) throws IOException {
        List<Experiment.Row> rows = results.rows();
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        lines.add(csvHeader());
        rows.forEach(row -> lines.add(csvRow(row)));
        Files.write(dir.resolve(RESULTS_CSV), lines);
        List<String> capabilityLines = new ArrayList<>();
        capabilityLines.add(capabilitiesCsvHeader());
        results.capabilities().forEach(row -> capabilityLines.add(capabilityCsvRow(row)));
        Files.write(dir.resolve(CAPABILITIES_CSV), capabilityLines);
        String table = table(rows);
        Files.writeString(dir.resolve("table.txt"), table);
        accuracyVsBudget(rows, dir.resolve("accuracy-vs-budget.png"));
        familyBars(rows, dir.resolve("accuracy-per-family.png"));
        String capabilitiesCaption = capabilitySizes(results.capabilities(), familyBarsBudget(rows), dir.resolve("capability-sizes.png"));
        Files.writeString(dir.resolve("index.html"), """
                <!doctype html><html><head><meta charset="utf-8"><title>CADC experiment</title>
                <style>body{font-family:sans-serif;margin:2em} pre{background:#f6f6f6;padding:1em}</style></head><body>
                <h1>CADC on VQA-Fashion</h1>
                <h2>Macro accuracy (mean and 95%% interval over seeds)</h2><pre>%s</pre>
                <h2>Accuracy vs budget (equal steps)</h2><img src="accuracy-vs-budget.png" alt="accuracy vs budget">
                <h2>Accuracy per family (equal steps, the budget nearest 5%%)</h2><img src="accuracy-per-family.png" alt="accuracy per family">
                <h2>Capability sizes</h2><p>%s</p><img src="capability-sizes.png" alt="capability sizes">
                <p>Raw rows: <a href="results.csv">results.csv</a>, <a href="capabilities.csv">capabilities.csv</a>.
                The oracle reads the hidden truth: an upper bound, not a method.</p>
                </body></html>
                """.formatted(escape(table), escape(capabilitiesCaption)));
    }

    /**
     * Reads back what {@link #write} wrote into {@code dir}: results.csv (required) and capabilities.csv
     * (absent from runs made before it existed: then no capabilities). Accuracies come back as written,
     * rounded to 4 decimals.
     */
    public static Experiment.Results read(Path dir) throws IOException {
        Path resultsFile = dir.resolve(RESULTS_CSV);
        if (!Files.isRegularFile(resultsFile)) {
            throw new IllegalArgumentException(resultsFile + " does not exist: give a directory an experiment wrote (--out)");
        }
        List<String> lines = Files.readAllLines(resultsFile);
        requireHeader(resultsFile, lines, csvHeader());
        List<Experiment.Row> rows = new ArrayList<>();
        QuestionFamily[] families = QuestionFamily.values();
        for (int n = 1; n < lines.size(); n++) {
            String[] fields = fields(resultsFile, n, lines.get(n), 8 + families.length);
            Map<QuestionFamily, Double> accuracy = new EnumMap<>(QuestionFamily.class);
            for (int f = 0; f < families.length; f++) {
                accuracy.put(families[f], Double.parseDouble(fields[5 + f]));
            }
            int tail = 5 + families.length;
            rows.add(new Experiment.Row(fields[0], Double.parseDouble(fields[1]), Long.parseLong(fields[2]), fields[3],
                    new Evaluation(accuracy), Integer.parseInt(fields[tail]), Integer.parseInt(fields[tail + 1]),
                    Double.parseDouble(fields[tail + 2])));
        }
        List<Experiment.CapabilityRow> capabilities = new ArrayList<>();
        Path capabilitiesFile = dir.resolve(CAPABILITIES_CSV);
        if (Files.isRegularFile(capabilitiesFile)) {
            List<String> capabilityLines = Files.readAllLines(capabilitiesFile);
            requireHeader(capabilitiesFile, capabilityLines, capabilitiesCsvHeader());
            for (int n = 1; n < capabilityLines.size(); n++) {
                String[] fields = fields(capabilitiesFile, n, capabilityLines.get(n), 8 + 2 * families.length);
                int[] probes = new int[families.length];
                int[] selected = new int[families.length];
                for (int f = 0; f < families.length; f++) {
                    probes[f] = Integer.parseInt(fields[6 + f]);
                    selected[f] = Integer.parseInt(fields[7 + families.length + f]);
                }
                capabilities.add(new Experiment.CapabilityRow(Long.parseLong(fields[0]), Double.parseDouble(fields[1]),
                        Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), Double.parseDouble(fields[4]), probes, selected,
                        Integer.parseInt(fields[fields.length - 1])));
            }
        }
        return new Experiment.Results(rows, capabilities);
    }

    /**
     * The union of runs made apart. A row measured twice (same method, budget, seed and protocol) must
     * agree, as it does when the same seed was run twice (runs are deterministic); rows that disagree
     * come from different settings and are refused rather than averaged.
     */
    public static Experiment.Results merge(List<Experiment.Results> parts) {
        Map<String, Experiment.Row> rows = new LinkedHashMap<>();
        Map<String, Experiment.CapabilityRow> capabilities = new LinkedHashMap<>();
        for (Experiment.Results part : parts) {
            for (Experiment.Row row : part.rows()) {
                String key = row.method() + " at budget " + trim(row.budget()) + ", seed " + row.seed() + ", " + row.protocol();
                Experiment.Row earlier = rows.putIfAbsent(key, row);
                if (earlier != null && !csvRow(earlier).equals(csvRow(row))) {
                    throw new IllegalArgumentException("two different results for " + key + ": [" + csvRow(earlier) + "] and ["
                            + csvRow(row) + "]; were the runs made with different flags?");
                }
            }
            for (Experiment.CapabilityRow row : part.capabilities()) {
                String key = "capability " + row.capability() + " at budget " + trim(row.budget()) + ", seed " + row.seed();
                Experiment.CapabilityRow earlier = capabilities.putIfAbsent(key, row);
                if (earlier != null && !capabilityCsvRow(earlier).equals(capabilityCsvRow(row))) {
                    throw new IllegalArgumentException("two different records of " + key + ": [" + capabilityCsvRow(earlier)
                            + "] and [" + capabilityCsvRow(row) + "]; were the runs made with different flags?");
                }
            }
        }
        return new Experiment.Results(List.copyOf(rows.values()), List.copyOf(capabilities.values()));
    }

    private static void requireHeader(Path file, List<String> lines, String expected) {
        if (lines.isEmpty() || !lines.get(0).equals(expected)) {
            throw new IllegalArgumentException(file + " does not start with the header " + expected + " (found: "
                    + (lines.isEmpty() ? "an empty file" : lines.get(0)) + ")");
        }
    }

    private static String[] fields(Path file, int lineIndex, String line, int expected) {
        String[] fields = line.split(",", -1);
        if (fields.length != expected) {
            throw new IllegalArgumentException(file + " line " + (lineIndex + 1) + " has " + fields.length + " fields, expected "
                    + expected + ": " + line);
        }
        return fields;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;");
    }

    /**
     * Stacked bars, one per capability of the first seed in curriculum order (stage, then difficulty):
     * the items CADC selected at {@code budget}, coloured by their hidden question family. Returns the
     * caption for the page.
     */
    private static String capabilitySizes(List<Experiment.CapabilityRow> capabilities, double budget, Path file)
            throws IOException {
        long seed = capabilities.stream().mapToLong(Experiment.CapabilityRow::seed).min().orElse(0);
        double shown = capabilities.stream().anyMatch(c -> c.seed() == seed && c.budget() == budget) ? budget
                : capabilities.stream().filter(c -> c.seed() == seed).mapToDouble(Experiment.CapabilityRow::budget).min().orElse(budget);
        List<Experiment.CapabilityRow> bars = capabilities.stream()
                .filter(c -> c.seed() == seed && c.budget() == shown)
                .sorted(Comparator.comparingInt(Experiment.CapabilityRow::stage)
                        .thenComparingDouble(Experiment.CapabilityRow::difficulty)
                        .thenComparingInt(Experiment.CapabilityRow::capability))
                .toList();
        String caption = bars.isEmpty() ? "No capabilities recorded (results from a run made before capabilities.csv existed)."
                : String.format(Locale.ROOT, "Seed %d, budget %s: %d capabilities discovered from the probes' gradients, in "
                        + "curriculum order (label: capability id / stage). Bars: the items CADC selected for each, coloured "
                        + "by their question family, which the curator never sees. capabilities.csv has every seed and budget, "
                        + "with each capability's probes by family.", seed, trim(shown), bars.size());
        int max = bars.stream().mapToInt(Experiment.CapabilityRow::selected).max().orElse(1);
        Chart chart = new Chart(1200, 480, String.format(Locale.ROOT, "items selected per capability by hidden family (seed %d, budget %s)",
                seed, trim(shown)), max * 1.1);
        QuestionFamily[] families = QuestionFamily.values();
        Color[] colors = java.util.Arrays.copyOf(PALETTE, families.length);
        for (int b = 0; b < bars.size(); b++) {
            chart.stack(b, bars.size(), java.util.Arrays.stream(bars.get(b).selectedByFamily()).asDoubleStream().toArray(), colors);
        }
        for (QuestionFamily family : families) {
            chart.legendEntry(colors[family.ordinal()], family.label());
        }
        chart.categoryLabels(bars.stream().map(c -> c.capability() + "/s" + c.stage()).toArray(String[]::new));
        chart.xTitle("capability / stage");
        chart.save(file);
        return caption;
    }

    private static void accuracyVsBudget(List<Experiment.Row> rows, Path file) throws IOException {
        List<Experiment.Row> steps = rows.stream().filter(r -> r.protocol().equals("equal-steps")).toList();
        Map<String, TreeMap<Double, Double>> series = new LinkedHashMap<>();
        for (String method : Experiment.METHODS) {
            TreeMap<Double, Double> points = new TreeMap<>();
            steps.stream().filter(r -> r.method().equals(method))
                    .collect(Collectors.groupingBy(Experiment.Row::budget, Collectors.averagingDouble(r -> r.evaluation().macro())))
                    .forEach(points::put);
            if (!points.isEmpty()) {
                series.put(method, points);
            }
        }
        Chart chart = new Chart(900, 520, "macro accuracy vs budget (equal steps)");
        double[] budgets = steps.stream().mapToDouble(Experiment.Row::budget).filter(b -> b < 1).distinct().sorted().toArray();
        double full = series.containsKey("full") ? series.get("full").firstEntry().getValue() : Double.NaN;
        int index = 0;
        for (Map.Entry<String, TreeMap<Double, Double>> entry : series.entrySet()) {
            Color color = PALETTE[index++ % PALETTE.length];
            if (entry.getKey().equals("full")) {
                chart.horizontal(full, color, "full (100%)");
                continue;
            }
            List<double[]> points = new ArrayList<>();
            for (int b = 0; b < budgets.length; b++) {
                Double value = entry.getValue().get(budgets[b]);
                if (value != null) {
                    points.add(new double[] {b, value});
                }
            }
            chart.line(points, budgets.length, color, entry.getKey());
        }
        chart.xLabels(budgets);
        chart.save(file);
    }

    /** The budget of the per-family bars: the one below 100% nearest to {@link #HEADLINE_BUDGET}. */
    private static double familyBarsBudget(List<Experiment.Row> rows) {
        return rows.stream().filter(r -> r.budget() < 1).mapToDouble(Experiment.Row::budget).boxed()
                .min(Comparator.comparingDouble((Double b) -> Math.abs(b - HEADLINE_BUDGET)).thenComparingDouble(b -> b))
                .orElse(1.0);
    }

    private static void familyBars(List<Experiment.Row> rows, Path file) throws IOException {
        double budget = familyBarsBudget(rows);
        List<String> methods = Experiment.METHODS.stream()
                .filter(m -> rows.stream().anyMatch(r -> r.method().equals(m))).toList();
        Chart chart = new Chart(900, 520, "accuracy per family (equal steps, budget " + trim(budget) + "; full at 100%)");
        QuestionFamily[] families = QuestionFamily.values();
        for (int f = 0; f < families.length; f++) {
            for (int m = 0; m < methods.size(); m++) {
                String method = methods.get(m);
                QuestionFamily family = families[f];
                double value = rows.stream()
                        .filter(r -> r.protocol().equals("equal-steps") && r.method().equals(method)
                                && (method.equals("full") || r.budget() == budget))
                        .mapToDouble(r -> r.evaluation().accuracy().get(family)).average().orElse(Double.NaN);
                chart.bar(f, families.length, m, methods.size(), value, PALETTE[m % PALETTE.length], f == 0 ? method : null);
            }
        }
        chart.categoryLabels(java.util.Arrays.stream(families).map(QuestionFamily::label).toArray(String[]::new));
        chart.save(file);
    }

    private static double mean(double[] values) {
        return java.util.Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static double halfWidth(double[] values) {
        int n = values.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mean = mean(values);
        double variance = java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / (n - 1);
        double[] t = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262};
        double critical = n - 2 < t.length ? t[n - 2] : 1.96;
        return critical * Math.sqrt(variance / n);
    }

    static String trim(double budget) {
        return budget == Math.rint(budget) && budget >= 1 ? String.valueOf((long) budget) : String.valueOf(budget);
    }
}

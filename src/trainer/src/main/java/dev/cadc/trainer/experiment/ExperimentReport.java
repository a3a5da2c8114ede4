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

    public static final Color[] PALETTE = Charts.PALETTE;

    /** Each method's colour; a {@code -no-dedup} twin is drawn in its method's colour, dashed or lighter. */
    private static final Map<String, Color> METHOD_COLOURS = Map.ofEntries(Map.entry("full", Color.BLACK),
            Map.entry("random", new Color(0x7f7f7f)), Map.entry("stratified", new Color(0xbcbd22)),
            Map.entry("high-loss", new Color(0xff7f0e)), Map.entry("low-loss", new Color(0x8c564b)),
            Map.entry("less", new Color(0x9467bd)), Map.entry("less-mean", new Color(0xc5b0d5)), Map.entry("cadc", new Color(0x1f77b4)),
            Map.entry("cadc-no-harm", new Color(0xd62728)), Map.entry("cadc-no-stages", new Color(0x17becf)),
            Map.entry("cadc-no-balance", new Color(0xe377c2)), Map.entry("cadc-equal-exposure", new Color(0x2ca02c)),
            Map.entry("oracle", new Color(0x393b79)));

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
        return header.append(",selected_mislabelled,ari_families").toString();
    }

    /** The header capabilities.csv had before it recorded the ARI against the families (read back as NaN). */
    private static String capabilitiesCsvHeaderWithoutAri() {
        String header = capabilitiesCsvHeader();
        return header.substring(0, header.lastIndexOf(','));
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
        return line.append(',').append(row.selectedMislabelled())
                .append(String.format(Locale.ROOT, ",%.4f", row.familyAri())).toString();
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

    /**
     * Per seed and budget, the number of capabilities CADC's clustering found and its adjusted Rand
     * index against the probes' hidden question families (1: the families exactly; about 0: unrelated).
     */
    public static String capabilitySummary(List<Experiment.CapabilityRow> capabilities) {
        Map<String, List<Experiment.CapabilityRow>> groups = capabilities.stream().collect(Collectors.groupingBy(
                c -> c.seed() + "|" + trim(c.budget()), TreeMap::new, Collectors.toList()));
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%-6s %-7s %4s %12s%n", "seed", "budget", "K", "ARI families"));
        List<String> keys = new ArrayList<>(groups.keySet());
        keys.sort(Comparator.comparingLong((String key) -> Long.parseLong(key.split("\\|")[0]))
                .thenComparingDouble(key -> Double.parseDouble(key.split("\\|")[1])));
        for (String key : keys) {
            List<Experiment.CapabilityRow> group = groups.get(key);
            String[] parts = key.split("\\|");
            text.append(String.format(Locale.ROOT, "%-6s %-7s %4d %12.3f%n", parts[0], parts[1], group.size(), group.get(0).familyAri()));
        }
        return text.toString();
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
                <style>body{font-family:sans-serif;margin:2em;max-width:1400px} pre{background:#f6f6f6;padding:1em;overflow-x:auto}
                img{display:block;max-width:100%%;height:auto}</style></head><body>
                <h1>CADC on VQA-Fashion</h1>
                <h2>Macro accuracy (mean and 95%% interval over seeds)</h2><pre>%s</pre>
                <h2>Capabilities found (K and adjusted Rand index against the hidden families)</h2><pre>%s</pre>
                <h2>Accuracy vs budget (equal steps)</h2><img src="accuracy-vs-budget.png" alt="accuracy vs budget">
                <h2>Accuracy per family (equal steps, the budget nearest 5%%)</h2><img src="accuracy-per-family.png" alt="accuracy per family">
                <h2>Capability sizes</h2><p>%s</p><img src="capability-sizes.png" alt="capability sizes">
                <p>Raw rows: <a href="results.csv">results.csv</a>, <a href="capabilities.csv">capabilities.csv</a>.
                The oracle reads the hidden truth: an upper bound, not a method.</p>
                </body></html>
                """.formatted(escape(table), escape(capabilitySummary(results.capabilities())), escape(capabilitiesCaption)));
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
            boolean withAri = !capabilityLines.isEmpty() && !capabilityLines.get(0).equals(capabilitiesCsvHeaderWithoutAri());
            requireHeader(capabilitiesFile, capabilityLines, withAri ? capabilitiesCsvHeader() : capabilitiesCsvHeaderWithoutAri());
            for (int n = 1; n < capabilityLines.size(); n++) {
                String[] fields = fields(capabilitiesFile, n, capabilityLines.get(n), 8 + 2 * families.length + (withAri ? 1 : 0));
                int[] probes = new int[families.length];
                int[] selected = new int[families.length];
                for (int f = 0; f < families.length; f++) {
                    probes[f] = Integer.parseInt(fields[6 + f]);
                    selected[f] = Integer.parseInt(fields[7 + families.length + f]);
                }
                int mislabelledField = 7 + 2 * families.length;
                capabilities.add(new Experiment.CapabilityRow(Long.parseLong(fields[0]), Double.parseDouble(fields[1]),
                        Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), Double.parseDouble(fields[4]), probes, selected,
                        Integer.parseInt(fields[mislabelledField]), withAri ? Double.parseDouble(fields[mislabelledField + 1]) : Double.NaN));
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
        QuestionFamily[] families = QuestionFamily.values();
        double[][] values = new double[families.length][bars.size()];
        for (int b = 0; b < bars.size(); b++) {
            for (int f = 0; f < families.length; f++) {
                values[f][b] = bars.get(b).selectedByFamily()[f];
            }
        }
        String ari = bars.isEmpty() || Double.isNaN(bars.get(0).familyAri()) ? ""
                : String.format(Locale.ROOT, "; ARI vs families %.2f", bars.get(0).familyAri());
        Charts.stacked(file, 1200, 520, String.format(Locale.ROOT,
                "Items CADC selected per capability, by hidden family (seed %d, budget %s%s)", seed, trim(shown), ari),
                "capability id / stage (curriculum order)", "items selected",
                bars.stream().map(c -> c.capability() + " / s" + c.stage()).toList(),
                java.util.Arrays.stream(families).map(QuestionFamily::label).toList(),
                java.util.Arrays.copyOf(PALETTE, families.length), values, true);
        return caption;
    }

    /** The colour of {@code method}: its base method's for a {@code -no-dedup} twin. */
    private static Color colourOf(String method) {
        return METHOD_COLOURS.getOrDefault(baseOf(method), Color.DARK_GRAY);
    }

    private static String baseOf(String method) {
        return method.endsWith(Experiment.NO_DEDUP) ? method.substring(0, method.length() - Experiment.NO_DEDUP.length()) : method;
    }

    private static String percent(double budget) {
        double value = 100 * budget;
        return (value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value)) + "%";
    }

    /** Mean and 95% half-width of the macro accuracy of {@code method}'s equal-steps rows at {@code budget}, over seeds. */
    private static double[] meanAndHalfWidth(List<Experiment.Row> rows, String method, double budget,
            java.util.function.ToDoubleFunction<Experiment.Row> value) {
        double[] values = rows.stream()
                .filter(r -> r.protocol().equals("equal-steps") && r.method().equals(method) && r.budget() == budget)
                .mapToDouble(value).toArray();
        return values.length == 0 ? new double[] {Double.NaN, Double.NaN} : new double[] {mean(values), halfWidth(values)};
    }

    private static void accuracyVsBudget(List<Experiment.Row> rows, Path file) throws IOException {
        double[] budgets = rows.stream().filter(r -> r.protocol().equals("equal-steps")).mapToDouble(Experiment.Row::budget)
                .filter(b -> b < 1).distinct().sorted().toArray();
        List<Charts.Series> series = new ArrayList<>();
        Map<String, Double> reference = new LinkedHashMap<>();
        for (String method : Experiment.METHODS) {
            if (rows.stream().noneMatch(r -> r.method().equals(method) && r.protocol().equals("equal-steps"))) {
                continue;
            }
            if (method.equals("full")) {
                double[] full = meanAndHalfWidth(rows, method, 1.0, r -> r.evaluation().macro());
                reference.put(String.format(Locale.ROOT, "full data %.3f", full[0]), full[0]);
                continue;
            }
            double[] mean = new double[budgets.length];
            double[] halfWidth = new double[budgets.length];
            for (int b = 0; b < budgets.length; b++) {
                double[] point = meanAndHalfWidth(rows, method, budgets[b], r -> r.evaluation().macro());
                mean[b] = point[0];
                halfWidth[b] = point[1];
            }
            series.add(new Charts.Series(method, colourOf(method), method.endsWith(Experiment.NO_DEDUP), mean, halfWidth));
        }
        long seeds = rows.stream().mapToLong(Experiment.Row::seed).distinct().count();
        Charts.lines(file, 1200, 700, "Macro accuracy vs budget (equal steps; mean and 95% interval over " + seeds + " seed"
                + (seeds == 1 ? "" : "s") + ")", "budget (share of the pool)", "macro accuracy on the clean test set",
                java.util.Arrays.stream(budgets).mapToObj(ExperimentReport::percent).toList(), series, reference, 0, 1);
    }

    /** The budget of the per-family bars: the one below 100% nearest to {@link #HEADLINE_BUDGET}. */
    private static double familyBarsBudget(List<Experiment.Row> rows) {
        return rows.stream().filter(r -> r.budget() < 1).mapToDouble(Experiment.Row::budget).boxed()
                .min(Comparator.comparingDouble((Double b) -> Math.abs(b - HEADLINE_BUDGET)).thenComparingDouble(b -> b))
                .orElse(1.0);
    }

    private static void familyBars(List<Experiment.Row> rows, Path file) throws IOException {
        double budget = familyBarsBudget(rows);
        QuestionFamily[] families = QuestionFamily.values();
        List<Charts.Series> series = new ArrayList<>();
        for (String method : Experiment.METHODS) {
            if (rows.stream().noneMatch(r -> r.method().equals(method) && r.protocol().equals("equal-steps"))) {
                continue;
            }
            double at = method.equals("full") ? 1.0 : budget;
            double[] mean = new double[families.length];
            double[] halfWidth = new double[families.length];
            for (QuestionFamily family : families) {
                double[] point = meanAndHalfWidth(rows, method, at, r -> r.evaluation().accuracy().get(family));
                mean[family.ordinal()] = point[0];
                halfWidth[family.ordinal()] = point[1];
            }
            series.add(new Charts.Series(method.equals("full") ? "full (100%)" : method, colourOf(method),
                    method.endsWith(Experiment.NO_DEDUP), mean, halfWidth));
        }
        Charts.bars(file, 1400, 650, "Accuracy per family (equal steps, budget " + percent(budget)
                + "; full data at 100%; mean and 95% interval over seeds)", "question family", "accuracy on the clean test set",
                java.util.Arrays.stream(families).map(QuestionFamily::label).toList(), series, 0, 1);
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

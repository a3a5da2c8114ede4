package dev.cadc.trainer.experiment;

import dev.cadc.trainer.vqa.QuestionFamily;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The experiment's outputs: {@code results.csv}, a table of mean macro accuracy with a 95% interval per
 * method, budget and protocol, PNG plots (accuracy vs budget, per-family bars) and an HTML page.
 */
public final class ExperimentReport {

    public static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22)};

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

    /** Mean and 95% interval (Student t) of the macro accuracy per (protocol, budget, method). */
    public static String table(List<Experiment.Row> rows) {
        StringBuilder table = new StringBuilder();
        Map<String, List<Experiment.Row>> groups = rows.stream().collect(Collectors.groupingBy(
                row -> row.protocol() + "|" + trim(row.budget()) + "|" + row.method(), TreeMap::new, Collectors.toList()));
        table.append(String.format(Locale.ROOT, "%-13s %-7s %-16s %6s %8s %9s %s%n", "protocol", "budget", "method", "seeds",
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
            table.append(String.format(Locale.ROOT, "%-13s %-7s %-16s %6d %8.4f %9.4f %10.1f%%%n", parts[0], parts[1], parts[2],
                    values.length, mean, halfWidth, 100 * mislabelled));
        }
        return table.toString();
    }

    /** Writes results.csv, table.txt, the plots and index.html into {@code dir}. */
    public static void write(Path dir, List<Experiment.Row> rows) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        lines.add(csvHeader());
        rows.forEach(row -> lines.add(csvRow(row)));
        Files.write(dir.resolve("results.csv"), lines);
        String table = table(rows);
        Files.writeString(dir.resolve("table.txt"), table);
        accuracyVsBudget(rows, dir.resolve("accuracy-vs-budget.png"));
        familyBars(rows, dir.resolve("accuracy-per-family.png"));
        Files.writeString(dir.resolve("index.html"), """
                <!doctype html><html><head><meta charset="utf-8"><title>CADC experiment</title>
                <style>body{font-family:sans-serif;margin:2em} pre{background:#f6f6f6;padding:1em}</style></head><body>
                <h1>CADC on VQA-Fashion</h1>
                <h2>Macro accuracy (mean and 95%% interval over seeds)</h2><pre>%s</pre>
                <h2>Accuracy vs budget (equal steps)</h2><img src="accuracy-vs-budget.png" alt="accuracy vs budget">
                <h2>Accuracy per family (equal steps, smallest budget with every method)</h2><img src="accuracy-per-family.png" alt="accuracy per family">
                <p>Raw rows: <a href="results.csv">results.csv</a>. The oracle reads the hidden truth: an upper bound, not a method.</p>
                </body></html>
                """.formatted(table.replace("&", "&amp;").replace("<", "&lt;")));
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

    private static void familyBars(List<Experiment.Row> rows, Path file) throws IOException {
        double budget = rows.stream().filter(r -> r.budget() < 1).mapToDouble(Experiment.Row::budget).min().orElse(1);
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

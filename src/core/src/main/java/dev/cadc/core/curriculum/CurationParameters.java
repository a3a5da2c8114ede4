package dev.cadc.core.curriculum;

import dev.cadc.core.capability.ClusteringConfig;
import dev.cadc.core.capability.KRule;
import dev.cadc.core.influence.AggregationRule;
import dev.cadc.core.influence.CapabilityScorer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every curation parameter, declared once: its name (the {@code --name} of {@code cadc curate},
 * {@code cadc job} and {@code flink run}, the key in a job's YAML config), default, description and
 * validation, and how it maps to and from a {@link CuratorConfig}. The job's configuration, the
 * {@code curate} and {@code explain} commands and the experiment all read their curation settings
 * through it.
 *
 * <p>{@link #of(CuratorConfig)} gives the effective values in canonical text; the job and
 * {@code curate} write them with every curriculum version, so that {@code cadc explain} replays
 * exactly what produced a version, and {@link #parse} of that map gives back an equal config.
 */
public final class CurationParameters {

    /** One parameter. */
    public record Parameter(String name, String defaultValue, String label, String description) {}

    private interface Apply {
        void apply(Draft draft, String value);
    }

    private record Declared(Parameter parameter, Apply apply, java.util.function.Function<CuratorConfig, String> read) {}

    private static final List<Declared> DECLARED = new ArrayList<>();

    /** The {@code stage-shares} value for shares proportional to each stage's training set. */
    private static final String PROPORTIONAL = "proportional";

    static {
        declare("budget", CuratorConfig.DEFAULT_BUDGET, "B", "A fraction of the pool in (0, 1) or a sample count >= 1.",
                (d, v) -> d.budget = Budget.parse(v), c -> c.budget().toString());
        declare("k-min", "" + ClusteringConfig.DEFAULT_K_MIN, "K", "Fewest capabilities.",
                (d, v) -> d.kMin = intAtLeast("k-min", v, 1), c -> "" + c.clustering().kMin());
        declare("k-max", "" + ClusteringConfig.DEFAULT_K_MAX, "K", "Most capabilities.",
                (d, v) -> d.kMax = intAtLeast("k-max", v, 1), c -> "" + c.clustering().kMax());
        declare("seed", "" + ClusteringConfig.DEFAULT_SEED, "SEED", "Seed of the clustering's k-means++ starts.",
                (d, v) -> d.seed = parseLong("seed", v), c -> "" + c.clustering().seed());
        declare("k-rule", KRule.SILHOUETTE.label(), "silhouette|stability",
                "How K is chosen: the highest silhouette, or the highest silhouette among K stable over probe subsamples.",
                (d, v) -> d.kRule = named("k-rule", () -> KRule.parse(v)), c -> c.clustering().kRule().label());
        declare("aggregation", "strongest", "strongest|mean", "How per-probe influence becomes capability influence.",
                (d, v) -> d.aggregation = named("aggregation", () -> AggregationRule.parse(v)),
                c -> c.aggregation().name().toLowerCase(Locale.ROOT));
        declare("strongest", "" + CapabilityScorer.DEFAULT_STRONGEST, "M",
                "Strongest interactions per sample (m), for the strongest rule and for harm.",
                (d, v) -> d.strongest = intAtLeast("strongest", v, 1), c -> "" + c.strongest());
        declare("selection", "coverage", "coverage|top-influence", "How a capability fills its share.",
                (d, v) -> d.selection = named("selection", () -> WithinCapability.parse(v)),
                c -> c.withinCapability() == WithinCapability.COVERAGE ? "coverage" : "top-influence");
        declare("duplicate-threshold", "" + DuplicateGuard.DEFAULT_THRESHOLD, "COSINE",
                "Mean sketch cosine above which a candidate is a near-duplicate; 1 disables.",
                (d, v) -> d.duplicateThreshold = cosine("duplicate-threshold", v), c -> "" + c.duplicateThreshold());
        declare("harm-rule", "exclude", "exclude|off",
                "exclude: a sample whose m strongest interactions net negative is never selected; off (an ablation): no sample is harmful.",
                (d, v) -> d.harmRule = named("harm-rule", () -> harmRule(v)), c -> c.harmRule() ? "exclude" : "off");
        declare("stages", "" + StagePlan.DEFAULT_STAGES, "S", "Number of curriculum stages.",
                (d, v) -> d.stages = intAtLeast("stages", v, 1), c -> "" + c.stages().stages());
        declare("stage-order", "easy-first", "easy-first|hard-first", "Order of capabilities across stages.",
                (d, v) -> d.order = named("stage-order", () -> StagePlan.Order.parse(v)),
                c -> c.stages().order() == StagePlan.Order.EASY_FIRST ? "easy-first" : "hard-first");
        declare("stage-shares", PROPORTIONAL, "proportional|equal|S1,S2,...",
                "Each stage's share of training steps: equal, proportional to the samples the stage trains on, or given (summing to 1).",
                (d, v) -> {
                    d.proportional = v.equalsIgnoreCase(PROPORTIONAL);
                    d.shares = d.proportional ? null : shares(v);
                }, CurationParameters::sharesText);
    }

    private CurationParameters() {}

    /** The parameters in declaration order. */
    public static List<Parameter> all() {
        return DECLARED.stream().map(Declared::parameter).toList();
    }

    /**
     * The defaults overridden by {@code values} (name to text); names that are not curation parameters
     * are ignored, so a caller may pass its whole configuration.
     *
     * @throws IllegalArgumentException naming the parameter, for a bad value or an inconsistent pair
     */
    public static CuratorConfig parse(Map<String, String> values) {
        Draft draft = new Draft();
        for (Declared declared : DECLARED) {
            String name = declared.parameter().name();
            declared.apply().apply(draft, values.getOrDefault(name, declared.parameter().defaultValue()).trim());
        }
        return draft.build();
    }

    /** The effective value of every parameter of {@code config}, in canonical text, in declaration order. */
    public static Map<String, String> of(CuratorConfig config) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Declared declared : DECLARED) {
            values.put(declared.parameter().name(), declared.read().apply(config));
        }
        return values;
    }

    /** A Markdown table of the parameters (name, default, meaning). */
    public static String describe() {
        StringBuilder table = new StringBuilder();
        for (Parameter parameter : all()) {
            table.append("| `--").append(parameter.name()).append("` | `").append(parameter.defaultValue()).append("` | ")
                    .append(parameter.description()).append(" |\n");
        }
        return table.toString();
    }

    private static void declare(String name, String defaultValue, String label, String description, Apply apply,
            java.util.function.Function<CuratorConfig, String> read) {
        DECLARED.add(new Declared(new Parameter(name, defaultValue, label, description), apply, read));
    }

    /** The settings being read, before they are checked together. */
    private static final class Draft {
        Budget budget;
        int kMin;
        int kMax;
        long seed;
        KRule kRule;
        AggregationRule aggregation;
        int strongest;
        WithinCapability selection;
        double duplicateThreshold;
        boolean harmRule;
        int stages;
        StagePlan.Order order;
        double[] shares;
        boolean proportional;

        CuratorConfig build() {
            if (kMax < kMin) {
                throw new IllegalArgumentException("k-max (" + kMax + ") must be >= k-min (" + kMin + ")");
            }
            double[] stepShares = shares == null ? StagePlan.equalShares(stages).stepShares() : shares;
            if (stepShares.length != stages) {
                throw new IllegalArgumentException("stage-shares has " + stepShares.length + " shares for " + stages + " stages");
            }
            StagePlan plan;
            try {
                plan = new StagePlan(stages, order, stepShares, true, proportional);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("stage-shares: " + e.getMessage(), e);
            }
            return new CuratorConfig(budget, new ClusteringConfig(kMin, kMax, seed, ClusteringConfig.DEFAULT_RESTARTS,
                    ClusteringConfig.DEFAULT_MAX_ITERATIONS, kRule), aggregation, strongest, selection, duplicateThreshold, plan,
                    harmRule);
        }
    }

    private static boolean harmRule(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "exclude" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("expected exclude or off, got '" + text + "'");
        };
    }

    private static String sharesText(CuratorConfig config) {
        if (config.stages().sizeProportional()) {
            return PROPORTIONAL;
        }
        double[] shares = config.stages().stepShares();
        if (Arrays.equals(shares, StagePlan.equalShares(shares.length).stepShares())) {
            return "equal";
        }
        return Arrays.stream(shares).mapToObj(Double::toString).collect(Collectors.joining(","));
    }

    private static double[] shares(String text) {
        if (text.equalsIgnoreCase("equal")) {
            return null;
        }
        try {
            return Arrays.stream(text.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("stage-shares must be 'equal' or comma-separated numbers, got '" + text + "'", e);
        }
    }

    private static int intAtLeast(String name, String text, int minimum) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + text + "'", e);
        }
        if (value < minimum) {
            throw new IllegalArgumentException(name + " must be >= " + minimum + ", got " + value);
        }
        return value;
    }

    private static long parseLong(String name, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + text + "'", e);
        }
    }

    private static double cosine(String name, String text) {
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + text + "'", e);
        }
        if (!(value > -1 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be a cosine in (-1, 1], got " + value);
        }
        return value;
    }

    private static <T> T named(String name, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }
}

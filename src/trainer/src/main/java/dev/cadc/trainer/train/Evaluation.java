package dev.cadc.trainer.train;

import dev.cadc.trainer.model.ModelWeights;
import dev.cadc.trainer.vqa.QuestionFamily;
import java.util.EnumMap;
import java.util.Map;

/** Accuracy per question family on clean items, and their macro average. */
public record Evaluation(Map<QuestionFamily, Double> accuracy) {

    public static Evaluation of(ModelWeights weights, Encoded test) {
        Map<QuestionFamily, Double> accuracy = new EnumMap<>(QuestionFamily.class);
        for (QuestionFamily family : QuestionFamily.values()) {
            var items = test.of(family);
            long correct = items.parallelStream()
                    .filter(item -> weights.predict(test.featuresOf(item), item.question()) == item.trueAnswer())
                    .count();
            accuracy.put(family, items.isEmpty() ? Double.NaN : correct / (double) items.size());
        }
        return new Evaluation(accuracy);
    }

    public double macro() {
        return accuracy.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** e.g. {@code macro 0.845 | recognition 0.91 verification 0.87 ...}. */
    public String describe() {
        StringBuilder text = new StringBuilder(String.format(java.util.Locale.ROOT, "macro %.3f |", macro()));
        accuracy.forEach((family, value) -> text.append(String.format(java.util.Locale.ROOT, " %s %.3f", family.label(), value)));
        return text.toString();
    }
}

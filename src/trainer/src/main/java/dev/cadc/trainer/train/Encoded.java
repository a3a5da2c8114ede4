package dev.cadc.trainer.train;

import dev.cadc.trainer.vqa.QuestionFamily;
import dev.cadc.trainer.vqa.VqaItem;
import java.util.List;

/**
 * Items with their frozen image features: what training, sketching and evaluation read. Row
 * {@code i} of {@code features} belongs to image index {@code i} of the split.
 */
public record Encoded(List<VqaItem> items, float[][] features) {

    public float[] featuresOf(VqaItem item) {
        return features[item.image()];
    }

    /** Items of {@code family}. */
    public List<VqaItem> of(QuestionFamily family) {
        return items.stream().filter(item -> item.family() == family).toList();
    }
}

package dev.cadc.trainer.vqa;

/** The five question families of VQA-Fashion, with their default share of the pool. */
public enum QuestionFamily {
    RECOGNITION(0.45),
    VERIFICATION(0.25),
    GROUPING(0.15),
    STRUCTURE(0.10),
    SYMBOLIC(0.05);

    private final double defaultShare;

    QuestionFamily(double defaultShare) {
        this.defaultShare = defaultShare;
    }

    public double defaultShare() {
        return defaultShare;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

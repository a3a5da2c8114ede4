package dev.cadc.trainer.vqa;

/**
 * One question about one image: its sample id, image index (into its split's images), question
 * template, the answer it is labelled with, the correct answer, and for a duplicate the id of the
 * item it copies (-1 otherwise).
 */
public record VqaItem(long id, int image, int label, int question, int answer, int trueAnswer, int duplicateOf) {

    public QuestionFamily family() {
        return Questions.family(question);
    }

    public boolean mislabelled() {
        return answer != trueAnswer;
    }
}

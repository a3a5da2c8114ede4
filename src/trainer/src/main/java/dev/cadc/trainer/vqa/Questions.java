package dev.cadc.trainer.vqa;

import java.util.ArrayList;
import java.util.List;

/**
 * The question templates and the shared answer vocabulary of a dataset. Templates (question ids):
 * <pre>
 *   0            recognition   "what is this item?"                 -> a class name
 *   1 .. 10      verification  "is this a {class c-1}?"             -> yes / no
 *   11, 12       grouping      the descriptor's two groupings       -> yes / no
 *   13           structure     "is the top half brighter than the bottom half?" -> yes / no
 *   14           structure     "is the item wider than it is tall?" -> yes / no
 *   15           symbolic      "how many letters are in this item's name?" -> a number
 * </pre>
 * Answers: the class names, then "yes" and "no", then the numbers 0..{@link #MAX_COUNT}.
 */
public final class Questions {

    public static final int RECOGNITION = 0;
    public static final int FIRST_VERIFICATION = 1;
    public static final int FIRST_GROUPING = 11;
    public static final int TOP_BRIGHTER = 13;
    public static final int WIDER = 14;
    public static final int LETTERS = 15;
    public static final int COUNT = 16;
    public static final int MAX_COUNT = 15;

    private final DatasetDescriptor dataset;

    public Questions(DatasetDescriptor dataset) {
        if (dataset.classNames().size() != 10) {
            throw new IllegalArgumentException("a dataset needs 10 classes, " + dataset.name() + " has " + dataset.classNames().size());
        }
        this.dataset = dataset;
    }

    public int answerCount() {
        return 10 + 2 + MAX_COUNT + 1;
    }

    public int yes() {
        return 10;
    }

    public int no() {
        return 11;
    }

    public int number(int value) {
        return 12 + Math.min(value, MAX_COUNT);
    }

    public static QuestionFamily family(int question) {
        if (question == RECOGNITION) {
            return QuestionFamily.RECOGNITION;
        }
        if (question < FIRST_GROUPING) {
            return QuestionFamily.VERIFICATION;
        }
        if (question < TOP_BRIGHTER) {
            return QuestionFamily.GROUPING;
        }
        return question == LETTERS ? QuestionFamily.SYMBOLIC : QuestionFamily.STRUCTURE;
    }

    /** The correct answer to {@code question} about an image of class {@code label}. */
    public int answer(int question, int label, float[] pixels, int height, int width) {
        if (question == RECOGNITION) {
            return label;
        }
        if (question < FIRST_GROUPING) {
            return yesNo(question - FIRST_VERIFICATION == label);
        }
        if (question == FIRST_GROUPING) {
            return yesNo(dataset.first().members().contains(label));
        }
        if (question == FIRST_GROUPING + 1) {
            return yesNo(dataset.second().members().contains(label));
        }
        if (question == TOP_BRIGHTER) {
            double top = 0;
            double bottom = 0;
            for (int row = 0; row < height; row++) {
                for (int col = 0; col < width; col++) {
                    if (row < height / 2) {
                        top += pixels[row * width + col];
                    } else if (row >= height - height / 2) {
                        bottom += pixels[row * width + col];
                    }
                }
            }
            return yesNo(top > bottom);
        }
        if (question == WIDER) {
            int minRow = height;
            int maxRow = -1;
            int minCol = width;
            int maxCol = -1;
            for (int row = 0; row < height; row++) {
                for (int col = 0; col < width; col++) {
                    if (pixels[row * width + col] > 0.2f) {
                        minRow = Math.min(minRow, row);
                        maxRow = Math.max(maxRow, row);
                        minCol = Math.min(minCol, col);
                        maxCol = Math.max(maxCol, col);
                    }
                }
            }
            return yesNo(maxCol - minCol > maxRow - minRow);
        }
        return number(dataset.letterCount(label));
    }

    private int yesNo(boolean value) {
        return value ? yes() : no();
    }

    /** The text of a question, for reports. */
    public String text(int question) {
        if (question == RECOGNITION) {
            return "what is this item?";
        }
        if (question < FIRST_GROUPING) {
            return "is this a " + dataset.classNames().get(question - FIRST_VERIFICATION) + "?";
        }
        if (question == FIRST_GROUPING) {
            return dataset.first().question();
        }
        if (question == FIRST_GROUPING + 1) {
            return dataset.second().question();
        }
        if (question == TOP_BRIGHTER) {
            return "is the top half brighter than the bottom half?";
        }
        if (question == WIDER) {
            return "is the item wider than it is tall?";
        }
        return "how many letters are in this item's name?";
    }

    /** The answer vocabulary, for reports. */
    public List<String> answers() {
        List<String> answers = new ArrayList<>(dataset.classNames());
        answers.add("yes");
        answers.add("no");
        for (int n = 0; n <= MAX_COUNT; n++) {
            answers.add(Integer.toString(n));
        }
        return answers;
    }
}

package dev.cadc.core.format;

/**
 * One selected sample of a curriculum: the stage that introduces it (stages are cumulative, so it is
 * trained on in every later stage too), its position within that stage, the capability it was
 * attributed to and its capability influence {@code I(i, c)}.
 */
public record CurriculumEntry(long sampleId, int stage, int position, int capability, double influence) {

    /** @throws InvalidRecordException INVALID_VALUE for a negative stage, position or capability, NON_FINITE */
    public CurriculumEntry {
        if (stage < 0 || position < 0 || capability < 0) {
            throw new InvalidRecordException(ReasonCode.INVALID_VALUE,
                    "sample " + sampleId + ": stage " + stage + ", position " + position + ", capability "
                            + capability + " must all be >= 0");
        }
        if (!Double.isFinite(influence)) {
            throw new InvalidRecordException(ReasonCode.NON_FINITE,
                    "sample " + sampleId + ": influence is " + influence);
        }
    }
}

package dev.cadc.core.format;

import java.util.Arrays;

/**
 * Which sketches of a run feed influence, as its run-start record names it: POOL sketches (TracInCP,
 * the checkpoint-scan form) or TRAIN sketches (TracIn's per-step form, for runs that never scan their
 * pool). Sketches of the other role are counted and shown, never added.
 */
public enum InfluenceSource {
    POOL("pool"),
    TRAIN("train");

    private final String wireName;

    InfluenceSource(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the run-start record's {@code influence_source}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The source with this wire name.
     *
     * @throws IllegalArgumentException naming the accepted values when none matches
     */
    public static InfluenceSource fromWireName(String name) {
        for (InfluenceSource source : values()) {
            if (source.wireName.equals(name)) {
                return source;
            }
        }
        throw new IllegalArgumentException("unknown influence source '" + name + "'; expected one of "
                + Arrays.stream(values()).map(InfluenceSource::wireName).toList());
    }
}

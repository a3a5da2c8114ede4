package dev.cadc.core.format;

/**
 * What a sketch row stands for, as the {@code role} int8 column of {@code cadc.sketches} encodes it.
 *
 * <p>TRAIN rows are per-step gradients of samples the trainer trained on, POOL rows are candidates
 * scored at a checkpoint, PROBE rows are held-out examples whose trajectories define capabilities.
 */
public enum Role {
    TRAIN((byte) 0),
    POOL((byte) 1),
    PROBE((byte) 2);

    private static final Role[] BY_CODE = {TRAIN, POOL, PROBE};

    private final byte code;

    Role(byte code) {
        this.code = code;
    }

    /** The wire value of this role. */
    public byte code() {
        return code;
    }

    /**
     * The role with this wire value.
     *
     * @throws InvalidRecordException with {@link ReasonCode#UNKNOWN_ROLE} for any other value
     */
    public static Role fromCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new InvalidRecordException(
                    ReasonCode.UNKNOWN_ROLE,
                    "role " + code + " is not one of 0 (TRAIN), 1 (POOL), 2 (PROBE)");
        }
        return BY_CODE[code];
    }
}

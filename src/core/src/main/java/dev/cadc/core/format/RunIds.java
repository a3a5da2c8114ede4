package dev.cadc.core.format;

import java.nio.charset.StandardCharsets;

/**
 * The rule for run ids, the key of every record: 1 to {@link #MAX_BYTES} bytes of
 * {@code [A-Za-z0-9._:-]}. The id names state, metrics and log lines of the job and is matched byte
 * for byte against the run id inside each record, so it is kept to characters that print and compare
 * the same everywhere (no spaces, no control or look-alike characters, no Unicode normalisation
 * questions). The job rejects a record whose key breaks the rule with {@link ReasonCode#INVALID_RUN_ID};
 * the publishers refuse such an id before sending anything.
 */
public final class RunIds {

    /** The longest run id, in UTF-8 bytes (all allowed characters are one byte). */
    public static final int MAX_BYTES = 128;

    /** The allowed characters, as documented in {@code schemas/README.md}. */
    public static final String ALLOWED = "[A-Za-z0-9._:-]";

    private RunIds() {}

    /**
     * Checks a record key and returns it as the run id.
     *
     * @throws InvalidRecordException INVALID_RUN_ID when the key is absent, empty, longer than
     *     {@link #MAX_BYTES} bytes or holds a byte outside {@link #ALLOWED}
     */
    public static String fromKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw invalid("the record has " + (key == null ? "no key" : "an empty key")
                    + "; the key must be the run id (1 to " + MAX_BYTES + " characters of " + ALLOWED + ")");
        }
        if (key.length > MAX_BYTES) {
            throw invalid("the run id (record key) is " + key.length + " bytes long; the limit is " + MAX_BYTES);
        }
        for (int i = 0; i < key.length; i++) {
            if (!allowed(key[i])) {
                throw invalid("the run id (record key) holds byte 0x" + String.format("%02x", key[i] & 0xff)
                        + " at index " + i + "; a run id is made of " + ALLOWED);
            }
        }
        return new String(key, StandardCharsets.US_ASCII);
    }

    /**
     * Checks a run id before it is used (publishers call this before sending anything).
     *
     * @throws InvalidRecordException INVALID_RUN_ID as {@link #fromKey} says
     */
    public static String require(String runId) {
        return fromKey(runId == null ? null : runId.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean allowed(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
                || b == '.' || b == '_' || b == ':' || b == '-';
    }

    private static InvalidRecordException invalid(String message) {
        return new InvalidRecordException(ReasonCode.INVALID_RUN_ID, message);
    }
}

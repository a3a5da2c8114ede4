package dev.cadc.core.format;

/**
 * A record that cannot be accepted, with the {@link ReasonCode} that routes it to the dead-letter
 * topic and a message that says what was expected and what came.
 */
public final class InvalidRecordException extends IllegalArgumentException {

    private final ReasonCode reason;

    public InvalidRecordException(ReasonCode reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public InvalidRecordException(ReasonCode reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    /** The machine-readable reason. */
    public ReasonCode reason() {
        return reason;
    }
}

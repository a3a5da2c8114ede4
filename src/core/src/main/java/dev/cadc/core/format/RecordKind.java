package dev.cadc.core.format;

import java.util.Locale;

/**
 * What a record on {@code cadc.sketches} is, decided from its headers alone, before its value is
 * decoded: a sketch batch (Arrow) or one of the control records (JSON). Headers of schema version 1
 * and 2 are read (version 2 added {@link #RUN_END}).
 */
public enum RecordKind {
    /** An Arrow IPC sketch batch; decode with {@link SketchCodec}. */
    SKETCH_BATCH,
    /** A run-start control record; decode with {@link ControlRecordCodec}. */
    RUN_START,
    /** A checkpoint-complete control record; decode with {@link ControlRecordCodec}. */
    CHECKPOINT_COMPLETE,
    /** A run-end control record (schema version 2); decode with {@link ControlRecordCodec}. */
    RUN_END;

    /**
     * Classifies a record by its header values (each {@code null} when the header is absent).
     *
     * @throws InvalidRecordException UNSUPPORTED_VERSION for a missing or other schema version,
     *     UNKNOWN_RECORD_TYPE for a missing or unknown content type or record type
     */
    public static RecordKind classify(String schemaVersion, String contentType, String recordType) {
        if (schemaVersion == null) {
            throw new InvalidRecordException(
                    ReasonCode.UNSUPPORTED_VERSION,
                    "the record has no " + WireFormat.HEADER_SCHEMA_VERSION + " header; expected "
                            + WireFormat.SCHEMA_VERSION_TEXT);
        }
        if (!readableVersion(schemaVersion.trim())) {
            throw new InvalidRecordException(
                    ReasonCode.UNSUPPORTED_VERSION,
                    WireFormat.HEADER_SCHEMA_VERSION + " is '" + schemaVersion + "'; this build reads versions 1 to "
                            + WireFormat.NEWEST_READABLE_VERSION);
        }
        String mediaType = contentType == null ? null : mediaType(contentType);
        if (WireFormat.CONTENT_TYPE_ARROW.equals(mediaType) && recordType == null) {
            return SKETCH_BATCH;
        }
        if (WireFormat.CONTENT_TYPE_JSON.equals(mediaType)) {
            if (WireFormat.RECORD_TYPE_RUN_START.equals(recordType)) {
                return RUN_START;
            }
            if (WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE.equals(recordType)) {
                return CHECKPOINT_COMPLETE;
            }
            if (WireFormat.RECORD_TYPE_RUN_END.equals(recordType)) {
                return RUN_END;
            }
        }
        throw new InvalidRecordException(
                ReasonCode.UNKNOWN_RECORD_TYPE,
                "unknown record: " + WireFormat.HEADER_CONTENT_TYPE + "=" + contentType + ", "
                        + WireFormat.HEADER_RECORD_TYPE + "=" + recordType + "; expected "
                        + WireFormat.CONTENT_TYPE_ARROW + " without a record type, or "
                        + WireFormat.CONTENT_TYPE_JSON + " with " + WireFormat.RECORD_TYPE_RUN_START
                        + ", " + WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE + " or " + WireFormat.RECORD_TYPE_RUN_END);
    }

    /** Whether a header version is one this build reads: a decimal integer from 1 to the newest. */
    private static boolean readableVersion(String version) {
        for (int v = 1; v <= WireFormat.NEWEST_READABLE_VERSION; v++) {
            if (Integer.toString(v).equals(version)) {
                return true;
            }
        }
        return false;
    }

    /** The media type without parameters such as {@code ; charset=utf-8}, lower case. */
    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String bare = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return bare.trim().toLowerCase(Locale.ROOT);
    }
}

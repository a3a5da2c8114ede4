package dev.cadc.core.format;

/**
 * The control record that ends a run: no checkpoint after {@code lastCheckpoint} will come. Once the
 * curriculum version of {@code lastCheckpoint} is built, the job releases everything it holds for
 * the run; records that arrive for the run afterwards are dead letters ({@link ReasonCode#RUN_ENDED}).
 *
 * <p>Added in schema version 2: the record carries {@code cadc-schema-version: 2}, so a reader that
 * knows only version 1 rejects it instead of misreading it.
 *
 * @throws InvalidRecordException BAD_CONTROL_RECORD for an empty run id or a last checkpoint below -1
 */
public record RunEnd(String runId, int lastCheckpoint) implements ControlRecord {

    public RunEnd {
        if (runId == null || runId.isEmpty()) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD, "run-end needs a non-empty run_id");
        }
        if (lastCheckpoint < -1) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD,
                    "run-end of run " + runId + ": last_checkpoint must be >= -1 (-1: the run published no checkpoint), got "
                            + lastCheckpoint);
        }
    }

    @Override
    public String recordType() {
        return WireFormat.RECORD_TYPE_RUN_END;
    }
}

package dev.cadc.core.format;

/**
 * The control record that closes a checkpoint: {@code rows} counts every POOL and PROBE row the
 * trainer published for {@code checkpoint}, so the job knows when all of them have arrived.
 *
 * @throws InvalidRecordException BAD_CONTROL_RECORD for an empty run id or a negative checkpoint or row count
 */
public record CheckpointComplete(String runId, int checkpoint, long rows) implements ControlRecord {

    public CheckpointComplete {
        if (runId == null || runId.isEmpty()) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD,
                    "checkpoint-complete needs a non-empty run_id");
        }
        if (checkpoint < 0 || rows < 0) {
            throw new InvalidRecordException(ReasonCode.BAD_CONTROL_RECORD,
                    "checkpoint-complete of run " + runId + ": checkpoint " + checkpoint + " and rows " + rows
                            + " must be >= 0");
        }
    }

    @Override
    public String recordType() {
        return WireFormat.RECORD_TYPE_CHECKPOINT_COMPLETE;
    }
}

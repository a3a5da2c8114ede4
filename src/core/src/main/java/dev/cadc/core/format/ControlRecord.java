package dev.cadc.core.format;

/**
 * A JSON control record on {@code cadc.sketches}, keyed by its run like the run's sketches so that it
 * is ordered with them in their partition.
 */
public sealed interface ControlRecord permits RunStart, CheckpointComplete, RunEnd {

    /** The run the record belongs to (also its Kafka key). */
    String runId();

    /** The value of its {@code cadc-record-type} header. */
    String recordType();
}

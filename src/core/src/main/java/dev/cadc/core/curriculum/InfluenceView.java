package dev.cadc.core.curriculum;

/**
 * Read access to a run's per-probe influence {@code A(i, p)}: samples by dense index (ascending
 * sample id), probes in the clustering's probe order.
 */
public interface InfluenceView {

    int sampleCount();

    /** The sample id of index {@code sample}; ids ascend with the index. */
    long sampleId(int sample);

    /** {@code A(i, p)}. */
    double influence(int sample, int probe);
}

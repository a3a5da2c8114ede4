package dev.cadc.cli;

import picocli.CommandLine.Option;

/**
 * The model and warm-up flags shared by {@code cadc train} and {@code cadc experiment} (a picocli
 * mixin): sketch size, the warm-up that produces the sketches, and the optimiser.
 */
final class WarmupOptions {

    @Option(names = "--sketch-dim", defaultValue = "512", description = "Sketch dimension k (default ${DEFAULT-VALUE}).")
    int sketchDim;

    @Option(names = "--warmup-steps", defaultValue = "400", description = "Warm-up steps on a random 5%% (default ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(names = "--checkpoints", defaultValue = "4", description = "Warm-up checkpoints with sketches (default ${DEFAULT-VALUE}).")
    int checkpoints;

    @Option(names = "--learning-rate", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--encoder-epochs", defaultValue = "2", description = "Pretraining epochs of the image tower (default ${DEFAULT-VALUE}).")
    int encoderEpochs;
}

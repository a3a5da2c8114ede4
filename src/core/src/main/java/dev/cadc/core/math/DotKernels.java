package dev.cadc.core.math;

import java.util.Locale;
import java.util.Optional;

/**
 * Chooses, once per JVM, the {@link DotKernel} that {@link RowBlock}s use by default, and says which one
 * it chose ({@link #vectorized()}, {@link #name()}) so that logs and benchmarks can report it.
 *
 * <p>The choice: the {@linkplain #vector() vector kernel} when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} (the {@code ./cadc} launcher and the Maven test runs do),
 * otherwise the {@linkplain #scalar() scalar kernel}. Both produce bit-identical results (those of
 * {@link Vectors#dot}), so the choice changes speed only, never a curriculum. The system property
 * {@value #PROPERTY} overrides it:
 *
 * <ul>
 *   <li>{@code auto} (the default): vector if available, else scalar;
 *   <li>{@code scalar}: the scalar kernel, even when the module is present;
 *   <li>{@code vector}: the vector kernel, and {@link #active()} throws {@link IllegalStateException} when
 *       the module is absent (for benchmarks and checks that must not silently measure the fallback).
 * </ul>
 *
 * Any other value makes {@link #active()} throw. The property is read once, when this class first needs
 * it; tests that want both kernels in one JVM take them from {@link #scalar()} and {@link #vector()} and
 * pass them to {@link RowBlock} explicitly.
 *
 * <p>Nothing is logged. When the module is present the JVM itself prints
 * {@code WARNING: Using incubator modules: jdk.incubator.vector} on standard error at start-up.
 */
public final class DotKernels {

    /** The system property that overrides the choice: {@code auto}, {@code scalar} or {@code vector}. */
    public static final String PROPERTY = "cadc.kernel";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.cadc.core.math.VectorDotKernel";
    private static final DotKernel SCALAR = new ScalarDotKernel();

    private DotKernels() {}

    /**
     * The kernel {@link RowBlock}s use unless given another.
     *
     * @throws IllegalStateException when {@value #PROPERTY} is {@code vector} and the vector kernel is not
     *     available, or has an unknown value
     */
    public static DotKernel active() {
        Choice choice = ActiveHolder.CHOICE;
        if (choice.kernel == null) {
            throw new IllegalStateException(choice.description);
        }
        return choice.kernel;
    }

    /** Whether the {@linkplain #active() active kernel} is the vector one (false when there is none). */
    public static boolean vectorized() {
        Choice choice = ActiveHolder.CHOICE;
        return choice.kernel != null && choice.kernel.vectorized();
    }

    /**
     * The active kernel and why, for logs and benchmarks, e.g. {@code "vector-512 (16 float lanes)"},
     * {@code "scalar (-Dcadc.kernel=scalar)"} or {@code "scalar (jdk.incubator.vector not available: ...)"}.
     */
    public static String name() {
        return ActiveHolder.CHOICE.description;
    }

    /** The plain-Java kernel, always available. */
    public static DotKernel scalar() {
        return SCALAR;
    }

    /** The Vector API kernel, empty when this JVM cannot load it (see {@link #vectorUnavailableReason()}). */
    public static Optional<DotKernel> vector() {
        return Optional.ofNullable(VectorHolder.KERNEL);
    }

    /** Why {@link #vector()} is empty, or empty when it is not. */
    public static Optional<String> vectorUnavailableReason() {
        return Optional.ofNullable(VectorHolder.UNAVAILABLE);
    }

    /** A kernel (null when none may be used) and the description {@link #name()} returns. */
    static final class Choice {
        final DotKernel kernel;
        final String description;

        Choice(DotKernel kernel, String description) {
            this.kernel = kernel;
            this.description = description;
        }
    }

    /**
     * The choice for a value of {@value #PROPERTY} ({@code null} when unset), given the vector kernel or
     * {@code null} and the reason it is unavailable.
     */
    static Choice choose(String property, DotKernel vector, String unavailable) {
        String mode = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        switch (mode) {
            case "":
            case "auto":
                return vector != null
                        ? new Choice(vector, describe(vector))
                        : new Choice(SCALAR, "scalar (" + unavailable + ")");
            case "scalar":
                return new Choice(SCALAR, "scalar (-D" + PROPERTY + "=scalar)");
            case "vector":
                return vector != null
                        ? new Choice(vector, describe(vector))
                        : new Choice(null, "-D" + PROPERTY + "=vector, but " + unavailable);
            default:
                return new Choice(null, "-D" + PROPERTY + " must be auto, scalar or vector, not '" + property + "'");
        }
    }

    private static String describe(DotKernel kernel) {
        return kernel.name() + " (" + kernel.lanes() + " float lanes)";
    }

    private static final class ActiveHolder {
        static final Choice CHOICE =
                choose(System.getProperty(PROPERTY), VectorHolder.KERNEL, VectorHolder.UNAVAILABLE);
    }

    /** Loads the vector kernel at most once; any failure means "not available", never an error. */
    private static final class VectorHolder {
        static final DotKernel KERNEL;
        static final String UNAVAILABLE;

        static {
            DotKernel kernel = null;
            String unavailable = null;
            try {
                // Without the module in the boot layer, linking VectorDotKernel throws NoClassDefFoundError.
                kernel = Class.forName(VECTOR_CLASS, true, DotKernels.class.getClassLoader())
                        .asSubclass(DotKernel.class)
                        .getDeclaredConstructor()
                        .newInstance();
            } catch (LinkageError | ReflectiveOperationException | RuntimeException e) {
                if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                    unavailable = VECTOR_MODULE + " not available (java needs --add-modules " + VECTOR_MODULE + ")";
                } else {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    unavailable = VECTOR_MODULE + " not usable: " + cause;
                }
            }
            KERNEL = kernel;
            UNAVAILABLE = unavailable;
        }
    }
}

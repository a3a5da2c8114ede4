package dev.cadc.cli;

import dev.cadc.core.curriculum.CurationParameters;
import dev.cadc.core.curriculum.CuratorConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The curation parameters as picocli options, made from their one declaration in core
 * ({@link CurationParameters}): same names, defaults and descriptions as the job's parameters.
 */
final class CurationOptions {

    private CurationOptions() {}

    /** A mixin with one {@code --name} option per curation parameter. */
    static CommandSpec mixin() {
        return mixin(java.util.Set.of());
    }

    /** The same without the parameters named in {@code leftOut} (a command that sets them itself). */
    static CommandSpec mixin(java.util.Set<String> leftOut) {
        CommandSpec mixin = CommandSpec.create();
        for (CurationParameters.Parameter parameter : CurationParameters.all()) {
            if (leftOut.contains(parameter.name())) {
                continue;
            }
            mixin.addOption(OptionSpec.builder("--" + parameter.name())
                    .paramLabel(parameter.label())
                    .type(String.class)
                    .defaultValue(parameter.defaultValue())
                    .description(parameter.description().replace("%", "%%") + " (default ${DEFAULT-VALUE})")
                    .build());
        }
        return mixin;
    }

    /** The values given on the command line (explicitly), by parameter name. */
    static Map<String, String> explicit(CommandSpec spec) {
        Map<String, String> values = new LinkedHashMap<>();
        for (CurationParameters.Parameter parameter : CurationParameters.all()) {
            OptionSpec option = spec.findOption("--" + parameter.name());
            if (option != null && spec.commandLine().getParseResult().hasMatchedOption(option)) {
                values.put(parameter.name(), option.getValue());
            }
        }
        return values;
    }

    /** The configuration from the command line, defaults where nothing was given. */
    static CuratorConfig config(CommandSpec spec) {
        return CurationParameters.parse(explicit(spec));
    }
}

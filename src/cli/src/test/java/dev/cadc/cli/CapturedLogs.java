package dev.cadc.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Every log line of this JVM at {@code level} and above (Kafka's broker and clients, Flink, CADC), with
 * stack traces, kept in memory while open: every configured logger is opened down to {@code level}, and
 * the root's own appenders keep printing only what the configuration let through before. Closing restores
 * the configuration.
 */
final class CapturedLogs implements AutoCloseable {

    private static final String NAME = "cadc-test-capture";

    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> shown = new CopyOnWriteArrayList<>();
    private final Map<LoggerConfig, Level> previousLevels = new HashMap<>();
    private final List<Appender> rootAppenders = new ArrayList<>();
    private final Appender appender;

    CapturedLogs(Level level) {
        appender = new AbstractAppender(NAME, null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                StringWriter line = new StringWriter();
                line.append(event.getLevel().name()).append(' ').append(event.getLoggerName()).append(" - ")
                        .append(event.getMessage().getFormattedMessage());
                if (event.getThrown() != null) {
                    line.append('\n');
                    event.getThrown().printStackTrace(new PrintWriter(line));
                }
                lines.add(line.toString());
                LoggerConfig logger = context.getConfiguration().getLoggerConfig(event.getLoggerName());
                if (event.getLevel().isMoreSpecificThan(previousLevels.getOrDefault(logger, logger.getLevel()))) {
                    shown.add(line.toString());
                }
            }
        };
        appender.start();
        Configuration configuration = context.getConfiguration();
        LoggerConfig root = configuration.getRootLogger();
        List<LoggerConfig> loggers = new ArrayList<>(configuration.getLoggers().values());
        loggers.add(root);
        for (LoggerConfig logger : loggers) {
            if (!previousLevels.containsKey(logger) && logger.getLevel().isMoreSpecificThan(level) && logger.getLevel() != level) {
                previousLevels.put(logger, logger.getLevel());
                logger.setLevel(level);
            }
        }
        rootAppenders.addAll(root.getAppenders().values());
        Filter asConfigured = new AbstractFilter() {
            @Override
            public Result filter(LogEvent event) {
                LoggerConfig logger = configuration.getLoggerConfig(event.getLoggerName());
                Level configured = previousLevels.getOrDefault(logger, logger.getLevel());
                return event.getLevel().isMoreSpecificThan(configured) ? Result.NEUTRAL : Result.DENY;
            }
        };
        rootAppenders.forEach(existing -> {
            root.removeAppender(existing.getName());
            root.addAppender(existing, null, asConfigured);
        });
        root.addAppender(appender, level, null);
        context.updateLoggers();
    }

    /** The captured lines the logging configuration lets through, i.e. what a user of the command sees. */
    List<String> shown() {
        return List.copyOf(shown);
    }

    /** The lines captured so far, each with its level, logger name and message (and stack trace). */
    List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.removeAppender(NAME);
        rootAppenders.forEach(existing -> {
            root.removeAppender(existing.getName());
            root.addAppender(existing, null, null);
        });
        previousLevels.forEach(LoggerConfig::setLevel);
        context.updateLoggers();
        appender.stop();
    }
}

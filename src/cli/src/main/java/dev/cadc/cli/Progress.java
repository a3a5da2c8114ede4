package dev.cadc.cli;

import java.io.PrintWriter;

/**
 * Progress for a person: on a terminal, a status line redrawn in place; otherwise (a pipe, a log, a
 * test) plain lines, throttled. Lines that must stay ({@code curriculum version N: ...}) always print.
 */
final class Progress {

    private final PrintWriter out;
    private final boolean terminal;
    private long lastPlainNanos;
    private int lastWidth;

    Progress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** A transient status (steps, loss); curriculum and stage lines are kept as lines. */
    synchronized void update(String status) {
        if (status.startsWith("curriculum version") || status.startsWith("stage ") && status.contains("items from")
                || status.startsWith("evaluation") || status.startsWith("warm-up")) {
            line(status);
            return;
        }
        if (terminal) {
            status = withBar(status);
            String padded = String.format("%-" + Math.max(lastWidth, status.length()) + "s", status);
            out.print("\r" + padded);
            lastWidth = status.length();
            out.flush();
        } else if (System.nanoTime() - lastPlainNanos > 5_000_000_000L) {
            lastPlainNanos = System.nanoTime();
            out.println(status);
            out.flush();
        }
    }

    private static final java.util.regex.Pattern STEPS = java.util.regex.Pattern.compile("step (\\d+)/(\\d+)");
    private static final int BAR_WIDTH = 30;

    /** {@code [#########.....] } in front of a status that says "step X/Y". */
    static String withBar(String status) {
        java.util.regex.Matcher steps = STEPS.matcher(status);
        if (!steps.find()) {
            return status;
        }
        long done = Long.parseLong(steps.group(1));
        long total = Math.max(1, Long.parseLong(steps.group(2)));
        int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + status;
    }

    /** A line that stays. */
    synchronized void line(String text) {
        if (terminal && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
        out.println(text);
        out.flush();
    }
}

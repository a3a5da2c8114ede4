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

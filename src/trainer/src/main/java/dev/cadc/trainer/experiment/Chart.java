package dev.cadc.trainer.experiment;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** A minimal PNG chart on a white canvas: y from 0 to {@code yMax}, lines, grouped or stacked bars, a legend. */
public final class Chart {
    private static final int LEFT = 70;
    private static final int RIGHT = 180;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private final BufferedImage image;
    private final Graphics2D g;
    private final int width;
    private final int height;
    private final double yMax;
    private int legendRow;

    public Chart(int width, int height, String title) {
        this(width, height, title, 1.0);
    }

    public Chart(int width, int height, String title, double yMax) {
        this.width = width;
        this.height = height;
        this.yMax = yMax > 0 ? yMax : 1.0;
        image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int tick = 0; tick <= 10; tick++) {
            int y = y(this.yMax * tick / 10.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, width - RIGHT, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, this.yMax > 10 ? "%.0f" : "%.1f", this.yMax * tick / 10.0), LEFT - 45, y + 4);
        }
        g.drawLine(LEFT, y(0), width - RIGHT, y(0));
        g.drawLine(LEFT, y(0), LEFT, y(this.yMax));
    }

    public int y(double value) {
        return (int) Math.round(height - BOTTOM - value / yMax * (height - BOTTOM - TOP));
    }

    public int x(double position, int count) {
        return (int) Math.round(LEFT + (position + 0.5) * (width - LEFT - RIGHT) / count);
    }

    public void line(List<double[]> points, int count, Color color, String label) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2.5f));
        for (int i = 0; i < points.size(); i++) {
            int px = x(points.get(i)[0], count);
            int py = y(points.get(i)[1]);
            g.fillOval(px - 4, py - 4, 8, 8);
            if (i > 0) {
                g.drawLine(x(points.get(i - 1)[0], count), y(points.get(i - 1)[1]), px, py);
            }
        }
        legend(color, label);
    }

    public void horizontal(double value, Color color, String label) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
        g.drawLine(LEFT, y(value), width - RIGHT, y(value));
        g.setStroke(new BasicStroke(1f));
        legend(color, label);
    }

    public void bar(int category, int categories, int member, int members, double value, Color color, String label) {
        if (Double.isNaN(value)) {
            return;
        }
        double slot = (double) (width - LEFT - RIGHT) / categories;
        double barWidth = slot * 0.8 / members;
        int left = (int) Math.round(LEFT + category * slot + slot * 0.1 + member * barWidth);
        g.setColor(color);
        g.fillRect(left, y(value), Math.max(1, (int) barWidth - 1), y(0) - y(value));
        if (label != null) {
            legend(color, label);
        }
    }

    /**
     * One stacked bar in slot {@code category}: {@code values[i]} drawn in {@code colors[i]}, bottom up.
     * Name the colours once with {@link #legendEntry}.
     */
    public void stack(int category, int categories, double[] values, Color[] colors) {
        double slot = (double) (width - LEFT - RIGHT) / categories;
        int left = (int) Math.round(LEFT + category * slot + slot * 0.15);
        int barWidth = Math.max(1, (int) Math.round(slot * 0.7));
        double base = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] > 0) {
                g.setColor(colors[i]);
                g.fillRect(left, y(base + values[i]), barWidth, y(base) - y(base + values[i]));
                base += values[i];
            }
        }
    }

    /** A legend line for a colour drawn without its own label (e.g. the segments of {@link #stack}). */
    public void legendEntry(Color color, String label) {
        legend(color, label);
    }

    public void xLabels(double[] budgets) {
        g.setColor(Color.BLACK);
        for (int b = 0; b < budgets.length; b++) {
            g.drawString(ExperimentReport.trim(budgets[b]), x(b, budgets.length) - 12, y(0) + 20);
        }
        g.drawString("budget (fraction of the pool)", LEFT, height - 15);
    }

    /** A label under the x axis. */
    public void xTitle(String title) {
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, height - 15);
    }

    public void categoryLabels(String[] labels) {
        g.setColor(Color.BLACK);
        for (int c = 0; c < labels.length; c++) {
            int textWidth = g.getFontMetrics().stringWidth(labels[c]);
            g.drawString(labels[c], x(c, labels.length) - textWidth / 2, y(0) + 20);
        }
    }

    private void legend(Color color, String label) {
        int top = TOP + 20 * legendRow++;
        g.setColor(color);
        g.fillRect(width - RIGHT + 15, top - 10, 14, 10);
        g.setColor(Color.BLACK);
        g.drawString(label, width - RIGHT + 35, top);
    }

    public void save(Path file) throws IOException {
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }
}

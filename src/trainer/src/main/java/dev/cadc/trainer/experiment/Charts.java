package dev.cadc.trainer.experiment;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Stroke;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.category.StatisticalLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;

/**
 * The experiment's and the demo report's plots, drawn with JFreeChart: lines and bars with error bars
 * (mean and a half-width, e.g. the 95% interval over seeds), stacked bars, histograms; axis ticks at
 * round values, a legend, PNG on a white background.
 */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
        ChartFactory.setChartTheme(StandardChartTheme.createJFreeTheme());
    }

    /** Ten distinct colours (matplotlib's tab10), in series order. */
    public static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x17becf)};

    /** The dashes of a series drawn as the twin of another (same colour). */
    public static final Stroke DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {7f, 5f}, 0f);

    private static final Stroke SOLID = new BasicStroke(2.2f);

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    private Charts() {}

    /** One series: a name, a colour, whether it is dashed, and a mean and a half-width (NaN: none) per category. */
    public record Series(String name, Paint colour, boolean dashed, double[] mean, double[] halfWidth) {}

    /**
     * Lines over categories (e.g. budgets) with error bars; {@code reference} draws named horizontal
     * lines (e.g. full data) across the plot.
     */
    public static void lines(Path file, int width, int height, String title, String xLabel, String yLabel, List<String> categories,
            List<Series> series, Map<String, Double> reference, double yLow, double yHigh) throws IOException {
        DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
        for (Series one : series) {
            for (int c = 0; c < categories.size(); c++) {
                if (!Double.isNaN(one.mean()[c])) {
                    data.add(one.mean()[c], errorOf(one.halfWidth()[c]), one.name(), categories.get(c));
                }
            }
        }
        JFreeChart chart = ChartFactory.createLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        StatisticalLineAndShapeRenderer renderer = new StatisticalLineAndShapeRenderer(true, true);
        boolean errors = series.stream().flatMapToDouble(one -> java.util.Arrays.stream(one.halfWidth())).anyMatch(h -> h > 0);
        // Error bars in each series' colour; none drawn when there are none (one seed).
        renderer.setErrorIndicatorPaint(errors ? null : new Color(0, 0, 0, 0));
        renderer.setDrawOutlines(false);
        for (int s = 0; s < series.size(); s++) {
            renderer.setSeriesPaint(s, series.get(s).colour());
            renderer.setSeriesStroke(s, series.get(s).dashed() ? DASHED : SOLID);
        }
        plot.setRenderer(renderer);
        int marker = 0;
        for (Map.Entry<String, Double> line : reference.entrySet()) {
            ValueMarker value = new ValueMarker(line.getValue(), Color.BLACK, DASHED);
            value.setLabel(line.getKey());
            value.setLabelFont(TEXT);
            value.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
            value.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_LEFT);
            value.setLabelOffset(new RectangleInsets(2, 6 + 120 * marker++, 2, 2));
            plot.addRangeMarker(value);
        }
        range(plot, yLow, yHigh);
        style(chart, true);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    /** Grouped bars over categories, one bar per series, with error bars where a half-width is given. */
    public static void bars(Path file, int width, int height, String title, String xLabel, String yLabel, List<String> categories,
            List<Series> series, double yLow, double yHigh) throws IOException {
        DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
        for (Series one : series) {
            for (int c = 0; c < categories.size(); c++) {
                data.add(Double.isNaN(one.mean()[c]) ? null : one.mean()[c], errorOf(one.halfWidth()[c]), one.name(), categories.get(c));
            }
        }
        JFreeChart chart = ChartFactory.createBarChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        StatisticalBarRenderer renderer = new StatisticalBarRenderer();
        boolean errors = series.stream().flatMapToDouble(one -> java.util.Arrays.stream(one.halfWidth())).anyMatch(h -> h > 0);
        // No error bars (one seed, or none measured): no caps drawn on the bars either.
        renderer.setErrorIndicatorPaint(errors ? Color.BLACK : new Color(0, 0, 0, 0));
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(false);
        renderer.setItemMargin(0.02);
        for (int s = 0; s < series.size(); s++) {
            Paint colour = series.get(s).colour();
            renderer.setSeriesPaint(s, series.get(s).dashed() ? lighter(colour) : colour);
        }
        plot.setRenderer(renderer);
        plot.getDomainAxis().setCategoryMargin(0.15);
        range(plot, yLow, yHigh);
        style(chart, true);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    /** Stacked bars: {@code values[s][c]} of series (stack part) {@code s} in category {@code c}. */
    public static void stacked(Path file, int width, int height, String title, String xLabel, String yLabel, List<String> categories,
            List<String> parts, Color[] colours, double[][] values, boolean integerTicks) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int s = 0; s < parts.size(); s++) {
            for (int c = 0; c < categories.size(); c++) {
                data.addValue(values[s][c], parts.get(s), categories.get(c));
            }
        }
        JFreeChart chart = ChartFactory.createStackedBarChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false,
                false);
        CategoryPlot plot = chart.getCategoryPlot();
        StackedBarRenderer renderer = (StackedBarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int s = 0; s < parts.size(); s++) {
            renderer.setSeriesPaint(s, colours[s % colours.length]);
        }
        if (integerTicks) {
            ((NumberAxis) plot.getRangeAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        if (categories.size() > 12) {
            plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        style(chart, false);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    /** Plain lines with shapes over categories (no error bars), e.g. a count per version. */
    public static void counts(Path file, int width, int height, String title, String xLabel, String yLabel, List<String> categories,
            String seriesName, double[] values) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int c = 0; c < categories.size(); c++) {
            data.addValue(values[c], seriesName, categories.get(c));
        }
        JFreeChart chart = ChartFactory.createLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        LineAndShapeRenderer renderer = new LineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, PALETTE[0]);
        renderer.setSeriesStroke(0, SOLID);
        plot.setRenderer(renderer);
        NumberAxis axis = (NumberAxis) plot.getRangeAxis();
        axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        axis.setLowerBound(0);
        axis.setUpperBound(Math.max(4, java.util.Arrays.stream(values).max().orElse(1) + 1));
        style(chart, false);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    /** A histogram of each named set of values over the same bins. */
    public static void histogram(Path file, int width, int height, String title, String xLabel, Map<String, double[]> sets,
            Color[] colours, int bins) throws IOException {
        double low = sets.values().stream().flatMapToDouble(java.util.Arrays::stream).min().orElse(-1);
        double high = sets.values().stream().flatMapToDouble(java.util.Arrays::stream).max().orElse(1);
        if (!(high > low)) {
            high = low + 1;
        }
        HistogramDataset data = new HistogramDataset();
        for (Map.Entry<String, double[]> set : sets.entrySet()) {
            if (set.getValue().length > 0) {
                data.addSeries(set.getKey(), set.getValue(), bins, low, high);
            }
        }
        JFreeChart chart = ChartFactory.createHistogram(title, xLabel, "samples", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYBarRenderer renderer = (XYBarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardXYBarPainter());
        renderer.setShadowVisible(false);
        int series = 0;
        int set = 0;
        for (double[] values : sets.values()) {
            if (values.length > 0) {
                Color colour = colours[set % colours.length];
                renderer.setSeriesPaint(series++, new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 0xb0));
            }
            set++;
        }
        ((NumberAxis) plot.getRangeAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        fonts(chart, plot.getDomainAxis(), plot.getRangeAxis());
        legend(chart, false);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    private static Number errorOf(double halfWidth) {
        return Double.isNaN(halfWidth) ? 0.0 : halfWidth;
    }

    private static Paint lighter(Paint paint) {
        Color colour = (Color) paint;
        return new Color((colour.getRed() + 255) / 2, (colour.getGreen() + 255) / 2, (colour.getBlue() + 255) / 2);
    }

    private static void range(CategoryPlot plot, double low, double high) {
        NumberAxis axis = (NumberAxis) plot.getRangeAxis();
        axis.setRange(low, high);
        axis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(high - low > 0.5 ? 0.1 : 0.05));
    }

    private static void style(JFreeChart chart, boolean legendRight) {
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinesVisible(true);
        if (plot.getRenderer() instanceof BarRenderer bars) {
            bars.setShadowVisible(false);
        }
        CategoryAxis domain = plot.getDomainAxis();
        fonts(chart, domain, plot.getRangeAxis());
        legend(chart, legendRight);
    }

    private static void fonts(JFreeChart chart, org.jfree.chart.axis.Axis domain, org.jfree.chart.axis.Axis range) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(TITLE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        for (org.jfree.chart.axis.Axis axis : new org.jfree.chart.axis.Axis[] {domain, range}) {
            axis.setLabelFont(TEXT);
            axis.setTickLabelFont(TEXT);
        }
    }

    private static void legend(JFreeChart chart, boolean right) {
        LegendTitle legend = chart.getLegend();
        if (legend == null) {
            return;
        }
        legend.setItemFont(TEXT);
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        legend.setPosition(right ? RectangleEdge.RIGHT : RectangleEdge.BOTTOM);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace HTagKube.Operator.Metrics;

/// <summary>
/// A small Prometheus text-format exporter over System.Diagnostics.Metrics (prometheus-net and
/// OpenTelemetry are not available here): counters, histograms and observable gauges of the HTagKube meters.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    static readonly double[] Buckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
    readonly MeterListener _listener = new();
    readonly ConcurrentDictionary<(string Name, string Labels), double> _sums = new();
    readonly ConcurrentDictionary<(string Name, string Labels), double> _gauges = new();
    readonly ConcurrentDictionary<(string Name, string Labels), long[]> _histograms = new();
    readonly ConcurrentDictionary<string, string> _types = new();
    readonly object _scrape = new();

    public PrometheusExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("HTagKube", StringComparison.Ordinal)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    void Record(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        switch (i)
        {
            case Counter<long> or Counter<int> or Counter<double>:
                _types[i.Name] = "counter";
                _sums.AddOrUpdate((i.Name, labels), v, (_, old) => old + v);
                break;
            case Histogram<double> or Histogram<long>:
                _types[i.Name] = "histogram";
                var h = _histograms.GetOrAdd((i.Name, labels), _ => new long[Buckets.Length + 1]);
                for (var b = 0; b < Buckets.Length; b++) if (v <= Buckets[b]) Interlocked.Increment(ref h[b]);
                Interlocked.Increment(ref h[Buckets.Length]);
                _sums.AddOrUpdate((i.Name + "_sum", labels), v, (_, old) => old + v);
                break;
            default:
                _types[i.Name] = "gauge";
                _gauges[(i.Name, labels)] = v;
                break;
        }
    }

    static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var sb = new StringBuilder("{");
        foreach (var t in tags)
        {
            if (sb.Length > 1) sb.Append(',');
            var value = Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? "";
            sb.Append(t.Key).Append("=\"").Append(value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")).Append('"');
        }
        return sb.Append('}').ToString();
    }

    public string Render()
    {
        lock (_scrape)
        {
            _gauges.Clear(); // observable gauges report current values only
            _listener.RecordObservableInstruments();
            var sb = new StringBuilder();
            foreach (var (name, type) in _types.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
                if (type == "counter")
                    foreach (var ((n, l), v) in _sums.Where(x => x.Key.Name == name)) Line(sb, n, l, v);
                else if (type == "gauge")
                    foreach (var ((n, l), v) in _gauges.Where(x => x.Key.Name == name)) Line(sb, n, l, v);
                else
                    foreach (var ((n, l), h) in _histograms.Where(x => x.Key.Name == name))
                    {
                        for (var b = 0; b < Buckets.Length; b++) Line(sb, n + "_bucket", WithLe(l, Buckets[b].ToString(CultureInfo.InvariantCulture)), h[b]);
                        Line(sb, n + "_bucket", WithLe(l, "+Inf"), h[Buckets.Length]);
                        Line(sb, n + "_count", l, h[Buckets.Length]);
                        Line(sb, n + "_sum", l, _sums.GetValueOrDefault((n + "_sum", l)));
                    }
            }
            return sb.ToString();
        }
    }

    static string WithLe(string labels, string le) => labels.Length == 0 ? $"{{le=\"{le}\"}}" : labels[..^1] + $",le=\"{le}\"}}";

    static void Line(StringBuilder sb, string name, string labels, double v) =>
        sb.Append(name).Append(labels).Append(' ').Append(v.ToString(CultureInfo.InvariantCulture)).Append('\n');

    public void Dispose() => _listener.Dispose();
}

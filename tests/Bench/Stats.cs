namespace HTagKube.Bench;

/// <summary>Percentiles (nearest rank) over a sample.</summary>
sealed class Sample(IEnumerable<double> values)
{
    readonly double[] _sorted = values.Order().ToArray();
    public int Count => _sorted.Length;
    public double P(double p) => _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];
    public double Median => P(50);
    public double Min => _sorted.Length == 0 ? double.NaN : _sorted[0];
    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];
}

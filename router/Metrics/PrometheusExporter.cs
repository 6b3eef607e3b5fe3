namespace HTagKube.Router.Metrics;

/// <summary>Serves <c>GET /metrics</c> in Prometheus text format.</summary>
public static class PrometheusExporter
{
    /// <summary>Writes the current metrics as the response.</summary>
    public static async Task WriteAsync(HttpContext ctx, RouterMetrics metrics)
    {
        using var sw = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        metrics.WriteTo(sw);
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        await ctx.Response.WriteAsync(sw.ToString(), ctx.RequestAborted);
    }
}

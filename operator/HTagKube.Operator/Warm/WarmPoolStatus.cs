using System.Globalization;
using HTagKube.Operator.Hosting;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HTagKube.Operator.Warm;

/// <summary>What the warm pool keeps and why, as a deployer reads it.</summary>
public sealed record WarmPoolState(
    int Target, int Ready, int Starting, int SessionsStarting, int Min, int Max, double ArrivalsPerSecond, double StartSeconds,
    int Scheduled)
{
    /// <summary>The ConfigMap's data: one key per figure, so <c>kubectl get -o yaml</c> reads as a table.</summary>
    public Dictionary<string, string> Data(DateTimeOffset now) => new()
    {
        ["target"] = Text(Target), ["ready"] = Text(Ready), ["starting"] = Text(Starting),
        ["sessionsStarting"] = Text(SessionsStarting), ["bounds"] = $"{Min}..{Max}", ["scheduled"] = Text(Scheduled),
        ["arrivalsPerSecond"] = ArrivalsPerSecond.ToString("0.00", CultureInfo.InvariantCulture),
        ["startSeconds"] = StartSeconds.ToString("0.0", CultureInfo.InvariantCulture),
        ["updated"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Writes the pool's state into the ConfigMap named by <c>--warm-pool-status</c> (the chart creates it, and lets the
/// operator patch only that one): <c>kubectl get configmap &lt;release&gt;-warm-pool -o yaml</c>. A change of target is
/// written at once, other changes at most every <see cref="Every"/>; an unchanged state is never written. A ConfigMap
/// that is missing (or not the operator's to patch) is said once in the log and tried again at the next change.
/// </summary>
public sealed class WarmPoolStatus(IKubernetes kube, OperatorOptions o, ILogger<WarmPoolStatus> log)
{
    /// <summary>Changes other than the target are written at most this often.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    WarmPoolState? _written;
    DateTimeOffset _writtenAt = DateTimeOffset.MinValue;
    bool _missingSaid; // until a write succeeds again

    /// <summary>Writes <paramref name="state"/> when it is due (see the class).</summary>
    public async Task WriteAsync(WarmPoolState state, CancellationToken ct)
    {
        if (o.WarmPoolStatus is not { Length: > 0 } name || state == _written) return;
        var now = DateTimeOffset.UtcNow;
        if (_written is { } last && last.Target == state.Target && now - _writtenAt < Every) return;
        var patch = new V1Patch(new Dictionary<string, object> { ["data"] = state.Data(now) }, V1Patch.PatchType.MergePatch);
        try
        {
            await kube.CoreV1.PatchNamespacedConfigMapAsync(patch, name, o.Namespace, cancellationToken: ct);
            (_written, _writtenAt, _missingSaid) = (state, now, false);
        }
        catch (HttpOperationException e)
        {
            // Missing, or no right to patch it: the pool itself goes on.
            if (!_missingSaid) log.LogWarning("warm pool: status ConfigMap {Name} not written: {Status}", name, e.Response?.StatusCode);
            _missingSaid = true;
        }
    }
}

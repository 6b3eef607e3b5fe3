namespace HTagKube.Chart.Tests.Infrastructure;

/// <summary>Poll a condition with a deadline (never a fixed sleep to synchronise).</summary>
public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; on timeout the message includes <paramref name="state"/>'s last word.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct,
        Func<Task<string>>? state = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline)
            {
                var detail = state is null ? "" : "\n" + await state();
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0}s waiting for: {what}{detail}");
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(2000, delay.TotalMilliseconds * 1.5));
        }
    }
}

using System.Diagnostics;

namespace HTagKube.Router.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes (never a blind sleep).</summary>
public static class Eventually
{
    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return;
            if (sw.Elapsed > timeout) throw new TimeoutException($"not true within {timeout.TotalSeconds} s: {what}");
            await Task.Delay(25);
        }
    }

    public static Task True(Func<bool> condition, TimeSpan timeout, string what) =>
        True(() => Task.FromResult(condition()), timeout, what);
}

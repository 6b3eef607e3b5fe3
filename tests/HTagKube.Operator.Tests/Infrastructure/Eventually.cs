namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>Poll a condition with a deadline (never a fixed sleep to synchronise).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout} waiting for: {what}");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(500, delay.TotalMilliseconds * 1.5));
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what);

    public static async Task<T> ValueAsync<T>(Func<Task<T?>> get, TimeSpan timeout, string what) where T : class
    {
        T? value = null;
        await TrueAsync(async () => (value = await get()) is not null, timeout, what);
        return value!;
    }
}

namespace HTagKube.E2E.Tests.Infrastructure;

/// <summary>Waits on a condition with a deadline instead of sleeping for synchronisation.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                var value = await probe();
                if (value is not null) return value;
            }
            catch (Exception e) { last = e; }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}", last);
            await Task.Delay(50);
        }
    }

    public static async Task True(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        await Get<object>(async () => await probe() ? new object() : null, timeout, what);

    public static Task True(Func<bool> probe, TimeSpan timeout, string what) =>
        True(() => Task.FromResult(probe()), timeout, what);
}

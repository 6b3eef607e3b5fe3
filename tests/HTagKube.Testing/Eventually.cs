namespace HTagKube.Testing;

/// <summary>
/// Waiting on a condition with a deadline, never a fixed sleep: polls (20 ms, backing off to 500 ms) until it holds,
/// else a <see cref="TimeoutException"/> that names what was awaited.
/// </summary>
public static class Eventually
{
    static readonly TimeSpan First = TimeSpan.FromMilliseconds(20), Longest = TimeSpan.FromMilliseconds(500);

    /// <summary>Until <paramref name="condition"/> holds. Its exceptions propagate (a condition may fail fast).</summary>
    /// <param name="condition">Polled until it returns true.</param>
    /// <param name="timeout">How long to wait for it.</param>
    /// <param name="what">What is awaited, for the timeout's message.</param>
    /// <param name="ct">Cancels the wait.</param>
    /// <param name="state">Optional: describes the last state seen, appended to the timeout's message.</param>
    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct = default,
        Func<Task<string>>? state = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = First;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline)
            {
                var detail = state is null ? "" : "\n" + await state();
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for: {what}{detail}");
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(Longest.TotalMilliseconds, delay.TotalMilliseconds * 1.5));
        }
    }

    /// <summary>Until <paramref name="condition"/> holds.</summary>
    public static Task True(Func<bool> condition, TimeSpan timeout, string what) =>
        True(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Until <paramref name="get"/> returns non-null; that value. Its exceptions propagate.</summary>
    public static async Task<T> Value<T>(Func<Task<T?>> get, TimeSpan timeout, string what, CancellationToken ct = default) where T : class
    {
        T? value = null;
        await True(async () => (value = await get()) is not null, timeout, what, ct);
        return value!;
    }
}

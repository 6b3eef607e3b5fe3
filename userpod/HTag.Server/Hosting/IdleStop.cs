using System.Globalization;
using HTagKube.Contract;

namespace HTag.Hosting;

/// <summary>
/// <c>HTAG_IDLE_TIMEOUT</c> (seconds; the local-mode router passes its idle timeout): a userpod nothing has reached
/// for that long, plus a grace, stops by itself. The router normally ends it at the idle timeout; this is the
/// backstop for when no router will: it died without a word, its route table (Redis) went with it, or it released
/// the userpod (<c>keep</c>) and no router adopted it. A request counts from its start to its end, so an open
/// WebSocket keeps the userpod busy; health probes do not count. An unclaimed warm-pool userpod (no request since it
/// announced itself) waits without a clock while its lifeline holds: its router owns it and refills the pool.
/// </summary>
sealed class IdleStop : IDisposable
{
    /// <summary>The grace after the idle timeout: a quarter of it, at least 5 s, so a live router always acts first.</summary>
    public static TimeSpan GraceFor(TimeSpan timeout) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, timeout.Ticks / 4));

    readonly long _limitMs;
    readonly Action _stop;
    readonly Timer _timer;
    long _lastMs = Environment.TickCount64;
    int _busy;
    volatile bool _armed;

    IdleStop(TimeSpan timeout, bool armed, Action stop)
    {
        _limitMs = (long)(timeout + GraceFor(timeout)).TotalMilliseconds;
        _armed = armed;
        _stop = stop;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_limitMs / 8, 100, 5000));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    /// <summary>The idle stop configured by <c>HTAG_IDLE_TIMEOUT</c>, or null when unset; throws for a bad value.</summary>
    /// <param name="value">The variable's value.</param>
    /// <param name="armed">Start the clock now (no lifeline holds the userpod); else at the first request or <see cref="Arm"/>.</param>
    /// <param name="stop">Called once when the userpod has been idle too long.</param>
    public static IdleStop? From(string? value, bool armed, Action stop)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || !(seconds > 0) || seconds > int.MaxValue)
            throw new ArgumentException($"{UserpodEnvironment.IdleTimeout} must be a positive number of seconds, not '{value}'");
        return new IdleStop(TimeSpan.FromSeconds(seconds), armed, stop);
    }

    /// <summary>Starts the clock (the userpod was released and may outlive its router).</summary>
    public void Arm()
    {
        Volatile.Write(ref _lastMs, Environment.TickCount64);
        _armed = true;
    }

    /// <summary>A request (not a health probe) begins; disposing the result ends it.</summary>
    public Request Begin()
    {
        Interlocked.Increment(ref _busy);
        _armed = true;
        return new Request(this);
    }

    public readonly struct Request(IdleStop owner) : IDisposable
    {
        public void Dispose()
        {
            Volatile.Write(ref owner._lastMs, Environment.TickCount64);
            Interlocked.Decrement(ref owner._busy);
        }
    }

    void Check()
    {
        if (!_armed || Volatile.Read(ref _busy) > 0) return;
        if (Environment.TickCount64 - Volatile.Read(ref _lastMs) < _limitMs) return;
        _timer.Dispose();
        _stop();
    }

    public void Dispose() => _timer.Dispose();
}

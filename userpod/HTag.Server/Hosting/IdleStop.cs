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

    readonly TimeSpan _limit;
    readonly Action _stop;
    readonly TimeProvider _time;
    readonly ITimer _timer;
    long _last;
    int _busy;
    int _stopped;
    long _wakeups;
    volatile bool _armed;

    IdleStop(TimeSpan timeout, bool armed, Action stop, TimeProvider time)
    {
        _limit = timeout + GraceFor(timeout);
        _armed = armed;
        _stop = stop;
        _time = time;
        _last = time.GetTimestamp();
        // One-shot, aimed at the earliest moment the userpod could be idle long enough: an idle userpod's process wakes
        // up once per limit, not every few seconds (idle userpods should cost ~nothing). Requests never touch the timer.
        _timer = time.CreateTimer(_ => Check(), null, _limit, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The idle stop configured by <c>HTAG_IDLE_TIMEOUT</c>, or null when unset; throws for a bad value.</summary>
    /// <param name="value">The variable's value.</param>
    /// <param name="armed">Start the clock now (no lifeline holds the userpod); else at the first request or <see cref="Arm"/>.</param>
    /// <param name="stop">Called once when the userpod has been idle too long.</param>
    /// <param name="time">The clock (tests move it by hand).</param>
    public static IdleStop? From(string? value, bool armed, Action stop, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            || !(seconds > 0) || seconds > int.MaxValue)
            throw new ArgumentException($"{UserpodEnvironment.IdleTimeout} must be a positive number of seconds, not '{value}'");
        return new IdleStop(TimeSpan.FromSeconds(seconds), armed, stop, time ?? TimeProvider.System);
    }

    /// <summary>How many times the timer woke the process (for tests).</summary>
    internal long Wakeups => Interlocked.Read(ref _wakeups);

    /// <summary>Starts the clock (the userpod was released and may outlive its router).</summary>
    public void Arm()
    {
        Volatile.Write(ref _last, _time.GetTimestamp());
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
            Volatile.Write(ref owner._last, owner._time.GetTimestamp());
            Interlocked.Decrement(ref owner._busy);
        }
    }

    void Check()
    {
        Interlocked.Increment(ref _wakeups);
        TimeSpan next;
        if (!_armed || Volatile.Read(ref _busy) > 0)
            next = _limit; // a request's end (or the arming) starts the clock: the stop is a whole limit away at least
        else
        {
            var idle = _time.GetElapsedTime(Volatile.Read(ref _last));
            if (idle < _limit) next = _limit - idle;
            else
            {
                if (Interlocked.Exchange(ref _stopped, 1) == 0)
                {
                    _timer.Dispose();
                    _stop();
                }
                return;
            }
        }
        try { _timer.Change(next, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { } // stopped meanwhile
    }

    public void Dispose() => _timer.Dispose();
}

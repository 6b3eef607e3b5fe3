using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HTag.Hosting;

/// <summary>
/// Kestrel's heartbeat: a thread that wakes every second to refresh the cached <c>Date</c> header and tick the
/// connections' timeouts (keep-alive, request headers, data rates). In an idle userpod it is the wake-up that remains
/// (60 a minute, most of an idle userpod's CPU: docs/benchmarks.md), and Kestrel has no setting for it, so its interval
/// is set through the field Kestrel reads on every wait, before the server starts. The Date header stays fresh anyway:
/// the server refreshes it at a request's start when it is a second old. Kestrel internals: if a Kestrel version renames
/// them, <see cref="TrySetInterval"/> says so and Kestrel keeps its 1 s (KestrelHeartbeatTests fail first).
/// </summary>
static class KestrelHeartbeat
{
    const string Core = ", Microsoft.AspNetCore.Server.Kestrel.Core";
    const string ServerImpl = "Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerImpl" + Core;
    const string ServiceContext = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.ServiceContext" + Core;
    const string Heartbeat = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Infrastructure.Heartbeat" + Core;
    const string DateHeaders = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.DateHeaderValueManager" + Core;

    /// <summary>Sets the heartbeat's interval of a server not yet started; false (and the reason) when Kestrel's internals
    /// are not the expected ones.</summary>
    /// <param name="server">The server, before <c>StartAsync</c>.</param>
    /// <param name="interval">The new interval.</param>
    /// <param name="refreshDate">Refreshes the cached Date header (null when it cannot).</param>
    /// <param name="why">Why it could not, else null.</param>
    public static bool TrySetInterval(KestrelServer server, TimeSpan interval, out Action? refreshDate, out string? why)
    {
        refreshDate = null;
        try
        {
            var context = Context(Inner(server));
            if (HeartbeatOf(context) is not { } heartbeat) { why = "Kestrel has no heartbeat"; return false; }
            if (DateHeadersOf(context) is { } dates) refreshDate = () => OnHeartbeat(dates);
            Interval(heartbeat) = interval;
            why = null;
            return true;
        }
        catch (Exception e) when (e is MissingMemberException or TypeLoadException or FileNotFoundException or InvalidCastException
            or NotSupportedException)
        {
            why = e.GetType().Name + ": " + e.Message;
            return false;
        }
    }

    /// <summary>KestrelServer's implementation. Reflection (the trimmer keeps a field named by a constant on a known type):
    /// an unsafe accessor cannot reach a field whose type is internal.</summary>
    static object Inner(KestrelServer server) =>
        typeof(KestrelServer).GetField("_innerKestrelServer", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(server)
        ?? throw new MissingFieldException(nameof(KestrelServer), "_innerKestrelServer");

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_ServiceContext")]
    [return: UnsafeAccessorType(ServiceContext)]
    static extern object Context([UnsafeAccessorType(ServerImpl)] object server);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Heartbeat")]
    [return: UnsafeAccessorType(Heartbeat)]
    static extern object? HeartbeatOf([UnsafeAccessorType(ServiceContext)] object context);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_DateHeaderValueManager")]
    [return: UnsafeAccessorType(DateHeaders)]
    static extern object? DateHeadersOf([UnsafeAccessorType(ServiceContext)] object context);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_interval")]
    static extern ref TimeSpan Interval([UnsafeAccessorType(Heartbeat)] object heartbeat);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "OnHeartbeat")]
    static extern void OnHeartbeat([UnsafeAccessorType(DateHeaders)] object dates);

    /// <summary>Reads the heartbeat's interval (for tests).</summary>
    internal static TimeSpan IntervalOf(KestrelServer server) =>
        HeartbeatOf(Context(Inner(server))) is { } heartbeat ? Interval(heartbeat) : Timeout.InfiniteTimeSpan;
}

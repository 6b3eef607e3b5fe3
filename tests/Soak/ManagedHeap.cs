using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace HTagKube.Soak;

/// <summary>
/// The managed heap of another .NET process right after a full blocking GC, read over its diagnostics port (what
/// dotnet-gcdump does, without the dump): an EventPipe session with the runtime's GCHeapCollect keyword makes the
/// runtime induce a gen2 GC, whose GCHeapStats event gives the live bytes per generation. RSS alone cannot tell a
/// leak from a GC that keeps committed memory (Server GC's budgets, pools); this figure can: it grows only if
/// something keeps objects reachable.
/// </summary>
static class ManagedHeap
{
    public sealed record AfterFullGc(long Gen0, long Gen1, long Gen2, long Loh, long Poh)
    {
        public long Total => Gen0 + Gen1 + Gen2 + Loh + Poh;
    }

    /// <summary>Induces a full GC in <paramref name="pid"/> and returns its heap; null if the process cannot be read in time.</summary>
    public static async Task<AfterFullGc?> ReadAsync(int pid, CancellationToken ct)
    {
        try
        {
            var client = new DiagnosticsClient(pid);
            var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
            using var session = await client.StartEventPipeSessionAsync(
                [new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, keywords)], requestRundown: false, token: ct);
            var result = new TaskCompletionSource<AfterFullGc>(TaskCreationOptions.RunContinuationsAsynchronously);
            var reader = Task.Run(() =>
            {
                using var source = new EventPipeEventSource(session.EventStream);
                var fullGc = false;
                source.Clr.GCStart += e => fullGc |= e.Depth == 2;
                // The stats of the first gen2 GC of the session: the induced one (or one that ran anyway; both are after a full GC).
                source.Clr.GCHeapStats += e =>
                {
                    if (!fullGc) return;
                    result.TrySetResult(new(e.GenerationSize0, e.GenerationSize1, e.GenerationSize2, e.GenerationSize3, e.GenerationSize4));
                    source.StopProcessing();
                };
                source.Process();
            }, CancellationToken.None);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60)); // a loaded 2-core machine: the GC and the stream can take a while
            try { return await result.Task.WaitAsync(timeout.Token); }
            finally
            {
                try { await session.StopAsync(CancellationToken.None); } catch (Exception e) when (e is ServerNotAvailableException or IOException or TimeoutException) { }
                await reader.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        catch (Exception e) when (e is ServerNotAvailableException or IOException or TimeoutException or OperationCanceledException or UnsupportedCommandException)
        {
            Console.Error.WriteLine($"managed heap of {pid}: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }
}

using System.Text.Json;
using System.Threading.Channels;

namespace HTagKube.Router.Dev;

/// <summary>
/// The dev status channel open pages listen to (server-sent events at <see cref="Path"/>, a router path, so it outlives
/// the userpods it replaces): <c>version</c> (the build serving now; a page that saw another one reloads), <c>building</c>,
/// and <c>failed</c> (the build's errors, shown in htag.js's HTAG_DEBUG overlay). A page connecting gets the current state.
/// </summary>
public sealed class DevChannel
{
    /// <summary>The events' path (htag.js opens it when the page is in debug mode).</summary>
    public const string Path = "/_htagdev/events";

    /// <summary>The cookie a dev router sets on every response (a session cookie readable by htag.js, no secret).</summary>
    public const string Cookie = "htagdev";

    readonly Lock _lock = new();
    readonly List<Channel<string>> _listeners = [];
    int _version;
    string? _error;

    /// <summary>A new build serves: every open page reloads.</summary>
    public void Serving(int version)
    {
        lock (_lock) { _version = version; _error = null; }
        Send(Event("version", version.ToString()));
    }

    /// <summary>A build started.</summary>
    public void Building() => Send(Event("building", ""));

    /// <summary>A build failed: its errors show in every open page (the previous build keeps serving).</summary>
    public void Failed(string errors)
    {
        lock (_lock) _error = errors;
        Send(Failure(errors));
    }

    static string Failure(string errors) => Event("failed", JsonSerializer.Serialize(errors, DevJson.Default.String));

    /// <summary>Number of pages listening (tests).</summary>
    public int Listeners { get { lock (_lock) return _listeners.Count; } }

    static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";

    void Send(string text)
    {
        lock (_lock) foreach (var l in _listeners) l.Writer.TryWrite(text);
    }

    /// <summary>Serves one page's event stream until it goes away.</summary>
    public async Task HandleAsync(HttpContext ctx)
    {
        var ct = ctx.RequestAborted;
        var mine = Channel.CreateBounded<string>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _listeners.Add(mine);
            mine.Writer.TryWrite(Event("version", _version.ToString()));
            if (_error is { } e) mine.Writer.TryWrite(Failure(e));
        }
        try
        {
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-store";
            await ctx.Response.Body.FlushAsync(ct);
            await foreach (var text in mine.Reader.ReadAllAsync(ct))
            {
                await ctx.Response.WriteAsync(text, ct);
                await ctx.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) { } // the page went away
        catch (IOException) { }
        finally { lock (_lock) _listeners.Remove(mine); }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
sealed partial class DevJson : System.Text.Json.Serialization.JsonSerializerContext;

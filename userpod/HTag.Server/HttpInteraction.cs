using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HTag;

/// <summary>http-only mode: one interaction per POST; streamed partial updates are merged into the reply.</summary>
static class HttpInteraction
{
    public static async Task HandleAsync(HttpContext ctx, HTagServer server)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            await WriteAsync(ctx, StatusCodes.Status405MethodNotAllowed, new ServerMessage { Err = "POST expected" }).ConfigureAwait(false);
            return;
        }
        var appPath = ctx.Request.Query["app"].ToString();
        var instance = server.FindHost(appPath)?.Find(ctx.Request.Query["i"].ToString());
        if (instance is null)
        {
            await WriteAsync(ctx, StatusCodes.Status200OK, new ServerMessage { Reload = true }).ConfigureAwait(false);
            return;
        }
        var body = await ReadLimitedAsync(ctx, instance.Host.MaxMessageBytes).ConfigureAwait(false);
        if (body is null)
        {
            await WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge, new ServerMessage { Err = "message too big" })
                .ConfigureAwait(false);
            return;
        }
        ClientMessage? msg;
        try { msg = JsonSerializer.Deserialize(body.Value.Span, WireJson.Default.ClientMessage); }
        catch (JsonException) { msg = null; }
        if (msg is not null && instance.PostChannel is { } channel)
        {
            msg = channel.Open(msg, out var why);
            if (msg is null)
            {
                await WriteAsync(ctx, StatusCodes.Status400BadRequest, new ServerMessage { Err = why }).ConfigureAwait(false);
                return;
            }
        }
        if (msg is null)
        {
            await WriteAsync(ctx, StatusCodes.Status400BadRequest, new ServerMessage { Err = "malformed message" }).ConfigureAwait(false);
            return;
        }
        // A timed-out one is a 200 too: its reply carries the error (and the page reloads).
        var (merged, _) = await RunMergedAsync(send => Interactions.RunAsync(instance, msg, send, ctx.RequestAborted))
            .ConfigureAwait(false);
        if (instance.Runtime.Exited) instance.Host.Forget(instance);
        await WriteAsync(ctx, StatusCodes.Status200OK, instance.PostChannel is { } ch ? ch.Seal(merged) : merged).ConfigureAwait(false);
    }

    /// <summary>
    /// The instance a POST from a page addresses (<c>app</c>, <c>i</c>) for <paramref name="what"/>, or null after
    /// answering 405 (not a POST), 404 (no such instance) or 403 (parano app: these requests are not encrypted).
    /// </summary>
    internal static async Task<Instance?> FindForPostAsync(HttpContext ctx, HTagServer server, string what)
    {
        if (!HttpMethods.IsPost(ctx.Request.Method))
        {
            await WriteAsync(ctx, StatusCodes.Status405MethodNotAllowed, new ServerMessage { Err = "POST expected" }).ConfigureAwait(false);
            return null;
        }
        var instance = server.FindHost(ctx.Request.Query["app"].ToString())?.Find(ctx.Request.Query["i"].ToString());
        if (instance is null)
        {
            await WriteAsync(ctx, StatusCodes.Status404NotFound, new ServerMessage { Err = "no such app instance (reload the page)" })
                .ConfigureAwait(false);
            return null;
        }
        if (instance.Cipher is not null)
        {
            await WriteAsync(ctx, StatusCodes.Status403Forbidden, new ServerMessage { Err = what + " are not available in parano mode" })
                .ConfigureAwait(false);
            return null;
        }
        return instance;
    }

    /// <summary>Runs one interaction (<see cref="Interactions"/>, given the partial-update sender) for one HTTP request,
    /// its streamed partial updates merged into the one reply; <c>Finished</c> is false when it timed out (the reply has
    /// the error).</summary>
    internal static async Task<(ServerMessage Merged, bool Finished)> RunMergedAsync(
        Func<Func<ServerMessage, Task<bool>>, Task<ServerMessage?>> interact)
    {
        var merged = new ServerMessage();
        var sealedReply = false;
        var reply = await interact(part =>
        {
            // A timed-out handler may still flush while the reply is being written: its late parts go nowhere.
            lock (merged) if (!sealedReply) Merge(merged, part);
            return Task.FromResult(!sealedReply);
        }).ConfigureAwait(false);
        lock (merged)
        {
            if (reply is not null) Merge(merged, reply);
            sealedReply = true;
        }
        return (merged, reply is not null);
    }

    /// <summary>200, or 404 when what it named was not there, 500 when the app code threw, 503 when it timed out.</summary>
    internal static int StatusOf(ServerMessage merged, bool finished) =>
        !finished ? StatusCodes.Status503ServiceUnavailable
        : merged.NotFound ? StatusCodes.Status404NotFound
        : merged.Err is null ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;

    /// <summary>The request body, or null when it is over <paramref name="max"/> bytes (declared or sent).</summary>
    internal static async Task<ReadOnlyMemory<byte>?> ReadLimitedAsync(HttpContext ctx, int max)
    {
        if (ctx.Request.ContentLength > max) return null;
        var buffer = new byte[max + 1];
        var n = 0;
        while (n < buffer.Length)
        {
            var r = await ctx.Request.Body.ReadAsync(buffer.AsMemory(n), ctx.RequestAborted).ConfigureAwait(false);
            if (r == 0) break;
            n += r;
        }
        return n > max ? null : buffer.AsMemory(0, n);
    }

    internal static void Merge(ServerMessage into, ServerMessage m)
    {
        if (m.Update is not null)
        {
            into.Update ??= new(StringComparer.Ordinal);
            foreach (var (k, v) in m.Update) { into.Update.Remove(k); into.Update[k] = v; }
        }
        if (m.Js is not null) (into.Js ??= []).AddRange(m.Js);
        into.Title = m.Title ?? into.Title;
        into.Err = m.Err ?? into.Err;
        into.Reload = m.Reload ?? into.Reload;
        into.Result = m.Result ?? into.Result;
        into.NotFound |= m.NotFound;
    }

    internal static async Task WriteAsync(HttpContext ctx, int status, ServerMessage msg)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-store";
        byte[] json;
        try { json = JsonSerializer.SerializeToUtf8Bytes(msg, WireJson.Default.ServerMessage); }
        catch (ArgumentException e)
        {
            // An exposed method's result JSON cannot carry (Infinity, NaN): a clear error, not an empty 500.
            msg.Result = null;
            msg.Err = $"the result cannot be sent as JSON: {e.Message}";
            ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
            json = JsonSerializer.SerializeToUtf8Bytes(msg, WireJson.Default.ServerMessage);
        }
        await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted).ConfigureAwait(false);
    }
}

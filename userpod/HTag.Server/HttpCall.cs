using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace HTag;

/// <summary>
/// <c>POST /_htag/call?app=&amp;i=&amp;name=</c>, body a JSON array of arguments: runs an exposed method
/// (<see cref="Tag.Expose(string, Func{JsonElement[], System.Text.Json.Nodes.JsonNode})"/>) under the interaction
/// rules (same lock as handlers, timeout, watchdog). Bad input is a clear 4xx with a JSON <c>err</c>: 405 not a POST,
/// 404 unknown instance or name (the name is looked up under the lock: the tag tree is the app's), 403 parano app, 413
/// over <see cref="HTagOptions.MaxMessageBytes"/>, 400 not a JSON array. The method's own exception is a 500; the
/// instance carries on.
/// </summary>
static class HttpCall
{
    public static async Task HandleAsync(HttpContext ctx, HTagServer server)
    {
        if (await HttpInteraction.FindForPostAsync(ctx, server, "exposed calls").ConfigureAwait(false) is not { } instance) return;
        var name = ctx.Request.Query["name"].ToString();
        var body = await HttpInteraction.ReadLimitedAsync(ctx, instance.Host.MaxMessageBytes).ConfigureAwait(false);
        if (body is null)
        {
            await HttpInteraction.WriteAsync(ctx, StatusCodes.Status413PayloadTooLarge, new ServerMessage { Err = "arguments too big" })
                .ConfigureAwait(false);
            return;
        }
        JsonElement[]? args;
        try { args = JsonSerializer.Deserialize(body.Value.Span, WireJson.Default.JsonElementArray); }
        catch (JsonException) { args = null; }
        if (args is null)
        {
            await HttpInteraction.WriteAsync(ctx, StatusCodes.Status400BadRequest,
                new ServerMessage { Err = "the arguments must be a JSON array" }).ConfigureAwait(false);
            return;
        }
        var (merged, finished) = await HttpInteraction.RunMergedAsync(send => Interactions.RunAsync(instance,
            partial => instance.Runtime.CallAsync(name, args, partial, CancellationToken.None), "exposed call " + name, send,
            ctx.RequestAborted)).ConfigureAwait(false);
        if (instance.Runtime.Exited) instance.Host.Forget(instance);
        await HttpInteraction.WriteAsync(ctx, HttpInteraction.StatusOf(merged, finished), merged).ConfigureAwait(false);
    }
}

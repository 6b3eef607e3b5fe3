using System.Net;
using System.Text.Json;
using HTagKube.Routing.Identity;
using HTagKube.Router.Proxy;
using HTagKube.Router.Provisioning;
using HTagKube.Router.SignIn;

namespace HTagKube.Router.Admin;

/// <summary>
/// <c>GET /_htagkube/sessions</c> lists this router's sessions (userKey, age, idle, pid);
/// <c>DELETE /_htagkube/sessions/{userKey}</c> ends one. Loopback clients only, and with sign-in on, members of the
/// admin group (<c>--oidc-admin-group</c>) from anywhere; others get 404.
/// </summary>
public static class SessionsEndpoint
{
    /// <summary>Path prefix reserved by the router.</summary>
    public const string Prefix = "/_htagkube/sessions";

    /// <summary>Handles a request under <see cref="Prefix"/>.</summary>
    public static async Task HandleAsync(HttpContext ctx, ISessionProvisioner provisioner, ActivityTracker activity, SignInGate? signIn)
    {
        if (!IsLocal(ctx) && !(signIn is not null && signIn.IsAdmin(await signIn.PeekAsync(ctx))))
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var rest = ctx.Request.Path.Value![Prefix.Length..].Trim('/');
        if (rest.Length == 0 && HttpMethods.IsGet(ctx.Request.Method))
        {
            await ListAsync(ctx, provisioner, activity);
            return;
        }
        if (rest.Length > 0 && (HttpMethods.IsDelete(ctx.Request.Method) || HttpMethods.IsPost(ctx.Request.Method)))
        {
            if (!UserKey.IsWellFormed(rest)) { ctx.Response.StatusCode = 400; return; }
            var ended = await provisioner.EndSessionAsync(rest, ctx.RequestAborted);
            activity.Forget(rest);
            ctx.Response.StatusCode = ended ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
            return;
        }
        ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
    }

    /// <summary>A direct loopback client (not a request relayed by a local reverse proxy, whichever header family it uses).</summary>
    static bool IsLocal(HttpContext ctx) =>
        ctx.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
        && !ctx.Request.Headers.ContainsKey("X-Forwarded-For") && !ctx.Request.Headers.ContainsKey("Forwarded");

    static async Task ListAsync(HttpContext ctx, ISessionProvisioner provisioner, ActivityTracker activity)
    {
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-store";
        var now = DateTimeOffset.UtcNow;
        await using var json = new Utf8JsonWriter(ctx.Response.Body, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        foreach (var s in provisioner.ListSessions().OrderBy(s => s.Since))
        {
            json.WriteStartObject();
            json.WriteString("userKey", s.UserKey);
            json.WriteNumber("ageSeconds", Math.Round((now - s.Since).TotalSeconds, 1));
            if (activity.IdleFor(s.UserKey) is { } idle) json.WriteNumber("idleSeconds", Math.Round(idle.TotalSeconds, 1));
            else json.WriteNull("idleSeconds");
            if (s.Pid is int pid) json.WriteNumber("pid", pid); else json.WriteNull("pid");
            json.WriteString("endpoint", s.Endpoint);
            json.WriteBoolean("adopted", s.Adopted);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        await json.FlushAsync(ctx.RequestAborted);
    }
}

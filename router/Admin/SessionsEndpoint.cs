using System.Net;
using System.Text.Json;
using HTagKube.Router.Provisioning;
using HTagKube.Router.Proxy;
using HTagKube.Router.Sessions;
using HTagKube.Router.SignIn;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Admin;

/// <summary>
/// <c>GET /_htagkube/sessions</c> lists this router's sessions (userKey, age, idle, pid);
/// <c>DELETE /_htagkube/sessions/{userKey}</c> ends one and deletes its durable state (through
/// <see cref="SessionService.EndByWillAsync"/>, as logout does).
/// Loopback clients only, and with sign-in on, members of the admin group (<c>--oidc-admin-group</c>) from anywhere;
/// others get 404.
/// </summary>
public sealed class SessionsEndpoint(SessionService sessions, ISessionProvisioner provisioner, ActivityTracker activity,
    SignInGate? signIn = null)
{
    /// <summary>The listing's path; one session is <c>{Path}/{userKey}</c>.</summary>
    public const string Path = "/_htagkube/sessions";

    /// <summary>Handles a request to <see cref="Path"/> or below it.</summary>
    public async Task HandleAsync(HttpContext ctx)
    {
        if (!IsLocal(ctx) && !(signIn is not null && signIn.IsAdmin(await signIn.PeekAsync(ctx))))
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var rest = (ctx.GetRouteValue("userKey") as string ?? "").Trim('/');
        if (rest.Length == 0 && HttpMethods.IsGet(ctx.Request.Method))
        {
            await ListAsync(ctx);
            return;
        }
        if (rest.Length > 0 && (HttpMethods.IsDelete(ctx.Request.Method) || HttpMethods.IsPost(ctx.Request.Method)))
        {
            if (!UserKey.IsWellFormed(rest))
            {
                ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            var ended = await sessions.EndByWillAsync(rest, ctx.RequestAborted);
            ctx.Response.StatusCode = ended ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
            return;
        }
        ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
    }

    /// <summary>A direct loopback client (not a request relayed by a local reverse proxy, whichever header family it uses).</summary>
    static bool IsLocal(HttpContext ctx) =>
        ctx.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
        && !ctx.Request.Headers.ContainsKey("X-Forwarded-For") && !ctx.Request.Headers.ContainsKey("Forwarded")
        // The forwarded-headers middleware (--trusted-proxies) consumed X-Forwarded-For and left the proxy's address
        // here: a relayed request is never local, whatever address the proxy named.
        && !ctx.Request.Headers.ContainsKey("X-Original-For");

    async Task ListAsync(HttpContext ctx)
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
            if (s.Pid is int pid) json.WriteNumber("pid", pid);
            else json.WriteNull("pid");
            json.WriteString("endpoint", s.Endpoint);
            json.WriteBoolean("adopted", s.Adopted);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        await json.FlushAsync(ctx.RequestAborted);
    }
}

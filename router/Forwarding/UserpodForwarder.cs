using System.Net;
using System.Net.Sockets;
using HTagKube.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace HTagKube.Router.Forwarding;

/// <summary>Outcome of one forwarding attempt, as the proxy handler acts on it.</summary>
public enum ForwardResult
{
    /// <summary>Forwarded (or answered: a client error, a refused upgrade); nothing left to do.</summary>
    Done,
    /// <summary>The upstream refused the connection: the route is dead. Nothing was written to the client.</summary>
    ConnectFailed,
    /// <summary>The upstream failed before answering; nothing was written (the caller answers 502 or retries).</summary>
    UpstreamFailed,
    /// <summary>The upstream did not answer within the upstream timeout; nothing was written (the caller answers 504).</summary>
    UpstreamTimeout,
}

/// <summary>
/// Forwards one HTTP request to a userpod through YARP's <see cref="IHttpForwarder"/> (bodies streamed both ways,
/// the client's abort cancels the upstream call, a failure after the response started aborts the client), with
/// the router's one <see cref="UserpodTransformer"/> and its one connection pool.
/// </summary>
public sealed class UserpodForwarder(
    IHttpForwarder forwarder, HttpMessageInvoker client, UserpodTransformer transformer, TimeSpan upstreamTimeout)
{
    // HTTP/1.1 exactly: userpods speak it, and YARP would otherwise try HTTP/2 first.
    readonly ForwarderRequestConfig _config = new()
    {
        ActivityTimeout = upstreamTimeout,
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>
    /// Sends the request. On ConnectFailed, UpstreamFailed and UpstreamTimeout nothing was written and the response
    /// is as before the call (the caller answers or retries; a retry is safe when BodyStarted is false).
    /// </summary>
    public async ValueTask<(ForwardResult Result, bool BodyStarted)> SendAsync(HttpContext ctx, RouteEntry route)
    {
        UserpodTransformer.SetRoute(ctx, route);
        var setCookie = ctx.Response.Headers.SetCookie; // a uid cookie issued for this request
        var error = await forwarder.SendAsync(ctx, "http://" + route.Endpoint, client, _config, transformer);
        if (error == ForwarderError.None || ctx.Response.HasStarted) return (ForwardResult.Done, true);

        // Nothing sent yet: YARP set a status (and may have cleared the headers); the router's one error writer answers.
        var exception = ctx.Features.Get<IForwarderErrorFeature>()?.Exception;
        ctx.Features.Set<IForwarderErrorFeature>(null);
        var status = ctx.Response.StatusCode;
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        if (ctx.Response.Headers.SetCookie.Count == 0 && setCookie.Count > 0) ctx.Response.Headers.SetCookie = setCookie;
        var hasBody = ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0;
        switch (error)
        {
            case ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled:
                return (ForwardResult.Done, true); // the client went away
            case ForwarderError.RequestBodyClient:
                await Proxy.Pages.WriteClientErrorAsync(ctx, status, status == 413 ? "Request body too large." : "Bad request body.");
                return (ForwardResult.Done, true);
            case ForwarderError.RequestTimedOut:
                return (ForwardResult.UpstreamTimeout, hasBody);
            case ForwarderError.Request or ForwarderError.RequestCreation when exception is not null && IsConnectFailure(exception):
                return (ForwardResult.ConnectFailed, false); // refused before a byte of the body was read
            default:
                return (ForwardResult.UpstreamFailed, hasBody || error is ForwarderError.RequestBodyDestination);
        }
    }

    /// <summary>True when the failure happened while connecting (the userpod is gone), not mid-exchange.</summary>
    public static bool IsConnectFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }
                or SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                return true;
        }
        return false;
    }

    /// <summary>
    /// True when nothing accepts connections at the endpoint any more: tells a dead userpod (its pooled
    /// connection was reset) from a live one that failed a request.
    /// </summary>
    public static async Task<bool> IsDeadAsync(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon < 0 || !IPAddress.TryParse(endpoint.AsSpan(0, colon), out var ip)
            || !int.TryParse(endpoint.AsSpan(colon + 1), out var port))
            return false;
        using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ConnectAsync(new IPEndPoint(ip, port), cts.Token);
            return false;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable;
        }
        catch (OperationCanceledException) { return false; } // slow, not provably dead
    }
}

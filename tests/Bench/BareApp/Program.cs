// Baseline for the bench. Modes (first argument):
//   minimal  WebApplication.CreateBuilder + MapGet("/"): the classic bare minimal app
//   kestrel  KestrelServer without a host + one terminal delegate: the same shape as the userpod
//   echo     kestrel + WebSocketMiddleware; /ws echoes every text message: the floor for a WebSocket round trip
// Prints "htag-listening: URL" once bound, exactly like a userpod, so the bench times both the same way.
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "minimal";
var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;

if (mode == "minimal")
{
    var builder = WebApplication.CreateBuilder(rest);
    var app = builder.Build();
    app.MapGet("/", () => "hello");
    app.Lifetime.ApplicationStarted.Register(() =>
    {
        Console.Out.WriteLine("htag-listening: " + app.Urls.FirstOrDefault());
        Console.Out.Flush();
    });
    app.Run();
    return;
}

// --urls http://127.0.0.1:PORT (the only form the bench passes)
var url = rest.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:0";
var port = int.Parse(url[(url.LastIndexOf(':') + 1)..].TrimEnd('/'), System.Globalization.CultureInfo.InvariantCulture);
var options = new KestrelServerOptions { AddServerHeader = false };
options.Listen(System.Net.IPAddress.Loopback, port);
var logs = NullLoggerFactory.Instance;
using var server = new KestrelServer(Options.Create(options), new SocketTransportFactory(Options.Create(new SocketTransportOptions()), logs), logs);
RequestDelegate hello = async ctx =>
{
    if (mode == "echo" && ctx.Request.Path == "/ws" && ctx.WebSockets.IsWebSocketRequest)
    {
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ctx.RequestAborted);
            if (r.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) break;
            await ws.SendAsync(buffer.AsMemory(0, r.Count), r.MessageType, r.EndOfMessage, ctx.RequestAborted);
        }
        return;
    }
    await ctx.Response.WriteAsync("hello", ctx.RequestAborted);
};
var pipeline = mode == "echo" ? new WebSocketMiddleware(hello, Options.Create(new WebSocketOptions()), logs).Invoke : hello;
await server.StartAsync(new App(pipeline), CancellationToken.None);
Console.Out.WriteLine("htag-listening: " + server.Features.Get<IServerAddressesFeature>()!.Addresses.First());
Console.Out.Flush();
var stop = new TaskCompletionSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await server.StopAsync(CancellationToken.None);

sealed class App(RequestDelegate pipeline) : IHttpApplication<HttpContext>
{
    public HttpContext CreateContext(IFeatureCollection features) => new DefaultHttpContext(features);
    public Task ProcessRequestAsync(HttpContext context) => pipeline(context);
    public void DisposeContext(HttpContext context, Exception? exception) { }
}

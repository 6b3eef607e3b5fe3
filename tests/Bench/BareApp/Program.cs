// Baseline for the bench. Modes (first argument):
//   minimal  WebApplication.CreateBuilder + MapGet("/"): the classic bare minimal app
//   slim     WebApplication.CreateSlimBuilder + one terminal delegate: the same shape as the userpod
//   echo     slim + UseWebSockets; /ws echoes every text message: the floor for a WebSocket round trip
// Prints "htag-listening: URL" once bound, exactly like a userpod, so the bench times both the same way.
var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "minimal";
var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;

WebApplication app;
if (mode == "minimal")
{
    var builder = WebApplication.CreateBuilder(rest);
    app = builder.Build();
    app.MapGet("/", () => "hello");
}
else
{
    var builder = WebApplication.CreateSlimBuilder(rest);
    app = builder.Build();
    if (mode == "echo") app.UseWebSockets();
    app.Run(async ctx =>
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
    });
}
app.Lifetime.ApplicationStarted.Register(() =>
{
    Console.Out.WriteLine("htag-listening: " + app.Urls.FirstOrDefault());
    Console.Out.Flush();
});
app.Run();

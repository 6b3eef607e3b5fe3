using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

// Test userpod: the router↔userpod contract, plus introspection endpoints for the router tests.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
var app = builder.Build();
var token = Environment.GetEnvironmentVariable("HTAG_TOKEN");
var instance = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
long counter = 0;
long total = 0; // every request that passed the token check (health excluded)
string lastClose = "none";

app.Lifetime.ApplicationStarted.Register(() =>
{
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    Console.WriteLine("htag-listening: " + address);
});

app.UseWebSockets();
app.Use(async (ctx, next) =>
{
    var path = ctx.Request.Path.Value;
    if (path is "/healthz" or "/readyz") { await ctx.Response.WriteAsync("ok"); return; }
    if (token is not null)
    {
        var sent = ctx.Request.Headers["X-HTag-Token"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(token)))
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("missing or wrong token");
            return;
        }
    }
    Interlocked.Increment(ref total);
    await next(ctx);
});

// Who answered: pid + instance + a per-process counter (state kept across requests).
app.Map("/whoami", (HttpContext ctx) =>
    Results.Text($"pid={Environment.ProcessId} instance={instance} count={Interlocked.Increment(ref counter)} total={Volatile.Read(ref total)} " +
                 $"warmup={Environment.GetEnvironmentVariable("HTAG_WARMUP") ?? "0"}"));

// Every request header as "name: value" lines, sorted.
app.Map("/headers", (HttpContext ctx) =>
    Results.Text(string.Join('\n', ctx.Request.Headers.OrderBy(h => h.Key).Select(h => $"{h.Key}: {h.Value}"))));

// Durable state as a userpod uses it: GET/PUT /state calls the router's state endpoint at the X-HTag-State-Url it
// was told, with its own token and the X-HTag-State-Key of the request (or ?key=, to play a hostile userpod that
// asks for another user's state), and answers the router's status and body as they came.
var stateClient = new HttpClient(new SocketsHttpHandler { UseProxy = false });
app.Map("/state", async (HttpContext ctx) =>
{
    var url = ctx.Request.Headers["X-HTag-State-Url"].ToString();
    var key = ctx.Request.Query["key"].FirstOrDefault() ?? ctx.Request.Headers["X-HTag-State-Key"].ToString();
    using var call = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), url + "/_htagkube/state");
    call.Headers.TryAddWithoutValidation("X-HTag-Token", token ?? "");
    call.Headers.TryAddWithoutValidation("X-HTag-State-Key", key);
    if (HttpMethods.IsPut(ctx.Request.Method))
    {
        var body = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(body, ctx.RequestAborted);
        call.Content = new ByteArrayContent(body.ToArray());
        call.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }
    using var answer = await stateClient.SendAsync(call, ctx.RequestAborted);
    ctx.Response.StatusCode = (int)answer.StatusCode;
    ctx.Response.Headers["X-State-Status"] = ((int)answer.StatusCode).ToString();
    await ctx.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync(ctx.RequestAborted), ctx.RequestAborted);
});

// Echo: method, raw target and body streamed back.
app.Map("/echo/{**rest}", async (HttpContext ctx) =>
{
    ctx.Response.Headers["X-Echo-Method"] = ctx.Request.Method;
    ctx.Response.Headers["X-Echo-Target"] = ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
    ctx.Response.Headers["Connection"] = "X-Custom-Hop";
    ctx.Response.Headers["X-Custom-Hop"] = "must-not-pass";
    ctx.Response.Headers["Set-Cookie"] = "app=1; Path=/";
    await ctx.Request.Body.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
});

// Upload: counts bytes; answers the count and how long after the request began the first byte came.
app.MapPost("/upload", async (HttpContext ctx) =>
{
    var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    long total = 0;
    int n;
    while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0) total += n;
    ArrayPool<byte>.Shared.Return(buffer);
    return Results.Text(total.ToString());
});

// First chunk of an upload, then waits for the rest: lets a test see bytes arrive before the client finished.
var firstBytes = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
app.MapPost("/upload-tracked/{id}", async (string id, HttpContext ctx) =>
{
    var buffer = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
    {
        total += n;
        firstBytes[id] = total;
    }
    return Results.Text(total.ToString());
});
app.MapGet("/upload-progress/{id}", (string id) => Results.Text(firstBytes.GetValueOrDefault(id).ToString()));

// Download of N MiB, generated (never held in memory).
app.MapGet("/download", async (HttpContext ctx, int mb) =>
{
    ctx.Response.ContentLength = mb * 1024L * 1024;
    var chunk = new byte[64 * 1024];
    Array.Fill(chunk, (byte)'x');
    for (var i = 0; i < mb * 16; i++) await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
});

// Gated download: 1 MiB, then waits for /release/{id}, then the rest. A router that buffered whole
// responses would deliver nothing before the release.
var gates = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource>();
TaskCompletionSource Gate(string id) => gates.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
app.MapGet("/download-gated/{id}", async (HttpContext ctx, string id, int mb) =>
{
    ctx.Response.ContentLength = mb * 1024L * 1024;
    var chunk = new byte[64 * 1024];
    Array.Fill(chunk, (byte)'y');
    for (var i = 0; i < mb * 16; i++)
    {
        if (i == 16) await Gate(id).Task.WaitAsync(ctx.RequestAborted);
        await ctx.Response.Body.WriteAsync(chunk, ctx.RequestAborted);
    }
});
app.MapPost("/release/{id}", (string id) => { Gate(id).TrySetResult(); return "released"; });
app.MapGet("/abort", (HttpContext ctx) => { ctx.Abort(); return Results.Empty; });

// Slow answer; records when the client's abort reached us.
var aborts = 0;
app.MapGet("/slow", async (HttpContext ctx, int ms) =>
{
    try { await Task.Delay(ms, ctx.RequestAborted); }
    catch (OperationCanceledException) { Interlocked.Increment(ref aborts); throw; }
    return Results.Text("slow done");
});
app.MapGet("/aborts", () => Results.Text(Volatile.Read(ref aborts).ToString()));
app.MapGet("/status/{code:int}", (int code) => code is 204 or 304 ? Results.StatusCode(code) : Results.Text($"status {code}", statusCode: code));
app.MapGet("/last-close", () => Results.Text(lastClose));
app.MapPost("/exit/{code:int}", (int code) => { _ = Task.Run(async () => { await Task.Delay(50); Environment.Exit(code); }); return "bye"; });

// WebSocket echo. "close:CODE:REASON" makes the server close; "push:N" sends N messages unprompted.
app.Map("/ws", async (HttpContext ctx) =>
{
    if (!ctx.WebSockets.IsWebSocketRequest) return Results.BadRequest();
    using var ws = await ctx.WebSockets.AcceptWebSocketAsync(ctx.WebSockets.WebSocketRequestedProtocols.FirstOrDefault());
    var buffer = new byte[1024 * 1024 * 4];
    while (true)
    {
        var r = await ws.ReceiveAsync(buffer.AsMemory(), ctx.RequestAborted);
        if (r.MessageType == WebSocketMessageType.Close)
        {
            lastClose = $"{(int?)ws.CloseStatus}:{ws.CloseStatusDescription}";
            await ws.CloseOutputAsync(ws.CloseStatus ?? WebSocketCloseStatus.NormalClosure, ws.CloseStatusDescription, ctx.RequestAborted);
            return Results.Empty;
        }
        var count = r.Count;
        while (!r.EndOfMessage)
        {
            r = await ws.ReceiveAsync(buffer.AsMemory(count), ctx.RequestAborted);
            count += r.Count;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, count);
        if (text.StartsWith("close:"))
        {
            var parts = text.Split(':', 3);
            await ws.CloseAsync((WebSocketCloseStatus)int.Parse(parts[1]), parts[2], ctx.RequestAborted);
            return Results.Empty;
        }
        if (text.StartsWith("tick:"))
        {
            // Server push without user activity: a message every N ms until the socket ends.
            var every = int.Parse(text[5..]);
            _ = Task.Run(async () =>
            {
                try
                {
                    for (var i = 0; ws.State == WebSocketState.Open; i++)
                    {
                        await ws.SendAsync(Encoding.UTF8.GetBytes("tick " + i), WebSocketMessageType.Text, true, ctx.RequestAborted);
                        await Task.Delay(every, ctx.RequestAborted);
                    }
                }
                catch (Exception) { }
            });
            continue;
        }
        if (text == "headers")
        {
            // The upgrade request's headers, as /headers shows them for HTTP.
            var lines = string.Join('\n', ctx.Request.Headers.OrderBy(h => h.Key).Select(h => $"{h.Key}: {h.Value}"));
            await ws.SendAsync(Encoding.UTF8.GetBytes(lines), WebSocketMessageType.Text, true, ctx.RequestAborted);
            continue;
        }
        if (text.StartsWith("push:"))
        {
            for (var i = 0; i < int.Parse(text[5..]); i++)
                await ws.SendAsync(Encoding.UTF8.GetBytes("push " + i), WebSocketMessageType.Text, true, ctx.RequestAborted);
            continue;
        }
        await ws.SendAsync(buffer.AsMemory(0, count), r.MessageType, true, ctx.RequestAborted);
    }
});

app.MapFallback((HttpContext ctx) => Results.Text($"app path {ctx.Request.Path} pid={Environment.ProcessId}"));

// The lifeline of the router↔userpod contract (HTAG_LIFELINE=stdin, as in userpod/HTag.Server/Hosting/Lifeline.cs):
// stop when stdin, the router's pipe, ends, unless the router said "keep" first.
if (Environment.GetEnvironmentVariable("HTAG_LIFELINE") == "stdin")
    new Thread(() =>
    {
        using var input = new StreamReader(Console.OpenStandardInput());
        while (input.ReadLine() is { } line) if (line.Trim() == "keep") return;
        app.Lifetime.StopApplication();
    }) { IsBackground = true }.Start();
app.Run();

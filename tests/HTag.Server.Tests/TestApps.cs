using Microsoft.Extensions.Logging;
using System.Text.Json.Nodes;

namespace HTag.Server.Tests;

public sealed class CounterApp : Tag.Div
{
    int _n;
    protected override void Init()
    {
        var count = new Tag.Span("0") { ["class"] = "count" };
        Add(new Tag.H1("Counter"), count,
            new Tag.Button("+1") { ["class"] = "inc", OnClick = _ => count.Text = (++_n).ToString() });
    }
}

/// <summary>A button that starts a background job pushing three updates; records what UpdateAsync returned.</summary>
public sealed class PushApp : Tag.Div
{
    public static readonly System.Collections.Concurrent.ConcurrentQueue<bool> Results = new();

    protected override void Init()
    {
        var status = new Tag.Span("idle") { ["class"] = "status" };
        var start = new Tag.Button("start") { ["class"] = "start" };
        start.OnClick = e =>
        {
            _ = Task.Run(async () =>
            {
                for (var i = 1; i <= 3; i++)
                {
                    await Task.Delay(20);
                    status.Text = "push" + i;
                    Results.Enqueue(await UpdateAsync());
                }
            });
        };
        Add(status, start);
    }
}

/// <summary>Handlers that outlive any timeout: one async, one CPU-bound until <see cref="Release"/>.</summary>
public sealed class HangApp : Tag.Div
{
    public static volatile bool Release;

    protected override void Init()
    {
        var hang = new Tag.Button("hang") { ["class"] = "hang" };
        hang.On("click", _ => Task.Delay(Timeout.Infinite));
        var burn = new Tag.Button("burn") { ["class"] = "burn" };
        burn.OnClick = _ => { while (!Release) Thread.SpinWait(100); };
        var quick = new Tag.Button("quick") { ["class"] = "quick" };
        var count = new Tag.Span("0") { ["class"] = "count" };
        quick.On("click", async _ => { await Task.Delay(10); count.Text = "1"; });
        var fail = new Tag.Button("fail") { ["class"] = "fail" };
        fail.OnClick = _ => throw new InvalidOperationException("handler blew up");
        Add(count, hang, burn, quick, fail);
    }
}

/// <summary>An Init that hangs, throws, or shows what the request and user were (<c>?mode=…</c>).</summary>
public sealed class InitApp : Tag.Div
{
    public static volatile bool Release;
    static int s_hanging;

    /// <summary>How many Inits have started to hang (a test waits for its own before acting).</summary>
    public static int Hanging => Volatile.Read(ref s_hanging);

    void Init(string mode)
    {
        switch (mode)
        {
            case "hang": Interlocked.Increment(ref s_hanging); while (!Release) Thread.Sleep(20); break;
            case "throw": throw new InvalidOperationException("init blew up");
        }
        Log.LogInformation("init app with mode {Mode}", mode);
        var shown = new Tag.Pre { ["class"] = "shown" };
        shown.Text = Describe(this);
        var again = new Tag.Button("again") { ["class"] = "again" };
        again.OnClick = _ => shown.Text = "handler " + Describe(this);
        Add(shown, again);
    }

    static string Describe(Tag t) =>
        $"path={t.Request.Path} q={t.Request.QueryValue("extra")} ua={t.Request.Headers.GetValueOrDefault("User-Agent")} " +
        $"cookie={t.Request.Cookies.GetValueOrDefault("pref")} uid={t.Request.Cookies.ContainsKey("htagkube_uid")} " +
        $"token={t.Request.Headers.ContainsKey("X-HTag-Token")} ip={t.Request.ClientAddress} " +
        $"user={t.User.IsAuthenticated}/{t.User.Subject}/{t.User.Name}/{t.User.Email}/{string.Join(",", t.User.Groups)}";
}

/// <summary>Exposed methods: a sum, a read-await-write counter (races without the lock), one that throws, one that changes a
/// tag, one that hangs until released.</summary>
public sealed class ExposeApp : Tag.Div
{
    public static volatile bool Release;
    static int s_hanging;
    int _n;

    /// <summary>How many calls of "hang" have started.</summary>
    public static int Hanging => Volatile.Read(ref s_hanging);

    protected override void Init()
    {
        var shown = new Tag.Span("none") { ["class"] = "shown" };
        Expose("add", args => args[0].GetInt32() + args[1].GetInt32());
        Expose("slowinc", async _ =>
        {
            var n = _n;
            await Task.Delay(20);
            _n = n + 1;
            return _n;
        });
        Expose("show", JsonNode? (args) => { shown.Text = args[0].GetString() ?? ""; return null; });
        Expose("fail", JsonNode? (_) => throw new InvalidOperationException("exposed blew up"));
        Expose("infinity", _ => double.PositiveInfinity);
        Expose("hang", JsonNode? (_) =>
        {
            Interlocked.Increment(ref s_hanging);
            while (!Release) Thread.Sleep(20);
            return null;
        });
        Add(shown);
    }
}

/// <summary>An upload field after many tags, and a "churn" button whose handler changes the tree for 4 s (a busy handler,
/// for requests that come meanwhile: long enough for them to arrive on a loaded machine).</summary>
public sealed class ChurnUploadApp : Tag.Div
{
    static int s_churning;

    /// <summary>How many churn handlers have started.</summary>
    public static int Churning => Volatile.Read(ref s_churning);

    protected override void Init()
    {
        var churn = new Tag.Button("churn") { ["class"] = "churn" };
        churn.OnClick = _ =>
        {
            Interlocked.Increment(ref s_churning);
            var extra = new Tag.Span("x");
            for (var until = DateTime.UtcNow.AddSeconds(4); DateTime.UtcNow < until;)
            {
                Add(extra);
                extra.Remove();
            }
        };
        Add(churn);
        for (var i = 0; i < 500; i++) Add(new Tag.Span(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var input = new Tag.Input { ["type"] = "file", ["class"] = "file" };
        input.OnUpload(async u => await u.Content.CopyToAsync(Stream.Null));
        Add(input);
    }
}

/// <summary>An upload field whose handler hashes what it reads; <c>"boom"</c> files throw.</summary>
public sealed class UploadApp : Tag.Div
{
    protected override void Init()
    {
        var got = new Tag.Span("none") { ["class"] = "got" };
        var input = new Tag.Input { ["type"] = "file", ["class"] = "file" };
        input.OnUpload(async u =>
        {
            if (u.FileName == "boom") throw new InvalidOperationException("upload handler blew up");
            using var sha = System.Security.Cryptography.SHA256.Create();
            var hash = await sha.ComputeHashAsync(u.Content);
            got.Text = $"{u.FileName}|{u.ContentType}|{Convert.ToHexStringLower(hash)}";
        });
        Add(input, got);
    }
}

/// <summary>An upload field whose app handles failed uploads itself (Tag.OnUploadError).</summary>
public sealed class UploadErrorApp : Tag.Div
{
    protected override void Init()
    {
        var got = new Tag.Span("none") { ["class"] = "got" };
        var failed = new Tag.Span("none") { ["class"] = "failed" };
        var input = new Tag.Input { ["type"] = "file", ["class"] = "file" };
        input.OnUpload(async u => { await u.Content.CopyToAsync(Stream.Null); got.Text = u.FileName; });
        input.OnUploadError(e => failed.Text = $"{e.FileName}|{e.Status}|{e.Reason}");
        Add(input, got, failed);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HTag;

/// <summary>
/// One running app instance: its tag tree, the lock that serialises interactions, and dirty-tag
/// collection. Transport-agnostic; HTag.Server drives it over HTTP and WebSocket.
/// </summary>
sealed class AppRuntime
{
    static readonly AsyncLocal<Func<Task>?> s_flush = new();

    readonly SemaphoreSlim _gate = new(1, 1);
    readonly List<string> _pendingJs = [];

    public AppRuntime(Tag root)
    {
        if (root.IsFragment)
            throw new ArgumentException("An app's root is an element (a fragment has none to show the app in).", nameof(root));
        Root = root;
        InstanceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        root._runtime = this;
    }

    public Tag Root { get; }

    /// <summary>Random per instance: the browser compares it after a reconnect to detect a replaced instance. Only the
    /// page knows it, and every POST (<c>/_htag/post</c>, <c>call</c>, <c>upload</c>) and WebSocket must name it, so
    /// another site's page cannot aim a request at the instance (besides the router's SameSite=Lax uid cookie).</summary>
    public string InstanceId { get; }

    /// <summary>Sends a push message to the browser(s); false when no live connection can carry it.</summary>
    public Func<ServerMessage, Task<bool>>? PushSink { get; set; }

    /// <summary>Told about every handler exception (the host logs it).</summary>
    public Action<Tag, string, Exception>? OnHandlerError { get; set; }

    /// <summary>The user's session store (shared by the user's apps).</summary>
    public SessionStore Session { get; set; } = SessionStore.Process;

    /// <summary>Begins storing the session outside the process after each interaction that may have changed it (the host
    /// sets it behind an HTagKube router). The reply does not wait for the store; the next interaction does, so writes
    /// keep their order. A failure (as a handler's exception) is pushed to the page, or goes with the next reply.</summary>
    public Func<Task>? Persist { get; set; }

    /// <summary>The last interaction's write, watched: never faults.</summary>
    Task _persisting = Task.CompletedTask;

    /// <summary>A write's error no push could carry: the next reply's.</summary>
    string? _unreportedPersistError;

    /// <summary>The request that built this instance (<see cref="Tag.Request"/>).</summary>
    public Request Request { get; set; } = Request.Empty;

    /// <summary>The user the router vouches for (<see cref="Tag.User"/>).</summary>
    public User User { get; set; } = User.Anonymous;

    /// <summary>The app's logger (<see cref="Tag.Log"/>).</summary>
    public Microsoft.Extensions.Logging.ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>When true, errors sent to the browser include the stack trace.</summary>
    public bool Debug { get; set; }

    /// <summary>True once <see cref="Tag.Exit"/> was called: the host drops the instance.</summary>
    public bool Exited { get; internal set; }

    readonly CancellationTokenSource _ended = new();

    /// <summary>Cancelled when the instance ends (replaced, exited, timed out).</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>Ends the instance: background work watching <see cref="Ended"/> stops.</summary>
    public void End()
    {
        try { _ended.Cancel(); } catch (ObjectDisposedException) { }
    }

    internal void QueueJs(string js)
    {
        lock (_pendingJs) _pendingJs.Add(js);
    }

    readonly HashSet<Static> _sentStatics = [];

    /// <summary>Renders the whole app (first page, resync) under the interaction lock.</summary>
    public async Task<RenderResult> RenderAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try { return RenderLocked(); }
        finally { _gate.Release(); }
    }

    /// <summary>The whole app (its Render methods run first; the first one's exception propagates). Caller holds the lock.</summary>
    RenderResult RenderLocked()
    {
        Root.EnsureInit();
        var run = new RenderRun(full: true);
        Root.RunRenders(run);
        foreach (var (tag, e) in run.Errors) OnHandlerError?.Invoke(tag, "render", e);
        run.ThrowIfFailed();
        var sb = new StringBuilder();
        var ctx = new RenderContext();
        Root.RenderHtml(sb, ctx);
        List<string> js;
        lock (_pendingJs) { js = [.. _pendingJs]; _pendingJs.Clear(); }
        js.AddRange(ctx.Js);
        Root._titleChanged = false;
        _sentStatics.Clear();
        foreach (var st in ctx.Statics) _sentStatics.Add(st);
        return new RenderResult(sb.ToString(), js, [.. _sentStatics]);
    }

    /// <summary>The resync message: the whole app under this instance id, replacing the page's app element. Caller holds the
    /// lock.</summary>
    internal ServerMessage RootMessage(RenderResult r, long? ack = null)
    {
        var js = r.Statics.Select(s => s.InjectJs()).Concat(r.Js).ToList();
        return new ServerMessage
        {
            Instance = InstanceId,
            Root = r.Html,
            Title = Root.PageTitle ?? Root.GetType().Name,
            Js = js.Count > 0 ? js : null,
            Ack = ack,
        };
    }

    /// <summary><see cref="RootMessage"/> taking the lock; a Render exception becomes the message's error.</summary>
    public async Task<ServerMessage> RootMessageAsync(CancellationToken ct, long? ack = null)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try { return RootMessage(RenderLocked(), ack); }
        catch (Exception e) { return new ServerMessage { Err = ErrorText(Root, "render", e), Ack = ack }; }
        finally { _gate.Release(); }
    }

    /// <summary>Runs one interaction and returns the changes; <paramref name="sendPartial"/> carries streamed updates.</summary>
    public async Task<ServerMessage> InteractAsync(ClientMessage msg, Func<ServerMessage, Task> sendPartial, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (msg.Id is null || msg.Ev is null) return new ServerMessage { Err = "interaction without id or event" };
            var target = Root.Find(msg.Id);
            if (target is null)
            {
                // The page holds an element the app no longer has (say, one a Render replaced by a different one): resync it.
                ServerMessage resync;
                try { resync = RootMessage(RenderLocked()); }
                catch (Exception) { resync = new ServerMessage(); }
                resync.Err = $"unknown tag '{Truncate(msg.Id)}' (the page was resynced)";
                return resync;
            }
            var binding = target.GetBinding(msg.Ev);
            if (binding is null) return new ServerMessage { Err = $"tag '{target.Id}' has no '{Truncate(msg.Ev)}' handler" };
            var e = new Event(target, msg.Ev, ToStrings(msg.Data), ToStrings(msg.Args));
            return await RunHandlerAsync(flush => binding.Invoke(e, flush), sendPartial, target, msg.Ev).ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// Runs an exposed method (<see cref="Tag.Expose(string, Func{JsonElement[], JsonNode})"/>) with its JSON arguments under
    /// the same lock as handlers; the reply carries its result and, like a handler's, what changed.
    /// </summary>
    public async Task<ServerMessage> CallAsync(string name, JsonElement[] args, Func<ServerMessage, Task> sendPartial, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Root.GetExposed(name) is not { } method)
                return new ServerMessage { Err = $"no exposed method '{Truncate(name)}'", NotFound = true };
            JsonNode? result = null;
            var reply = await RunHandlerAsync(async flush => result = await method(args).ConfigureAwait(false), sendPartial, Root,
                "call " + Truncate(name)).ConfigureAwait(false);
            if (reply.Err is null) reply.Result = result;
            return reply;
        }
        finally { _gate.Release(); }
    }

    /// <summary>Runs the upload handler of tag <paramref name="id"/> (<see cref="Tag.OnUpload"/>) under the handlers' lock;
    /// without one it reads nothing.</summary>
    public async Task<ServerMessage> UploadAsync(string id, Upload upload, Func<ServerMessage, Task> sendPartial, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var target = Root.Find(id);
            if (target?._upload is not { } handler)
                return new ServerMessage { Err = $"no upload field '{Truncate(id)}' (reload the page)", NotFound = true };
            return await RunHandlerAsync(_ => handler(upload), sendPartial, target, "upload").ConfigureAwait(false);
        }
        finally { _gate.Release(); }
    }

    /// <summary>Runs app code the browser asked for (a handler, an exposed method); the caller holds the lock.
    /// Its exception is reported and becomes the reply's error (with the stack trace when Debug).</summary>
    async Task<ServerMessage> RunHandlerAsync(Func<Func<Task>, Task> run, Func<ServerMessage, Task> sendPartial, Tag target, string what)
    {
        Func<Task> flush = async () =>
        {
            var part = Collect();
            if (!part.IsEmpty) await sendPartial(part).ConfigureAwait(false);
        };
        // The previous interaction's write first: the store sees the user's changes in order.
        await _persisting.ConfigureAwait(false);
        var err = Interlocked.Exchange(ref _unreportedPersistError, null);
        s_flush.Value = flush;
        try
        {
            await run(flush).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnHandlerError?.Invoke(target, what, ex);
            err = Join(err, ErrorText(target, what, ex));
        }
        finally { s_flush.Value = null; }
        if (Persist is { } persist)
        {
            try { _persisting = WatchAsync(persist(), target, what); }
            catch (Exception ex)
            {
                OnHandlerError?.Invoke(target, what, ex);
                err = Join(err, ErrorText(target, what, ex));
            }
        }
        var result = Collect();
        if (err is not null) result.Err = result.Err is null ? err : err + "\n" + result.Err;
        return result;
    }

    /// <summary>Waits for a write begun by an interaction; its failure is reported like a handler's, pushed to the page at
    /// once when a connection can carry it, else kept for the next reply.</summary>
    async Task WatchAsync(Task write, Tag target, string what)
    {
        try { await write.ConfigureAwait(false); }
        catch (Exception ex)
        {
            OnHandlerError?.Invoke(target, what, ex);
            var text = ErrorText(target, what, ex);
            if (PushSink is { } sink && await sink(new ServerMessage { Err = text }).ConfigureAwait(false)) return;
            Volatile.Write(ref _unreportedPersistError, text);
        }
    }

    static string Join(string? first, string then) => first is null ? then : first + "\n" + then;

    /// <summary>The error the browser gets (<c>window.error</c>, the console, the debug overlay): the stack trace only with
    /// Debug.</summary>
    string ErrorText(Tag tag, string what, Exception ex) =>
        Debug ? $"{tag.GetType().Name}#{tag.Id} {what}: {ex}" : $"{tag.GetType().Name}#{tag.Id} {what}: {ex.GetType().Name}: {ex.Message}";

    /// <summary>Server push: sends what changed since the last render. Inside a handler it streams a partial update.</summary>
    public async Task<bool> PushAsync(Action? change = null)
    {
        if (s_flush.Value is { } flush)
        {
            // Inside a handler: the lock is ours already; a partial update (merged into the reply in http-only).
            change?.Invoke();
            if (PushSink is null) return false;
            await flush().ConfigureAwait(false);
            return true;
        }
        ServerMessage msg;
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            change?.Invoke();
            if (PushSink is null) return false; // http-only: the changes go with the next reply
            msg = Collect();
        }
        finally { _gate.Release(); }
        var sink = PushSink;
        return sink is not null && (msg.IsEmpty || await sink(msg).ConfigureAwait(false));
    }

    /// <summary>Everything that changed (outermost dirty tags) plus queued scripts. Caller holds the lock.</summary>
    internal ServerMessage Collect()
    {
        var run = new RenderRun(full: false);
        Root.RunRenders(run);
        var changed = new Dictionary<string, string>(StringComparer.Ordinal);
        var ctx = new RenderContext();
        Root.CollectChanged(changed, ctx);
        var msg = new ServerMessage();
        if (run.Errors.Count > 0)
        {
            foreach (var (tag, e) in run.Errors) OnHandlerError?.Invoke(tag, "render", e);
            msg.Err = string.Join("\n", run.Errors.Select(x => ErrorText(x.Tag, "render", x.Error)));
        }
        if (changed.Count > 0) msg.Update = changed;
        var js = new List<string>();
        // Statics of tag types that appear for the first time go to the head now.
        foreach (var st in ctx.Statics)
            if (_sentStatics.Add(st)) js.Add(st.InjectJs());
        if (Root._titleChanged)
        {
            Root._titleChanged = false;
            msg.Title = Root.PageTitle ?? "";
        }
        js.AddRange(ctx.Js);
        lock (_pendingJs)
        {
            js.AddRange(_pendingJs);
            _pendingJs.Clear();
        }
        if (js.Count > 0) msg.Js = js;
        return msg;
    }

    /// <summary>Sets up the root: calls its Init with arguments from the query (htagweb's url2ak rules) and the route values.</summary>
    public void Init(
        [DynamicallyAccessedMembers(InitArgs.AppMembers)] Type appType,
        string? query,
        IReadOnlyDictionary<string, string>? routeValues = null)
    {
        InitArgs.Run(Root, appType, query, routeValues);
    }

    static string Truncate(string s) => s.Length > 40 ? s[..40] : s;

    static Dictionary<string, string?> ToStrings(Dictionary<string, JsonElement>? data)
    {
        var d = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (data is null) return d;
        foreach (var (k, v) in data) d[k] = ToString(v);
        return d;
    }

    static List<string?> ToStrings(List<JsonElement>? args) => args is null ? [] : args.ConvertAll(ToString);

    static string? ToString(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => v.GetRawText(),
    };
}

/// <summary>A full render: the app's HTML, scripts to run after it, the statics its head needs.</summary>
sealed record RenderResult(string Html, List<string> Js, List<Static> Statics);

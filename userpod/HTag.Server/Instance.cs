
namespace HTag;

/// <summary>A live app instance on the server side: its runtime plus the sockets of the pages showing it.</summary>
sealed class Instance
{
    readonly List<Connection> _connections = [];

    public Instance(AppHost host, AppRuntime runtime, string queryKey, HTagServer server)
    {
        Host = host;
        Runtime = runtime;
        QueryKey = queryKey;
        Server = server;
        if (!host.HttpOnly) runtime.PushSink = BroadcastAsync;
        if (host.Parano)
        {
            Cipher = new ParanoCipher(ParanoCipher.NewKey());
            PostChannel = new ParanoChannel(Cipher, runtime.InstanceId + ":post");
        }
    }

    /// <summary>Parano mode: this instance's AES-256-GCM key (null otherwise).</summary>
    public ParanoCipher? Cipher { get; }

    /// <summary>Parano mode over POST (http-only): one channel per instance.</summary>
    public ParanoChannel? PostChannel { get; }

    public AppHost Host { get; }
    public AppRuntime Runtime { get; }
    public string QueryKey { get; }
    public HTagServer Server { get; }
    public bool Dropped { get; private set; }

    /// <summary>Which numbered interactions of which page already ran (a resend after a reconnect runs once).</summary>
    public DeliveredInteractions Delivered { get; } = new();

    public void Attach(Connection c)
    {
        lock (_connections) _connections.Add(c);
    }

    public void Detach(Connection c)
    {
        lock (_connections) _connections.Remove(c);
    }

    /// <summary>Sends to every open page of this instance; false when none received it.</summary>
    public async Task<bool> BroadcastAsync(ServerMessage msg)
    {
        Connection[] all;
        lock (_connections) all = [.. _connections];
        var any = false;
        foreach (var c in all)
            if (await c.TrySendAsync(msg).ConfigureAwait(false)) any = true;
        return any;
    }

    /// <summary>
    /// Ends the instance. With <paramref name="reload"/> open pages reload at once (exit, timeout: the same
    /// query gets a fresh instance); without, they are closed as replaced and reload on their next event.
    /// </summary>
    public void Drop(bool reload)
    {
        if (Dropped) return;
        Dropped = true;
        Runtime.PushSink = null;
        Runtime.End();
        Connection[] all;
        lock (_connections) { all = [.. _connections]; _connections.Clear(); }
        foreach (var c in all) _ = reload ? c.CloseWithReloadAsync() : c.CloseReplacedAsync();
    }
}

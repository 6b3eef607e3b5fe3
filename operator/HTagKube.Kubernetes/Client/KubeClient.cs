using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using HTagKube.Kubernetes.Config;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Kubernetes.Client;

/// <summary>Typed REST client over HttpClient (JSON, source-generated serialization).</summary>
public sealed class KubeClient : IKubeClient, IDisposable
{
    readonly KubeConfig _config;
    readonly HttpClient _http;
    readonly TimeSpan _requestTimeout;

    public KubeClient(KubeConfig config, TimeSpan? requestTimeout = null)
    {
        _config = config;
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Watches are long-lived HTTP/1.1 streams; allow plenty of them beside normal requests.
            MaxConnectionsPerServer = 64,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = ValidateServer;
        if (config.ClientCertificate is { } cert) handler.SslOptions.ClientCertificates = [cert];
        // Per-request deadlines are set with CancellationTokens; watches must not hit a global timeout.
        _http = new HttpClient(handler) { BaseAddress = config.Server, Timeout = Timeout.InfiniteTimeSpan };
    }

    public static KubeClient FromEnvironment() => new(KubeConfig.FromEnvironment());

    public string DefaultNamespace => _config.Namespace;

    bool ValidateServer(object sender, X509Certificate? cert, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_config.InsecureSkipTlsVerify) return true;
        if (errors == SslPolicyErrors.None) return true;
        if (cert is null || _config.CaCertificates is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_config.CaCertificates);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(cert as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(cert.GetRawCertData()));
    }

    public async Task<T> GetAsync<T>(KubeResource<T> r, string? ns, string name, CancellationToken ct) where T : class, IKubeObject
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, r.ItemPath(ns, name));
        return await SendAsync(req, r.Type, $"get {r.Plural}/{name}", ct);
    }

    public async Task<T?> TryGetAsync<T>(KubeResource<T> r, string? ns, string name, CancellationToken ct) where T : class, IKubeObject
    {
        try { return await GetAsync(r, ns, name, ct); }
        catch (KubeNotFoundException) { return null; }
    }

    public async Task<KubeList<T>> ListAsync<T>(KubeResource<T> r, string? ns, ListOptions? options, CancellationToken ct) where T : class, IKubeObject
    {
        var q = new Query();
        q.Add("labelSelector", options?.LabelSelector);
        q.Add("fieldSelector", options?.FieldSelector);
        q.Add("limit", options?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        q.Add("continue", options?.Continue);
        using var req = new HttpRequestMessage(HttpMethod.Get, r.CollectionPath(ns) + q);
        return await SendAsync(req, r.ListType, $"list {r.Plural}", ct);
    }

    public async Task<T> CreateAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject
    {
        Stamp(r, obj);
        using var req = new HttpRequestMessage(HttpMethod.Post, r.CollectionPath(r.Namespaced ? NsOf(obj) : null)) { Content = Json(obj, r) };
        return await SendAsync(req, r.Type, $"create {r.Plural}/{obj.Metadata.Name ?? obj.Metadata.GenerateName}", ct);
    }

    public Task<T> ReplaceAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject =>
        PutAsync(r, obj, "", ct);

    public Task<T> ReplaceStatusAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject =>
        PutAsync(r, obj, "/status", ct);

    async Task<T> PutAsync<T>(KubeResource<T> r, T obj, string sub, CancellationToken ct) where T : class, IKubeObject
    {
        Stamp(r, obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("metadata.name is required");
        using var req = new HttpRequestMessage(HttpMethod.Put, r.ItemPath(r.Namespaced ? NsOf(obj) : null, name) + sub) { Content = Json(obj, r) };
        return await SendAsync(req, r.Type, $"replace {r.Plural}/{name}{sub}", ct);
    }

    public async Task<T> PatchAsync<T>(KubeResource<T> r, string? ns, string name, KubePatch patch, CancellationToken ct, bool status = false) where T : class, IKubeObject
    {
        using var req = new HttpRequestMessage(HttpMethod.Patch, r.ItemPath(ns, name) + (status ? "/status" : ""))
        {
            Content = new StringContent(patch.Body, Encoding.UTF8, patch.ContentType),
        };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue(patch.ContentType);
        return await SendAsync(req, r.Type, $"patch {r.Plural}/{name}", ct);
    }

    public async Task<bool> DeleteAsync<T>(KubeResource<T> r, string? ns, string name, DeleteOptions? options, CancellationToken ct) where T : class, IKubeObject
    {
        using var req = new HttpRequestMessage(HttpMethod.Delete, r.ItemPath(ns, name));
        if (options is not null)
            req.Content = new StringContent(JsonSerializer.Serialize(options, KubeJsonContext.Default.DeleteOptions), Encoding.UTF8, "application/json");
        try
        {
            await SendAsync<Status>(req, null, $"delete {r.Plural}/{name}", ct);
            return true;
        }
        catch (KubeNotFoundException) { return false; }
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(KubeResource<T> r, string? ns, WatchOptions options, [EnumeratorCancellation] CancellationToken ct) where T : class, IKubeObject
    {
        var q = new Query();
        q.Add("watch", "true");
        q.Add("resourceVersion", options.ResourceVersion);
        q.Add("labelSelector", options.LabelSelector);
        q.Add("fieldSelector", options.FieldSelector);
        q.Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (options.AllowBookmarks) q.Add("allowWatchBookmarks", "true");
        using var req = new HttpRequestMessage(HttpMethod.Get, r.CollectionPath(ns) + q);
        // Watchdog: a silently dead connection (no FIN) must not stall a watch forever; the server itself
        // ends the stream after timeoutSeconds, so a read that outlives it by a minute ends it here too.
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (options.TimeoutSeconds is int t) watchdog.CancelAfter(TimeSpan.FromSeconds(t + 60));
        await AuthorizeAsync(req, ct);
        using var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, watchdog.Token);
        if (!resp.IsSuccessStatusCode) throw await ErrorAsync(resp, $"watch {r.Plural}", ct);
        await using var stream = await resp.Content.ReadAsStreamAsync(watchdog.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await ReadLineAsync(reader, watchdog, ct) is { } line)
        {
            if (line.Length == 0) continue;
            var raw = JsonSerializer.Deserialize(line, KubeJsonContext.Default.RawWatchEvent) ?? throw new JsonException("empty watch event");
            switch (raw.Type)
            {
                case "ERROR":
                    var status = raw.Object.Deserialize(KubeJsonContext.Default.Status);
                    throw KubeApiException.From((HttpStatusCode)(status?.Code ?? 500), status, $"watch {r.Plural}");
                case "ADDED": yield return new(WatchEventType.Added, Obj(raw, r)); break;
                case "MODIFIED": yield return new(WatchEventType.Modified, Obj(raw, r)); break;
                case "DELETED": yield return new(WatchEventType.Deleted, Obj(raw, r)); break;
                case "BOOKMARK": yield return new(WatchEventType.Bookmark, Obj(raw, r)); break;
                default: throw new JsonException($"unknown watch event type '{raw.Type}'");
            }
        }
    }

    /// <summary>Next line; null at the end of the stream or when the watchdog (not the caller) fired.</summary>
    static async Task<string?> ReadLineAsync(StreamReader reader, CancellationTokenSource watchdog, CancellationToken ct)
    {
        try { return await reader.ReadLineAsync(watchdog.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return null; }
    }

    static T Obj<T>(RawWatchEvent raw, KubeResource<T> r) where T : class, IKubeObject =>
        raw.Object.Deserialize(r.Type) ?? throw new JsonException("watch event without object");

    static string NsOf(IKubeObject o) => o.Metadata.Namespace ?? throw new ArgumentException("metadata.namespace is required");

    static void Stamp<T>(KubeResource<T> r, T obj) where T : class, IKubeObject
    {
        obj.ApiVersion ??= r.ApiVersion;
        obj.Kind ??= r.Kind;
    }

    static StringContent Json<T>(T obj, KubeResource<T> r) where T : class, IKubeObject =>
        new(JsonSerializer.Serialize(obj, r.Type), Encoding.UTF8, "application/json");

    async Task AuthorizeAsync(HttpRequestMessage req, CancellationToken ct)
    {
        var token = _config.TokenFile is { } f ? (await File.ReadAllTextAsync(f, ct)).Trim() : _config.Token;
        if (!string.IsNullOrEmpty(token)) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    async Task<TOut> SendAsync<TOut>(HttpRequestMessage req, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TOut>? type, string what, CancellationToken ct)
        where TOut : class
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_requestTimeout);
        await AuthorizeAsync(req, cts.Token);
        using var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseContentRead, cts.Token);
        if (!resp.IsSuccessStatusCode) throw await ErrorAsync(resp, what, cts.Token);
        if (type is null) return null!;
        await using var body = await resp.Content.ReadAsStreamAsync(cts.Token);
        return await JsonSerializer.DeserializeAsync(body, type, cts.Token) ?? throw new JsonException($"{what}: empty response");
    }

    static async Task<KubeApiException> ErrorAsync(HttpResponseMessage resp, string what, CancellationToken ct)
    {
        var text = await resp.Content.ReadAsStringAsync(ct);
        Status? status = null;
        try { status = JsonSerializer.Deserialize(text, KubeJsonContext.Default.Status); }
        catch (JsonException) { status = new Status { Message = text.Length > 200 ? text[..200] : text }; }
        return KubeApiException.From(resp.StatusCode, status, what);
    }

    public void Dispose() => _http.Dispose();

    sealed class Query
    {
        readonly StringBuilder _sb = new();
        public void Add(string key, string? value)
        {
            if (value is null) return;
            _sb.Append(_sb.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }
        public override string ToString() => _sb.ToString();
    }
}

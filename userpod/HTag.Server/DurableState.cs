using System.Net;
using System.Net.Http.Headers;
using HTagKube.Contract;
using Microsoft.Extensions.Logging;

namespace HTag;

/// <summary>
/// Keeps the user's session (<see cref="SessionStore"/>) outside the process, at the router's state endpoint
/// (<see cref="StateProtocol"/>), so a new userpod of the same user starts where the lost one stopped. Bound by the first
/// token-verified request that carries <see cref="Headers.StateKey"/> and <see cref="Headers.StateUrl"/>: the document is
/// loaded once, then written whole after each interaction that changed it (<see cref="BeginWrite"/>). Without those
/// headers (standalone, tests) it does nothing and the session lives in memory only.
/// </summary>
sealed class DurableState(HTagServer server) : IDisposable
{
    /// <summary>The router is local (same pod network or loopback): a slow answer means it is in trouble, not far away.</summary>
    static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    readonly SemaphoreSlim _loading = new(1, 1);
    readonly Lock _order = new();
    readonly Lazy<HttpClient> _http = new(NewClient);
    string? _token;
    string? _key;
    Uri? _endpoint;
    /// <summary>The document the store holds, as this process last read or wrote it.</summary>
    byte[]? _stored;
    /// <summary>The document last handed to the store: <see cref="_stored"/>, or a newer one on its way.</summary>
    byte[]? _handed;
    /// <summary>The last write begun: the next one goes after it.</summary>
    Task _tail = Task.CompletedTask;
    bool _loaded;
    int _warnedOtherKey;

    /// <summary>True once the user's document was loaded: from then on interactions write it.</summary>
    public bool Bound => Volatile.Read(ref _loaded);

    /// <summary>The token this userpod shows the state endpoint (its own, HTAG_TOKEN); set at start.</summary>
    public void Configure(string? token) => _token = token;

    /// <summary>
    /// Loads the user's document the first time a request names it, before any app or endpoint runs with the session.
    /// False when it could not be loaded (router unreachable, error answer, unreadable document): the request must not
    /// run with an empty session that would later overwrite the stored one; the next request tries again.
    /// </summary>
    public async Task<bool> EnsureLoadedAsync(string key, string url, CancellationToken ct)
    {
        if (Bound) return Same(key, url);
        if (!IsKey(key) || !Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            server.Logger.LogWarning("ignoring malformed {KeyHeader}/{UrlHeader} headers", Headers.StateKey, Headers.StateUrl);
            return true; // nothing we could ever load from: serve in memory, as without the headers
        }
        await _loading.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Bound) return Same(key, url);
            var endpoint = new Uri(baseUri, StateProtocol.Path);
            using var request = Request(HttpMethod.Get, endpoint, key);
            byte[] document;
            try
            {
                using var response = await Http.SendAsync(request, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NoContent) document = [];
                else if (response.StatusCode == HttpStatusCode.OK)
                    document = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                else
                {
                    server.Logger.LogWarning("could not load the user's session: the state endpoint answered {Status}",
                        (int)response.StatusCode);
                    return false;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                server.Logger.LogWarning("could not load the user's session: {Reason}", e.Message);
                return false;
            }
            try
            {
                // Never mixed with what the process held before it knew its user (a warm-up's leftovers are cleared anyway).
                if (document.Length == 0) server.Session.Clear();
                else server.Session.Apply(document);
            }
            catch (FormatException e)
            {
                // Keep the stored document (it may be a newer format): refusing beats overwriting it with an empty session.
                server.Logger.LogError("the user's stored session cannot be read: {Reason}", e.Message);
                return false;
            }
            lock (_order)
            {
                _stored = _handed = server.Session.Serialize();
                _key = key;
                _endpoint = endpoint;
                Volatile.Write(ref _loaded, true);
            }
            server.Logger.LogInformation("user's session loaded ({Bytes} bytes)", document.Length);
            return true;
        }
        finally { _loading.Release(); }
    }

    /// <summary>A later request: the same user (the router may have moved: its latest URL counts), or another key, which
    /// this process never serves (one userpod, one user): warned once, the session stays the first user's.</summary>
    bool Same(string key, string url)
    {
        if (key != _key)
        {
            if (Interlocked.Exchange(ref _warnedOtherKey, 1) == 0)
                server.Logger.LogWarning("a request named another user's state key: ignored, this userpod keeps its first user's session");
            return true;
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var baseUri) && baseUri.Scheme is "http" or "https")
        {
            var endpoint = new Uri(baseUri, StateProtocol.Path);
            if (endpoint != Volatile.Read(ref _endpoint)) Volatile.Write(ref _endpoint, endpoint);
        }
        return true;
    }

    static bool IsKey(string key) => key.Length is > 0 and <= 128 && key.All(char.IsAsciiLetterOrDigit);

    /// <summary>
    /// Takes the session as it is now and stores it in the background, after the writes begun before it (so the last
    /// write is the newest); nothing is sent when it equals the document last handed to the store. The returned task
    /// completes when this document is stored, or when the store could not be reached (logged; the session stays in
    /// memory and the next write sends it). It fails with <see cref="InvalidOperationException"/> when the store refuses
    /// the document as too large (it keeps the previous one) or the session cannot be written: the caller reports it.
    /// Interactions begin it before their reply and await it before the next one (<see cref="AppRuntime.Persist"/>), so
    /// the reply does not wait for the store's round trip; a userpod lost within that round trip loses that one change.
    /// </summary>
    public Task BeginWrite()
    {
        if (!Bound) return Task.CompletedTask;
        lock (_order)
        {
            // Under the lock: of two writers, the later one takes the later picture of the session and writes after.
            var document = server.Session.Serialize();
            if (_handed is not null && document.AsSpan().SequenceEqual(_handed))
            {
                // Nothing new: at most wait for the same document on its way (its failure is its own writer's to report).
                return ReferenceEquals(_handed, _stored) ? Task.CompletedTask : EndOf(_tail);
            }
            _handed = document;
            return _tail = WriteAfterAsync(_tail, document);
        }
    }

    /// <summary><see cref="BeginWrite"/> and its end: endpoints and page loads store before they answer.</summary>
    public Task FlushAsync(CancellationToken ct) => BeginWrite().WaitAsync(ct);

    /// <summary>Waits (up to <paramref name="timeout"/>) for the writes begun so far; a stopping userpod keeps its last change.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        Task tail;
        lock (_order) tail = _tail;
        try { await tail.WaitAsync(timeout).ConfigureAwait(false); }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException) { }
    }

    static async Task EndOf(Task write)
    {
        try { await write.ConfigureAwait(false); }
        catch (InvalidOperationException) { }
    }

    async Task WriteAfterAsync(Task before, byte[] document)
    {
        await EndOf(before).ConfigureAwait(false); // its failure is its own writer's to report; this document is newer
        using var request = Request(HttpMethod.Put, Volatile.Read(ref _endpoint)!, _key!);
        request.Content = new ByteArrayContent(document);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(StateProtocol.ContentType);
        HttpResponseMessage response;
        try { response = await Http.SendAsync(request, CancellationToken.None).ConfigureAwait(false); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            NotStored(document);
            server.Logger.LogWarning(
                "could not store the user's session (kept in memory, tried again at the next interaction): {Reason}", e.Message);
            return;
        }
        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                lock (_order) _stored = document;
                return;
            }
            NotStored(document);
            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                var why = await ReasonAsync(response, CancellationToken.None).ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"The session ({document.Length} bytes as JSON) is over the size limit of the session store, so this " +
                    $"change was not stored: the stored session is the one before it. Keep less in Session/State. {why}".TrimEnd());
            }
            server.Logger.LogWarning(
                "could not store the user's session (kept in memory, tried again at the next interaction): "
                + "the state endpoint answered {Status}", (int)response.StatusCode);
        }
    }

    /// <summary>The store does not hold <paramref name="document"/>: unless a newer one is on its way, the next write compares
    /// the session with what the store does hold.</summary>
    void NotStored(byte[] document)
    {
        lock (_order)
        {
            if (ReferenceEquals(_handed, document)) _handed = _stored;
        }
    }

    /// <summary>The store's own words (text, short), or nothing.</summary>
    static async Task<string> ReasonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = (await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim();
            return text.Length > 300 ? text[..300] : text;
        }
        catch (HttpRequestException) { return ""; }
    }

    HttpRequestMessage Request(HttpMethod method, Uri endpoint, string key)
    {
        var request = new HttpRequestMessage(method, endpoint);
        if (_token is not null) request.Headers.TryAddWithoutValidation(Headers.Token, _token);
        request.Headers.TryAddWithoutValidation(Headers.StateKey, key);
        return request;
    }

    /// <summary>One client for the process's life: the connection to the router is reused between interactions.</summary>
    HttpClient Http => _http.Value;

    static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        ConnectTimeout = ConnectTimeout,
        UseProxy = false, // the router is on the pod network or loopback; an HTTP_PROXY must not see the user's session
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = RequestTimeout,
        MaxResponseContentBufferSize = 64L * 1024 * 1024,
    };

    public void Dispose()
    {
        if (_http.IsValueCreated) _http.Value.Dispose();
        _loading.Dispose();
    }
}

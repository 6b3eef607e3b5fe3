using System.Runtime.CompilerServices;
using HTagKube.Kubernetes.Client;
using HTagKube.Kubernetes.Models;

namespace HTagKube.Operator.Tests.Infrastructure;

/// <summary>The real client, with a switch that makes every call fail like a network partition would.</summary>
public sealed class PartitionableClient(KubeClient inner) : IKubeClient, IDisposable
{
    public volatile bool Partitioned;

    Task Check() => Partitioned ? Task.FromException(new HttpRequestException("partitioned (test)")) : Task.CompletedTask;

    public string DefaultNamespace => inner.DefaultNamespace;
    public async Task<T> GetAsync<T>(KubeResource<T> r, string? ns, string name, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.GetAsync(r, ns, name, ct); }
    public async Task<T?> TryGetAsync<T>(KubeResource<T> r, string? ns, string name, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.TryGetAsync(r, ns, name, ct); }
    public async Task<KubeList<T>> ListAsync<T>(KubeResource<T> r, string? ns, ListOptions? o, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.ListAsync(r, ns, o, ct); }
    public async Task<T> CreateAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.CreateAsync(r, obj, ct); }
    public async Task<T> ReplaceAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.ReplaceAsync(r, obj, ct); }
    public async Task<T> ReplaceStatusAsync<T>(KubeResource<T> r, T obj, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.ReplaceStatusAsync(r, obj, ct); }
    public async Task<T> PatchAsync<T>(KubeResource<T> r, string? ns, string name, KubePatch p, CancellationToken ct, bool status = false) where T : class, IKubeObject { await Check(); return await inner.PatchAsync(r, ns, name, p, ct, status); }
    public async Task<bool> DeleteAsync<T>(KubeResource<T> r, string? ns, string name, DeleteOptions? o, CancellationToken ct) where T : class, IKubeObject { await Check(); return await inner.DeleteAsync(r, ns, name, o, ct); }
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(KubeResource<T> r, string? ns, WatchOptions o, [EnumeratorCancellation] CancellationToken ct) where T : class, IKubeObject
    {
        await Check();
        await foreach (var e in inner.WatchAsync(r, ns, o, ct)) yield return e;
    }
    public void Dispose() { }
}

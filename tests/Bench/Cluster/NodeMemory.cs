using k8s;

namespace HTagKube.Bench.Cluster;

/// <summary>
/// What the node (this machine: the test cluster's kubelet and its docker run here) spends on pods, from /proc: PSS of the
/// pods' processes by program (the userpod, the pause container), of the container shims (one per container
/// with docker), and of dockerd, containerd and the kubelet; with the number of pods running on the node.
/// </summary>
sealed class NodeMemory
{
    public Dictionary<string, (long PssKb, int Processes)> Groups { get; } = new(StringComparer.Ordinal);
    public int PodsOnNode { get; private init; }

    /// <summary>Per pod, kB: each group's growth divided by the growth in pods (shims: mean PSS per shim × shims per pod).</summary>
    public sealed record PerPod(int Pods, Dictionary<string, double> Kb)
    {
        public double TotalKb => Kb.Values.Sum();
    }

    public static async Task<NodeMemory> ReadAsync(IKubernetes kube, CancellationToken ct)
    {
        var pods = (await kube.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "status.phase=Running", cancellationToken: ct)).Items.Count;
        var m = new NodeMemory { PodsOnNode = pods };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string comm, cgroup;
            try { comm = File.ReadAllText(Path.Combine(dir, "comm")).Trim(); cgroup = File.ReadAllText(Path.Combine(dir, "cgroup")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            // In a pod: its pause and the userpod.
            var inContainer = ProcFs.InNodeContainer(cgroup);
            var group = inContainer && (comm == "pause" || comm.StartsWith("HTagKube", StringComparison.Ordinal)) ? "in pods: " + comm
                : comm.StartsWith("containerd-shim", StringComparison.Ordinal) ? "container shims"
                : comm is "dockerd" or "containerd" or "kubelet" ? comm : null;
            if (group is null || ProcFs.Rollup(pid) is not { } mem) continue;
            var (kb, n) = m.Groups.GetValueOrDefault(group);
            m.Groups[group] = (kb + mem.PssKb, n + 1);
        }
        return m;
    }

    public PerPod PerPodSince(NodeMemory before)
    {
        var pods = Math.Max(1, PodsOnNode - before.PodsOnNode);
        var kb = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (group, (pss, n)) in Groups)
        {
            if (group == "container shims")
            {
                // One shim per container (pause + userpod) with docker: the mean shim times two.
                kb[group + " (2 per pod)"] = n == 0 ? 0 : 2.0 * pss / n;
                continue;
            }
            var (pssBefore, _) = before.Groups.GetValueOrDefault(group);
            kb[group] = Math.Max(0, pss - pssBefore) / (double)pods;
        }
        return new PerPod(pods, kb);
    }
}

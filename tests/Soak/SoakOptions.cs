using System.Globalization;

namespace HTagKube.Soak;

/// <summary>Command-line options of the soak.</summary>
sealed class SoakOptions
{
    public double Minutes { get; private set; } = 10;
    public int Users { get; private set; } = 50;
    /// <summary>The router's --idle-timeout: short, so sessions of users who leave expire during the run.</summary>
    public TimeSpan IdleTimeout { get; private set; } = DefaultIdleTimeout;
    static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(20);
    /// <summary>The router's --state-retention: twice the idle timeout, so a return after the session expired finds its
    /// state and a later one (<see cref="SimulatedUser"/>) does not.</summary>
    public TimeSpan StateRetention => 2 * IdleTimeout;
    /// <summary>The router's flags for both: the same in the local and the cluster soak.</summary>
    public string[] RouterLifetimeArgs =>
        ["--idle-timeout", IdleTimeout.ToString("c"), "--state-retention", StateRetention.ToString("c")];
    /// <summary>Routes in a real redis-server (loopback) instead of the router's in-memory table.</summary>
    public bool Redis { get; private set; }
    /// <summary>The operator and the router in Kubernetes mode against the test cluster ($KUBECONFIG): every user a pod.</summary>
    public bool Cluster { get; private set; }
    public string? Out { get; private set; }
    public int Seed { get; private set; } = Random.Shared.Next();

    public TimeSpan Duration => TimeSpan.FromMinutes(Minutes);

    public static SoakOptions? Parse(string[] args)
    {
        var o = new SoakOptions();
        if (args.Contains("--cluster")) (o.Minutes, o.Users) = (3, 12); // shorter and fewer by default: each user is a pod on a 2-core node
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--minutes" when double.TryParse(value, CultureInfo.InvariantCulture, out var m) && m is >= 1 and <= 120: o.Minutes = m; i++; break;
                case "--users" when int.TryParse(value, out var u) && u is >= 1 and <= 200: o.Users = u; i++; break;
                case "--idle-seconds" when int.TryParse(value, out var s) && s is >= 5 and <= 600: o.IdleTimeout = TimeSpan.FromSeconds(s); i++; break;
                case "--seed" when int.TryParse(value, out var seed): o.Seed = seed; i++; break;
                case "--redis": o.Redis = true; break;
                case "--cluster": o.Cluster = true; break;
                case "--out" when value is not null: o.Out = value; i++; break;
                default:
                    Console.Error.WriteLine($"bad argument '{args[i]}'. Usage: [--minutes 1..120] [--users 1..200] [--idle-seconds 5..600] [--seed N] [--redis | --cluster] [--out FILE]");
                    return null;
            }
        }
        return o;
    }

    public string Command
    {
        get
        {
            var args = new List<string>();
            if (Cluster) args.Add("--cluster");
            if (Minutes != (Cluster ? 3 : 10)) args.Add($"--minutes {Minutes.ToString(CultureInfo.InvariantCulture)}");
            if (Users != (Cluster ? 12 : 50)) args.Add($"--users {Users}");
            if (IdleTimeout != DefaultIdleTimeout) args.Add($"--idle-seconds {IdleTimeout.TotalSeconds:0}");
            if (Redis) args.Add("--redis");
            return "make soak" + (args.Count > 0 ? $" ARGS=\"{string.Join(' ', args)}\"" : "");
        }
    }
}

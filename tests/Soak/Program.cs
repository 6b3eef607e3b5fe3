using HTagKube.Soak;

// `make soak` = dotnet run -c Release --project tests/Soak -- [--minutes N] [--users N] [--idle-seconds N] [--redis | --cluster] [--out FILE]
// Loopback and the local test cluster only; every loop bounded. Writes docs/soak.md (soak-redis.md, soak-cluster.md);
// exits 1 on a leak or an unexpected error.
var options = SoakOptions.Parse(args);
if (options is null) return 2;
return options.Cluster ? await new ClusterSoakRun(options).RunAsync() : await new SoakRun(options).RunAsync();
